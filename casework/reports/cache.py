"""The rendered public report pages, kept per key for a fixed time (core.cache).

The statistics page is the same for every visitor in a language: it is rendered once per
minute per (language, view) and process, whatever the number of visitors; a spike arriving
on an expired entry renders it once while the others wait for that render.
"""

from dataclasses import replace

from flask import Flask, current_app, render_template
from flask_babel import get_locale
from markupsafe import Markup

from casework.core.cache import BoundedCache, app_cache
from casework.reports import present
from casework.reports.figures import Dashboard

TTL_SECONDS = 60
# (language, map colouring) pairs and the JSON figures: a few dozen at most.
PAGES = 64


def page_cache(app: Flask | None = None) -> BoundedCache:
    """The application's cache (one per app, so tests and apps never share entries)."""
    return app_cache("reports.pages", size=PAGES, ttl=TTL_SECONDS, app=app)


FIGURES = 32  # (language, figures) of the dashboards open now: ~90 KB each


def dashboard_figures(data: Dashboard) -> Markup:
    """The dashboard's tiles and charts for `data`, rendered once per language and set of
    figures (they were two thirds of the page's cost). The key holds every figure as it is
    (all of the dataclass but the time it was read), so a changed count is a new entry and
    never a stale one; it holds counts and region names only."""
    key = (str(get_locale()), current_app.config["CASEWORK_DUE_SOON_HOURS"],
           repr(replace(data, generated_at=None)))
    return app_cache("reports.dashboard_figures", size=FIGURES).get_or_make(
        key, lambda: Markup(render_template(  # noqa: S704 - the template escapes its values
            "reports/_dashboard_figures.html", page=present.page(data, public=False))))
