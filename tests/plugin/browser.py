"""The browser harness's settings and helpers: Playwright drives Debian's Chromium (the
fixtures are in tests/browser/conftest.py)."""

import os
import re
from pathlib import Path

CHROMIUM = os.environ.get("CASEWORK_CHROMIUM", "/usr/bin/chromium")
REQUIRED = os.environ.get("CASEWORK_REQUIRE_BROWSER") == "1"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"  # screenshots of failures
# The screens and languages every page is walked in (issue 15): a phone and a desktop, kk and ru.
VIEWPORTS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1366, "height": 900}}
LOCALES = {"kk": "kk-KZ", "ru": "ru-RU"}
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--no-first-run",
               "--disable-quic"]


def unavailable() -> str | None:
    """Why the browser tests cannot run here, or None."""
    if not Path(CHROMIUM).exists():
        return f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (pip install -e '.[test]')"
    return None


def open_tab(browser, request, locale: str, viewport: dict):
    """A page in a context of its own (a generator for a fixture to yield from); a screenshot
    of it when the test failed."""
    context = browser.new_context(locale=locale, viewport=viewport)
    tab = context.new_page()
    tab.set_default_timeout(10_000)
    yield tab
    failed = getattr(request.node, "report_call", None)
    if failed is not None and failed.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        tab.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    context.close()


def context_page(browser, locale="en-US"):
    """A browser context of its own (a desktop screen) and its tab."""
    context = browser.new_context(locale=locale, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    return context, page


def pass_password_step(page, live_server, email, password):
    """The login page's first step: email and password."""
    if "/login" not in page.url:
        page.goto(live_server + "/login")
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("form.stack button[type=submit]")


def sign_in(page, live_server, email, password):
    """Sign in through both steps: the password, then the code the account's authenticator app
    shows now (computed with pyotp from the account's secret; no bypass)."""
    from tests.plugin.second_factor import totp_code

    page.goto(live_server + "/login")
    pass_password_step(page, live_server, email, password)
    page.wait_for_url(re.compile(r"/login/code$"))
    page.fill("#code", totp_code(email))
    page.click("form.stack button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)
