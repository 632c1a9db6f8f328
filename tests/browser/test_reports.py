"""Reports in a real browser, on the demo casework: the dashboard's charts, the public
statistics with its map, an export downloaded from the queue, and a personal API token
created on the account page, used, and revoked."""

import csv
import json
import re
import urllib.error
import urllib.request

import pytest
from sqlalchemy import func, select

from casework.demo.cases import seed_cases
from casework.elections.models import Region
from casework.extensions import db
from casework.reports.cache import page_cache
from tests.plugin.browser import context_page, sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def casework(demo, app):
    summary = seed_cases(60, on_batch=db.session.commit)
    db.session.commit()
    page_cache(app).clear()
    return summary


def api_get(url: str, token: str) -> tuple[int, bytes]:
    """A program using the token: no browser, no cookies."""
    request = urllib.request.Request(  # noqa: S310 - the live server on loopback
        url, headers={"Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def log_in_as(page, live_server, role: str) -> None:
    sign_in(page, live_server, f"{role}@example.kz", f"{role}-demo-2020")
    page.wait_for_url(re.compile(r"/staff$"))


def test_dashboard_statistics_export_and_api_token(browser, live_server, casework):
    top_regions = db.session.scalar(select(func.count()).select_from(Region).where(
        Region.parent_id.is_(None)))
    context, page = context_page(browser)
    try:
        # The public statistics: a tile per region, the table, and the colouring switch.
        page.goto(live_server + "/statistics")
        assert page.locator("g.map-tile[data-region]").count() == top_regions
        assert page.locator(".report-map table tbody tr").count() == top_regions
        page.click('.report-map-switch a[href$="by=count"]')
        assert page.locator('.report-map-switch a[aria-current="true"]').get_attribute(
            "href").endswith("by=count")

        # The secretary's dashboard: charts drawn as SVG, with the figures written on them.
        log_in_as(page, live_server, "secretary")
        page.goto(live_server + "/staff/dashboard")
        charts = page.locator("svg[role=img]")
        assert charts.count() >= 8
        assert str(casework.complaints) in page.inner_text("main")
        page.emulate_media(media="print")
        assert page.locator("svg[role=img]").first.is_visible()
        page.emulate_media(media="screen")

        # The queue's list exported as CSV, opened back.
        page.goto(live_server + "/cases?state=investigation")
        with page.expect_download() as download_info:
            page.click('#queue-export a[href*="cases.csv"]')
        with open(download_info.value.path(), encoding="utf-8-sig") as file:
            header, *rows = list(csv.reader(file))
        state = header.index("State")
        assert rows and {row[state] for row in rows} == {"Investigation"}

        # A personal API token: shown once, works for the API, stops when revoked.
        page.goto(live_server + "/account")
        page.fill("#name", "browser check")
        with page.expect_navigation():
            page.click('form[action$="/account/tokens"] button[type=submit]')
        token = page.input_value("#api-token")
        assert token.startswith("cw_")
        status, body = api_get(live_server + "/api/v1/cases?limit=5", token)
        assert status == 200 and len(json.loads(body)["items"]) == 5
        page.goto(live_server + "/account")
        assert token not in page.content()  # never shown again
        with page.expect_navigation():
            page.click('form[action*="/revoke"] button[type=submit]')
        assert api_get(live_server + "/api/v1/cases", token)[0] == 401
    finally:
        context.close()
