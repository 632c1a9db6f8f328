"""A file kept with active content: marked on the case page with its reasons, never served by
a plain link, downloaded only through a confirmation (POST with CSRF), audited as confirmed."""

import io

import pytest
from sqlalchemy import select
from werkzeug.exceptions import Conflict

from casework.core.audit import AuditEntry
from casework.evidence.services import attach, download_response, store_upload
from casework.extensions import db
from tests import factories
from tests.evidence import crafted
from tests.plugin.data import csrf_from, png_bytes

ACTIVE_PDF = crafted.pdf(b"<</Type/Catalog/OpenAction 2 0 R>>",
                         b"<</S/JavaScript/JS(app.alert\\(1\\))>>")


@pytest.fixture
def active(case):
    stored = store_upload(io.BytesIO(ACTIVE_PDF), "act.pdf", max_file_size=2**20)
    item = attach(case, stored, source="web")
    db.session.commit()
    return item


@pytest.fixture
def reviewer(app, login, election):
    user = factories.user("reviewer", election=election, email="kar@test.kz", regions=["KZ-KAR"])
    client = app.test_client()
    client.set_cookie("casework_lang", "en")
    assert login(client, user).status_code == 302
    client.user = user
    return client


def downloads() -> list[AuditEntry]:
    db.session.expire_all()
    return list(db.session.scalars(select(AuditEntry)
                                   .where(AuditEntry.action == "evidence.downloaded")))


def test_the_item_and_its_reasons_are_recorded(active):
    assert active.active_content == "pdf_javascript,pdf_auto_action"
    [added] = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "evidence.added"))
    assert added.details["active_content"] == ["pdf_javascript", "pdf_auto_action"]


def test_the_case_page_warns_and_links_to_the_confirmation(case, active, reviewer):
    html = reviewer.get(f"/cases/{case.reference}").get_data(as_text=True)
    confirm = f"/cases/{case.reference}/evidence/{active.id}/confirm"
    assert "Active content:" in html and "JavaScript in the PDF" in html
    assert f'href="{confirm}"' in html
    assert f'href="/cases/{case.reference}/evidence/{active.id}" download' not in html


def test_a_plain_link_never_serves_it(case, active, reviewer):
    response = reviewer.get(f"/cases/{case.reference}/evidence/{active.id}")
    assert response.status_code == 302
    assert response.location.endswith(f"/evidence/{active.id}/confirm")
    with pytest.raises(Conflict):
        download_response(active, reviewer.user)
    assert downloads() == []


def test_download_after_confirmation_is_audited(case, active, reviewer):
    url = f"/cases/{case.reference}/evidence/{active.id}/confirm"
    page = reviewer.get(url)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "actions the PDF runs when it is opened" in html
    assert reviewer.post(url, data={}).status_code == 400  # no CSRF token: no file
    assert downloads() == []

    response = reviewer.post(url, data={"csrf_token": csrf_from(reviewer, url)})
    assert response.status_code == 200 and response.data == ACTIVE_PDF
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Security-Policy"] == "sandbox"
    response.close()
    [entry] = downloads()
    assert entry.actor_id == reviewer.user.id
    assert entry.details["confirmed"] is True
    assert entry.details["active_content"] == "pdf_javascript,pdf_auto_action"


def test_the_confirmation_keeps_the_case_rules(app, case, active, login, election):
    url = f"/cases/{case.reference}/evidence/{active.id}/confirm"
    almaty = factories.user("reviewer", election=election, email="ala@test.kz", regions=["KZ-ALA"])
    operator = factories.user("operator", election=election, email="op@test.kz", regions=["KZ-KAR"])
    for user, status in ((almaty, 404), (operator, 403)):
        client = app.test_client()
        login(client, user)
        assert client.get(url).status_code == status
    other = attach(case, store_upload(io.BytesIO(png_bytes()), "p.png", max_file_size=2**20),
                   source="web")
    db.session.commit()
    client = app.test_client()
    login(client, factories.user("chair", election=election, email="chair@test.kz"))
    assert client.get(f"/cases/{case.reference}/evidence/999999/confirm").status_code == 404
    response = client.get(f"/cases/{case.reference}/evidence/{other.id}")  # harmless: direct
    assert response.status_code == 200
    response.close()
