"""Errors of the complaint form in Chromium, in Kazakh and Russian, on a phone and a desktop:
every mistake in one summary that is focused and in view after a refused send (with and
without JavaScript, the page never rewritten), the limit giving the form back with the
hotline, and the typed text kept in the browser until a receipt."""

import re

import pytest

from casework.intake.models import Complaint
from tests.browser.test_complaint import RECEIPT_RE, count, fill_basics
from tests.plugin.browser import VIEWPORTS
from tests.plugin.data import NARRATIVE, png_bytes

pytestmark = pytest.mark.browser

WORDS = {"kk": {"problem": "Мәселе бар", "category": "Не болғанын таңдаңыз",
                "restored": "қалпына келтірдік", "limited": "ЖІБЕРІЛГЕН ЖОҚ"},
         "ru": {"problem": "Есть ошибки", "category": "Выберите, что произошло",
                "restored": "Мы восстановили", "limited": "НЕ отправлена"}}
ENGLISH = ("There is a problem", "This field is required", "Choose what happened",
           "Describe what happened", "is not accepted", "Too many attempts")
IN_VIEW = """sel => { const r = document.querySelector(sel).getBoundingClientRect();
  return r.top >= 0 && r.top < window.innerHeight; }"""
BAD_FILE = {"name": "virus.pdf", "mimeType": "application/pdf",
            "buffer": b"MZ\x90\x00" + b"\x00" * 100}
CASES = [(lang, view) for lang in ("kk", "ru") for view in VIEWPORTS]


def open_form(browser, live_server, lang, view, javascript=True):
    context = browser.new_context(locale={"kk": "kk-KZ", "ru": "ru-RU"}[lang],
                                  viewport=VIEWPORTS[view], java_script_enabled=javascript)
    context.add_cookies([{"name": "casework_lang", "value": lang, "url": live_server}])
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto(live_server + "/complaints/new")
    assert page.get_attribute("html", "lang") == lang
    return context, page


def three_mistakes(page):
    page.select_option("#region", "KZ-KAR-BAL")
    page.fill("#narrative", "Тым қысқа.")
    page.set_input_files("#evidence", [BAD_FILE])


def assert_summary(page, lang, links):
    summary = page.locator("#error-summary")
    summary.wait_for(state="visible")
    text = summary.inner_text()
    assert WORDS[lang]["problem"] in text and WORDS[lang]["category"] in text
    assert "virus.pdf" in text
    assert not any(english in text for english in ENGLISH)
    assert [a.get_attribute("href") for a in summary.locator("a").all()] == links
    assert page.evaluate("document.activeElement.id") == "error-summary"
    assert page.evaluate(IN_VIEW, "#error-summary")
    assert page.evaluate("document.documentElement.scrollWidth") <= VIEWPORTS["desktop"]["width"]


@pytest.mark.parametrize("lang,view", CASES)
def test_with_javascript_every_mistake_is_summed_up_focused_and_the_page_kept(
        browser, live_server, demo, lang, view):
    context, page = open_form(browser, live_server, lang, view)
    try:
        page.on("dialog", lambda d: d.accept())
        three_mistakes(page)
        page.evaluate("window.sameDocument = true")  # lost if the page were rewritten
        page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
        page.click("#complaint-form button[type=submit]")
        assert_summary(page, lang, ["#category-0", "#narrative", "#evidence"])
        assert page.evaluate("window.sameDocument") is True
        assert page.input_value("#narrative") == "Тым қысқа."
        assert page.locator("#file-list li").count() == 1  # the chosen file is kept
        assert page.title().startswith({"kk": "Қате", "ru": "Ошибка"}[lang])
        # A link takes the complainant to the field.
        page.click("#error-summary a[href='#narrative']")
        assert page.evaluate("document.activeElement.id") == "narrative"
        # Corrected, with the wrong file removed and a good one chosen: filed once.
        page.check('input[name="category"][value="vote_buying"]')
        page.fill("#narrative", NARRATIVE)
        page.locator("#file-list li button").click()
        page.set_input_files("#evidence", [{"name": "фото.png", "mimeType": "image/png",
                                            "buffer": png_bytes(3, 3)}])
        page.click("#complaint-form button[type=submit]")
        page.wait_for_url(RECEIPT_RE)
        assert count(Complaint) == 1
    finally:
        context.close()


@pytest.mark.parametrize("lang,view", CASES)
def test_without_javascript_the_summary_comes_first_and_is_focused(browser, live_server, demo,
                                                                   lang, view):
    context, page = open_form(browser, live_server, lang, view, javascript=False)
    try:
        three_mistakes(page)
        page.click("#complaint-form button[type=submit]")
        page.wait_for_load_state()
        assert_summary(page, lang, ["#category-0", "#narrative", "#evidence"])
        assert page.input_value("#narrative") == "Тым қысқа." and count(Complaint) == 0
    finally:
        context.close()


@pytest.mark.parametrize("lang,view", CASES)
def test_the_limit_gives_the_form_back_with_the_words_and_the_hotline(
        browser, live_server, app, demo, monkeypatch, lang, view):
    monkeypatch.setitem(app.config, "CASEWORK_LIMIT_SUBMIT_REFUSED", "1 per minute")
    context, page = open_form(browser, live_server, lang, view, javascript=False)
    try:
        fill_basics(page, narrative="Тым қысқа.")
        page.click("#complaint-form button[type=submit]")
        page.wait_for_selector("#error-summary")
        page.fill("#narrative", NARRATIVE)
        page.fill("#witnesses", "Айгүл С., 8 701 000 00 00")
        response = None
        with page.expect_navigation() as navigation:
            page.click("#complaint-form button[type=submit]")
        response = navigation.value
        assert response.status == 429
        notice = page.locator("#limited")
        assert WORDS[lang]["limited"] in notice.inner_text()
        phone = app.config["CASEWORK_HOTLINE_PHONE"]
        assert notice.locator(f'a[href="tel:{phone.replace(" ", "")}"]').inner_text() == phone
        assert notice.locator("a[href^='mailto:']").count() == 1
        assert page.evaluate("document.activeElement.id") == "limited"
        assert page.evaluate(IN_VIEW, "#limited")
        assert page.input_value("#narrative") == NARRATIVE
        assert page.input_value("#witnesses") == "Айгүл С., 8 701 000 00 00"
        assert not any(english in page.inner_text("main") for english in ENGLISH)
        assert count(Complaint) == 0
    finally:
        context.close()


@pytest.mark.parametrize("lang,view", CASES)
def test_unsent_words_are_restored_until_a_receipt(browser, live_server, demo, lang, view):
    context, page = open_form(browser, live_server, lang, view)
    try:
        fill_basics(page)
        page.select_option("#station", "KAR-BAL-018")
        page.fill("#witnesses", "Айгүл С.")
        page.set_input_files("#evidence", [{"name": "фото.png", "mimeType": "image/png",
                                            "buffer": png_bytes(3, 3)}])
        page.reload()  # the tab closed, the connection lost, the phone restarted
        notice = page.locator("#draft-restored")
        notice.wait_for(state="visible")
        assert WORDS[lang]["restored"] in notice.inner_text()
        assert page.input_value("#narrative") == NARRATIVE
        assert page.input_value("#witnesses") == "Айгүл С."
        assert page.input_value("#region") == "KZ-KAR-BAL"
        assert page.input_value("#station") == "KAR-BAL-018"
        assert page.is_checked('input[name="category"][value="vote_buying"]')
        assert page.locator("#file-list li").count() == 0  # files are never kept
        stored = page.evaluate("JSON.stringify(localStorage)")
        assert "csrf" not in stored and "submission_key" not in stored

        # Discarded: the fields empty, nothing kept.
        page.click("#draft-discard")
        assert notice.is_hidden() and page.input_value("#narrative") == ""
        assert page.evaluate("localStorage.length") == 0
        page.reload()
        assert page.locator("#draft-restored").is_hidden()

        # Typed again and sent: the receipt clears it.
        fill_basics(page)
        page.once("dialog", lambda d: d.accept())
        page.click("#complaint-form button[type=submit]")
        page.wait_for_url(RECEIPT_RE)
        page.wait_for_function("localStorage.length === 0")
        page.goto(live_server + "/complaints/new")
        assert page.locator("#draft-restored").is_hidden()
        assert page.input_value("#narrative") == ""
        assert re.search(r"\S", page.inner_text("h1"))
    finally:
        context.close()
