"""The legal clock: periods counted in the kind of days the election's phase uses.

`add_legal_days(election, start, days)` is the one count: from the local day after `start`,
each day counts if its phase counts calendar days, or if it is a working day (Monday to
Friday and no holiday of the election) where the phase counts working days. The period ends
at the local end of its last day, in the election's time zone. Every deadline in days
(filing, screening, decision, appeal, cure) goes through it."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from casework.core.cache import app_cache
from casework.core.timezones import day_start_utc, to_local
from casework.elections.current import TOUCHED
from casework.elections.legal_clock_models import PERIODS, DayKind, Holiday, LegalClock, Phase
from casework.elections.models import Election
from casework.extensions import db

# A period longer than this many days is a typing error, not a law.
MAX_DAYS = 366


@dataclass(frozen=True)
class Clock:
    """The clock of one election as used: its row, or the config defaults (all calendar)."""

    configured: bool
    kinds: dict[Phase, DayKind]
    periods: dict[str, int]
    holidays: frozenset[date]
    voting: tuple[date, date]  # the local days of the voting-and-tally phase, inclusive


MEMO = "casework.legal_clock"  # in session.info: (transaction, election id, clock)
KEPT = "elections.legal_clock"  # each process's clocks, keyed by the election's stamp


def clock_of(election: Election) -> Clock:
    """The election's clock. Each process keeps it under the election's reference stamp,
    which the database replaces when the clock or a holiday changes (elections/stamp.py):
    two queries fewer on every queue page, case page and digest. A transaction that may
    have changed it (elections/current.py's mark) reads its own: once per transaction, as
    any write through the session forgets that copy."""
    session = db.session()
    if not _changed_in(session):
        return app_cache(KEPT, size=16).get_or_make(
            (election.id, election.reference_stamp), lambda: _read_clock(election))
    transaction = session.get_transaction()
    memo = session.info.get(MEMO)
    if memo is not None and transaction is not None and memo[0] is transaction \
            and memo[1] == election.id:
        return memo[2]
    clock = _read_clock(election)
    if transaction is not None:
        session.info[MEMO] = (transaction, election.id, clock)
    return clock


def _changed_in(session: Session) -> bool:
    return bool(session.info.get(TOUCHED)) or any(
        isinstance(row, (LegalClock, Holiday, Election))
        for row in (*session.new, *session.dirty, *session.deleted))


@event.listens_for(Session, "after_flush")
def _forget_after_flush(session: Session, _context) -> None:
    session.info.pop(MEMO, None)


@event.listens_for(Session, "do_orm_execute")
def _forget_after_write(state) -> None:
    if not state.is_select:
        state.session.info.pop(MEMO, None)


def _read_clock(election: Election) -> Clock:
    row = db.session.get(LegalClock, election.id)
    holidays = frozenset(db.session.scalars(
        select(Holiday.day).where(Holiday.election_id == election.id)))
    voting = (local_day(election, election.voting_starts_at),
              local_day(election, election.results_certification_at))
    if row is None:
        config = current_app.config
        return Clock(False, dict.fromkeys(Phase, DayKind.CALENDAR),
                     {name: int(config[f"CASEWORK_LEGAL_{name.upper()}"]) for name, _ in PERIODS},
                     holidays, voting)
    return Clock(True, {phase: row.kind_of(phase) for phase in Phase},
                 {name: getattr(row, name) for name, _ in PERIODS}, holidays, voting)


def local_day(election: Election, moment: datetime) -> date:
    return to_local(moment, election).date()


def phase_of(election: Election, day: date, clock: Clock | None = None) -> Phase:
    first, last = (clock or clock_of(election)).voting
    if day < first:
        return Phase.BEFORE_VOTING
    if day <= last:
        return Phase.VOTING
    return Phase.AFTER_CERTIFICATION


def counts(election: Election, clock: Clock, day: date) -> bool:
    """Whether `day` counts towards a period under the rule of its phase."""
    if clock.kinds[phase_of(election, day, clock)] is DayKind.CALENDAR:
        return True
    return day.weekday() < 5 and day not in clock.holidays


def last_day(election: Election, start: datetime | date, days: int,
             clock: Clock | None = None) -> date:
    """The local day on which a period of `days` legal days begun at `start` (a naive UTC
    time, or a local day) ends."""
    if not 0 <= days <= MAX_DAYS:
        raise ValueError(f"a period of {days} days")
    clock = clock or clock_of(election)
    day = local_day(election, start) if isinstance(start, datetime) else start
    left = days
    while left:
        day += timedelta(days=1)
        left -= counts(election, clock, day)
    return day


def add_legal_days(election: Election, start: datetime, days: int,
                   clock: Clock | None = None) -> datetime:
    """The naive UTC instant at which `days` legal days from `start` (naive UTC) run out:
    the local end of the last counted day (0 days: the end of `start`'s own day)."""
    end = last_day(election, start, days, clock)
    return day_start_utc(end + timedelta(days=1), election)


def legal_days_between(election: Election, first: date, last: date,
                       clock: Clock | None = None) -> int:
    """How many legal days after `first` up to and including `last` (0 if not after)."""
    clock = clock or clock_of(election)
    total, day = 0, first
    while day < last:
        day += timedelta(days=1)
        total += counts(election, clock, day)
    return total


def period_due(election: Election, period: str, start: datetime) -> datetime:
    """The end of the election's `period` (a PERIODS column) begun at `start`."""
    clock = clock_of(election)
    return add_legal_days(election, start, clock.periods[period], clock)


def set_clock(election: Election, **values: object) -> LegalClock:
    """Create or change the election's clock; values not given keep theirs (or the defaults)."""
    row = db.session.get(LegalClock, election.id)
    if row is None:
        defaults = clock_of(election)
        row = LegalClock(election_id=election.id, **{p.value: DayKind.CALENDAR for p in Phase},
                         **defaults.periods)
        db.session.add(row)
    for name, value in values.items():
        if value is None:
            continue
        if name in {p.value for p in Phase}:
            value = DayKind(value)
        elif name in dict(PERIODS):
            if not 0 <= int(value) <= MAX_DAYS:
                raise ValueError(f"{name} must be between 0 and {MAX_DAYS}")
            value = int(value)
        else:
            raise TypeError(f"no clock setting {name}")
        setattr(row, name, value)
    db.session.flush()
    return row

