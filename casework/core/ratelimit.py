"""The rate limits the public pages and the API apply with the limiter (created with the other
extensions, keyed by a hash of the client's address), and the page shown when one is hit."""

from flask import current_app, make_response
from flask_babel import gettext as _
from flask_limiter import RequestLimit

from casework.core.errors import render_error
from casework.extensions import limiter

__all__ = ["everyone", "limiter", "on_breach", "submit_limit", "track_global_limit",
           "track_limit"]


def everyone() -> str:
    """One shared counter for all clients: caps code guessing spread over many addresses."""
    return "all-clients"


# Limits read from the settings on each request (so tests and deployments can change them).
def submit_limit() -> str:
    return current_app.config["CASEWORK_LIMIT_SUBMIT"]


def track_limit() -> str:
    return current_app.config["CASEWORK_LIMIT_TRACK"]


def track_global_limit() -> str:
    return current_app.config["CASEWORK_LIMIT_TRACK_GLOBAL"]


def on_breach(_limit: RequestLimit):
    return make_response(render_error(429, _("Too many attempts from your connection. Please "
                                             "wait a few minutes and try again.")))
