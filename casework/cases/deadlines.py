"""Deadlines per state, from the settings and the election calendar; the daily digest.

- received, screening: screened within CASEWORK_DEADLINE_SCREENING_HOURS of receipt;
- investigation: within CASEWORK_DEADLINE_INVESTIGATION_HOURS of its start, and never after
  the decision deadline while that is still ahead; the clock stands still while information
  is requested from the complainant, and resuming moves the due time by the pause;
- findings ready: decided by the election's decision deadline (never after certification);
- appealed: examined within CASEWORK_DEADLINE_APPEAL_HOURS, and before the results are
  certified while that is still ahead;
- decided, closed, inadmissible, merged: no deadline.

A case that has never moved has no CaseDeadline row: it is `received`, due its screening
period after `created_at` (received_clock), and the queries below count it so. Times are
naive UTC.

With a legal clock set for the election (casework/elections/legal_clock.py) the periods are
days counted in the kind of days of each phase, ending at local midnight: screening from
receipt (or from the cure answer), investigation and decision together from admission
(findings ready keeps that due time), appeal from its recording, cure from the request.
Without one the hour settings above still apply (the cure period is then calendar days):
elections already running keep the clocks they started with.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from babel.dates import format_datetime
from flask import current_app
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import selectinload

from casework.accounts.models import Role, User
from casework.cases.models import Case, CaseDeadline, CaseState, CaseTransition
from casework.cases.workflow import DeadlineKind
from casework.core.db import utcnow
from casework.core.timezones import day_start_utc, local_today, to_local
from casework.elections.legal_clock import (
    MAX_DAYS,
    add_legal_days,
    clock_of,
    local_day,
    period_due,
)
from casework.elections.models import Election, Region
from casework.extensions import db
from casework.notifications.services import enqueue_email, message_language


def hours(name: str) -> timedelta:
    """A setting in hours (CASEWORK_DEADLINE_*_HOURS, CASEWORK_DUE_SOON_HOURS; defaults in
    casework/config.py)."""
    return timedelta(hours=int(current_app.config[name]))


def decision_due(election: Election) -> datetime:
    return min(election.decision_deadline_at, election.results_certification_at)


def _capped(due: datetime, cap: datetime, now: datetime) -> datetime:
    """`due`, but not after `cap` while `cap` is still ahead (a passed cap would make the
    new clock overdue at once; the calendar date is shown on the case instead)."""
    return min(due, cap) if cap > now else due


KINDS = {CaseState.RECEIVED: DeadlineKind.SCREENING, CaseState.SCREENING: DeadlineKind.SCREENING,
         CaseState.INVESTIGATION: DeadlineKind.INVESTIGATION,
         CaseState.FINDINGS_READY: DeadlineKind.DECISION, CaseState.APPEALED: DeadlineKind.APPEAL}


def _period(election: Election, start: datetime, days: str, setting: str) -> datetime:
    """`days` legal days of the election's clock from `start`; without a clock, the hours."""
    clock = clock_of(election)
    if not clock.configured:
        return start + hours(setting)
    return add_legal_days(election, start, clock.periods[days], clock)


def screening_due(case: Case, start: datetime) -> datetime:
    return _period(case.election, start, "screening_days", "CASEWORK_DEADLINE_SCREENING_HOURS")


# created_at of a case that never moved -> its due time (received_clock)
ReceivedDue = Callable[[datetime], datetime]


def received_clock(election: Election) -> tuple[timedelta, ReceivedDue]:
    """For cases that never moved (no deadline row): (a span every such case's due time is
    more than `created_at` + it, for a SQL bound; `created_at` -> the due time), the same as
    `screening_due`, with the clock read once and one count per local day of receipt."""
    clock = clock_of(election)
    if not clock.configured:
        span = hours("CASEWORK_DEADLINE_SCREENING_HOURS")
        return span, lambda created_at: created_at + span
    days, by_day = clock.periods["screening_days"], {}

    def due(created_at: datetime) -> datetime:
        day = local_day(election, created_at)
        if day not in by_day:
            by_day[day] = add_legal_days(election, created_at, days, clock)
        return by_day[day]
    # The period ends at the local end of its last day: more than `days` whole days later.
    return timedelta(days=days), due


def received_due_by(election: Election, moment: datetime) -> datetime:
    """The instant T such that a case that never moved is due by `moment` exactly when its
    `created_at` < T (the due time grows with the receipt), for SQL conditions."""
    clock = clock_of(election)
    if not clock.configured:
        return moment - hours("CASEWORK_DEADLINE_SCREENING_HOURS") + timedelta(microseconds=1)
    days = clock.periods["screening_days"]
    day = local_day(election, moment)
    # Each step back is one local day of receipt; a period is at most MAX_DAYS legal days.
    for _ in range(2 * MAX_DAYS + 2):
        if add_legal_days(election, day_start_utc(day, election.timezone), days, clock) <= moment:
            return day_start_utc(day + timedelta(days=1), election.timezone)
        day -= timedelta(days=1)
    return day_start_utc(day, election.timezone)


def deadline_for(case: Case, state: CaseState, now: datetime) -> datetime | None:
    """When a case that enters `state` at `now` is due to leave it; None: no deadline.

    info_requested has no deadline of its own: the investigation's clock is paused (a cure
    request has its own, set by on_transition)."""
    election = case.election
    if state in (CaseState.RECEIVED, CaseState.SCREENING):
        return screening_due(case, case.created_at)
    if state is CaseState.INVESTIGATION:
        return _capped(_period(election, now, "decision_days",
                               "CASEWORK_DEADLINE_INVESTIGATION_HOURS"),
                       decision_due(election), now)
    if state is CaseState.FINDINGS_READY:
        return decision_due(election)
    if state is CaseState.APPEALED:
        return _capped(_period(election, now, "appeal_days", "CASEWORK_DEADLINE_APPEAL_HOURS"),
                       election.results_certification_at, now)
    return None


def on_transition(case: Case, transition: CaseTransition, now: datetime) -> CaseDeadline:
    """Set the clock for the state the case has just entered (called by transitions.apply)."""
    row = db.session.get(CaseDeadline, case.id)
    if row is None:
        row = CaseDeadline(case_id=case.id, state=transition.from_state, started_at=now,
                           due_at=deadline_for(case, transition.from_state, now),
                           kind=KINDS.get(transition.from_state), paused_seconds=0)
        db.session.add(row)
    target, action = transition.to_state, transition.action
    if action == "request_cure":
        row.state, row.kind, row.started_at, row.paused_at, row.paused_seconds = (
            target, DeadlineKind.CURE, now, None, 0)
        row.due_at = period_due(case.election, "cure_days", now)
    elif target is CaseState.INFO_REQUESTED:
        row.state, row.paused_at = target, now  # due_at stays: it moves on resuming
    elif (target is CaseState.INVESTIGATION and transition.from_state is CaseState.INFO_REQUESTED
          and row.paused_at is not None):
        paused = now - row.paused_at
        row.paused_seconds = (row.paused_seconds or 0) + int(paused.total_seconds())
        row.due_at = row.due_at + paused if row.due_at else deadline_for(case, target, now)
        row.state, row.paused_at = target, None
    else:
        previous = row.due_at
        if action == "decide" and row.decided_in_time is None and previous is not None:
            row.decided_in_time = now <= previous
        row.state, row.started_at, row.paused_at, row.paused_seconds = target, now, None, 0
        row.kind = KINDS.get(target)
        row.due_at = (screening_due(case, now) if action == "cure_received"
                      else deadline_for(case, target, now))
        if (action == "ready_findings" and previous is not None and row.due_at is not None
                and clock_of(case.election).configured):
            row.due_at = min(previous, row.due_at)  # one period for investigation and decision
    db.session.flush()
    return row


def due_at(case: Case, deadline: CaseDeadline | None) -> datetime | None:
    """The due time to show for a case and its (possibly missing) deadline row."""
    if deadline is None:
        return deadline_for(case, case.state, case.created_at) \
            if case.state is CaseState.RECEIVED else None
    return deadline.due_at


def is_paused(deadline: CaseDeadline | None) -> bool:
    return deadline is not None and deadline.paused_at is not None


def is_overdue(deadline: CaseDeadline | None, now: datetime) -> bool:
    return (deadline is not None and deadline.due_at is not None
            and deadline.paused_at is None and deadline.due_at <= now)


def is_due_soon(deadline: CaseDeadline | None, now: datetime) -> bool:
    return (deadline is not None and deadline.due_at is not None
            and deadline.paused_at is None
            and now < deadline.due_at <= now + hours("CASEWORK_DUE_SOON_HOURS"))


@dataclass(frozen=True)
class Due:
    case: Case
    due_at: datetime


def overdue_and_due_soon(election: Election, now: datetime) -> tuple[list[Due], list[Due]]:
    """(overdue, due soon) cases of the election, each sorted by due time; paused clocks
    count as neither. One query, with the regions loaded for scope checks."""
    horizon = now + hours("CASEWORK_DUE_SOON_HOURS")
    span, received_due = received_clock(election)
    rows = db.session.execute(
        select(Case, CaseDeadline.due_at)
        .outerjoin(CaseDeadline, CaseDeadline.case_id == Case.id)
        .where(Case.election_id == election.id, or_(
            and_(CaseDeadline.state == Case.state, CaseDeadline.paused_at.is_(None),
                 CaseDeadline.due_at <= horizon),
            and_(CaseDeadline.case_id.is_(None), Case.state == CaseState.RECEIVED,
                 Case.created_at <= horizon - span)))
        .options(selectinload(Case.region).selectinload(Region.parent))
        .order_by(Case.id)).all()
    overdue, soon = [], []
    for case, due in rows:
        due = due if due is not None else received_due(case.created_at)
        if due <= now:
            overdue.append(Due(case, due))
        elif due <= horizon:
            soon.append(Due(case, due))
    overdue.sort(key=lambda d: (d.due_at, d.case.id))
    soon.sort(key=lambda d: (d.due_at, d.case.id))
    return overdue, soon


def local_time(value: datetime, election: Election, language: str) -> str:
    """A naive UTC time as the election's local time, in `language`."""
    local = to_local(value, election)
    return format_datetime(local, "d MMM y, HH:mm", tzinfo=local.tzinfo, locale=language)


def _lines(items: list[Due], election: Election, language: str) -> list[dict[str, object]]:
    return [{"reference": d.case.reference, "state": d.case.state.label,
             "region": d.case.region.name(language) if d.case.region else "—",
             "due": local_time(d.due_at, election, language)} for d in items]


def send_daily_digest(election: Election, now: datetime | None = None) -> int:
    """Put one email per active secretary in the outbox, listing the overdue and due-soon
    cases in their scope; nothing for a secretary with nothing to list. Once per local day:
    the dedupe key carries the election's date. Returns how many emails were enqueued."""
    now = now or utcnow()
    overdue, soon = overdue_and_due_soon(election, now)
    if not overdue and not soon:
        return 0
    today = local_today(election, now).isoformat()
    secretaries = db.session.scalars(
        select(User).options(selectinload(User.regions))
        .where(User.role == Role.SECRETARY, User.disabled_at.is_(None)).order_by(User.id))
    sent = 0
    for user in secretaries:
        mine = [d for d in overdue if user.can_see_region(d.case.region)]
        mine_soon = [d for d in soon if user.can_see_region(d.case.region)]
        if not mine and not mine_soon:
            continue
        language = message_language(user.preferred_locale or election.default_locale)
        message = enqueue_email(
            template="cases/digest", recipient=user.email, language=language,
            dedupe_key=f"digest:{election.id}:{user.id}:{today}",
            context={"election": election.name(language), "date": today,
                     "as_of": local_time(now, election, language), "timezone": election.timezone,
                     "soon_hours": int(hours("CASEWORK_DUE_SOON_HOURS").total_seconds() // 3600),
                     "overdue": _lines(mine, election, language),
                     "due_soon": _lines(mine_soon, election, language)})
        sent += message is not None
    return sent


def awaiting_cure(case: Case) -> bool:
    """Whether the case waits for the complainant to cure a defect (not for information)."""
    if case.state is not CaseState.INFO_REQUESTED:
        return False
    row = db.session.get(CaseDeadline, case.id)
    return row is not None and row.kind is DeadlineKind.CURE
