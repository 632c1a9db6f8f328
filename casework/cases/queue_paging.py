"""The queue's pages one after another: a page (`Page`) and the cursor that leads to the next
(`encode_cursor`, `decode_cursor`: the sort it was made for, its phase, the last row's key
and id), and the "due soonest" page, which merges three index-ordered branches.
"""

import base64
import binascii
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, exists, literal, or_, select, tuple_, union_all

from casework.cases.deadlines import received_clock, received_due_by
from casework.cases.models import Case, CaseDeadline, CaseState
from casework.elections.models import Election
from casework.extensions import db


@dataclass
class Page:
    rows: list  # QueueRow, or what the page's `load` gives (cases/queue_lines.py)
    next_cursor: str | None


def encode_cursor(sort: str, phase: int, key: datetime | None, case_id: int) -> str:
    raw = json.dumps([sort, phase, key.isoformat() if key else None, case_id],
                     separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None, sort: str) -> tuple[int, datetime | None, int] | None:
    """(phase, key, id) of a cursor made for `sort`; None for no cursor or a foreign one."""
    if not cursor or len(cursor) > 200:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        made_for, phase, key, case_id = json.loads(raw)
        if made_for != sort or phase not in (0, 1, 2) or not isinstance(case_id, int):
            return None
        return phase, datetime.fromisoformat(key) if key else None, case_id
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        return None


# The "due" sort's cursor phases: after a case with a clock row (key: its due time), after a
# case with no clock yet (key: its receipt), after the cases with no due time (key: none).
CLOCKED, UNTIMED, WAITING = 0, 1, 2


def read_in_order(read: Callable[[Any, list, dict], list], ids: list[int],
                  params: dict | None = None) -> list:
    """The rows of `ids` read by `read` (a page's row loader), in the order of `ids`."""
    loaded = {row.id: row for row in read(ids, [], params or {})} if ids else {}
    return [loaded[i] for i in ids if i in loaded]


def due_page(election: Election, conditions: list, cursor, limit: int,
              read: Callable[[Any, list], list]) -> Page:
    """Soonest due first: cases with a clock (their deadline row's due time, or `received`
    with no row yet: their legal screening period, received_clock), then the cases with none,
    newest first. At equal due times clock rows come first, then waiting cases by receipt.

    Three index-ordered branches, each LIMIT n+1, in one statement; merged here. A waiting
    case's due time grows with its receipt, so its branch walks `created_at`."""
    deadline = CaseDeadline
    received_due = received_clock(election)[1]
    no_row = ~exists().where(deadline.case_id == Case.id)
    fresh = and_(Case.state == CaseState.RECEIVED, no_row)
    usable = cursor is not None and (cursor[0] == UNTIMED or cursor[1] is not None)
    phase, key, after_id = cursor if usable else (CLOCKED, None, None)
    branches = []
    if phase in (CLOCKED, WAITING):
        clocked = (select(literal(CLOCKED).label("p"), deadline.due_at.label("k"),
                          Case.id.label("id"))
                   .join(deadline, deadline.case_id == Case.id)
                   .where(*conditions, deadline.due_at.is_not(None)))
        waiting = (select(literal(WAITING).label("p"), Case.created_at.label("k"),
                          Case.id.label("id"))
                   .where(*conditions, fresh))
        if phase == CLOCKED and key is not None:
            clocked = clocked.where(tuple_(deadline.due_at, Case.id) > tuple_(key, after_id))
            # due >= key: not due by the instant before it
            waiting = waiting.where(Case.created_at >= received_due_by(
                election, key - timedelta(microseconds=1)))
        elif phase == WAITING:
            clocked = clocked.where(deadline.due_at > received_due(key))
            waiting = waiting.where(tuple_(Case.created_at, Case.id) > tuple_(key, after_id))
        branches += [clocked.order_by(deadline.due_at, Case.id).limit(limit + 1),
                     waiting.order_by(Case.created_at, Case.id).limit(limit + 1)]
    # No due time: no clock row, or one without a due time (a case has one row at most),
    # and not waiting. As an outer join: PostgreSQL hashed the whole clock table for a
    # NOT EXISTS under OR (75 ms at 200,000 cases) where this branch reads ~50 rows.
    rest = (select(literal(UNTIMED).label("p"), Case.created_at.label("k"), Case.id.label("id"))
            .outerjoin(deadline, deadline.case_id == Case.id)
            .where(*conditions, deadline.due_at.is_(None),
                   or_(deadline.case_id.is_not(None), Case.state != CaseState.RECEIVED)))
    if phase == UNTIMED:
        rest = rest.where(Case.id < after_id)
    branches.append(rest.order_by(Case.id.desc()).limit(limit + 1))
    subqueries = [b.subquery() for b in branches]
    found = db.session.execute(union_all(*[select(s.c.p, s.c.k, s.c.id) for s in subqueries]))
    timed, untimed = [], []
    for branch, value, case_id in found:
        if branch == UNTIMED:
            untimed.append(case_id)
        elif branch == CLOCKED:
            timed.append((value, CLOCKED, value, case_id))
        else:
            timed.append((received_due(value), WAITING, value, case_id))
    # (phase, cursor key, id) in page order
    ordered = [(branch, value, case_id) for _, branch, value, case_id in sorted(timed)] + \
              [(UNTIMED, None, case_id) for case_id in sorted(untimed, reverse=True)]
    ordered = ordered[:limit + 1]
    ids = [case_id for _, _, case_id in ordered[:limit]]
    rows = read_in_order(read, ids)
    next_cursor = None
    if len(ordered) > limit:
        next_cursor = encode_cursor("due", *ordered[limit - 1])
    return Page(rows, next_cursor)
