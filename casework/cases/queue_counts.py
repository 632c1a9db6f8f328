"""The queue's counts per state (and the members' open cases, cases/assignment.py), kept by
each process for a second or two.

`state_counts` sums the counters of the page's scope (case_state_counts: a row per
region, category and state, a few thousand for an election) on every queue page: on SQLite
the GROUP BY over them was a sixth of a page (issue 16). Here each process keeps the counts of
an (election, region selection, category) for CASEWORK_QUEUE_COUNTS_SECONDS (0: read on
every page). The counts hold no user's data: the key is the scope's regions, which decide
them, so staff of the same regions share them.

Never stale after the user's own action: a POST, PUT, PATCH or DELETE by a user signed in by
their session notes the time in it (after the view committed), and while that time is
younger than the expiry it is part of their key, so their next page reads the counts again,
in whichever process it lands. A commit in this process that may have changed cases (rows of
`cases` written, or textual SQL other than a SELECT) drops this process's counts at once.
Another member's change shows within the expiry.
"""

import time
from collections.abc import Callable
from typing import Any

from flask import Blueprint, current_app, has_app_context, has_request_context, request, session
from sqlalchemy import TextClause, event, func, select
from sqlalchemy.engine import Connection, Engine

from casework.accounts.models import User
from casework.cases.models import CaseState, CaseStateCount
from casework.cases.queue_conditions import QueueFilters, QueueScope
from casework.core.cache import app_cache
from casework.elections.current import reads_only
from casework.elections.models import Election
from casework.extensions import db

CACHE = "cases.queue_counts"
KEPT_COUNTS = 256  # scopes × categories × recent actors; ten integers each
ACTED = "acted_at"  # in the session: when the signed-in user last sent a changing request
TOUCHED = "casework.cases_touched"  # in connection.info: this transaction may change cases
SAFE_METHODS = frozenset(("GET", "HEAD", "OPTIONS"))


def kept_state_counts(user, election: Election, filters: QueueFilters,
                      scope: QueueScope) -> dict | None:
    """`state_counts` for this page, from the process's copy while it is fresh."""
    if not filters.counted():
        return state_counts(user, election, filters, scope=scope)
    selection = scope.selection(filters.region_code)
    counts = kept(("states", election.id, None if selection is None else tuple(sorted(selection)),
                   filters.category), lambda: state_counts(user, election, filters, scope=scope))
    return None if counts is None else dict(counts)


def kept(key: tuple, make: Callable[[], Any]) -> Any:
    """`make()` (counts of cases, nothing of a user's own) from the process's copy while it
    is fresh, by the rules above: `key` names all it depends on. The caller copies what it
    will change."""
    seconds = current_app.config["CASEWORK_QUEUE_COUNTS_SECONDS"]
    if not seconds:
        return make()
    acted = session.get(ACTED) if has_request_context() else None
    # An action older than the expiry: every copy kept now was read after it.
    recent = acted if isinstance(acted, float) and time.time() - acted < seconds else None
    return app_cache(CACHE, size=KEPT_COUNTS, ttl=seconds).get_or_make((*key, recent), make)


def note_action(response):
    """After a changing request of a user signed in by their session (Flask-Login's key in
    it; never a bearer token's request, which has no session): when it was, in it."""
    if request.method not in SAFE_METHODS and "_user_id" in session:
        session[ACTED] = time.time()
    return response


def register(bp: Blueprint) -> None:
    bp.after_app_request(note_action)


def forget() -> None:
    caches = current_app.extensions.get("casework_caches", {})
    if CACHE in caches:
        caches[CACHE].clear()


@event.listens_for(Engine, "before_execute")
def _before_execute(connection: Connection, statement, *_args) -> None:
    """Note a statement that may change cases: DML on `cases` (the ORM's flushes and
    core/rows.py's INSERTs alike) or textual SQL other than a SELECT."""
    if isinstance(statement, TextClause | str):
        sql = statement.text if isinstance(statement, TextClause) else statement
        touched = not reads_only(sql)
    else:
        touched = getattr(statement, "is_dml", False) \
            and getattr(getattr(statement, "table", None), "name", None) == "cases"
    if touched:
        connection.info[TOUCHED] = True


@event.listens_for(Engine, "commit")
def _commit(connection: Connection) -> None:
    if connection.info.pop(TOUCHED, False) and has_app_context():
        forget()


@event.listens_for(Engine, "rollback")
def _rollback(connection: Connection) -> None:
    connection.info.pop(TOUCHED, None)


def state_counts(user: User, election: Election, filters: QueueFilters, *,
                 scope: QueueScope | None = None) -> dict[CaseState, int] | None:
    """Cases per state (every state) in the user's scope under the region and category
    filters, from the counters: one query summing a few hundred rows at most. None when
    other filters are set: counting those would read every matching case, and a filter
    matching a large share of a million cases would cost more than the page itself."""
    if not filters.counted():
        return None
    scope = scope or QueueScope.load(user, election)
    counts = dict.fromkeys(CaseState, 0)
    selection = scope.selection(filters.region_code)
    statement = (select(CaseStateCount.state, func.sum(CaseStateCount.n))
                 .where(CaseStateCount.election_id == election.id)
                 .group_by(CaseStateCount.state))
    if selection is not None:
        statement = statement.where(CaseStateCount.region_key.in_(sorted(selection)))
    if filters.category is not None:
        statement = statement.where(CaseStateCount.category == filters.category)
    for state, n in db.session.connection().execute(statement):  # Core: no ORM path
        counts[state] = int(n or 0)
    return counts
