"""Rate limits keyed by a hash of the client address: counters expire with their window
and no address is ever stored in the clear."""

import hashlib

from flask import current_app, request
from flask_babel import gettext as _
from flask_limiter import Limiter, RequestLimit


def client_key() -> str:
    address = request.remote_addr or "unknown"
    secret = current_app.config["SECRET_KEY"]
    return hashlib.sha256(f"{secret}:{address}".encode()).hexdigest()[:24]


def everyone() -> str:
    """One shared counter for all clients: caps code guessing spread over many addresses."""
    return "all-clients"


limiter = Limiter(key_func=client_key, strategy="moving-window")


# Limits read from the settings on each request (so tests and deployments can change them).
def submit_limit() -> str:
    return current_app.config["CASEWORK_LIMIT_SUBMIT"]


def track_limit() -> str:
    return current_app.config["CASEWORK_LIMIT_TRACK"]


def track_global_limit() -> str:
    return current_app.config["CASEWORK_LIMIT_TRACK_GLOBAL"]


def on_breach(_limit: RequestLimit):
    from flask import make_response

    from casework.core.errors import render_error

    return make_response(render_error(429, _("Too many attempts from your connection. Please "
                                             "wait a few minutes and try again.")))
