"""An anonymous visitor's session in a signed cookie instead of a database row.

A visitor of the public pages who has not signed in needs a session only for a form's CSRF
token: a random value the signed token in the form must match. Keeping that value in a row
cost every new visitor an INSERT (and every later request a SELECT). Until the session holds
anything else — a flash, a receipt, tracking, the half-signed-in state, a user — it travels
in the session cookie itself, signed with the secret key (HMAC-SHA256, a salt of its own):

- the cookie keeps the same name and flags (HttpOnly, SameSite=Strict, Secure and __Host-
  when secure); a forged or altered value opens nothing and is dropped;
- it expires like a row: CASEWORK_SESSION_IDLE_MINUTES after it was last signed (re-signed
  at most once a minute while used) and CASEWORK_SESSION_HOURS after it was made;
- it holds nothing a row would not (the CSRF value is in every form's signed token anyway)
  and no user: any other key, a user, or `regenerate()` moves the session into a row, and
  the cookie becomes a row's id. Sign-in always does (sessions.py).
"""

import hashlib
import time
from typing import Any

from flask import Flask
from flask.json.tag import TaggedJSONSerializer
from itsdangerous import BadSignature, URLSafeTimedSerializer

# What an anonymous cookie may hold: the CSRF value of Flask-WTF (WTF_CSRF_FIELD_NAME).
COOKIE_KEYS = frozenset({"csrf_token"})
# A row's id is 43 url-safe characters without a dot; a signed cookie starts with this.
PREFIX = "a."
MAX_LENGTH = 400
SALT = "casework.anonymous-session"


def _serializer(app: Flask) -> URLSafeTimedSerializer:
    serializer = app.extensions.get("casework_session_cookies")
    if serializer is None or serializer.secret_key != app.secret_key:
        serializer = URLSafeTimedSerializer(
            app.secret_key, salt=SALT, serializer=TaggedJSONSerializer(),
            signer_kwargs={"key_derivation": "hmac", "digest_method": hashlib.sha256})
        app.extensions["casework_session_cookies"] = serializer
    return serializer


def is_cookie_value(value: str) -> bool:
    return value.startswith(PREFIX)


def fits(data: Any, *, has_row: bool, user_id: int | None) -> bool:
    """Whether session data may travel in the cookie rather than in a row."""
    return not has_row and user_id is None and all(key in COOKIE_KEYS for key in data)


def encode(app: Flask, data: dict, created: float) -> str:
    return PREFIX + _serializer(app).dumps({"d": data, "c": int(created)})


def decode(app: Flask, value: str, now: float | None = None) -> tuple[dict, float, float] | None:
    """(data, made at, last signed at) of a valid, unexpired cookie; None otherwise."""
    if len(value) > MAX_LENGTH or not is_cookie_value(value):
        return None
    now = time.time() if now is None else now
    idle = app.config["CASEWORK_SESSION_IDLE_MINUTES"] * 60
    try:
        payload, signed_at = _serializer(app).loads(value[len(PREFIX):], return_timestamp=True)
        data, created, signed = payload["d"], float(payload["c"]), signed_at.timestamp()
    except (BadSignature, KeyError, TypeError, ValueError):
        return None
    if not isinstance(data, dict) or not fits(data, has_row=False, user_id=None) \
            or now - signed >= idle or now - created >= app.config["PERMANENT_SESSION_LIFETIME"]:
        return None
    return data, created, signed
