"""A trace of every refusal a signed-in user meets: who asked for what, when, and got 403 or
404. A 404 on an object outside the user's regions looks exactly like an unknown one (by
design), so both are kept; a pattern of them is someone probing. Anonymous visitors' 404s
(the public pages, a mistyped tracking link) are not kept.

A table of its own, not the audit chain: refusals can come in floods, and writing one must
never wait on the chain's lock. Paths are masked (core.redaction) before they are stored.
"""

import logging
from datetime import datetime

from flask import Flask, Response, request
from flask_login import current_user
from sqlalchemy import DateTime, Integer, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from casework.core.db import utcnow
from casework.core.redaction import mask
from casework.extensions import db

log = logging.getLogger("casework.denials")

PATH_MAX = 500
OBJECT_MAX = 200


class AccessDenial(db.Model):
    __tablename__ = "access_denials"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    user_id: Mapped[int] = mapped_column(Integer, index=True)
    user_label: Mapped[str] = mapped_column(String(254))
    status: Mapped[int] = mapped_column(SmallInteger)
    method: Mapped[str] = mapped_column(String(10))
    endpoint: Mapped[str | None] = mapped_column(String(120))
    object_ref: Mapped[str | None] = mapped_column(String(OBJECT_MAX))  # the URL's keys
    path: Mapped[str] = mapped_column(String(PATH_MAX))


def _worth_keeping(response: Response) -> bool:
    """403 anywhere, 404 on a route that names an object, for a signed-in user only."""
    if response.status_code not in (403, 404) or not current_user.is_authenticated:
        return False
    return response.status_code == 403 or bool(request.view_args)


def _record(response: Response) -> Response:
    if not _worth_keeping(response):
        return response
    keys = ", ".join(f"{k}={v}" for k, v in sorted((request.view_args or {}).items()))
    try:
        # Nothing of a refused request is committed (its work is dropped at teardown all
        # the same): end it, then store the trace on its own.
        db.session.rollback()
        db.session.add(AccessDenial(
            user_id=current_user.id, user_label=str(getattr(current_user, "email", "")),
            status=response.status_code, method=request.method[:10],
            endpoint=(request.endpoint or "")[:120] or None,
            object_ref=mask(keys)[:OBJECT_MAX] or None, path=mask(request.path)[:PATH_MAX]))
        db.session.commit()
    except Exception:  # the trace must never cost the user their answer
        db.session.rollback()
        log.exception("could not record an access denial")
    return response


def init_app(app: Flask) -> None:
    app.after_request(_record)
