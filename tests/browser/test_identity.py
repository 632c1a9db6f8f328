"""The identity custodian in a real browser, in Kazakh and Russian, on a phone and a desktop:
a reviewer sees a named complaint as protected, asks for the identity with a reason; the
chair finds the request on the custodian page and approves it; the reviewer then sees the
complainant's name and phone on the case page."""

import re

import pytest
from sqlalchemy import select

from casework.cases.models import IdentityRequest, IdentityRequestStatus
from casework.extensions import db
from casework.intake.models import ComplainantRole
from tests import factories
from tests.plugin.browser import sign_in

pytestmark = pytest.mark.browser

NAME, PHONE = "Saule Kuanyshkyzy", "+77015557788"
# The protected complainant's words, the request button, and the approve button.
WORDS = {"kk": ("жеке басы қорғалған", "Сенімді тұлғадан жеке басты сұрау", "Ашуды мақұлдау"),
         "ru": ("личность защищена", "Запросить личность у хранителя", "Одобрить раскрытие")}


@pytest.fixture
def named(make_case):
    case = make_case()
    complaint = factories.complaint(case, anonymous=False, name=NAME, phone=PHONE)
    complaint.complainant_role, complaint.consent_to_contact = ComplainantRole.VOTER, True
    db.session.commit()
    return case


def log_in(tab, live_server, user):
    sign_in(tab, live_server, user.email, factories.PASSWORD)
    tab.wait_for_url(re.compile(r"/staff$"))
    tab.click(f".lang-switch button[data-lang={tab.lang}]")
    tab.wait_for_url(re.compile(r"/staff$"))


def log_out(tab):
    with tab.expect_navigation():
        tab.click("form.logout button[type=submit]")


def test_request_approve_then_the_reviewer_sees_the_identity(tab, live_server, named, committee):
    protected, ask, approve = WORDS[tab.lang]
    case_url = f"{live_server}/cases/{named.reference}"
    log_in(tab, live_server, committee["r1"])
    tab.goto(case_url)
    timeline = tab.inner_text(".case-timeline")
    assert protected in timeline and NAME not in tab.content() and PHONE not in tab.content()
    tab.fill("#identity-reason", "Witness statement at the police.")
    with tab.expect_navigation():
        tab.get_by_role("button", name=ask).click()
    assert db.session.scalar(select(IdentityRequest.status)) is IdentityRequestStatus.PENDING
    log_out(tab)

    log_in(tab, live_server, committee["chair"])
    tab.goto(f"{live_server}/staff/identity")
    request = tab.locator(".identity-request").first
    assert named.reference in request.inner_text()
    with tab.expect_navigation():
        request.get_by_role("button", name=approve).click()
    db.session.expire_all()
    assert db.session.scalar(select(IdentityRequest.status)) is IdentityRequestStatus.APPROVED
    assert tab.locator(".identity-request").count() == 0
    log_out(tab)

    log_in(tab, live_server, committee["r1"])
    tab.goto(case_url)
    assert NAME in tab.inner_text(".case-timeline")
    assert tab.locator(".identity-shown").is_visible()
