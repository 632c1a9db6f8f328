"""Enrolment of the second factor in the browser, in Kazakh and in Russian: a fresh account
signs in with its password, sees the QR code (an SVG drawn by the server) and the grouped
secret, enters the code an authenticator app would show (pyotp from the secret on the page)
and lands signed in with its recovery codes. Screenshots go to test-artifacts/."""

import re

import pyotp
import pytest
from sqlalchemy import select

from casework.accounts.models import User
from casework.extensions import db
from tests import factories
from tests.plugin.browser import ARTIFACTS, context_page, pass_password_step

pytestmark = pytest.mark.browser

TITLES = {"kk": "Аутентификатор қолданбасын баптаңыз",
          "ru": "Настройте приложение-аутентификатор"}


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_a_new_account_enrols_in_the_browser(browser, live_server, election, lang):
    user = factories.user("operator", election=election, email=f"new-{lang}@test.kz",
                          second_factor=False)
    context, page = context_page(browser, locale="kk-KZ" if lang == "kk" else "ru-RU")
    try:
        context.add_cookies([{"name": "casework_lang", "value": lang, "url": live_server}])
        page.goto(live_server + "/login")
        assert page.get_attribute("html", "lang") == lang
        pass_password_step(page, live_server, user.email, factories.PASSWORD)
        page.wait_for_url(re.compile(r"/login/enrol$"))
        assert TITLES[lang] in page.inner_text("main h1")
        qr = page.locator(".totp-qr svg")
        assert qr.is_visible() and qr.bounding_box()["width"] >= 100
        shown = page.inner_text("#totp-secret")
        db.session.expire_all()
        secret = db.session.scalar(select(User.totp_secret).where(User.id == user.id))
        assert shown == " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))
        assert page.get_attribute("#code", "autocomplete") == "one-time-code"
        assert page.get_attribute("#code", "inputmode") == "numeric"
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"enrolment-{lang}-qr.png"), full_page=True)
        # What a person's authenticator app computes from the key typed in from the page.
        page.fill("#code", pyotp.TOTP(shown.replace(" ", "")).now())
        page.click("form.stack button[type=submit]")
        page.wait_for_selector(".recovery-codes")
        assert page.locator(".recovery-codes li").count() == 10
        page.screenshot(path=str(ARTIFACTS / f"enrolment-{lang}-recovery-codes.png"),
                        full_page=True)
        page.click(".actions a")
        page.wait_for_url(re.compile(r"/hotline/$"))
        assert page.locator(".staff-bar .who").is_visible()
        db.session.expire_all()
        assert db.session.get(User, user.id).has_second_factor
    finally:
        context.close()
