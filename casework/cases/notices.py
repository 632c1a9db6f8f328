"""Who on a case is told what (casework.notifications.inbox.notify does the telling): the
member a case is given to, the assignee when the complainant writes or sends evidence, and
the assignee the day before a deadline (from the worker, once per case and local day)."""

import time
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from casework.accounts.models import User
from casework.cases.models import Case, CaseDeadline
from casework.cases.workflow import OPEN_STATES
from casework.core.db import utcnow
from casework.core.timezones import day_bounds, local_today
from casework.elections.queries import current_election
from casework.extensions import db
from casework.notifications.inbox import notify
from casework.notifications.inbox_models import NotificationKind

# The worker's round is seconds; looking for tomorrow's deadlines every few minutes is enough.
DUE_CHECK_SECONDS = 600
_last_check = 0.0


def assigned(case: Case, assignee: User | None, actor: User | None) -> None:
    if assignee is not None:
        notify(assignee, NotificationKind.ASSIGNED, case=case, actor=actor)


def complainant_wrote(case: Case) -> None:
    if case.assignee_id is not None:
        notify(db.session.get(User, case.assignee_id), NotificationKind.COMPLAINANT_REPLIED,
               case=case)


def notify_due_tomorrow(now: datetime | None = None) -> int:
    """Tell each assignee of an open case whose running deadline falls on tomorrow (the
    election's local day). The dedupe key holds today's date: once per case and day."""
    election = current_election()
    if election is None:
        return 0
    now = now or utcnow()
    today = local_today(election, now)
    start, end = day_bounds(today + timedelta(days=1), election)
    rows = db.session.execute(
        select(Case, User).join(CaseDeadline, CaseDeadline.case_id == Case.id)
        .join(User, User.id == Case.assignee_id)
        .where(Case.election_id == election.id, Case.state.in_(OPEN_STATES),
               CaseDeadline.state == Case.state, CaseDeadline.paused_at.is_(None),
               CaseDeadline.due_at >= start, CaseDeadline.due_at < end)
        .order_by(Case.id)).all()
    told = 0
    for case, user in rows:
        told += notify(user, NotificationKind.DEADLINE_TOMORROW, case=case,
                       dedupe_key=f"due:{case.id}:{user.id}:{today.isoformat()}") is not None
    return told


def due_notices_if_due() -> Any:
    """The worker's periodic task: at most every DUE_CHECK_SECONDS, in its own commit."""
    global _last_check
    if time.monotonic() - _last_check < DUE_CHECK_SECONDS:
        return None
    _last_check = time.monotonic()
    told = notify_due_tomorrow()
    db.session.commit()
    return told
