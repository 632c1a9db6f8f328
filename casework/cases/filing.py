"""Whether a complaint was filed within the filing limit: legal days (the election's legal
clock) counted from the day the complainant learned of the facts, or else the day they
happened, or else the day it was received; the limit ends at the local end of its last day."""

from dataclasses import dataclass
from datetime import date, datetime

from casework.cases.channels import facts_dates
from casework.cases.models import Case
from casework.elections.legal_clock import clock_of, last_day, legal_days_between, local_day


@dataclass(frozen=True)
class FilingCheck:
    since: date  # the day the count starts from
    source: str  # learned, occurred or received
    day: int  # filed on this legal day after `since`
    limit: int
    last: date  # the limit's last day
    late_by: int  # legal days after the last one (at least 1 when late), 0 in time

    @property
    def in_time(self) -> bool:
        return self.late_by == 0


def filing_check(case: Case, facts: tuple[date | None, datetime | None] | None = None
                 ) -> FilingCheck:
    """The check for the case's first complaint (a merged case keeps its own first one).
    `facts`: that complaint's (learned_on, occurred_at) when the caller has them already."""
    election = case.election
    learned_on, occurred_at = facts or facts_dates(case) or (None, None)
    if learned_on is not None:
        since, source = learned_on, "learned"
    elif occurred_at is not None:
        since, source = local_day(election, occurred_at), "occurred"
    else:
        since, source = local_day(election, case.created_at), "received"
    clock = clock_of(election)
    limit = clock.periods["filing_days"]
    filed = local_day(election, case.created_at)
    end = last_day(election, since, limit, clock)
    late_by = max(1, legal_days_between(election, end, filed, clock)) if filed > end else 0
    return FilingCheck(since, source, legal_days_between(election, since, filed, clock),
                       limit, end, late_by)
