"""Search that finds, in a real browser, in Kazakh and Russian, on a phone and a desktop: the
header's "go to case" box jumps to a case by its reference typed in lower case, finds a
Kazakh word typed without Kazakh letters, and never finds a case by its complainant's phone
(the identity is the custodian's, cases/identity.py)."""

import re

import pytest
from sqlalchemy import select

from casework.cases.search import index_case
from casework.demo.seed import ELECTION_CODE
from casework.elections.models import Election
from casework.extensions import db
from tests import factories
from tests.plugin.browser import LOCALES, VIEWPORTS, sign_in

pytestmark = pytest.mark.browser

WORDS = {"kk": {"box": "Іске өту", "find": "Іздеу"},
         "ru": {"box": "Перейти к делу", "find": "Найти"}}


@pytest.fixture
def cases(demo):
    election = db.session.scalar(select(Election).where(Election.code == ELECTION_CODE))
    target = factories.case(election, region_code="KZ-KAR")
    factories.complaint(target, anonymous=False, name="Гүлнар Сәрсенова", phone="+77019998877",
                        narrative="Қарағанды қаласында №12 учаскеде ақша таратылды.")
    index_case(target)
    db.session.commit()
    return target


@pytest.mark.parametrize("viewport", VIEWPORTS)
@pytest.mark.parametrize("language", LOCALES)
def test_go_to_case_box_jumps_and_finds(browser, live_server, cases, language, viewport):
    context = browser.new_context(locale=LOCALES[language], viewport=VIEWPORTS[viewport])
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        sign_in(page, live_server, "secretary@example.kz", "secretary-demo-2020")
        page.wait_for_url(re.compile(r"/staff$"))
        assert page.locator("html").get_attribute("lang") == language
        box = page.get_by_label(WORDS[language]["box"])
        assert box.is_visible()
        # The box fits the screen: no sideways scrolling on a phone.
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

        # A reference typed in lower case goes straight to the case.
        box.fill(cases.reference.lower())
        box.press("Enter")
        page.wait_for_url(re.compile(rf"/cases/{cases.reference}$"))
        assert cases.reference in page.locator("h1").inner_text()

        # A complainant's phone finds nothing: a result would say who complained where.
        page.get_by_label(WORDS[language]["box"]).fill("8 (701) 999-88-77")
        page.locator("form.find-case button[type=submit]").click()
        page.wait_for_url(re.compile(r"/cases\?q="))
        assert page.locator("tr[data-case]").count() == 0

        # Kazakh letters typed as Russian ones: "Караганды акша" finds "Қарағанды ... ақша".
        page.get_by_label(WORDS[language]["box"]).fill("Караганды акша")
        page.get_by_label(WORDS[language]["box"]).press("Enter")
        page.wait_for_url(re.compile(r"/cases\?q="))
        assert page.locator(f'tr[data-case="{cases.reference}"]').count() == 1
        body = page.locator("body").inner_text()
        assert "Go to case" not in body and "Search:" not in body
    finally:
        context.close()
