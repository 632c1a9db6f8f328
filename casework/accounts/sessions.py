"""Server-side sessions (a Flask `SessionInterface`).

The cookie carries only a random session id (256 bits); the session itself is a row of
`staff_sessions` (accounts/session_models.py) keyed by a SHA-256 of the id: its data (Flask's
tagged JSON), its user, when it was created and last seen, and a short summary of the
browser ("Firefox / Windows"), never the raw header.

- An empty session is never stored and sets no cookie: anonymous visitors of the public
  pages get none until something is written to their session (a form's CSRF token).
- An anonymous session holding only a form's CSRF value is no row either: it travels signed
  in the same cookie (accounts/session_cookies.py) and becomes a row, with a new id, as soon
  as it holds anything else or a user signs in.
- A session ends when idle for CASEWORK_SESSION_IDLE_MINUTES or CASEWORK_SESSION_HOURS after
  it began, at logout (the row is deleted: a copied cookie opens nothing afterwards), when
  ended from /account, and for all the user's sessions at once in `end_all_access`.
- The id changes whenever the signed-in user changes (sign-in, logout) or `regenerate()` is
  called: an id planted before sign-in is worth nothing after it (session fixation).
- Nothing binds a session to client-supplied headers (address, user agent): the id is the
  secret, the cookie is HttpOnly, SameSite=Strict, and Secure with the __Host- prefix when
  CASEWORK_SECURE_COOKIES is on.

It lives in accounts rather than core because it knows the signed-in user (the row's user,
"my sessions", ending them with the account's other ways in).

Rows are written on their own connection, not on the request's database session: saving
the session must never commit a view's unfinished work."""

import hashlib
import logging
import random
import re
import secrets
import time
from datetime import datetime, timedelta
from typing import Any

from flask import Flask, Request, current_app, g, request, session
from flask.json.tag import TaggedJSONSerializer
from flask.sessions import SessionInterface, SessionMixin
from flask.wrappers import Response
from sqlalchemy import bindparam, delete, insert, or_, select, update
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.datastructures import CallbackDict

from casework.accounts import session_cookies
from casework.accounts.models import User
from casework.accounts.session_models import StaffSession
from casework.core import audit
from casework.core.db import utcnow
from casework.core.outages import Unavailable
from casework.extensions import db

log = logging.getLogger(__name__)

ID_BYTES = 32  # 256 random bits in the cookie
ID_MAX_LENGTH = 64
# Last seen is written at most this often (not on every request; a quarter of the idle
# time when that is shorter).
TOUCH_SECONDS = 60
# Set on g by a request the page makes by itself (the console's polling): it is not the
# user's activity, so it does not keep an idle session alive.
NOT_ACTIVITY = "session_not_activity"
# Now and then a new session also removes every expired row.
SWEEP_CHANCE = 0.01
TABLE = StaffSession.__table__
COLUMNS = TABLE.c
# Built once: every staff request reads its session by it.
_BY_ID_HASH = select(TABLE).where(COLUMNS.id_hash == bindparam("id_hash"))
serializer = TaggedJSONSerializer()
# Flask-Login writes a hash of the client's address and user agent ("_id") for the "strong"
# protection we do not use: not kept (an unsalted hash of an address is the address).
NOT_KEPT = ("_id",)


def hash_id(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


def user_id_in(data: Any) -> int | None:
    """The signed-in user of session data (Flask-Login's "_user_id" is "<id>:<token>")."""
    value = str(data.get("_user_id") or "")
    head = value.partition(":")[0]
    return int(head) if head.isdigit() else None


# -- the user-agent summary -------------------------------------------------------------------

BROWSERS = (("Edg/", "Edge"), ("OPR/", "Opera"), ("YaBrowser/", "Yandex Browser"),
            ("Firefox/", "Firefox"), ("Chromium/", "Chromium"), ("Chrome/", "Chrome"),
            ("Safari/", "Safari"))
SYSTEMS = (("Windows", "Windows"), ("Android", "Android"), (r"iPhone|iPad|iPod", "iOS"),
           ("Mac OS X|Macintosh", "macOS"), ("CrOS", "ChromeOS"), ("Linux", "Linux"))


def summarize_user_agent(header: str | None) -> str:
    """"Firefox / Windows": the browser and the system, or "" when neither is known."""
    header = (header or "")[:512]
    browser = next((name for token, name in BROWSERS if token in header), "")
    system = next((name for pattern, name in SYSTEMS if re.search(pattern, header)), "")
    return " / ".join(part for part in (browser, system) if part)


# -- the session object -----------------------------------------------------------------------

class ServerSession(CallbackDict, SessionMixin):
    """The session of one request; `sid` is None until it is first stored."""

    def __init__(self, data: dict | None = None, *, sid: str | None = None,
                 user_id: int | None = None, last_seen: datetime | None = None,
                 stale: bool = False, signed: tuple[float, float] | None = None) -> None:
        def on_update(self) -> None:
            self.modified = True
            self.accessed = True

        super().__init__(data or {}, on_update)
        self.sid = sid
        self.loaded_user_id = user_id  # the user it belonged to when it was read
        self.last_seen = last_seen
        self.stale = stale  # the browser sent an id that no longer opens anything
        self.modified = False
        self.accessed = False
        self.regenerate_requested = False
        self.unreadable = False  # the database could not be read: the request answers 503
        # (made at, last signed at) of an anonymous session that came in a signed cookie
        self.signed = signed

    @property
    def id_hash(self) -> str | None:
        return hash_id(self.sid) if self.sid else None

    def needs_new_id(self) -> bool:
        return (self.sid is None or self.regenerate_requested
                or user_id_in(self) != self.loaded_user_id)

    def fits_cookie(self) -> bool:
        """Whether it may (still) travel in a signed cookie rather than in a row."""
        return not self.regenerate_requested and session_cookies.fits(
            self, has_row=self.sid is not None, user_id=user_id_in(self))

    def cookie_due(self, app: Flask, now: float) -> bool:
        """Whether a cookie-borne session must be signed again (new, changed, or last
        signed longer ago than the touch interval, as a row's last-seen is written)."""
        return (self.signed is None or self.modified or self.stale
                or now - self.signed[1] >= _touch_seconds(app))


def regenerate() -> None:
    """Give the current session a new id at the end of this request (its data kept)."""
    if isinstance(session, ServerSession):  # pragma: no branch - always, in the app
        session.regenerate_requested = True
        session.modified = True


def not_activity() -> None:
    """This request was made by a page on its own (polling), not by the user: the session's
    idle clock keeps running."""
    g.setdefault(NOT_ACTIVITY, True)


def current_id_hash() -> str | None:
    return session.id_hash if isinstance(session, ServerSession) else None


# -- the interface ----------------------------------------------------------------------------

def _dump(session: ServerSession) -> str:
    return serializer.dumps({k: v for k, v in session.items() if k not in NOT_KEPT})


def _touch_seconds(app: Flask) -> float:
    return min(TOUCH_SECONDS, app.config["CASEWORK_SESSION_IDLE_MINUTES"] * 60 / 4)


def _expired(app: Flask, row: Any, now: datetime) -> bool:
    idle = timedelta(minutes=app.config["CASEWORK_SESSION_IDLE_MINUTES"])
    return now >= row.expires_at or now - row.last_seen_at > idle


class DatabaseSessionInterface(SessionInterface):
    """Sessions in `staff_sessions`; see the module's docstring."""

    def get_cookie_name(self, app: Flask) -> str:
        name = app.config["SESSION_COOKIE_NAME"]
        # __Host-: the browser keeps it only if Secure, for path / and without a domain.
        return f"__Host-{name}" if self.get_cookie_secure(app) else name

    def get_cookie_domain(self, app: Flask) -> str | None:
        return None if self.get_cookie_secure(app) else super().get_cookie_domain(app)

    def get_cookie_path(self, app: Flask) -> str:
        return "/" if self.get_cookie_secure(app) else super().get_cookie_path(app)

    def should_set_cookie(self, app: Flask, session: SessionMixin) -> bool:
        """Whether this response will carry a Set-Cookie for the session (the public pages
        ask, to keep such a response out of shared caches)."""
        if not isinstance(session, ServerSession):
            return False
        if not session:
            return bool(session.sid or session.stale or session.signed)
        if session.fits_cookie():
            return session.cookie_due(app, time.time())
        return session.needs_new_id()

    def open_session(self, app: Flask, request: Request) -> ServerSession:
        session_id = request.cookies.get(self.get_cookie_name(app))
        if not session_id:
            return ServerSession()
        if session_cookies.is_cookie_value(session_id):  # no database read at all
            opened = session_cookies.decode(app, session_id)
            if opened is None:
                return ServerSession(stale=True)
            data, created, signed = opened
            return ServerSession(data, signed=(created, signed))
        if len(session_id) > ID_MAX_LENGTH:
            return ServerSession(stale=True)
        try:
            return self._open(app, session_id)
        except SQLAlchemyError:
            # The database is down: no error can be shown from here (outside the request's
            # handlers), so the request answers 503 in _refuse_unreadable; the cookie stays.
            unreadable = ServerSession()
            unreadable.unreadable = True
            return unreadable

    def _open(self, app: Flask, session_id: str) -> ServerSession:
        id_hash = hash_id(session_id)
        with db.engine.connect() as conn:
            row = conn.execute(_BY_ID_HASH, {"id_hash": id_hash}).first()
        if row is None:
            return ServerSession(stale=True)
        if _expired(app, row, utcnow()):
            with db.engine.begin() as conn:
                conn.execute(delete(TABLE).where(COLUMNS.id_hash == id_hash))
            return ServerSession(stale=True)
        try:
            data = serializer.loads(row.data) if row.data else {}
        except ValueError:
            data = {}
        return ServerSession(data, sid=session_id, user_id=row.user_id,
                             last_seen=row.last_seen_at)

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        if not isinstance(session, ServerSession):
            return
        if response.status_code == 503 or session.unreadable:
            return  # an outage: the session stays as it was, the user signed in
        if response.status_code >= 500:
            # A failed request's unfinished writes would hold SQLite's write lock against the
            # session's own connection: drop them now rather than at teardown.
            db.session.rollback()
        try:
            self._save(app, session, response)
        except SQLAlchemyError:
            # The response is already made: the session is simply not kept (the user signs
            # in again) rather than turning the page into an error.
            log.exception("could not save the session")
            self._drop_cookie(app, response)

    def _drop_cookie(self, app: Flask, response: Response) -> None:
        response.delete_cookie(self.get_cookie_name(app), domain=self.get_cookie_domain(app),
                               path=self.get_cookie_path(app),
                               secure=self.get_cookie_secure(app),
                               samesite=self.get_cookie_samesite(app),
                               httponly=self.get_cookie_httponly(app))

    def _set_cookie(self, app: Flask, response: Response, value: str) -> None:
        response.set_cookie(self.get_cookie_name(app), value,
                            domain=self.get_cookie_domain(app), path=self.get_cookie_path(app),
                            secure=self.get_cookie_secure(app),
                            samesite=self.get_cookie_samesite(app),
                            httponly=self.get_cookie_httponly(app))

    def _save(self, app: Flask, session: ServerSession, response: Response) -> None:
        if not session:
            if session.sid:
                with db.engine.begin() as conn:
                    conn.execute(delete(TABLE).where(COLUMNS.id_hash == session.id_hash))
            if session.sid or session.stale or session.signed:
                self._drop_cookie(app, response)
                response.vary.add("Cookie")
            return
        response.vary.add("Cookie")
        if session.fits_cookie():
            epoch = time.time()
            if session.cookie_due(app, epoch):
                made = session.signed[0] if session.signed else epoch
                self._set_cookie(app, response, session_cookies.encode(app, dict(session), made))
            return
        now = utcnow()
        if session.needs_new_id():
            self._store_new(app, session, now)
            self._set_cookie(app, response, session.sid)
            return
        every = _touch_seconds(app)
        touch = session.last_seen is None or (now - session.last_seen).total_seconds() >= every
        touch = touch and not g.get(NOT_ACTIVITY)
        if not (session.modified or touch):
            return
        values: dict[str, Any] = {"last_seen_at": now}
        if session.modified:
            values["data"] = _dump(session)
        with db.engine.begin() as conn:
            found = conn.execute(update(TABLE).where(COLUMNS.id_hash == session.id_hash)
                                 .values(**values)).rowcount
        if not found:  # ended meanwhile (logout elsewhere, /account): never brought back
            self._drop_cookie(app, response)

    def _store_new(self, app: Flask, session: ServerSession, now: datetime) -> None:
        old_hash = session.id_hash
        session.sid = secrets.token_urlsafe(ID_BYTES)
        session.loaded_user_id = user_id_in(session)
        session.regenerate_requested = False
        lifetime = timedelta(seconds=app.config["PERMANENT_SESSION_LIFETIME"])
        idle = timedelta(minutes=app.config["CASEWORK_SESSION_IDLE_MINUTES"])
        with db.engine.begin() as conn:
            if old_hash:
                conn.execute(delete(TABLE).where(COLUMNS.id_hash == old_hash))
            if random.random() < SWEEP_CHANCE:  # noqa: S311 - housekeeping, not security
                conn.execute(delete(TABLE).where(or_(COLUMNS.expires_at <= now,
                                                     COLUMNS.last_seen_at < now - idle)))
            conn.execute(insert(TABLE).values(
                id_hash=session.id_hash, user_id=session.loaded_user_id, created_at=now,
                last_seen_at=now, expires_at=now + lifetime,
                user_agent=summarize_user_agent(request.headers.get("User-Agent")),
                data=_dump(session)))
        session.last_seen = now


# -- the user's sessions ----------------------------------------------------------------------

def sessions_of(user: User, now: datetime | None = None) -> list[StaffSession]:
    """The user's live sessions, the most recently used first."""
    now = now or utcnow()
    idle = timedelta(minutes=current_app.config["CASEWORK_SESSION_IDLE_MINUTES"])
    return list(db.session.scalars(
        select(StaffSession)
        .where(StaffSession.user_id == user.id, StaffSession.expires_at > now,
               StaffSession.last_seen_at >= now - idle)
        .order_by(StaffSession.last_seen_at.desc(), StaffSession.id.desc())))


def own_session(user: User, session_id: int) -> StaffSession | None:
    """One of the user's sessions; None for anyone else's (shown as 404)."""
    record = db.session.get(StaffSession, session_id)
    return record if record is not None and record.user_id == user.id else None


def end_session(record: StaffSession, actor: User) -> None:
    """End one session (from /account): its cookie opens nothing from the next request."""
    audit.record("session.ended", actor=actor, object_type="user", object_id=actor.id,
                 details={"session": record.id, "browser": record.user_agent})
    db.session.delete(record)
    db.session.flush()


def end_sessions_of(user: User) -> int:
    """Delete every server session of the user (with the account's other ways in)."""
    return db.session.execute(delete(StaffSession).where(StaffSession.user_id == user.id)
                              ).rowcount


# Answered without the session: the health checks and the style sheets stay up.
SESSIONLESS = frozenset({"site.health", "site.readiness", "static"})


def _refuse_unreadable() -> None:
    if getattr(session, "unreadable", False) and request.endpoint not in SESSIONLESS:
        raise Unavailable("database")


def init_app(app: Flask) -> None:
    app.session_interface = DatabaseSessionInterface()
    # First of all: before the login check would take an unreadable session for a visitor.
    app.before_request_funcs.setdefault(None, []).insert(0, _refuse_unreadable)
