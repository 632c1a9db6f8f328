"""First journey: the home page in each language, then every role logs in and lands right."""

import re

import pytest

from casework.demo.seed import DEMO_ACCOUNTS
from tests.plugin.browser import pass_password_step
from tests.plugin.second_factor import totp_code

pytestmark = pytest.mark.browser

TITLES = {"kk": "Партиялық бақылау комитеті", "ru": "Партийный контрольный комитет",
          "en": "Party Control Committee"}
LANDING = {"operator": "/hotline/", "reviewer": "/staff", "secretary": "/staff", "chair": "/staff",
           "admin": "/admin/users", "auditor": "/audit"}


def test_home_page_in_each_language(page, live_server, demo):
    page.goto(live_server + "/")
    assert page.get_attribute("html", "lang") == "kk"  # the browser asks for Kazakh
    for lang in ("ru", "en", "kk"):
        page.click(f'button[data-lang="{lang}"]')
        page.wait_for_url(live_server + "/")
        assert page.get_attribute("html", "lang") == lang
        assert TITLES[lang] in page.inner_text("header")
        assert page.locator("main h1").is_visible()
    page.goto(live_server + "/login")
    assert page.get_attribute("html", "lang") == "kk"  # the choice is remembered


@pytest.mark.parametrize("email, role, password",
                         [(a[0], a[2].value, a[4]) for a in DEMO_ACCOUNTS])
def test_each_role_logs_in_and_lands_on_its_page(page, live_server, demo, email, role, password):
    page.goto(live_server + "/")
    page.click('a[href="/login"]')
    pass_password_step(page, live_server, email, password)
    page.wait_for_url(re.compile(r"/login/code$"))
    assert page.get_attribute("#code", "autocomplete") == "one-time-code"
    page.fill("#code", totp_code(email))
    page.click("form.stack button[type=submit]")
    page.wait_for_url(re.compile(re.escape(live_server + LANDING[role]) + "$"))
    if LANDING[role] == "/staff":
        assert page.get_attribute("h1", "data-role") == role
    assert page.locator(".staff-bar .who").is_visible()
    page.click(".staff-bar .logout button")
    page.wait_for_url(live_server + "/")
    page.goto(live_server + "/staff")
    assert "/login" in page.url


def test_wrong_password_shows_a_message_and_no_layout_breaks_on_a_phone(page, live_server, demo):
    page.goto(live_server + "/login")
    page.fill("#email", "chair@example.kz")
    page.fill("#password", "not the password")
    page.click("form.stack button[type=submit]")
    page.wait_for_url(re.compile(r"/login/code$"))  # the code step follows, right or wrong
    page.fill("#code", "123456")
    page.click("form.stack button[type=submit]")
    assert page.locator(".flash-error").is_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390  # nothing overflows the phone screen
