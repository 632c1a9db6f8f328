"""The console pops up by itself in Chromium: a telephone system reports a call ringing at
the operator's extension (real HTTP to the served app); the open console, left alone, opens
the call record with the number and the caller's history; the answer starts the timer and
the hang-up stops it. In Kazakh, the console's default language."""

import re

import pytest
import requests

from casework.extensions import db
from casework.hotline import services
from tests import factories
from tests.plugin.browser import open_tab, sign_in

pytestmark = pytest.mark.browser

SECRET = "browser-cti-secret-0123456789"
NUMBER = "+77015550123"


@pytest.fixture
def desk(browser, request):
    yield from open_tab(browser, request, "kk-KZ", {"width": 1366, "height": 768})


def event(live_server, **fields):
    answer = requests.post(live_server + "/api/cti/v1/events", json=fields,
                           headers={"X-CTI-Secret": SECRET}, timeout=30)
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_a_ringing_call_pops_up_and_its_timer_follows_the_line(desk, live_server, app, demo,
                                                               make_user, make_case,
                                                               monkeypatch):
    from playwright.sync_api import expect  # only once the harness found the browser

    monkeypatch.setitem(app.config, "CASEWORK_CTI_SECRET", SECRET)
    operator = make_user("operator", regions=None)
    operator.phone_extension = "201"
    case = make_case()
    factories.complaint(case, anonymous=False, name="Caller", phone=NUMBER)
    earlier = services.start_call(operator, number=NUMBER, language="kk")
    services.finish_call(earlier, operator, purpose="voting_question", note="")
    db.session.commit()
    page = desk
    sign_in(page, live_server, operator.email, factories.PASSWORD)
    page.wait_for_url(re.compile(r"/hotline/$"))
    page.wait_for_selector("#start-form")

    event(live_server, event="ringing", call_id="b-1", extension="201", **{"from": NUMBER})
    page.wait_for_selector("#current-call", timeout=15_000)  # no click, no reload
    assert "+7 701 555 0123" in page.inner_text("#call-number")
    assert page.inner_text("#call-state") == "Қоңырау түсуде"  # ringing
    assert page.inner_text("#call-timer") == "0:00"
    assert case.reference in page.inner_text("#caller-cases")
    assert page.locator(f'#caller-calls tr[data-call="{earlier.id}"]').count() == 1

    event(live_server, event="answered", call_id="b-1", extension="201")
    page.wait_for_selector('#call-timer[data-state="talking"]', timeout=15_000)
    expect(page.locator("#call-timer")).not_to_have_text("0:00", timeout=5_000)
    assert page.inner_text("#call-state") == "Сөйлесу жүріп жатыр"

    event(live_server, event="ended", call_id="b-1", cause="normal_clearing")
    page.wait_for_selector('#call-timer[data-state="ended"]', timeout=15_000)
    assert page.inner_text("#call-state") == "Қоңырау аяқталды"
    stopped = page.inner_text("#call-timer")
    page.wait_for_timeout(2500)
    assert page.inner_text("#call-timer") == stopped  # the timer no longer runs

    # The operator logs the call as usual; the console is ready for the next one.
    page.keyboard.press("Alt+q")
    page.focus("#note")
    page.keyboard.press("Enter")
    page.wait_for_selector("#start-form")


def test_a_withheld_call_pops_up_without_a_look_up(desk, live_server, app, demo, make_user,
                                                  monkeypatch):
    monkeypatch.setitem(app.config, "CASEWORK_CTI_SECRET", SECRET)
    operator = make_user("operator", regions=None)
    operator.phone_extension = "202"
    db.session.commit()
    sign_in(desk, live_server, operator.email, factories.PASSWORD)
    desk.wait_for_selector("#start-form")
    event(live_server, event="ringing", call_id="b-2", extension="202", **{"from": "anonymous"})
    desk.wait_for_selector("#current-call", timeout=15_000)
    assert desk.is_visible("#no-history") and desk.locator("#caller-cases").count() == 0
