"""The public complaint form over HTTP: receipt, evidence, warnings, bad input loses nothing."""

import re

from sqlalchemy import select

from casework.cases.models import Case, CaseState
from casework.core.audit import AuditEntry
from casework.evidence.models import EvidenceItem
from casework.extensions import db
from casework.intake import tracking
from casework.intake.models import Complaint
from casework.notifications.models import OutboxMessage
from tests.intake.helpers import form_data
from tests.plugin.data import PDF, count, files, png_bytes

CODE_RE = re.compile(r'id="tracking-code">([0-9A-Z-]+)<')


def test_form_works_without_javascript_in_kazakh(client, demo):
    html = client.get("/complaints/new", headers={"Accept-Language": "kk"}).get_data(as_text=True)
    assert '<html lang="kk">' in html
    assert 'name="category"' in html and 'value="vote_buying"' in html
    assert 'value="KZ-KAR-BAL"' in html and 'value="E-VOTE"' in html
    assert 'enctype="multipart/form-data"' in html and 'name="evidence"' in html
    assert "Сатып алу" in html or "сатып алу" in html  # vote buying, translated


def test_anonymous_complaint_with_two_files_gets_a_receipt(client, demo):
    photo, pdf = png_bytes(), PDF
    data = form_data(client)
    data["evidence"] = files(("фото.png", photo), ("акт.pdf", pdf))
    response = client.post("/complaints/new", data=data, content_type="multipart/form-data")
    assert response.status_code == 302 and response.headers["Location"] == "/complaints/receipt"
    html = client.get("/complaints/receipt").get_data(as_text=True)
    code = CODE_RE.search(html).group(1)
    assert tracking.is_valid(code) and len(code) == 24
    case = db.session.scalar(select(Case))
    assert case.state is CaseState.RECEIVED
    assert re.fullmatch(r"DEMO2020-KAR-\d{5}", case.reference) and case.reference in html
    import hashlib

    for content in (photo, pdf):
        assert hashlib.sha256(content).hexdigest() in html
    items = db.session.scalars(select(EvidenceItem).order_by(EvidenceItem.id)).all()
    assert [i.label for i in items] == ["фото.png", "акт.pdf"]
    assert [i.content_type for i in items] == ["image/png", "application/pdf"]
    complaint = db.session.scalar(select(Complaint))
    assert complaint.anonymous and complaint.name is None and complaint.email is None
    assert complaint.tracking_hash != code and code.replace("-", "") not in str(
        db.session.execute(select(Complaint.__table__)).all())
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "complaint.received"))


def test_reference_numbers_count_up_per_election(client, demo):
    references = []
    for _ in range(3):
        data = form_data(client, confirm_no_evidence="y")
        assert client.post("/complaints/new", data=data).status_code == 302
    references = db.session.scalars(select(Case.reference).order_by(Case.id)).all()
    numbers = [int(r.rsplit("-", 1)[1]) for r in references]
    assert numbers == [numbers[0], numbers[0] + 1, numbers[0] + 2]


def test_without_evidence_the_form_asks_once_more(client, demo):
    data = form_data(client)
    response = client.post("/complaints/new", data=data)
    assert response.status_code == 422
    assert 'name="confirm_no_evidence"' in response.get_data(as_text=True)
    assert count(Complaint) == 0
    data["confirm_no_evidence"] = "y"
    assert client.post("/complaints/new", data=data).status_code == 302
    assert count(Complaint) == 1


def test_double_submit_creates_one_complaint_with_one_code(client, demo):
    data = form_data(client, confirm_no_evidence="y")
    first = client.post("/complaints/new", data=dict(data))
    code_first = CODE_RE.search(client.get("/complaints/receipt").get_data(as_text=True)).group(1)
    other_tab = client.application.test_client()
    second = other_tab.post("/complaints/new", data=dict(data, csrf_token=form_data(other_tab)[
        "csrf_token"]))
    assert first.status_code == second.status_code == 302
    code_second = CODE_RE.search(other_tab.get("/complaints/receipt").get_data(as_text=True)).group(1)
    assert code_first == code_second
    assert count(Complaint) == 1 and count(Case) == 1


def test_missing_and_short_fields_are_named_and_nothing_is_stored(client, demo):
    data = form_data(client, narrative="too short", region="", confirm_no_evidence="y")
    response = client.post("/complaints/new", data=data, headers={"Accept-Language": "en"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "This field is required" in html or "Choose the region" in html
    data = form_data(client, narrative="too short", confirm_no_evidence="y")
    html = client.post("/complaints/new", data=data, headers={"Accept-Language": "en"}).get_data(
        as_text=True)
    assert "at least 30 characters" in html
    assert "too short" in html  # what was typed is kept
    assert count(Complaint) == 0 and count(Case) == 0


def test_wrong_file_type_is_refused_by_name_and_nothing_is_stored(client, demo):
    data = form_data(client)
    data["evidence"] = files(("ok.png", png_bytes()), ("virus.pdf", b"MZ\x90\x00" + b"\x00" * 100))
    response = client.post("/complaints/new", data=data, content_type="multipart/form-data",
                           headers={"Accept-Language": "en"})
    assert response.status_code == 422
    assert "virus.pdf" in response.get_data(as_text=True)
    assert count(Complaint) == 0 and count(EvidenceItem) == 0 and count(Case) == 0


def test_polyglot_and_path_filenames(client, demo):
    data = form_data(client)
    data["evidence"] = files(("photo.jpg", PDF))
    response = client.post("/complaints/new", data=data, content_type="multipart/form-data",
                           headers={"Accept-Language": "en"})
    assert response.status_code == 422 and "photo.jpg" in response.get_data(as_text=True)
    data = form_data(client)
    data["evidence"] = files(("../../../etc/passwd.png", png_bytes()))
    assert client.post("/complaints/new", data=data,
                       content_type="multipart/form-data").status_code == 302
    assert db.session.scalar(select(EvidenceItem.label)) == "passwd.png"


def test_oversized_upload_gets_a_friendly_413(app, client, demo):
    data = form_data(client)
    data["evidence"] = files(("big.pdf", PDF + b"0" * 300_000))
    old = app.config["CASEWORK_UPLOAD_MAX_CONTENT_LENGTH"]
    app.config["CASEWORK_UPLOAD_MAX_CONTENT_LENGTH"] = 100_000
    try:
        response = client.post("/complaints/new", data=data, content_type="multipart/form-data",
                               headers={"Accept-Language": "ru"})
    finally:
        app.config["CASEWORK_UPLOAD_MAX_CONTENT_LENGTH"] = old
    assert response.status_code == 413
    assert "Слишком" in response.get_data(as_text=True) or "больше" in response.get_data(
        as_text=True)
    assert count(Complaint) == 0


def test_file_over_the_per_file_limit_is_refused(app, client, demo):
    app.config["CASEWORK_EVIDENCE_MAX_FILE_SIZE"], old = 1000, app.config[
        "CASEWORK_EVIDENCE_MAX_FILE_SIZE"]
    try:
        data = form_data(client)
        data["evidence"] = files(("big.pdf", PDF + b"0" * 5000))
        response = client.post("/complaints/new", data=data, content_type="multipart/form-data",
                               headers={"Accept-Language": "en"})
    finally:
        app.config["CASEWORK_EVIDENCE_MAX_FILE_SIZE"] = old
    assert response.status_code == 422 and "big.pdf" in response.get_data(as_text=True)
    assert count(Complaint) == 0


def test_honeypot_refuses_bots(client, demo):
    data = form_data(client, website="http://spam.example", confirm_no_evidence="y")
    assert client.post("/complaints/new", data=data).status_code == 400
    assert count(Complaint) == 0


def test_named_complaint_needs_contact_and_gets_an_email_in_its_language(client, demo):
    data = form_data(client, identity="named", name="Айгүл", confirm_no_evidence="y")
    response = client.post("/complaints/new", data=data, headers={"Accept-Language": "en"})
    assert response.status_code == 422 and "phone number or an email" in response.get_data(
        as_text=True)
    data = form_data(client, identity="named", name="Айгүл", email="aigul@example.kz",
                     consent_to_contact="y", confirm_no_evidence="y")
    assert client.post("/complaints/new", data=data,
                       headers={"Accept-Language": "ru"}).status_code == 302
    complaint = db.session.scalar(select(Complaint))
    assert complaint.email == "aigul@example.kz" and complaint.language == "ru"
    message = db.session.scalar(select(OutboxMessage))
    assert message.recipient == "aigul@example.kz" and message.language == "ru"
    assert complaint.case.reference in message.body_text


def test_form_needs_csrf(client, demo):
    data = form_data(client, confirm_no_evidence="y")
    data.pop("csrf_token")
    assert client.post("/complaints/new", data=data).status_code == 400
    assert count(Complaint) == 0


def test_phone_numbers_are_stored_in_one_form(client, demo):
    data = form_data(client, identity="named", name="Ерлан", phone="8 (701) 123-45-67",
                     confirm_no_evidence="y")
    assert client.post("/complaints/new", data=data).status_code == 302
    assert db.session.scalar(select(Complaint.phone)) == "+77011234567"
    bad = form_data(client, identity="named", name="Ерлан", phone="12345",
                    confirm_no_evidence="y")
    assert client.post("/complaints/new", data=bad).status_code == 422
