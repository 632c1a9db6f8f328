"""Tracking by code: public status only, replies and evidence, guessing does not work."""

import re

import pytest
from sqlalchemy import func, select

from casework.cases.models import Case, CaseMessage, CaseState, MessageAuthor
from casework.evidence.models import EvidenceItem
from casework.extensions import db
from casework.intake import tracking
from tests.intake.helpers import form_data
from tests.plugin.data import csrf_from, files, png_bytes

CODE_RE = re.compile(r'id="tracking-code">([0-9A-Z-]+)<')


def file_complaint(client) -> str:
    data = form_data(client, confirm_no_evidence="y")
    client.post("/complaints/new", data=data)
    return CODE_RE.search(client.get("/complaints/receipt").get_data(as_text=True)).group(1)


def track(client, code, lang="en", address="127.0.0.1"):
    token = csrf_from(client, "/track")
    return client.post("/track", data={"code": code, "csrf_token": token},
                       headers={"Accept-Language": lang}, environ_base={"REMOTE_ADDR": address})


def test_status_page_by_code_in_any_spelling(client, demo):
    code = file_complaint(client)
    browser = client.application.test_client()
    messy = " " + code.lower().replace("-", " ").replace("0", "o") + " "
    response = track(browser, messy)
    assert response.status_code == 302 and response.headers["Location"] == "/track/case"
    html = browser.get("/track/case", headers={"Accept-Language": "en"}).get_data(as_text=True)
    case = db.session.scalar(select(Case))
    assert case.reference in html and "Received" in html


def test_committee_reason_and_messages_are_shown_but_other_complainants_are_not(client, demo):
    code = file_complaint(client)
    case = db.session.scalar(select(Case))
    case.state, case.public_reason = CaseState.INADMISSIBLE, "No specific facts were given."
    db.session.add(CaseMessage(case_id=case.id, author=MessageAuthor.COMMITTEE,
                               body="Please send the photo you mention."))
    db.session.add(CaseMessage(case_id=case.id, author=MessageAuthor.COMPLAINANT,
                               body="A different complainant's private reply", complaint_id=None))
    db.session.commit()
    browser = client.application.test_client()
    track(browser, code)
    html = browser.get("/track/case", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Rejected" in html and "No specific facts were given." in html
    assert "Please send the photo you mention." in html
    assert "private reply" not in html


def test_reply_and_evidence_through_the_tracking_page(client, demo):
    code = file_complaint(client)
    browser = client.application.test_client()
    track(browser, code)
    token = csrf_from(browser, "/track/case")
    response = browser.post("/track/case/reply", content_type="multipart/form-data", data={
        "csrf_token": token, "body": "Here is the photo.",
        "evidence": files(("photo.png", png_bytes()))})
    assert response.status_code == 302
    message = db.session.scalar(select(CaseMessage))
    assert message.body == "Here is the photo." and message.author is MessageAuthor.COMPLAINANT
    assert db.session.scalar(select(EvidenceItem.source)) == "tracking"
    assert db.session.scalar(select(Case.has_evidence))
    html = browser.get("/track/case").get_data(as_text=True)
    assert "Here is the photo." in html


@pytest.mark.parametrize("mutate", ["typo", "unknown", "garbage"])
def test_wrong_codes_get_a_clear_answer(client, demo, mutate):
    code = file_complaint(client).replace("-", "")
    if mutate == "typo":
        wrong = ("1" if code[3] != "1" else "2").join([code[:3], code[4:]])
    elif mutate == "unknown":
        payload = "ABCDEFGHJKMNPQRSTVW"
        wrong = payload + tracking.check_symbol(payload)
    else:
        wrong = "not a code at all"
    response = track(client.application.test_client(), wrong)
    assert response.status_code == 404
    assert "No complaint has this code" in response.get_data(as_text=True)


def test_case_page_needs_a_tracked_code(client, demo):
    response = client.get("/track/case")
    assert response.status_code == 302 and response.headers["Location"] == "/track"


def test_guessing_is_rate_limited_per_client(app, client, demo):
    app.config["CASEWORK_LIMIT_TRACK"], old = "3 per minute", app.config["CASEWORK_LIMIT_TRACK"]
    try:
        statuses = [track(client, "AAAA-AAAA-AAAA-AAAA-AAAA").status_code for _ in range(3)]
        limited = track(client, "AAAA", lang="en")
        other_client = track(client.application.test_client(), "AAAA", address="10.9.9.9")
    finally:
        app.config["CASEWORK_LIMIT_TRACK"] = old
    assert statuses == [404, 404, 404]
    assert limited.status_code == 429 and "Too many attempts" in limited.get_data(as_text=True)
    assert other_client.status_code == 404  # another address is not affected


def test_guessing_is_rate_limited_overall(app, client, demo):
    app.config["CASEWORK_LIMIT_TRACK_GLOBAL"], old = "2 per minute", app.config[
        "CASEWORK_LIMIT_TRACK_GLOBAL"]
    try:
        codes = []
        for address in ("10.0.0.1", "10.0.0.2", "10.0.0.3"):
            other = client.application.test_client()
            token = csrf_from(other, "/track")
            codes.append(other.post("/track", data={"code": "x", "csrf_token": token},
                                    environ_base={"REMOTE_ADDR": address}).status_code)
    finally:
        app.config["CASEWORK_LIMIT_TRACK_GLOBAL"] = old
    assert codes[-1] == 429


def test_no_ip_address_is_stored(client, demo):
    file_complaint(client)
    from casework.core.audit import AuditEntry

    rows = [str(r) for r in db.session.execute(select(AuditEntry.details)).all()]
    assert not any("127.0.0.1" in row for row in rows)
    assert db.session.scalar(select(func.count()).select_from(Case)) == 1


def test_answer_on_the_tracking_page_resumes_a_case_waiting_for_information(client, demo,
                                                                            make_user):
    from casework.cases.transitions import apply, save_checklist

    code = file_complaint(client)
    case = db.session.scalar(select(Case))
    chair = make_user("chair", email="chair@test.kz")
    apply(case, "start_screening", actor=chair)
    from casework.cases.workflow import CHECKLIST_NAMES

    save_checklist(case, actor=chair, **dict.fromkeys(CHECKLIST_NAMES, True))
    apply(case, "admit", actor=chair)
    apply(case, "request_info", actor=chair, question="Which polling station was it?")
    db.session.commit()
    assert case.state is CaseState.INFO_REQUESTED
    browser = client.application.test_client()
    track(browser, code)
    html = browser.get("/track/case").get_data(as_text=True)
    assert "Which polling station was it?" in html
    token = csrf_from(browser, "/track/case")
    browser.post("/track/case/reply", data={"csrf_token": token, "body": "KAR-BAL-018."})
    db.session.expire_all()
    assert case.state is CaseState.INVESTIGATION


def test_the_assignee_is_told_when_the_complainant_writes(client, demo):
    from casework.accounts.models import User
    from casework.notifications.inbox_models import NotificationKind, StaffNotification
    from casework.notifications.models import OutboxMessage

    code = file_complaint(client)
    case = db.session.scalar(select(Case))
    member = db.session.scalar(select(User).where(User.email == "reviewer@example.kz"))
    case.assignee_id = member.id
    db.session.commit()
    browser = client.application.test_client()
    track(browser, code)
    browser.post("/track/case/reply", data={"csrf_token": csrf_from(browser, "/track/case"),
                                            "body": "One more detail: it was at 10:30."})
    [notice] = db.session.scalars(select(StaffNotification))
    assert (notice.recipient_id, notice.kind) == (member.id, NotificationKind.COMPLAINANT_REPLIED)
    mail = db.session.scalar(select(OutboxMessage).where(
        OutboxMessage.template == "staff/notification"))
    assert "10:30" not in mail.body_text  # the complainant's words stay out of the mail
