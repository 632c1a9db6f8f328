"""The current election, kept by each process for a second or two.

Every page asks for the current election (its language, its time zone, the form's lists
keyed by its reference stamp). Reading it cost the public form a pooled connection, a ping
and a query per request, for a row that changes a few times per election. Each process
keeps a detached copy for CASEWORK_ELECTION_CACHE_SECONDS (0: read on every request) and
hands each request its own instance of it, merged into the request's session without a
query (`merge(load=False)`), so relationships and later changes behave as on a loaded row.

A change made by another process (an import, an edit, a trigger's new reference stamp)
shows within those seconds; a commit in this process that wrote the election or the data
its stamp covers drops the copy at once, so whoever changed the election sees the change on
the next page. Other commits (a complaint, a note) keep it: dropping it on every commit made
each submission read the election again. What a transaction may have changed is noted as it
runs: rows flushed of those tables, DML on them through the session, and any textual SQL
other than a SELECT (it could touch anything).
"""

from collections.abc import Callable

from flask import current_app, has_app_context
from sqlalchemy import TextClause, event
from sqlalchemy.orm import Session

from casework.core.cache import app_cache
from casework.elections.stamp import STAMPED_BY
from casework.extensions import db

CACHE = "elections.current"
# The election's own row and the tables whose change gives it a new reference stamp.
WATCHED = frozenset(("elections", *STAMPED_BY))
TOUCHED = "casework.election_touched"  # in session.info: this transaction may have changed it


def _cache():
    return app_cache(CACHE, size=4, ttl=current_app.config["CASEWORK_ELECTION_CACHE_SECONDS"])


def election(read: Callable[[Session], object]):
    """The current election as `read(session)` finds it, from the process's copy."""
    if not current_app.config["CASEWORK_ELECTION_CACHE_SECONDS"]:
        return read(db.session)
    key = current_app.config.get("CASEWORK_ELECTION")
    copy = _cache().get_or_make(key, lambda: _detached(read))
    return None if copy is None else db.session.merge(copy, load=False)


def _detached(read: Callable[[Session], object]):
    # Its own short session: the request's session never holds the shared copy.
    with Session(db.engine, expire_on_commit=False) as session:
        found = read(session)
        session.expunge_all()
    return found


def forget() -> None:
    """Drop this process's copy (after a commit here that may have changed it)."""
    caches = current_app.extensions.get("casework_caches", {})
    if CACHE in caches:
        caches[CACHE].clear()


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _context) -> None:
    if not session.info.get(TOUCHED) and any(
            getattr(type(row), "__tablename__", None) in WATCHED
            for row in (*session.new, *session.dirty, *session.deleted)):
        session.info[TOUCHED] = True


@event.listens_for(Session, "do_orm_execute")
def _after_execute(state) -> None:
    if state.is_select or state.session.info.get(TOUCHED):
        return
    if isinstance(state.statement, TextClause) and reads_only(state.statement.text):
        return  # a textual SELECT (PostgreSQL's advisory lock of the audit chain)
    table = getattr(state.statement, "table", None)
    if not (state.is_insert or state.is_update or state.is_delete) \
            or getattr(table, "name", None) in WATCHED or table is None:
        state.session.info[TOUCHED] = True


def reads_only(sql: str) -> bool:
    """Whether a textual statement only reads (the caches that follow writes skip it)."""
    return sql.lstrip()[:7].upper() == "SELECT "


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    if session.info.pop(TOUCHED, False) and has_app_context():
        forget()


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop(TOUCHED, None)
