"""The rate limits the public pages, the API and sign-in apply with the limiter (created with
the other extensions, keyed by a hash of the client's address as ProxyFix gives it, see
CASEWORK_TRUSTED_PROXIES), and the page shown when one is hit.

Counters live in Redis when CASEWORK_REDIS_URL is set, else beside an SQLite database in a
file of their own (core/ratelimit_local.py), else in the PostgreSQL database
(core/ratelimit_storage.py): every worker shares them."""

import math
import time
from collections.abc import Callable

from flask import Response, current_app, make_response, request
from flask_babel import gettext as _
from flask_limiter import RequestLimit

from casework.core import (
    ratelimit_local,  # noqa: F401 - registers casework+local://
    ratelimit_redis,  # noqa: F401 - registers casework+redis://
)
from casework.core.errors import render_error
from casework.extensions import limiter

__all__ = ["accepted", "everyone", "limiter", "on_breach", "refused", "set_limited_page",
           "set_signin_page", "signin_client_limit", "signin_limit", "submit_limit",
           "submit_refused_limit", "track_global_limit", "track_limit"]


def everyone() -> str:
    """One shared counter for all clients: caps code guessing spread over many addresses."""
    return "all-clients"


# Limits read from the settings on each request (so tests and deployments can change them).
def submit_limit() -> str:
    return current_app.config["CASEWORK_LIMIT_SUBMIT"]


def submit_refused_limit() -> str:
    return current_app.config["CASEWORK_LIMIT_SUBMIT_REFUSED"]


# A send counts toward the submit limit only once it is accepted; a refused one (a field to
# correct, a file refused) counts toward its own, larger allowance, so correcting mistakes
# never uses up the right to send. Outages (503) and the limit's own 429 count toward neither.
def accepted(response: Response) -> bool:
    return response.status_code < 400


def refused(response: Response) -> bool:
    return response.status_code in (400, 413, 422)


def track_limit() -> str:
    return current_app.config["CASEWORK_LIMIT_TRACK"]


def track_global_limit() -> str:
    return current_app.config["CASEWORK_LIMIT_TRACK_GLOBAL"]


# endpoint -> page(message): the form again with everything typed when its limit is hit.
_limited_pages: dict[str, Callable[[str], Response | str]] = {}


def set_limited_page(endpoint: str, page: Callable[[str], Response | str]) -> None:
    _limited_pages[endpoint] = page


def _limited_page(message: str) -> Response | None:
    page = _limited_pages.get(request.endpoint or "")
    if page is None:
        return None
    try:
        return make_response(page(message))
    except Exception:  # noqa: BLE001 - the form needs a part that is down: the plain page
        current_app.logger.info("the limited form could not be drawn", exc_info=True)
        return None


def on_breach(limit: RequestLimit):
    if f"/{SIGNIN_SCOPE}/" in limit.key:
        return None  # the sign-in limit answers with the login page (on_signin_breach)
    message = _("Too many attempts from your connection. Please wait a few minutes and try "
                "again.")
    response = _limited_page(message) or make_response(render_error(429, message))
    response.status_code = 429
    response.headers["Cache-Control"] = "no-store"
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
