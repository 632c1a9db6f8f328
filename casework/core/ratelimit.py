"""The rate limits the public pages, the API and sign-in apply with the limiter (created with
the other extensions, keyed by a hash of the client's address as ProxyFix gives it, see
CASEWORK_TRUSTED_PROXIES), and the page shown when one is hit.

Counters live in Redis when CASEWORK_REDIS_URL is set, else in the database
(core/ratelimit_storage.py): every worker shares them."""

import math
import time
from collections.abc import Callable

from flask import Response, current_app, make_response
from flask_babel import gettext as _
from flask_limiter import RequestLimit

from casework.core import ratelimit_redis  # noqa: F401 - registers casework+redis://
from casework.core.errors import render_error
from casework.extensions import limiter

__all__ = ["everyone", "limiter", "on_breach", "set_signin_page", "signin_client_limit",
           "signin_limit", "submit_limit", "track_global_limit", "track_limit"]


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


def on_breach(limit: RequestLimit):
    if f"/{SIGNIN_SCOPE}/" in limit.key:
        return None  # the sign-in limit answers with the login page (on_signin_breach)
    response = make_response(render_error(429, _("Too many attempts from your connection. "
                                                 "Please wait a few minutes and try again.")))
    response.headers["Retry-After"] = str(_retry_after(limit))
    return response


def signin_limit() -> str:
    return current_app.config["CASEWORK_LIMIT_LOGIN"]


SIGNIN_SCOPE = "signin"
# The page a refused sign-in attempt shows (accounts sets the login page); the error page
# until then.
_signin_page: Callable[[str], Response | str] | None = None


def set_signin_page(page: Callable[[str], Response | str]) -> None:
    """page(message) -> the login page with the message (set by accounts at start-up)."""
    global _signin_page
    _signin_page = page


def _retry_after(limit: RequestLimit) -> int:
    try:
        return max(1, math.ceil(limit.window[0] - time.time()))
    except Exception:  # noqa: BLE001 - the counters' storage failed meanwhile: a safe guess
        return 60


def on_signin_breach(limit: RequestLimit) -> Response:
    wait = _retry_after(limit)
    message = _("Too many sign-in attempts from your connection. Wait %(s)d seconds and "
                "try again.", s=wait)
    if _signin_page is None:
        response = make_response(render_error(429, message))
    else:
        response = make_response(_signin_page(message))
        response.status_code = 429
    response.headers["Retry-After"] = str(wait)
    return response


# One budget per client for every sign-in step (the password form, the second factor, a
# passkey assertion), across accounts: decorate each step's view with it.
signin_client_limit = limiter.shared_limit(signin_limit, scope=SIGNIN_SCOPE, methods=["POST"],
                                           on_breach=on_signin_breach)
