"""The hotline console over HTTP: who may open it, CSRF, and the round trips of a call."""

import io
import re
from datetime import date

import pytest
from sqlalchemy import func, select

from casework.cases.models import CaseMessage, MessageAuthor
from casework.evidence.models import EvidenceItem
from casework.extensions import db
from casework.hotline import services
from casework.hotline.models import Call, CallPurpose
from casework.intake import tracking
from casework.intake.models import Channel, Complaint
from tests.plugin.data import CSRF_RE, NARRATIVE, csrf_from, png_bytes

NUMBER = "+77011234567"
CODE_RE = re.compile(r'id="tracking-code">([0-9A-Z-]+)<')
KEY_RE = re.compile(r'name="submission_key" type="hidden" value="([^"]+)"')


def count(model) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


def the_call() -> Call:
    db.session.expire_all()
    return db.session.scalar(select(Call).order_by(Call.id.desc()).limit(1))


@pytest.fixture
def console(client, login, operator):
    login(client, operator)
    return client


def start(client, number="8 701 123 45 67", language="ru"):
    token = csrf_from(client, "/hotline/")
    return client.post("/hotline/calls", data={"csrf_token": token, "number": number,
                                               "language": language})


def complaint_data(client, call_id, **overrides) -> dict:
    html = client.get(f"/hotline/calls/{call_id}/complaint").get_data(as_text=True)
    data = {"csrf_token": CSRF_RE.search(html).group(1),
            "submission_key": KEY_RE.search(html).group(1), "identity": "named",
            "name": "Асқар Сейітов", "phone": "+7 701 123 4567", "complainant_role": "voter",
            "category": "vote_buying", "region": "KZ-KAR-BAL", "station": "",
            "narrative": NARRATIVE}
    data.update(overrides)
    return data


# --- who may open it ---------------------------------------------------------------------

PAGES = ["/hotline/", "/hotline/log"]


@pytest.mark.parametrize("path", PAGES)
def test_anonymous_visitors_are_sent_to_login(client, demo, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=" + path


@pytest.mark.parametrize("role, console_status, log_status", [
    ("reviewer", 403, 403), ("auditor", 403, 200), ("operator", 200, 200),
    ("secretary", 200, 200), ("chair", 200, 200), ("admin", 200, 200)])
def test_the_console_is_for_operators_and_the_log_also_for_auditors(client, login, make_user, demo,
                                                                     role, console_status,
                                                                     log_status):
    login(client, make_user(role))
    assert client.get("/hotline/").status_code == console_status
    assert client.get("/hotline/log").status_code == log_status


def test_a_reviewer_cannot_start_a_call(client, login, make_user, demo):
    login(client, make_user("reviewer"))
    token = csrf_from(client, "/staff")
    response = client.post("/hotline/calls", data={"csrf_token": token, "number": "",
                                                   "language": "kk"})
    assert response.status_code == 403 and count(Call) == 0


def test_another_operators_call_is_forbidden(client, console, operator, make_user, login):
    assert start(console).status_code == 302
    call = the_call()
    console.post("/logout", data={"csrf_token": csrf_from(console, "/hotline/")})
    other = make_user("operator", email="second@test.kz")
    assert login(console, other).status_code == 302
    for path in (f"/hotline/calls/{call.id}/complaint", f"/hotline/calls/{call.id}/follow-up"):
        assert console.get(path).status_code == 403
    token = csrf_from(console, "/hotline/")
    assert console.post(f"/hotline/calls/{call.id}/finish",
                        data={"csrf_token": token, "purpose": "other"}).status_code == 403
    assert console.get("/hotline/calls/999999/complaint").status_code == 404


def test_every_post_needs_the_csrf_token(console):
    start(console)
    call = the_call()
    posts = {
        "/hotline/calls": {"number": "", "language": "kk"},
        f"/hotline/calls/{call.id}/finish": {"purpose": "other", "note": ""},
        f"/hotline/calls/{call.id}/complaint": {"identity": "anonymous", "category": "other",
                                                "region": "KZ-KAR", "narrative": NARRATIVE,
                                                "confirm_no_evidence": "y",
                                                "submission_key": "k" * 30},
        f"/hotline/calls/{call.id}/follow-up": {"q": NUMBER, "add": "Add", "message": "x"},
    }
    for path, data in posts.items():
        response = console.post(path, data=data)
        assert response.status_code == 400, path
        assert "The form has expired" in response.get_data(as_text=True)
        response = console.post(path, data={**data, "csrf_token": "forged"})
        assert response.status_code == 400, path
    assert count(Call) == 1 and the_call().ended_at is None and count(Complaint) == 0
    assert count(CaseMessage) == 0


# --- a call from start to finish ---------------------------------------------------------

def test_start_shows_the_call_with_a_timer_and_finish_logs_it(console, operator):
    html = console.get("/hotline/").get_data(as_text=True)
    assert re.search(r'<input[^>]*autofocus[^>]*name="number"|<input[^>]*name="number"[^>]*autofocus',
                     html)
    assert 'src="/static/js/hotline.js"' in html and "<script>" not in html
    response = start(console, "8 701 123 45 67", "ru")
    assert response.status_code == 302 and response.headers["Location"] == "/hotline/"
    call = the_call()
    assert call.caller_number == NUMBER and call.language == "ru" and call.operator_id == operator.id
    html = console.get("/hotline/").get_data(as_text=True)
    assert "+7 701 123 4567" in html and 'id="call-timer"' in html and "data-elapsed=" in html
    for key in "cuqeo":
        assert f'accesskey="{key}"' in html
    assert f'href="/hotline/calls/{call.id}/complaint"' in html
    assert f'href="/hotline/calls/{call.id}/follow-up"' in html

    token = csrf_from(console, "/hotline/")
    response = console.post(f"/hotline/calls/{call.id}/finish",
                            data={"csrf_token": token, "note": "Where to vote"})
    assert response.status_code == 422 and "Choose what the call was about" in response.get_data(
        as_text=True)
    response = console.post(f"/hotline/calls/{call.id}/finish",
                            data={"csrf_token": token, "purpose": "voting_question",
                                  "note": "Where to vote"}, follow_redirects=True)
    assert response.status_code == 200
    call = the_call()
    assert call.ended_at is not None and call.purpose is CallPurpose.VOTING_QUESTION
    assert call.note == "Where to vote" and call.complaint_id is None and count(Complaint) == 0
    html = response.get_data(as_text=True)
    assert 'name="number"' in html and 'data-stat="calls">1<' in html
    assert 'data-stat="complaints">0<' in html


def test_an_invalid_number_is_sent_back_with_a_message(console):
    response = start(console, "12")
    assert response.status_code == 422
    assert "not a valid phone number" in response.get_data(as_text=True) and count(Call) == 0


def test_a_second_call_waits_until_the_first_is_finished(console):
    start(console)
    response = start(console, "")
    assert response.status_code == 422 and count(Call) == 1
    html = response.get_data(as_text=True)
    assert "Finish the current call first." in html and 'id="current-call"' in html


def test_a_complaint_for_the_caller_then_the_code_to_read_aloud(console, operator):
    start(console, "8 701 123 45 67", "kk")
    call = the_call()
    html = console.get(f"/hotline/calls/{call.id}/complaint").get_data(as_text=True)
    assert 'value="+7 701 123 4567"' in html  # the caller's number, prefilled
    assert re.search(r'<input[^>]*checked[^>]*value="named"|<input[^>]*value="named"[^>]*checked',
                     html)
    assert 'name="website"' not in html and "complaint-form.js" not in html

    data = complaint_data(console, call.id)
    response = console.post(f"/hotline/calls/{call.id}/complaint", data=data)
    assert response.status_code == 422 and count(Complaint) == 0  # no evidence, not ticked
    assert "tick that there is no evidence" in response.get_data(as_text=True)

    data["confirm_no_evidence"] = "y"
    response = console.post(f"/hotline/calls/{call.id}/complaint", data=data)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/hotline/calls/{call.id}/complaint/done"
    html = console.get(response.headers["Location"]).get_data(as_text=True)
    code = CODE_RE.search(html).group(1)
    assert tracking.is_valid(code)
    complaint = db.session.scalar(select(Complaint))
    assert complaint.channel is Channel.HOTLINE and complaint.recorded_by_id == operator.id
    assert complaint.phone == NUMBER and complaint.name == "Асқар Сейітов"
    assert complaint.language == "kk" and complaint.case.reference in html
    for char, word in services.spoken_code(code, "kk")[:4]:
        assert f'<span class="spoken-char">{char}</span> <span class="spoken-word">{word}</span>' in html
    call = the_call()
    assert call.complaint_id == complaint.id and call.case_id == complaint.case_id

    # The same form again (a double click) makes nothing new; the console knows the purpose.
    assert console.post(f"/hotline/calls/{call.id}/complaint", data=data).status_code == 302
    assert count(Complaint) == 1
    html = console.get("/hotline/").get_data(as_text=True)
    assert re.search(r'<input[^>]*checked[^>]*value="complaint"|'
                     r'<input[^>]*value="complaint"[^>]*checked', html)
    assert complaint.case.reference in html


def test_anonymous_complaint_with_a_file_the_caller_sent(console):
    start(console)
    call = the_call()
    data = complaint_data(console, call.id, identity="anonymous")
    data["evidence"] = [(io.BytesIO(png_bytes()), "telegram.png")]
    response = console.post(f"/hotline/calls/{call.id}/complaint", data=data,
                            content_type="multipart/form-data")
    assert response.status_code == 302
    complaint = db.session.scalar(select(Complaint))
    assert complaint.anonymous and complaint.phone is None and complaint.name is None
    assert the_call().caller_number is None
    item = db.session.scalar(select(EvidenceItem))
    assert item.label == "telegram.png" and item.complaint_id == complaint.id
    html = console.get(response.headers["Location"]).get_data(as_text=True)
    assert "number has been removed" in html


def test_complaint_errors_come_back_on_the_form(console):
    start(console)
    call = the_call()
    data = complaint_data(console, call.id, confirm_no_evidence="y", name="", region="")
    response = console.post(f"/hotline/calls/{call.id}/complaint", data=data)
    assert response.status_code == 422 and count(Complaint) == 0
    html = response.get_data(as_text=True)
    assert 'id="region-error"' in html and NARRATIVE in html
    # The cursor waits in the first field at fault in the form's order (the region, before
    # the caller's name), not in the narrative.
    assert re.findall(r'<(?:input|select|textarea)[^>]*\bautofocus\b[^>]*>', html) == \
        [re.search(r'<select[^>]*id="region"[^>]*>', html).group(0)]
    fresh = console.get(f"/hotline/calls/{call.id}/complaint").get_data(as_text=True)
    assert re.search(r'<textarea[^>]*autofocus[^>]*id="narrative"|<textarea[^>]*id="narrative"[^>]*autofocus',
                     fresh)


def test_the_receipt_is_only_for_the_call_that_made_it(console):
    start(console)
    call = the_call()
    assert console.get(f"/hotline/calls/{call.id}/complaint/done").status_code == 302


def test_follow_up_finds_the_case_by_the_callers_number_and_adds_a_message(console, operator):
    start(console)
    first = the_call()
    data = complaint_data(console, first.id, confirm_no_evidence="y")
    console.post(f"/hotline/calls/{first.id}/complaint", data=data)
    token = csrf_from(console, "/hotline/")
    console.post(f"/hotline/calls/{first.id}/finish", data={"csrf_token": token,
                                                            "purpose": "complaint"})
    complaint = db.session.scalar(select(Complaint))
    reference = complaint.case.reference

    start(console, "8 701 123 4567")
    second = the_call()
    html = console.get(f"/hotline/calls/{second.id}/follow-up").get_data(as_text=True)
    assert 'value="+7 701 123 4567"' in html  # searched by the caller's number at once
    assert f'data-reference="{reference}" data-status="received"' in html
    assert NARRATIVE not in html and "Асқар" not in html  # the public status only
    target = f"{complaint.case_id}:{complaint.id}"
    token = CSRF_RE.search(html).group(1)
    response = console.post(f"/hotline/calls/{second.id}/follow-up", data={
        "csrf_token": token, "q": "+7 701 123 4567", "target": target, "add": "Add",
        "message": "He came back with more money."})
    assert response.status_code == 302 and response.headers["Location"] == "/hotline/"
    message = db.session.scalar(select(CaseMessage))
    assert message.author is MessageAuthor.COMPLAINANT and message.channel == "hotline"
    assert message.complaint_id == complaint.id and message.body == "He came back with more money."
    second = the_call()
    assert second.case_id == complaint.case_id and second.purpose is CallPurpose.FOLLOW_UP
    assert reference in console.get("/hotline/").get_data(as_text=True)


def test_follow_up_search_by_code_and_reference_and_a_tampered_target(console, make_draft,
                                                                      operator):
    call = services.start_call(operator, number="", language="en")
    submission = services.record_complaint(call, operator, make_draft(email="a@example.kz"), [])
    services.finish_call(call, operator, purpose="complaint", note="")
    db.session.commit()
    start(console, "")
    second = the_call()
    html = console.get(f"/hotline/calls/{second.id}/follow-up").get_data(as_text=True)
    assert "data-reference=" not in html  # withheld number: nothing searched yet
    token = CSRF_RE.search(html).group(1)
    url = f"/hotline/calls/{second.id}/follow-up"
    for query, found_by in ((tracking.grouped(submission.tracking_code), "by tracking code"),
                            (submission.case.reference.lower(), "by case reference")):
        html = console.post(url, data={"csrf_token": token, "q": query, "find": "Find"}
                            ).get_data(as_text=True)
        assert f'data-reference="{submission.case.reference}"' in html and found_by in html
    html = console.post(url, data={"csrf_token": token, "q": "nothing", "find": "Find"}
                        ).get_data(as_text=True)
    assert 'id="no-matches"' in html
    # A case that the search did not find cannot be chosen.
    response = console.post(url, data={"csrf_token": token, "q": "nothing", "add": "Add",
                                       "target": f"{submission.case.id}:", "message": "x"})
    assert response.status_code == 422 and count(CaseMessage) == 0 and the_call().case_id is None


# --- the log -----------------------------------------------------------------------------

def test_the_call_log_filters_and_shows_each_operators_day(app, client, login, make_user,
                                                           operator):
    for number, purpose in (("8 701 123 45 67", "voting_question"), ("", "evoting_problem")):
        call = services.start_call(operator, number=number, language="kk")
        services.finish_call(call, operator, purpose=purpose, note=f"note {purpose}")
    db.session.commit()
    login(client, make_user("auditor"))
    html = client.get("/hotline/log").get_data(as_text=True)
    assert html.count("<tr data-call=") == 2
    assert f'<tr data-operator="{operator.id}"><td>Test operator</td><td class="num">2</td>' in html
    # The caller's number is protected from the auditor (tests/hotline/test_masking.py).
    assert "+7 701 123 4567" not in html and "note voting_question" in html
    assert "identity protected" in html
    html = client.get("/hotline/log?purpose=evoting_problem").get_data(as_text=True)
    assert html.count("<tr data-call=") == 1 and "note evoting_problem" in html
    html = client.get(f"/hotline/log?operator={operator.id}&date=").get_data(as_text=True)
    assert html.count("<tr data-call=") == 2
    html = client.get("/hotline/log?date=2001-01-01").get_data(as_text=True)
    assert html.count("<tr data-call=") == 0 and "No calls on this day." in html
    # Finding calls by number is the console's look-up: the operator's, not the auditor's.
    html = client.get("/hotline/log?number=87011234567").get_data(as_text=True)
    assert html.count("<tr data-call=") == 2 and 'name="number"' not in html
    desk = app.test_client()
    login(desk, operator)
    html = desk.get("/hotline/log?number=87011234567").get_data(as_text=True)
    assert html.count("<tr data-call=") == 1 and "note voting_question" in html
    assert "+7 701 123 4567" in html  # the operator took the call a moment ago
    response = desk.get("/hotline/log?number=12")
    assert response.status_code == 200 and 'id="number-error"' in response.get_data(
        as_text=True)


def test_the_call_log_pages_with_a_keyset_link(client, console, operator, monkeypatch):
    for _ in range(3):
        call = services.start_call(operator, number="", language="kk")
        services.finish_call(call, operator, purpose="other", note="")
    db.session.commit()
    monkeypatch.setattr(services, "LOG_PAGE_SIZE", 2)
    html = console.get("/hotline/log?purpose=other").get_data(as_text=True)
    assert html.count("<tr data-call=") == 2
    older = re.search(r'href="([^"]+)" id="older-calls"', html).group(1).replace("&amp;", "&")
    assert "purpose=other" in older and "before=" in older
    html = console.get(older).get_data(as_text=True)
    assert html.count("<tr data-call=") == 1 and 'id="older-calls"' not in html


def test_the_operator_records_when_the_caller_learned_of_it(console):
    """The filing limit counts from it (issue 19 point 5); a date before the events comes
    back on its field, in the folded part that holds it, opened."""
    start(console)
    call = the_call()
    html = console.get(f"/hotline/calls/{call.id}/complaint").get_data(as_text=True)
    assert 'name="learned_on"' in html and "When did the caller learn of it?" in html
    data = complaint_data(console, call.id, occurred_on="2020-05-14", learned_on="2020-05-13",
                          region="")
    # One send names every mistake: the date, the region and the missing evidence.
    html = console.post(f"/hotline/calls/{call.id}/complaint", data=data).get_data(as_text=True)
    assert {'id="learned_on-error"', 'id="region-error"', 'id="confirm_no_evidence-error"'} <= set(
        re.findall(r'id="[a-z_]+-error"', html))
    data.update(confirm_no_evidence="y", region="KZ-KAR-BAL")
    response = console.post(f"/hotline/calls/{call.id}/complaint", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and count(Complaint) == 0
    assert 'id="learned_on-error"' in html and '<details class="more" id="more-when" open>' in html
    assert re.findall(r'<(?:input|select|textarea)[^>]*\bautofocus\b[^>]*>', html) == \
        [re.search(r'<input[^>]*id="learned_on"[^>]*>', html).group(0)]
    data["learned_on"] = "2020-05-16"
    assert console.post(f"/hotline/calls/{call.id}/complaint", data=data).status_code == 302
    assert db.session.scalar(select(Complaint)).learned_on == date(2020, 5, 16)
