"""The dashboard and the public statistics over HTTP: roles, scope, the notice before the
first refresh, no personal data in public, the map and its table, caching, three languages."""

import re

import pytest

from casework.extensions import db
from casework.reports import rollups
from casework.reports.cache import page_cache
from tests.factories import member as staff
from tests.reports.world import MARK, NOW

TILE = re.compile(r'<g class="map-tile (map-q\d|map-nodata)" data-region="([^"]+)"')


def english(client):
    client.set_cookie("casework_lang", "en")


def refresh(world):
    rollups.refresh(world.election, NOW)
    db.session.commit()


# -- the dashboard ----------------------------------------------------------------------------

def test_dashboard_needs_a_login_and_a_staff_role(client, world, login):
    response = client.get("/staff/dashboard")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    login(client, world.operator)
    assert client.get("/staff/dashboard").status_code == 403


@pytest.mark.parametrize("role", ["reviewer", "secretary", "chair", "auditor", "admin"])
def test_dashboard_opens_for_each_staff_role(client, world, login, role):
    english(client)
    login(client, staff(world.election, role, f"Someone{role}"))
    response = client.get("/staff/dashboard")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'href="/staff/dashboard"' in html  # the nav link
    assert "no-store" in response.headers["Cache-Control"]


def test_dashboard_before_the_first_refresh_shows_the_live_figures_and_a_notice(
        client, world, login):
    english(client)
    login(client, staff(world.election, "secretary", "Secretary"))
    html = client.get("/staff/dashboard").get_data(as_text=True)
    assert "The other figures are being prepared." in html
    assert html.count("report-pending") == 9  # every rollup section: notice, no chart
    assert 'id="chart-state"' in html and 'id="chart-category"' in html
    assert 'id="chart-channel"' not in html
    refresh(world)
    html = client.get("/staff/dashboard").get_data(as_text=True)
    assert "report-pending" not in html and "being prepared" not in html
    assert "The other figures as of" in html and "Asia/Almaty" in html
    for chart in ("state", "region", "category", "channel", "created-hour", "created-day",
                  "outcome", "inadmissible", "screening-time", "decision-time", "sanctions",
                  "calls-hour"):
        assert '<svg xmlns="http://www.w3.org/2000/svg" role="img" class="chart' in html
        assert f'id="chart-{chart}"' in html, chart
        assert f'aria-labelledby="chart-{chart}-title chart-{chart}-desc"' in html
    # Numbers written on the bars and in the tables; labels translated from the label dicts.
    assert "<title>Received: 3</title>" in html
    assert "<title>Vote buying: 6</title>" in html
    assert "<title>Duplicate of another complaint: 1</title>" in html
    assert "<title>Web form: 6</title>" in html
    assert "Median: 30 minutes to 1 hour (8 cases)." in html
    assert "Proposed, awaiting review" in html  # staff only
    assert "style=" not in html  # the CSP forbids style attributes


def test_dashboard_shows_only_the_users_regions(client, world, login):
    english(client)
    refresh(world)
    login(client, staff(world.election, "reviewer", "Karagandy", regions=["KZ-KAR"]))
    html = client.get("/staff/dashboard").get_data(as_text=True)
    assert "<title>Karaganda Region: 8</title>" in html
    assert "<title>Almaty:" not in html and "Region not set yet" not in html
    assert "<title>Received: 2</title>" in html


def test_dashboard_renders_in_three_languages(client, world, login):
    refresh(world)
    login(client, staff(world.election, "chair", "Chair"))
    for lang in ("kk", "ru", "en"):
        client.set_cookie("casework_lang", lang)
        response = client.get("/staff/dashboard")
        html = response.get_data(as_text=True)
        assert response.status_code == 200 and f'<html lang="{lang}">' in html
        assert html.count('role="img"') == 13


def test_dashboard_figures_are_kept_but_follow_every_change(client, world, login):
    """The tiles and charts are rendered once per language and figures (reports/cache.py):
    a count that changes shows at once."""
    from sqlalchemy import select

    from casework.cases.models import Case, CaseState
    english(client)
    refresh(world)
    login(client, staff(world.election, "secretary", "Secretary"))
    first = client.get("/staff/dashboard").get_data(as_text=True)
    assert "<title>Received: 3</title>" in first
    assert client.get("/staff/dashboard").get_data(as_text=True).count("<title>Received: 3") == 1
    case = db.session.scalar(select(Case).where(
        Case.election_id == world.election.id, Case.state == CaseState.RECEIVED).limit(1))
    case.state = CaseState.SCREENING
    db.session.commit()
    html = client.get("/staff/dashboard").get_data(as_text=True)
    assert "<title>Received: 2</title>" in html and "<title>Received: 3</title>" not in html
    client.set_cookie("casework_lang", "ru")
    assert "<title>Received" not in client.get("/staff/dashboard").get_data(as_text=True)


# -- the public statistics --------------------------------------------------------------------

def test_statistics_are_public_and_carry_no_personal_data(client, world):
    english(client)
    refresh(world)
    response = client.get("/statistics")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert MARK not in html and MARK.lower() not in html  # names, e-mails, notes, calls
    assert "+7701" not in html and "Proposed, awaiting review" not in html
    assert "Operator" not in html
    body = client.get("/statistics.json")
    assert body.status_code == 200 and MARK.lower() not in body.get_data(as_text=True).lower()
    assert "sanctions_proposed" not in body.get_json()


def test_statistics_page_has_a_tile_per_top_region_and_the_table(client, world):
    english(client)
    refresh(world)
    html = client.get("/statistics").get_data(as_text=True)
    tiles = {code: level for level, code in TILE.findall(html)}
    # By rate: Almaty 1.0 per 10,000 (the top class), Karaganda 0.4 (class 2), the new region
    # has no voter count.
    assert tiles == {"KZ-ALA": "map-q5", "KZ-KAR": "map-q2", "XX-NEW": "map-nodata"}
    assert "<title>Almaty: 1.0 cases per 10,000 voters</title>" in html
    assert "<title>New Region: no data on voters</title>" in html
    rows = re.findall(r'<tr data-region="([^"]+)"><th scope="row"[^>]*>([^<]+)</th>'
                      r'<td class="num"[^>]*>([^<]+)</td><td class="num"[^>]*>([^<]+)</td>'
                      r'<td class="num"[^>]*>([^<]+)</td>', html)
    assert rows == [("KZ-ALA", "Almaty", "4", "40,000", "1.0"),
                    ("KZ-KAR", "Karaganda Region", "8", "200,000", "0.4"),
                    ("XX-NEW", "New Region", "0", "—", "—")]
    assert "no data" in html  # in the legend
    by_count = client.get("/statistics?by=count").get_data(as_text=True)
    tiles = {code: level for level, code in TILE.findall(by_count)}
    assert tiles == {"KZ-KAR": "map-q5", "KZ-ALA": "map-q3", "XX-NEW": "map-q1"}
    assert 'aria-current="true">Number of cases</a>' in by_count


def test_statistics_json_has_the_public_figures(client, world):
    refresh(world)
    response = client.get("/statistics.json")
    data = response.get_json()
    assert data["cases"]["total"] == 13 and data["by_state"]["received"] == 3
    assert data["complaints_by_channel"]["web"] == 6
    assert data["screening_minutes"]["median"] == {"low": 30, "high": 60, "count": 8}
    assert response.headers["Cache-Control"] == "public, max-age=60"
    assert "Set-Cookie" not in response.headers


def test_statistics_before_the_first_refresh(client, world):
    english(client)
    html = client.get("/statistics").get_data(as_text=True)
    assert "The other figures are being prepared." in html
    assert "report-pending" in html and len(TILE.findall(html)) == 3


def test_the_public_page_is_served_from_the_cache_for_a_minute(client, world, app):
    english(client)
    refresh(world)
    clock = [1000.0]
    page_cache(app).clock = lambda: clock[0]

    def received() -> tuple[str, int]:
        html = client.get("/statistics").get_data(as_text=True)
        return (re.search(r"<title>Received: (\d+)</title>", html).group(1),
                client.get("/statistics.json").get_json()["by_state"]["received"])

    assert received() == ("3", 3)
    world.cases["c9"].state = world.cases["c9"].state.SCREENING  # the counters move at once
    db.session.commit()
    clock[0] += 59
    assert received() == ("3", 3)  # within the minute: the rendered page and JSON as they were
    other = client.application.test_client()  # another visitor gets the same cached page
    other.set_cookie("casework_lang", "en")
    assert "<title>Received: 3</title>" in other.get("/statistics").get_data(as_text=True)
    clock[0] += 2  # past the minute
    assert received() == ("2", 2)
    # Each language and each map colouring is its own entry.
    clock[0] += 61
    world.cases["c1"].state = world.cases["c1"].state.SCREENING
    db.session.commit()
    html = client.get("/statistics?by=count").get_data(as_text=True)
    assert "<title>Received: 1</title>" in html


def test_anonymous_pages_are_cacheable_and_public_when_they_set_no_cookie(client, world, login):
    english(client)
    for _ in range(2):
        response = client.get("/statistics")
        # The language switch's CSRF token lives in the session: a response that sets the
        # cookie is for this browser only.
        assert response.headers["Cache-Control"] == (
            "private, max-age=60" if "Set-Cookie" in response.headers else "public, max-age=60")
        assert "Accept-Language" in response.headers["Vary"]
        assert "Cookie" in response.headers["Vary"]
    fresh = client.application.test_client()
    response = fresh.get("/statistics.json")
    assert "Set-Cookie" not in response.headers
    assert response.headers["Cache-Control"] == "public, max-age=60"
    # Staff get the page too, with their own CSRF token in the frame around the cached body,
    # and never a shared-cache header.
    other = client.application.test_client()
    login(client, staff(world.election, "reviewer", "Reader"))
    login(other, staff(world.election, "auditor", "Auditor"))
    token = re.compile(r'name="csrf_token" value="([^"]+)"')
    pages = [c.get("/statistics") for c in (client, other)]
    assert all(p.headers["Cache-Control"] == "no-store" for p in pages)
    mine, theirs = (token.findall(p.get_data(as_text=True)) for p in pages)
    assert mine and theirs and mine[0] != theirs[0]


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
def test_statistics_render_in_three_languages(client, world, lang):
    refresh(world)
    client.set_cookie("casework_lang", lang)
    html = client.get("/statistics").get_data(as_text=True)
    assert f'<html lang="{lang}">' in html
    assert len(TILE.findall(html)) == 3 and html.count('role="img"') == 14
    names = {"kk": "Алматы қаласы", "ru": "город Алматы", "en": "Almaty"}
    assert f"<title>{names[lang]}:" in html


def test_home_page_links_to_the_statistics(client, world):
    assert 'href="/statistics"' in client.get("/").get_data(as_text=True)


def test_the_dashboard_figures_are_kept_a_moment_and_follow_changes(client, world, login):
    """Read once per moment by each process (reports.figures.kept_dashboard): the next page
    reads no counter; a case written here, or a new rollup, shows on the next page."""
    from sqlalchemy import event

    from tests.reports.world import _case
    english(client)
    login(client, staff(world.election, "secretary", "Secretary"))
    assert "<title>Received: 3</title>" in client.get("/staff/dashboard").get_data(as_text=True)
    seen = []

    def count(_conn, _cursor, statement, *_args):
        seen.append(statement)
    event.listen(db.engine, "before_cursor_execute", count)
    try:
        html = client.get("/staff/dashboard").get_data(as_text=True)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert "<title>Received: 3</title>" in html
    assert not any("case_state_counts" in s for s in seen)
    from casework.cases.models import CaseState, Category
    _case(world.election, 900, next(iter(world.regions.values())), Category.VOTE_BUYING,
          CaseState.RECEIVED, NOW)
    db.session.commit()
    assert "<title>Received: 4</title>" in client.get("/staff/dashboard").get_data(as_text=True)
    refresh(world)
    assert "The other figures as of" in client.get("/staff/dashboard").get_data(as_text=True)
