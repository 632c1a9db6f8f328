"""Issue 15-A in a real browser, in kk and ru, on a phone and a desktop: the case page shows
every fact a complaint carries (station, time, witnesses, links, others accused, channel),
and the tracking page lists the citizen's files, with one added there appearing at once."""

import hashlib
import io
import os
import re
import secrets
from datetime import datetime
from pathlib import Path

import pytest

from casework.extensions import db
from casework.intake.models import Channel
from casework.intake.services import ComplaintDraft, Upload, submit_complaint
from tests import factories
from tests.plugin.browser import LOCALES, VIEWPORTS, sign_in
from tests.plugin.data import NARRATIVE, png_bytes

pytestmark = pytest.mark.browser

WORDS = {  # a few words each page must say in its language
    "kk": {"facts": ["Сайлау учаскесі", "Қашан болды", "Куәгерлер", "Сілтемелер", "Веб-форма"],
           "files": ["Сіздің файлдарыңыз"]},
    "ru": {"facts": ["Избирательный участок", "Когда это произошло", "Свидетели", "Ссылки",
                     "Веб-форма"],
           "files": ["Ваши файлы"]},
}
SHOTS = os.environ.get("CASEWORK_SHOTS")  # a directory: keep a screenshot of each page


def _tab(browser, lang, screen):
    context = browser.new_context(locale=LOCALES[lang], viewport=VIEWPORTS[screen])
    context.add_cookies([{"name": "casework_lang", "value": lang, "domain": "127.0.0.1",
                          "path": "/"}])
    tab = context.new_page()
    tab.set_default_timeout(10_000)
    return context, tab


def _fits(tab) -> bool:
    return tab.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def _shot(tab, name):
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        tab.screenshot(path=str(Path(SHOTS) / f"facts-{name}.png"), full_page=True)


def _file(election, lang, files=()):
    draft = ComplaintDraft(election=election, category="vote_buying", region_code="KZ-KAR-BAL",
                           station_code="BAL-001", narrative=NARRATIVE,
                           submission_key=secrets.token_urlsafe(24), language=lang,
                           anonymous=True, occurred_at=datetime(2026, 3, 1, 5, 30),
                           links=["https://example.org/post/1"],
                           witnesses="Aliya Nurbek", accused_other="Учаскелік комиссия төрағасы")
    submission = submit_complaint(draft, [Upload(io.BytesIO(c), n) for n, c in files],
                                  channel=Channel.WEB)
    db.session.commit()
    return submission


@pytest.mark.parametrize("screen", VIEWPORTS)
@pytest.mark.parametrize("lang", LOCALES)
def test_case_page_shows_every_fact(browser, live_server, election, lang, screen, evidence_dir):
    submission = _file(election, lang)
    chair = factories.user("chair", election=election, email=f"chair-{lang}-{screen}@test.kz")
    context, tab = _tab(browser, lang, screen)
    try:
        sign_in(tab, live_server, chair.email, factories.PASSWORD)
        tab.goto(f"{live_server}/cases/{submission.case.reference}")
        facts = tab.locator(".complaint-facts").first
        text = facts.inner_text()
        assert "BAL-001" in text and "Aliya Nurbek" in text
        assert "Учаскелік комиссия төрағасы" in text
        for word in WORDS[lang]["facts"]:
            assert word in text, word
        assert not re.search(r"\bweb\b", text)  # the channel's label, never its value
        link = facts.locator(".fact-links a")
        assert link.get_attribute("rel") == "noopener noreferrer nofollow"
        assert link.get_attribute("href") == "https://example.org/post/1"
        assert facts.locator(".fact-when time").is_visible()
        assert _fits(tab)
        _shot(tab, f"case-{lang}-{screen}")
    finally:
        context.close()


@pytest.mark.parametrize("screen", VIEWPORTS)
@pytest.mark.parametrize("lang", LOCALES)
def test_tracking_page_lists_the_citizens_files(browser, live_server, election, lang, screen,
                                                evidence_dir):
    photo = png_bytes()
    submission = _file(election, lang, files=[("photo.png", photo)])
    context, tab = _tab(browser, lang, screen)
    try:
        tab.goto(f"{live_server}/track")
        tab.fill("#code", submission.tracking_code)
        tab.click("main form button[type=submit]")
        tab.wait_for_url(re.compile(r"/track/case$"))
        files = tab.locator(".tracked-files")
        for word in WORDS[lang]["files"]:
            assert word in files.inner_text()
        assert "photo.png" in files.inner_text()
        assert hashlib.sha256(photo).hexdigest() in files.inner_text()
        later = png_bytes(30, 30)
        tab.set_input_files("#evidence", [{"name": "later.png", "mimeType": "image/png",
                                           "buffer": later}])
        with tab.expect_navigation():
            tab.click("form[action$='/track/case/reply'] button[type=submit]")
        files = tab.locator(".tracked-files")
        assert "later.png" in files.inner_text()
        assert hashlib.sha256(later).hexdigest() in files.inner_text()
        assert files.locator(".tracked-file").count() == 2
        assert _fits(tab)
        _shot(tab, f"track-{lang}-{screen}")
    finally:
        context.close()
