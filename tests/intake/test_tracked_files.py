"""/track lists the citizen's own files: sent with the complaint and added in replies, with
name, size in the page's language, SHA-256 and date; never the staff's files nor another
complainant's."""

import hashlib

import pytest
from flask import current_app
from flask_babel import force_locale
from sqlalchemy import select

from casework.cases.models import Case
from casework.core.filters import filesize
from casework.extensions import db
from tests import factories
from tests.intake.helpers import form_data
from tests.intake.test_tracking import CODE_RE, track
from tests.plugin.data import csrf_from, files, png_bytes

BIG = png_bytes(40, 40)


def file_with_photo(client) -> str:
    data = form_data(client, evidence=files(("first.png", png_bytes())))
    client.post("/complaints/new", data=data, content_type="multipart/form-data")
    return CODE_RE.search(client.get("/complaints/receipt").get_data(as_text=True)).group(1)


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_files_sent_and_added_later_are_listed(client, demo, lang):
    code = file_with_photo(client)
    case = db.session.scalar(select(Case))
    factories.evidence_item(case, "staff-scan.pdf", source="hotline")  # the office's file
    factories.evidence_item(case, "someone-else.png").complaint_id = factories.complaint(case).id
    db.session.commit()

    browser = client.application.test_client()
    browser.set_cookie("casework_lang", lang)
    track(browser, code, lang=lang)
    html = browser.get("/track/case").get_data(as_text=True)
    assert "first.png" in html and hashlib.sha256(png_bytes()).hexdigest() in html
    assert "staff-scan.pdf" not in html and "someone-else.png" not in html
    assert byte_size(len(png_bytes()), lang) in html

    token = csrf_from(browser, "/track/case")
    response = browser.post("/track/case/reply", content_type="multipart/form-data", data={
        "csrf_token": token, "body": "", "evidence": files(("later.png", BIG))})
    assert response.status_code == 302
    html = browser.get("/track/case").get_data(as_text=True)
    assert html.index("first.png") < html.index("later.png")
    assert hashlib.sha256(BIG).hexdigest() in html and byte_size(len(BIG), lang) in html
    assert ("Сіздің файлдарыңыз" if lang == "kk" else "Ваши файлы") in html
    assert "data-scan" not in html  # the virus scan is the office's business


def test_no_files_says_so(client, demo):
    data = form_data(client, confirm_no_evidence="y")
    client.post("/complaints/new", data=data)
    code = CODE_RE.search(client.get("/complaints/receipt").get_data(as_text=True)).group(1)
    browser = client.application.test_client()
    track(browser, code)
    html = browser.get("/track/case", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "You have not sent any files." in html


def byte_size(value: int, lang: str) -> str:
    """The size as the page in `lang` writes it (the one size filter, core/filters.py)."""
    with current_app.test_request_context(), force_locale(lang):
        return filesize(value)


def test_sizes_use_the_language_of_the_page(app):
    assert byte_size(820, "en") == "820 bytes"
    assert byte_size(1_500_000, "ru") == "1,4 МБ"
    assert byte_size(12_300, "kk") == "12 КБ"
