"""The rendered public report pages, kept per key for a fixed time (core.cache).

The statistics page is the same for every visitor in a language: it is rendered once per
minute per (language, view) and process, whatever the number of visitors; a spike arriving
on an expired entry renders it once while the others wait for that render.
"""

from flask import Flask

from casework.core.cache import BoundedCache, app_cache

TTL_SECONDS = 60
# (language, map colouring) pairs and the JSON figures: a few dozen at most.
PAGES = 64


def page_cache(app: Flask | None = None) -> BoundedCache:
    """The application's cache (one per app, so tests and apps never share entries)."""
    return app_cache("reports.pages", size=PAGES, ttl=TTL_SECONDS, app=app)
