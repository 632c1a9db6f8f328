"""The staff dashboard and the public statistics page.

- reports.dashboard        GET /staff/dashboard    the DASHBOARD desk (accounts.roles);
                                                   the figures of the user's region scope
- reports.statistics       GET /statistics         public; ?by=count colours the map by count
- reports.statistics_json  GET /statistics.json    public; the same figures as JSON

The public figures are the same for every visitor: the page body is rendered once a minute
per (language, map colouring) and process (casework.reports.cache) and only the frame around
it (language switch with its CSRF token, staff bar: per visitor) is rendered per request.
Anonymous responses are cacheable for a minute too: publicly when they set no cookie.
"""

from flask import Blueprint, Response, current_app, jsonify, render_template, request, session
from flask_babel import get_locale
from flask_login import current_user
from markupsafe import Markup

from casework.accounts.queries import scope_region_ids
from casework.accounts.roles import DASHBOARD, SYSTEM_HEALTH
from casework.core.db import utcnow
from casework.core.web import require
from casework.elections.queries import current_election
from casework.reports import figures, present, system
from casework.reports.cache import TTL_SECONDS, dashboard_figures, page_cache
from casework.sms import queries as sms_queries

bp = Blueprint("reports", __name__)

CACHE_PUBLIC = f"public, max-age={TTL_SECONDS}"
CACHE_PRIVATE = f"private, max-age={TTL_SECONDS}"


@bp.get("/staff/dashboard")
def dashboard():
    require(DASHBOARD.can_open(current_user))
    health = system.health() if SYSTEM_HEALTH.can_open(current_user) else None
    election = current_election()
    if election is None:
        return render_template("reports/dashboard.html", data=None, health=health)
    regions = scope_region_ids(current_user, election.id)
    data = figures.kept_dashboard(election, regions)
    return render_template("reports/dashboard.html", data=data, election=election,
                           figures=dashboard_figures(data), health=health,
                           sms_flooded=sms_queries.over_limit_cases(election.id, regions,
                                                                     utcnow()))


def _public_figures() -> figures.Dashboard | None:
    election = current_election()
    if election is None:
        return None
    return figures.dashboard(election, None, utcnow())


def _render_body(by: str) -> str:
    data = _public_figures()
    if data is None:
        return render_template("reports/_statistics_body.html", data=None)
    return render_template("reports/_statistics_body.html", data=data,
                           page=present.page(data, public=True),
                           region_map=present.region_map(data, by))


def _public(response: Response) -> Response:
    """Cacheable for a minute: the same for every visitor (as the register's pages). Staff
    HTML keeps the default no-store. A response that sets a cookie is only `private`: a
    shared cache must never hand one visitor's session to others (an anonymous HTML page
    sets one while the language switch's CSRF token is new, or session protection rewrites
    the session); JSON fetched without a session is public."""
    if response.mimetype == "text/html" and current_user.is_authenticated:
        return response
    sets_cookie = current_app.session_interface.should_set_cookie(current_app, session)
    response.headers["Cache-Control"] = CACHE_PRIVATE if sets_cookie else CACHE_PUBLIC
    response.vary.add("Accept-Language")
    response.vary.add("Cookie")
    return response


@bp.get("/statistics")
def statistics():
    by = request.args.get("by", "rate")
    by = by if by in present.MAP_BY else "rate"
    lang = str(get_locale())
    body = page_cache().get_or_make(("statistics", lang, by), lambda: _render_body(by))
    html = render_template("reports/statistics.html",
                           body=Markup(body))  # noqa: S704 - our own rendered template
    return _public(current_app.make_response(html))


@bp.get("/statistics.json")
def statistics_json():
    data = page_cache().get_or_make(("statistics.json",), lambda: _json_figures())
    if data is None:
        return jsonify(error="no_election"), 404
    return _public(jsonify(data))


def _json_figures() -> dict | None:
    data = _public_figures()
    return None if data is None else data.to_dict(public=True)
