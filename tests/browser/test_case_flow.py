"""A case goes from received through screening, investigation, a request for information
answered by the complainant on the tracking page, findings and a decision — in a real
browser: the citizen's, the reviewer's and the chair's, each in a context of its own."""

import re

import pytest
from sqlalchemy import select

from casework.accounts.models import Role, User
from casework.cases.models import Case, CaseState
from casework.elections.models import Election
from casework.extensions import db
from tests import factories
from tests.plugin.browser import context_page, sign_in
from tests.plugin.data import NARRATIVE, png_bytes

pytestmark = pytest.mark.browser

QUESTION = "Which entrance of the school was it, and at what time exactly?"
ANSWER = "The main entrance on Abai street, at 10:30."


@pytest.fixture
def staff(demo):
    """A Karaganda reviewer and a chair with the test password (beside the demo accounts)."""
    election = db.session.scalar(select(Election))
    return {"reviewer": factories.user("reviewer", election=election, email="kar@test.kz",
                                       regions=["KZ-KAR"]),
            "chair": factories.user("chair", election=election, email="chair@test.kz")}


def log_in(page, live_server, user):
    sign_in(page, live_server, user.email, factories.PASSWORD)
    page.wait_for_url(re.compile(r"/staff$"))


def take(page, action):
    """Press the button of one workflow form and wait for the page to come back."""
    with page.expect_navigation():
        page.click(f"form.action-{action} button[type=submit]")
    assert page.locator(".flash-error").count() == 0, page.inner_text(".flashes")


def state(page) -> str:
    return page.get_attribute(".case-header .case-state", "data-state")


def stored_state(reference) -> CaseState:
    db.session.expire_all()  # the live server wrote in its own sessions
    return db.session.scalar(select(Case.state).where(Case.reference == reference))


def test_received_screening_investigation_question_answer_findings_decision(
        page, browser, live_server, staff, app):
    # The citizen files a complaint with a photo on the public form, and keeps the code.
    page.goto(live_server + "/complaints/new")
    page.check('input[name="category"][value="vote_buying"]')
    page.select_option("#region", "KZ-KAR-BAL")
    page.fill("#narrative", NARRATIVE)
    page.set_input_files("#evidence", [{"name": "photo.png", "mimeType": "image/png",
                                        "buffer": png_bytes()}])
    page.click("#complaint-form button[type=submit]")
    page.wait_for_url(re.compile(r"/complaints/receipt$"))
    code = page.inner_text("#tracking-code").strip()
    reference = page.inner_text(".receipt .reference").strip()
    case_url = f"{live_server}/cases/{reference}"

    # The Karaganda reviewer screens the case and asks the complainant a question.
    reviewer_context, reviewer = context_page(browser)
    try:
        log_in(reviewer, live_server, staff["reviewer"])
        reviewer.goto(case_url)
        assert state(reviewer) == "received" and NARRATIVE in reviewer.inner_text(".timeline")
        assert "photo.png" in reviewer.inner_text(".case-evidence")
        take(reviewer, "start_screening")
        assert state(reviewer) == "screening"
        for item in reviewer.locator(".checklist-item").all():
            item.locator('input[value="yes"]').check()
        reviewer.fill("#checklist-notes", "Place, time and a photo: admissible.")
        with reviewer.expect_navigation():
            reviewer.click("form.case-checklist button[type=submit]")
        take(reviewer, "admit")
        assert state(reviewer) == "investigation"
        reviewer.fill("#request_info-question", QUESTION)
        take(reviewer, "request_info")
        assert state(reviewer) == "info_requested"
        assert QUESTION in reviewer.inner_text(".timeline")

        # The complainant, in a browser of their own, tracks the case and answers.
        page.goto(live_server + "/track")
        page.fill("#code", code)
        page.click("form.stack button[type=submit]")
        page.wait_for_url(re.compile(r"/track/case$"))
        assert page.locator("section.status.status-info_requested").is_visible()
        assert QUESTION in page.inner_text("main")
        page.fill("#body", ANSWER)
        with page.expect_navigation():
            page.click('form[action="/track/case/reply"] button[type=submit]')
        assert ANSWER in page.inner_text("main")

        # Back in investigation; the reviewer writes the finding and marks findings ready.
        reviewer.goto(case_url)
        assert state(reviewer) == "investigation"
        assert ANSWER in reviewer.inner_text(".timeline")
        reviewer.goto(f"{case_url}/findings")
        reviewer.fill("#allegation", "A man offered voters 5000 tenge at the entrance.")
        reviewer.select_option("#conclusion", "confirmed")
        reviewer.fill("#reasoning", "The photo and the complainant's answer agree.")
        reviewer.locator('input[name="evidence_ids"]').first.check()
        with reviewer.expect_navigation():
            reviewer.click(".decision-form button[type=submit]")
        reviewer.goto(case_url)
        take(reviewer, "ready_findings")
        assert state(reviewer) == "findings_ready"
        assert reviewer.locator("form.action-decide").count() == 0  # the leads decide
    finally:
        reviewer_context.close()

    # The chair decides on the decisions page: members present, their votes, the outcome.
    chair_context, chair = context_page(browser)
    try:
        log_in(chair, live_server, staff["chair"])
        chair.goto(case_url)
        with chair.expect_navigation():
            chair.click(f'.case-actions a[href="/cases/{reference}/decide"]')
        secretary = db.session.scalar(select(User).where(User.role == Role.SECRETARY))
        for member in (staff["chair"], staff["reviewer"], secretary):  # a quorum of three
            chair.check(f"#present-{member.id}")
            chair.select_option(f'select[name="vote_{member.id}"]', "for")
        chair.select_option("#outcome", "confirmed")
        chair.fill("#reasons", "The photo and the answer show money offered to voters.")
        with chair.expect_navigation():
            chair.click(".decision-form button[type=submit]")
        assert chair.locator(".decision-errors").count() == 0
        chair.goto(case_url)
        assert state(chair) == "decided"
    finally:
        chair_context.close()
    assert stored_state(reference) is CaseState.DECIDED

    # The complainant sees the decision on the tracking page.
    page.reload()
    assert page.locator("section.status.status-decided .status-label").is_visible()

