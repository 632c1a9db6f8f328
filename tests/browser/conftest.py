"""Browser harness: Playwright drives Debian's Chromium against the app served on loopback.

Without Chromium (or the playwright package) the browser tests skip with a clear
message, unless CASEWORK_REQUIRE_BROWSER=1, where they fail. The seeded `demo` and the
fresh rate limits come from the shared plugin (tests/plugin).
"""

import threading

import pytest
from werkzeug.serving import make_server

from tests.plugin.browser import (
    CHROMIUM,
    LAUNCH_ARGS,
    LOCALES,
    REQUIRED,
    VIEWPORTS,
    open_tab,
    unavailable,
)


@pytest.fixture(scope="session")
def browser():
    reason = unavailable()
    if reason:
        if REQUIRED:
            pytest.fail(f"CASEWORK_REQUIRE_BROWSER=1 but {reason}")
        pytest.skip(f"browser tests skipped: {reason}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def live_server(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture
def page(browser, request):
    yield from open_tab(browser, request, "kk-KZ", VIEWPORTS["phone"])


@pytest.fixture(params=[(lang, screen) for lang in LOCALES for screen in VIEWPORTS],
                ids=lambda p: f"{p[0]}-{p[1]}")
def tab(browser, request):
    """The test once per language (kk, ru) and screen (phone, desktop); `tab.lang` says which."""
    lang, screen = request.param
    for opened in open_tab(browser, request, LOCALES[lang], VIEWPORTS[screen]):
        opened.lang = lang
        yield opened
