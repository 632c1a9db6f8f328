"""Honest answers when a part the request needs is down: the one place that turns the
database, the evidence storage or another required part being unreachable into a 503 with
Retry-After, in the visitor's language, saying that nothing was stored and that sending the
same form again (or the same Idempotency-Key) will not file it twice.

Areas raise `Unavailable(part)` for what only they can recognise (a full evidence disk);
the database's and S3's own exceptions are recognised here. A page that can show its form
again (the public complaint form, with everything typed kept) registers it with `set_page`.
"""

import errno
import logging
from collections.abc import Callable

from botocore.exceptions import BotoCoreError, ClientError
from flask import Flask, Response, make_response, request
from flask_babel import gettext as _
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

from casework.core.errors import render_error
from casework.extensions import db

log = logging.getLogger("casework.outages")

RETRY_AFTER = 30  # seconds: long enough for a database fail-over or a restart
DISK_FULL = (errno.ENOSPC, errno.EDQUOT)


class Unavailable(Exception):
    """A part this request needs is down or full; nothing of the request was kept."""

    def __init__(self, part: str):
        super().__init__(part)
        self.part = part


# endpoint -> page(message) giving the form again with what was typed (status set here).
_pages: dict[str, Callable[[str], Response | str]] = {}


def set_page(endpoint: str, page: Callable[[str], Response | str]) -> None:
    _pages[endpoint] = page


def part_of(error: BaseException) -> str | None:
    """Which part an exception says is down, or None when it is not an outage."""
    if isinstance(error, Unavailable):
        return error.part
    if isinstance(error, OperationalError | InterfaceError):
        return "database"
    if isinstance(error, DBAPIError) and error.connection_invalidated:
        return "database"
    if isinstance(error, BotoCoreError | ClientError):
        return "evidence"
    if isinstance(error, OSError) and error.errno in DISK_FULL:
        return "disk"
    return None


def message() -> str:
    if request.path.startswith("/api/"):
        return _("A part of the service is unavailable, so nothing you sent has been stored. "
                 "Send the same request again in a little while: with the same "
                 "Idempotency-Key it will not be filed twice.")
    return _("A part of the service is unavailable, so what you sent has NOT been stored. "
             "Please send the same form again in a little while: it will not be filed twice.")


# Form fields never echoed back: secrets, and the machinery of the form itself.
_NOT_ECHOED = ("csrf", "password", "code", "token", "key", "website", "next", "lang")
TYPED_MAX = 20_000


def typed_text() -> str | None:
    """What a visitor typed into the form that could not be stored (and whose page cannot be
    drawn again), so the error page can give it back to copy; None for anything else."""
    if request.method != "POST" or request.path.startswith("/api/"):
        return None
    try:
        values = [value.strip() for name, value in request.form.items(multi=True)
                  if not any(word in name.lower() for word in _NOT_ECHOED)]
    except Exception:  # noqa: BLE001 - an unreadable body has nothing to give back
        return None
    text = "\n\n".join(value for value in values if len(value) > 1)
    return text[:TYPED_MAX] or None


def unavailable_response(part: str) -> Response:
    try:
        db.session.rollback()  # the request's unfinished writes go; nothing half-stored
    except Exception:  # noqa: BLE001 - the database may be the part that is down
        log.debug("rollback failed during an outage", exc_info=True)
    log.warning("answered 503: %s unavailable (%s %s)", part, request.method, request.endpoint)
    text = message()
    page = _pages.get(request.endpoint or "")
    response = None
    if page is not None:
        try:
            response = make_response(page(text))
        except Exception:  # noqa: BLE001 - the form itself needs the part that is down
            log.info("the form could not be shown again during an outage", exc_info=True)
    if response is None:
        response = make_response(render_error(503, text, typed=typed_text()))
    response.status_code = 503
    response.headers["Retry-After"] = str(RETRY_AFTER)
    response.headers["Cache-Control"] = "no-store"
    return response


def _handle(error: Exception):
    part = part_of(error)
    if part is None:
        # Not an outage (any other OSError, say): the ordinary 500, logged as Flask would.
        log.error("unhandled error on %s", request.endpoint, exc_info=error)
        try:
            db.session.rollback()
        except Exception:  # noqa: BLE001
            log.debug("rollback failed", exc_info=True)
        return render_error(500)
    return unavailable_response(part)


def init_app(app: Flask) -> None:
    for kind in (Unavailable, OperationalError, InterfaceError, DBAPIError, BotoCoreError,
                 ClientError, OSError):
        app.register_error_handler(kind, _handle)
