"""The hotline console in a real browser, on a 1366×768 screen, driven from the keyboard:
an operator logs a call, records a complaint for the caller, dictates the code; a second call
from the same number finds the case by the number and adds what the caller says."""

import re

import pytest
from sqlalchemy import func, select

from casework.cases.models import CaseMessage, MessageAuthor
from casework.extensions import db
from casework.hotline import services
from casework.hotline.models import Call, CallPurpose
from casework.intake import tracking
from casework.intake.models import Channel, Complaint
from tests import factories
from tests.plugin.browser import open_tab, sign_in
from tests.plugin.data import NARRATIVE

pytestmark = pytest.mark.browser

SCREEN = {"width": 1366, "height": 768}
CODE_RE = re.compile(r"^[0-9A-Z]{4}(-[0-9A-Z]{4}){4}$")
CONSOLE_RE = re.compile(r"/hotline/$")


@pytest.fixture
def desk(browser, request):
    """A desktop browser at the operator's screen size."""
    yield from open_tab(browser, request, "kk-KZ", SCREEN)


def count(model) -> int:
    db.session.expire_all()  # the live server wrote these rows in its own sessions
    return db.session.scalar(select(func.count()).select_from(model))


def focused(page) -> str:
    return page.evaluate("document.activeElement && document.activeElement.id")


def on_screen(page, selector) -> bool:
    """Entirely inside the 1366×768 viewport without scrolling."""
    box = page.evaluate("""sel => { const r = document.querySelector(sel).getBoundingClientRect();
        return {bottom: r.bottom + window.scrollY, right: r.right + window.scrollX}; }""", selector)
    return box["bottom"] <= SCREEN["height"] and box["right"] <= SCREEN["width"]


def log_in(page, live_server, user):
    sign_in(page, live_server, user.email, factories.PASSWORD)
    page.wait_for_url(re.compile(r"/hotline/$"))  # operators land on the console


def start_call(page, number, language):
    page.wait_for_selector("#start-form")
    assert focused(page) == "number"  # the cursor waits in the number field
    page.keyboard.type(number)
    page.keyboard.press({"kk": "Alt+k", "ru": "Alt+r", "en": "Alt+e"}[language])
    assert page.is_checked(f'input[name="language"][value="{language}"]')
    page.keyboard.press("Enter")  # on the language radio: Enter sends the form too
    page.wait_for_selector("#current-call")


def finish_call(page, purpose, note):
    assert page.is_checked(f'input[name="purpose"][value="{purpose}"]')  # already known
    assert focused(page) == "note"
    page.keyboard.type(note)
    page.keyboard.press("Enter")
    page.wait_for_selector("#start-form")


def test_operator_logs_calls_records_a_complaint_and_follows_it_up(desk, live_server, demo,
                                                                   make_user):
    page = desk
    operator = make_user("operator", regions=None)
    log_in(page, live_server, operator)
    page.goto(live_server + "/hotline/")
    assert page.evaluate("document.documentElement.scrollWidth") <= SCREEN["width"]

    # First call: the number as the caller says it; the timer runs.
    start_call(page, "+7 701 123 45 67", "ru")
    assert "+7 701 123 4567" in page.inner_text("#call-number")
    before = page.inner_text("#call-timer")
    assert re.fullmatch(r"\d+:\d\d", before)
    page.wait_for_timeout(1200)
    assert page.inner_text("#call-timer") != before
    for selector in ("#new-complaint", "#find-case", "#finish-call", "#day-stats"):
        assert on_screen(page, selector), selector

    # "New complaint" from the keyboard (its access key), the form on one screen.
    page.keyboard.press("Alt+n")
    page.wait_for_selector("#hotline-complaint")
    assert focused(page) == "narrative"  # what happened first; who last
    assert page.input_value("#phone") == "+7 701 123 4567"
    assert page.is_checked('input[name="identity"][value="named"]')
    assert on_screen(page, "#record-complaint") and on_screen(page, "#narrative")
    page.keyboard.type(NARRATIVE)
    page.select_option("#category", "vote_buying")
    page.select_option("#region", "KZ-KAR-BAL")
    page.check("#confirm_no_evidence")
    page.fill("#name", "Асқар Сейітов")
    page.focus("#narrative")
    page.keyboard.press("Control+Enter")

    # The code, big and in words to read aloud in the caller's language.
    page.wait_for_url(re.compile(r"/complaint/done$"))
    code = page.inner_text("#tracking-code").strip()
    assert CODE_RE.match(code) and tracking.is_valid(code)
    assert page.get_attribute("#spoken-code", "data-language") == "ru"
    first_group = page.locator("#spoken-code .spoken-group").first
    chars = first_group.locator(".spoken-char").all_inner_texts()
    words = first_group.locator(".spoken-word").all_inner_texts()
    assert "".join(chars) == code[:4]
    assert list(zip(chars, words, strict=True)) == services.spoken_code(code, "ru")[:4]
    for char, word in zip(chars, words, strict=True):
        expected = (services.DIGITS["ru"][int(char)] if char.isdigit()
                    else services.LETTERS["ru"][char])
        assert word == expected
    assert page.locator("#spoken-code .spoken-group").count() == 5
    reference = page.inner_text("#case-reference").strip()
    assert on_screen(page, "#spoken-code") and on_screen(page, "#back-to-call")

    # Back to the call (Enter on the focused link) and finish it with a note.
    assert focused(page) == "back-to-call"
    page.keyboard.press("Enter")
    page.wait_for_url(CONSOLE_RE)
    assert reference in page.inner_text("#current-call")
    finish_call(page, "complaint", "Vote buying in Balkhash")
    assert page.inner_text('[data-stat="calls"]') == "1"
    assert page.inner_text('[data-stat="complaints"]') == "1"

    # Second call from the same number, said differently: the follow-up finds the case.
    start_call(page, "8 701 123 4567", "ru")
    page.keyboard.press("Alt+f")
    page.wait_for_selector("#follow-up-form")
    assert page.input_value("#q") == "+7 701 123 4567"  # prefilled and already searched
    row = page.locator("#matches tr.match")
    assert row.count() == 1 and row.get_attribute("data-reference") == reference
    assert row.get_attribute("data-status") == "received"
    assert NARRATIVE[:30] not in page.inner_text("main")  # the public status only
    assert page.is_checked('#matches input[name="target"]')
    assert focused(page) == "message"
    page.keyboard.type("The same man is back at the entrance today.")
    page.keyboard.press("Control+Enter")
    page.wait_for_url(CONSOLE_RE)
    assert reference in page.inner_text("#current-call")
    finish_call(page, "follow_up", "Asked about the status")
    assert page.inner_text('[data-stat="calls"]') == "2"

    # What the database holds.
    assert count(Call) == 2 and count(Complaint) == 1 and count(CaseMessage) == 1
    complaint = db.session.scalar(select(Complaint))
    assert complaint.channel is Channel.HOTLINE and complaint.recorded_by_id == operator.id
    assert complaint.phone == "+77011234567" and complaint.language == "ru"
    assert complaint.case.reference == reference
    calls = db.session.scalars(select(Call).order_by(Call.id)).all()
    assert [c.case_id for c in calls] == [complaint.case_id] * 2
    assert [c.purpose for c in calls] == [CallPurpose.COMPLAINT, CallPurpose.FOLLOW_UP]
    assert calls[0].complaint_id == complaint.id and calls[1].complaint_id is None
    assert all(c.ended_at is not None and c.caller_number == "+77011234567" for c in calls)
    message = db.session.scalar(select(CaseMessage))
    assert message.author is MessageAuthor.COMPLAINANT and message.channel == "hotline"
    assert message.complaint_id == complaint.id
    assert message.body == "The same man is back at the entrance today."

    # The call log shows both calls and the operator's day.
    page.keyboard.press("Alt+l")
    page.wait_for_url(re.compile(r"/hotline/log$"))
    assert page.locator("#calls tr[data-call]").count() == 2
    assert page.inner_text(f'#operators-day tr[data-operator="{operator.id}"]').split("\t")[1:3] == [
        "2", "1"]
