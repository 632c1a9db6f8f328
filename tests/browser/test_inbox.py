"""Staff notifications and claiming in a real browser, in Kazakh and Russian, on a phone and
a desktop: the secretary assigns a case, the member sees the figure in the header and the
entry in the inbox, opens it; a member claims an unassigned case and releases it."""

import re

import pytest
from sqlalchemy import select

from casework.cases.models import Case, CaseState
from casework.elections.models import Election
from casework.extensions import db
from tests import factories
from tests.plugin.browser import sign_in

pytestmark = pytest.mark.browser

SCREENS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1366, "height": 900}}
WORDS = {"kk": ("Кіріс", "Сізге іс тапсырылды", "Бұл істі алу", "Бұл істен бас тарту"),
         "ru": ("Входящие", "Вам передано дело", "Взять это дело", "Отказаться от этого дела")}


@pytest.fixture
def world(demo):
    election = db.session.scalar(select(Election))
    people = {"secretary": factories.user("secretary", election=election,
                                          email="sec-inbox@test.kz"),
              "member": factories.user("reviewer", election=election, email="kar-inbox@test.kz",
                                       regions=["KZ-KAR"])}
    cases = [factories.case(election, CaseState.SCREENING, "KZ-KAR-BAL") for _ in range(2)]
    db.session.commit()
    return people, cases


def tab(browser, language, screen):
    context = browser.new_context(locale={"kk": "kk-KZ", "ru": "ru-RU"}[language],
                                  viewport=SCREENS[screen])
    page = context.new_page()
    page.set_default_timeout(10_000)
    return context, page


def log_in(page, live_server, user, language):
    sign_in(page, live_server, user.email, factories.PASSWORD)
    page.wait_for_url(re.compile(r"/staff$"))
    page.click(f".lang-switch button[data-lang={language}]")
    page.wait_for_url(re.compile(r"/staff$"))


@pytest.mark.parametrize("screen", SCREENS)
@pytest.mark.parametrize("language", ["kk", "ru"])
def test_assigned_member_sees_count_and_inbox_then_claims_and_releases(
        browser, live_server, world, language, screen):
    people, (given, free) = world
    inbox_word, assigned_word, take_word, release_word = WORDS[language]
    context, page = tab(browser, language, screen)
    try:
        log_in(page, live_server, people["secretary"], language)
        page.goto(f"{live_server}/cases/{given.reference}")
        page.select_option("#assign-assignee", str(people["member"].id))
        with page.expect_navigation():
            page.click("section.case-assign button[type=submit]")
        with page.expect_navigation():
            page.click("form.logout button[type=submit]")

        log_in(page, live_server, people["member"], language)
        badge = page.locator(".staff-bar .inbox-count")
        assert badge.inner_text().strip() == "1"
        assert inbox_word in page.inner_text(".staff-bar .inbox-link")
        page.click(".staff-bar .inbox-link")
        page.wait_for_url(re.compile(r"/staff/inbox$"))
        item = page.locator(".inbox-item").first
        assert assigned_word in item.inner_text() and given.reference in item.inner_text()
        page.goto(f"{live_server}/cases")
        assert page.locator(f'tr[data-case="{given.reference}"] .queue-unread').count() == 1
        page.goto(f"{live_server}/staff/inbox")
        with page.expect_navigation():
            item.locator("form button").first.click()
        assert page.url.endswith(f"/cases/{given.reference}")
        assert page.locator(".staff-bar .inbox-count").count() == 0

        page.goto(f"{live_server}/cases/{free.reference}")
        claim = page.locator('button[data-act="claim"]')
        assert claim.inner_text().strip() == take_word
        with page.expect_navigation():
            claim.click()
        db.session.expire_all()
        assert db.session.get(Case, free.id).assignee_id == people["member"].id
        release = page.locator('button[data-act="release"]')
        assert release.inner_text().strip() == release_word
        with page.expect_navigation():
            release.click()
        db.session.expire_all()
        assert db.session.get(Case, free.id).assignee_id is None
        assert page.locator('button[data-act="claim"]').count() == 1
        assert page.evaluate("document.documentElement.scrollWidth") <= SCREENS[screen]["width"]
    finally:
        context.close()
