"""The rollup behind the dashboard: figures recomputed outside requests (worker, CLI).

`refresh(election)` rebuilds every `report_figures` row of the election with a few GROUP BY
queries over the base tables and replaces the old rows (DELETE + one bulk INSERT) in the
caller's transaction; the caller commits. Every row is per region (`region_key`, 0 = no region
yet), so the figures of any scope are sums of rows.

Metrics and their keys:
- created_hour  cases created per UTC hour, last 14 days            key 'YYYY-MM-DDTHH'
- created_day   cases created per day in the election's time zone    key 'YYYY-MM-DD'
                (days are summed from UTC hours: exact for zones with whole-hour offsets,
                as every Kazakhstan zone)
- channel       complaints per channel (a case with a web and a hotline complaint counts
                once in each), in the region of their case               key Channel value
- outcome       cases decided or closed, by Case.outcome                 key Outcome value
- inadmissible  cases inadmissible now, by the reason code of their latest rejection
                (CaseTransition.reason_code; 'unknown' when none is recorded)
- screening_minutes  cases by the time from intake (Case.created_at) to their first move into
                screening (the move from `received`), as a histogram    key bucket lower bound
- decision_minutes   the same to their first move into decided
- deadline      cases overdue or due soon at the refresh, as casework.cases.deadlines counts
                them                                                  key 'overdue' | 'due_soon'
                (live counting joins every open deadline to its case: 0.6 s at a million
                cases, too slow for a request; a minute old is fresh enough for deadlines
                counted in hours)
- calls_hour    hotline calls started per UTC hour, last 14 days: a call linked to a case
                counts in the case's region (calls about another election's cases are left
                out); a call with no case has no region (region_key 0: staff of all regions
                see it) and counts for every election refreshed — one election runs at a time
"""

import time
from collections import defaultdict
from datetime import datetime, timedelta
from itertools import pairwise

from flask import current_app
from sqlalchemy import (
    ColumnElement,
    case,
    cast,
    delete,
    exists,
    extract,
    func,
    insert,
    or_,
    select,
    text,
)
from sqlalchemy.types import Integer as IntegerType

from casework.cases.deadlines import hours, received_due_by
from casework.cases.models import Case, CaseDeadline, CaseState, CaseTransition
from casework.core.db import utcnow
from casework.core.timezones import to_local
from casework.elections.models import Election
from casework.extensions import db
from casework.hotline.models import Call
from casework.intake.models import Complaint
from casework.reports.models import ReportFigure, ReportRefresh

HOURS_KEPT = 14 * 24
# Histogram buckets in minutes (lower bounds): a median of merged histograms is exact to
# the bucket. The last bucket is open-ended.
BUCKETS = (0, 15, 30, 60, 120, 240, 480, 720, 1440, 2880, 4320, 7200, 10080, 20160)
UNKNOWN_REASON = "unknown"
WORK_MEM = "64MB"

CREATED_HOUR = "created_hour"
CREATED_DAY = "created_day"
CHANNEL = "channel"
OUTCOME = "outcome"
INADMISSIBLE = "inadmissible"
SCREENING_MINUTES = "screening_minutes"
DECISION_MINUTES = "decision_minutes"
CALLS_HOUR = "calls_hour"
DEADLINE = "deadline"
OVERDUE, DUE_SOON = "overdue", "due_soon"
# Decided cases by whether the first decision came by its legal due time (yes / no).
IN_TIME = "decided_in_time"
METRICS = (CREATED_HOUR, CREATED_DAY, CHANNEL, OUTCOME, INADMISSIBLE, SCREENING_MINUTES,
           DECISION_MINUTES, CALLS_HOUR, DEADLINE, IN_TIME)


def bucket_bounds() -> list[tuple[int, int | None]]:
    """(lower, upper) of each histogram bucket in minutes; the last upper is None."""
    return list(pairwise((*BUCKETS, None)))


def hour_floor(value: datetime) -> datetime:
    return value.replace(minute=0, second=0, microsecond=0)


def hour_key(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H")


def first_hour(now: datetime) -> datetime:
    """The first hour of the 14 days kept (the current hour is the last)."""
    return hour_floor(now) - timedelta(hours=HOURS_KEPT - 1)


def _postgres() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def _hour_of(column) -> ColumnElement:
    """The hour a time falls in: a timestamp on PostgreSQL (date_trunc groups faster than
    to_char), a 'YYYY-MM-DDTHH' text on SQLite; `_hour_text` makes both the key."""
    if _postgres():
        return func.date_trunc("hour", column)
    return func.strftime("%Y-%m-%dT%H", column)


def _hour_text(value: datetime | str) -> str:
    return hour_key(value) if isinstance(value, datetime) else value


def _seconds_between(later, earlier) -> ColumnElement:
    if _postgres():
        return extract("epoch", later - earlier)
    return cast(func.round((func.julianday(later) - func.julianday(earlier)) * 86400),
                IntegerType)


def _bucket_of(seconds: ColumnElement) -> ColumnElement[int]:
    whens = [(seconds < upper * 60, lower) for lower, upper in pairwise(BUCKETS)]
    return case(*whens, else_=BUCKETS[-1])


def _region_key():
    return func.coalesce(Case.region_id, 0)


def _grouped(inner, *names: str) -> list[tuple]:
    """SELECT names..., count(*) FROM (inner) GROUP BY names: grouping on a subquery's
    columns, so expressions with bound parameters need not be repeated in GROUP BY."""
    sub = inner.subquery()
    columns = [sub.c[name] for name in names]
    return list(db.session.execute(select(*columns, func.count()).group_by(*columns)))


# -- the figures ----------------------------------------------------------------------------

def _created(election: Election, now: datetime) -> dict[tuple[str, int, str], int]:
    """created_hour and created_day from one pass over the election's cases by UTC hour."""
    rows = _grouped(select(_region_key().label("r"), _hour_of(Case.created_at).label("h"))
                    .where(Case.election_id == election.id), "r", "h")
    since = hour_key(first_hour(now))
    figures: dict[tuple[str, int, str], int] = defaultdict(int)
    for region_key, value, count in rows:
        hour = _hour_text(value)
        if hour >= since:
            figures[(CREATED_HOUR, region_key, hour)] += count
        day = to_local(datetime.strptime(hour, "%Y-%m-%dT%H"), election).date()
        figures[(CREATED_DAY, region_key, day.isoformat())] += count
    return figures


def _channels(election: Election) -> list[tuple]:
    return _grouped(select(_region_key().label("r"), Complaint.channel.label("k"))
                    .join(Case, Case.id == Complaint.case_id)
                    .where(Case.election_id == election.id), "r", "k")


def _outcomes(election: Election) -> list[tuple]:
    return _grouped(select(_region_key().label("r"), Case.outcome.label("k"))
                    .where(Case.election_id == election.id,
                           Case.state.in_([CaseState.DECIDED, CaseState.CLOSED]),
                           Case.outcome.is_not(None)), "r", "k")


def _reasons(election: Election) -> list[tuple]:
    latest = (select(CaseTransition.case_id, func.max(CaseTransition.id).label("id"))
              .where(CaseTransition.to_state == CaseState.INADMISSIBLE)
              .group_by(CaseTransition.case_id).subquery())
    rejection = db.aliased(CaseTransition)
    reason = func.coalesce(rejection.reason_code, UNKNOWN_REASON)
    return _grouped(select(_region_key().label("r"), reason.label("k"))
                    .select_from(Case)
                    .outerjoin(latest, latest.c.case_id == Case.id)
                    .outerjoin(rejection, rejection.id == latest.c.id)
                    .where(Case.election_id == election.id,
                           Case.state == CaseState.INADMISSIBLE), "r", "k")


def _durations(election: Election, target: CaseState) -> list[tuple]:
    """Cases by the time from intake to their first move into `target`, bucketed."""
    if target is CaseState.SCREENING:
        # Screening is entered only from `received` (start_screening), and a case is received
        # only once: that one move is the first, no per-case minimum to aggregate.
        first = (select(CaseTransition.case_id, CaseTransition.at)
                 .where(CaseTransition.to_state == target,
                        CaseTransition.from_state == CaseState.RECEIVED).subquery())
    else:
        first = (select(CaseTransition.case_id, func.min(CaseTransition.at).label("at"))
                 .where(CaseTransition.to_state == target)
                 .group_by(CaseTransition.case_id).subquery())
    taken = (select(_region_key().label("r"),
                    _seconds_between(first.c.at, Case.created_at).label("s"))
             .join(first, first.c.case_id == Case.id)
             .where(Case.election_id == election.id).subquery())
    return _grouped(select(taken.c.r, _bucket_of(taken.c.s).label("k")), "r", "k")


def _calls(election: Election, now: datetime) -> list[tuple]:
    return _grouped(select(_region_key().label("r"), _hour_of(Call.started_at).label("k"))
                    .select_from(Call).outerjoin(Case, Case.id == Call.case_id)
                    .where(Call.started_at >= first_hour(now),
                           or_(Call.case_id.is_(None), Case.election_id == election.id)),
                    "r", "k")


def _deadlines(election: Election, now: datetime) -> list[tuple]:
    """Overdue: a running clock of the case's current state due by `now`; due soon: due
    within CASEWORK_DUE_SOON_HOURS. A `received` case with no clock row yet is due its
    screening period after created_at (cases/deadlines.py received_due_by). Paused clocks
    (information requested) are neither."""
    horizon = now + hours("CASEWORK_DUE_SOON_HOURS")
    clocked = _grouped(
        select(_region_key().label("r"),
               case((CaseDeadline.due_at <= now, OVERDUE), else_=DUE_SOON).label("k"))
        .select_from(CaseDeadline).join(Case, Case.id == CaseDeadline.case_id)
        .where(CaseDeadline.due_at <= horizon, CaseDeadline.paused_at.is_(None),
               CaseDeadline.state == Case.state, Case.election_id == election.id), "r", "k")
    waiting = _grouped(
        select(_region_key().label("r"),
               case((Case.created_at < received_due_by(election, now), OVERDUE),
                    else_=DUE_SOON).label("k"))
        .where(Case.election_id == election.id, Case.state == CaseState.RECEIVED,
               Case.created_at < received_due_by(election, horizon),
               ~exists().where(CaseDeadline.case_id == Case.id)), "r", "k")
    return clocked + waiting


def _in_time(election: Election) -> list[tuple]:
    key = case((CaseDeadline.decided_in_time.is_(True), "yes"), else_="no")
    return _grouped(select(_region_key().label("r"), key.label("k"))
                    .select_from(CaseDeadline).join(Case, Case.id == CaseDeadline.case_id)
                    .where(Case.election_id == election.id,
                           CaseDeadline.decided_in_time.is_not(None)), "r", "k")


def compute(election: Election, now: datetime) -> dict[tuple[str, int, str], int]:
    """Every figure of the election: (metric, region_key, key) -> value."""
    figures = _created(election, now)
    for metric, rows in ((CHANNEL, _channels(election)), (OUTCOME, _outcomes(election)),
                         (INADMISSIBLE, _reasons(election)),
                         (SCREENING_MINUTES, _durations(election, CaseState.SCREENING)),
                         (DECISION_MINUTES, _durations(election, CaseState.DECIDED)),
                         (CALLS_HOUR, _calls(election, now)),
                         (DEADLINE, _deadlines(election, now)),
                         (IN_TIME, _in_time(election))):
        for region_key, key, count in rows:
            key = _hour_text(key) if metric == CALLS_HOUR else str(getattr(key, "value", key))
            figures[(metric, int(region_key), key)] += count
    return figures


# -- writing ----------------------------------------------------------------------------------

def _locked_refresh_row(election: Election) -> ReportRefresh:
    """The election's refresh row, locked on PostgreSQL until commit: two workers refreshing
    at once take turns instead of inserting the same keys."""
    query = select(ReportRefresh).where(ReportRefresh.election_id == election.id)
    row = db.session.scalar(query.with_for_update())
    if row is None:
        if _postgres():
            from sqlalchemy.dialects.postgresql import insert as upsert
        else:
            from sqlalchemy.dialects.sqlite import insert as upsert
        db.session.execute(upsert(ReportRefresh).values(
            election_id=election.id, refreshed_at=None, took_ms=0).on_conflict_do_nothing())
        row = db.session.scalar(query.with_for_update().execution_options(populate_existing=True))
    return row


def refresh(election: Election, now: datetime | None = None) -> ReportRefresh:
    """Recompute and replace all rollup rows of the election; the caller commits."""
    return _rebuild(election, _locked_refresh_row(election), now or utcnow())


def refresh_if_due(election: Election, now: datetime | None = None,
                   max_age_seconds: int | None = None) -> bool:
    """Refresh when the rollup is missing or older than CASEWORK_REPORTS_REFRESH_SECONDS
    (default 60); True if it refreshed. The caller commits (the worker loop, the CLI).
    The age is checked under the row lock: of two workers, the second finds it fresh."""
    now = now or utcnow()
    if max_age_seconds is None:
        max_age_seconds = int(current_app.config["CASEWORK_REPORTS_REFRESH_SECONDS"])
    row = _locked_refresh_row(election)
    if row.refreshed_at is not None and row.refreshed_at > now - timedelta(
            seconds=max_age_seconds):
        return False
    _rebuild(election, row, now)
    return True


def _rebuild(election: Election, row: ReportRefresh, now: datetime) -> ReportRefresh:
    started = time.perf_counter()
    if _postgres():
        # The per-case aggregates of a million transitions spill to disk with the default 4 MB
        # (three times over in parallel workers); for this transaction only.
        db.session.execute(text(f"SET LOCAL work_mem = '{WORK_MEM}'"))
    figures = compute(election, now)
    db.session.execute(delete(ReportFigure).where(ReportFigure.election_id == election.id))
    values = [{"election_id": election.id, "metric": metric, "region_key": region_key,
               "key": key, "value": value}
              for (metric, region_key, key), value in sorted(figures.items()) if value]
    if values:
        db.session.execute(insert(ReportFigure), values)
    row.refreshed_at = now
    row.took_ms = int((time.perf_counter() - started) * 1000)
    db.session.flush()
    return row
