"""The staff pages through HTTP: who sees what, CSRF on the decisions, the raw download."""

import pytest
from sqlalchemy import select

from casework.core.audit import AuditEntry
from casework.extensions import db
from casework.mailin.models import InboundMail, InboundStatus
from tests.mailin import corpus
from tests.mailin.test_ingest import ingest
from tests.plugin.data import csrf_from

GARBAGE = b"\x00\x01 this is not an email"
BROKEN = b"From: spam@example.kz\r\nSubject: Cheap pills\r\nno colon here\r\n\r\nbuy\r\n"


@pytest.fixture
def mails(demo):
    complaint = ingest(bytes(corpus.message("Дауыс сатып алу", corpus.NARRATIVE_KK))).mail
    garbage = ingest(GARBAGE).mail
    broken = ingest(BROKEN).mail
    return {"complaint": complaint.id, "garbage": garbage.id, "broken": broken.id}


def as_user(client, login, role: str):
    response = login(client, f"{role}@example.kz", f"{role}-demo-2020")
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    return client


def status_of(mail_id: int) -> InboundStatus:
    db.session.expire_all()
    return db.session.get(InboundMail, mail_id).status


def test_secretary_lists_filters_and_reads_a_message(client, login, mails):
    as_user(client, login, "secretary")
    page = client.get("/staff/mail").get_data(as_text=True)
    assert "Cheap pills" in page and "Дауыс сатып алу" in page
    quarantine = client.get("/staff/mail?status=quarantined").get_data(as_text=True)
    assert "Cheap pills" in quarantine and "Дауыс сатып алу" not in quarantine
    detail = client.get(f"/staff/mail/{mails['broken']}")
    assert detail.status_code == 200
    html = detail.get_data(as_text=True)
    assert "broken header section" in html and "release" in html
    # The sender is protected until someone releases it (tests/hotline/test_masking.py).
    assert "spam@example.kz" not in html and '<span class="protected">' in html
    assert client.get("/staff/mail/999999").status_code == 404


def test_release_and_discard_need_csrf_and_a_reason(client, login, mails):
    as_user(client, login, "secretary")
    release = f"/staff/mail/{mails['garbage']}/release"
    assert client.post(release).status_code == 400  # no CSRF token
    assert status_of(mails["garbage"]) is InboundStatus.QUARANTINED
    token = csrf_from(client, f"/staff/mail/{mails['garbage']}")
    response = client.post(release, data={"csrf_token": token})
    assert response.status_code == 302 and status_of(mails["garbage"]) is InboundStatus.RELEASED
    discard = f"/staff/mail/{mails['broken']}/discard"
    token = csrf_from(client, f"/staff/mail/{mails['broken']}")
    client.post(discard, data={"csrf_token": token, "reason": "  "})
    assert status_of(mails["broken"]) is InboundStatus.QUARANTINED  # a reason is required
    client.post(discard, data={"csrf_token": token, "reason": "Spam"})
    assert status_of(mails["broken"]) is InboundStatus.DISCARDED
    page = client.get(f"/staff/mail/{mails['broken']}").get_data(as_text=True)
    assert "Spam" in page and 'action="/staff/mail/' not in page  # decided: no more forms


def test_raw_download_is_audited_and_served_as_an_attachment(client, login, mails):
    as_user(client, login, "chair")
    # The raw message names the sender: not before someone who may see it releases it.
    assert client.get(f"/staff/mail/{mails['broken']}/raw").status_code == 403
    assert "/raw" not in client.get(f"/staff/mail/{mails['broken']}").get_data(as_text=True)
    token = csrf_from(client, f"/staff/mail/{mails['broken']}")
    client.post(f"/staff/mail/{mails['broken']}/release", data={"csrf_token": token})
    response = client.get(f"/staff/mail/{mails['broken']}/raw")
    assert response.status_code == 200 and response.data == BROKEN
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.mimetype == "message/rfc822"
    response.close()  # as the WSGI server does: closes the verified copy
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "mail.raw_downloaded"))
    assert entry is not None and entry.object_id == str(mails["broken"])


def test_reviewer_is_refused_everything(client, login, mails):
    as_user(client, login, "reviewer")
    token = csrf_from(client, "/staff")
    assert client.get("/staff/mail").status_code == 403
    assert client.get(f"/staff/mail/{mails['garbage']}").status_code == 403
    assert client.get(f"/staff/mail/{mails['garbage']}/raw").status_code == 403
    assert client.post(f"/staff/mail/{mails['garbage']}/release",
                       data={"csrf_token": token}).status_code == 403
    assert status_of(mails["garbage"]) is InboundStatus.QUARANTINED


def test_auditor_reads_but_cannot_decide(client, login, mails):
    as_user(client, login, "auditor")
    token = csrf_from(client, "/staff")
    assert client.get("/staff/mail").status_code == 200
    page = client.get(f"/staff/mail/{mails['garbage']}").get_data(as_text=True)
    assert "/release" not in page
    assert client.post(f"/staff/mail/{mails['garbage']}/discard",
                       data={"csrf_token": token, "reason": "x"}).status_code == 403


def test_operator_sees_only_mail_filed_in_their_regions(client, login, mails):
    as_user(client, login, "operator")
    page = client.get("/staff/mail").get_data(as_text=True)
    assert "Cheap pills" not in page and "Дауыс сатып алу" not in page  # no region yet
    assert client.get(f"/staff/mail/{mails['complaint']}").status_code == 403
