"""The figures of the staff dashboard and the public statistics, for a scope of regions.

`dashboard(election, region_ids, now)` runs a fixed handful of queries whatever the number of
cases, each on a small or indexed table:
1. the election's regions (a few dozen rows);
2. case_state_counts of the scope (cases by region, category and state: counters kept by
   triggers, at most regions x categories x states rows);
3. the rollup's refresh time (one row);
4. the rollup's figures of the scope summed per (metric, key) in the database (a range of
   the report_figures primary key; a few hundred rows come back);
5. sanctions by type and status, joined to their cases for the scope (a small table).
Figures from the rollup (casework.reports.rollups: cases per hour and day, channels,
outcomes, reasons, times to screening and decision, calls, and the overdue and due-soon
counts) are None until it has been computed once (the page says they are being prepared);
they are never computed in a request.
"""

import functools
from collections import defaultdict
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, literal, select

from casework.cases.models import Case, CaseState, Category
from casework.cases.models.search import NO_REGION, CaseStateCount
from casework.cases.queue_counts import kept
from casework.cases.workflow import OPEN_STATES, InadmissibleReason, Outcome
from casework.core.cache import app_cache
from casework.core.db import utcnow
from casework.core.i18n import LANGUAGES
from casework.elections.models import Election, Region
from casework.extensions import db
from casework.intake.models import Channel
from casework.reports import rollups
from casework.reports.models import ReportFigure, ReportRefresh
from casework.sanctions.models import Sanction, SanctionStatus, SanctionType


@dataclass
class RegionFigure:
    """Cases of a region and everything below it (code None: the cases with no region yet)."""

    code: str | None
    names: dict[str, str]
    cases: int
    voters: int | None
    decided: int = 0  # decided cases with a legal deadline (from the rollup)
    in_time: int = 0  # of which decided by it

    @property
    def per_10k(self) -> float | None:
        """Cases per 10,000 voters; None without a voter count."""
        if not self.voters:
            return None
        return self.cases * 10000 / self.voters

    def name(self, locale: str) -> str:
        return self.names.get(locale) or self.names.get("kk", "")


@dataclass(frozen=True)
class Median:
    """The bucket (minutes, `high` None: open-ended) holding the median of `count` cases."""

    low: int
    high: int | None
    count: int


@dataclass
class Dashboard:
    election_id: int
    election_code: str
    timezone: str
    generated_at: datetime
    all_regions: bool
    total: int
    open: int
    by_state: dict[str, int]
    by_category: dict[str, int]
    by_region: list[RegionFigure]
    sanctions: dict[str, int]  # enforced, by type
    sanctions_proposed: dict[str, int]  # awaiting the chair's review (staff only)
    # From the rollup: None until its first refresh.
    as_of: datetime | None = None
    overdue: int | None = None
    due_soon: int | None = None
    created_hour: list[tuple[str, int]] | None = None  # UTC hour, last 14 days
    created_day: list[tuple[str, int]] | None = None  # date in the election's time zone
    channels: dict[str, int] | None = None  # complaints by channel
    outcomes: dict[str, int] | None = None
    inadmissible: dict[str, int] | None = None
    screening_minutes: dict[int, int] | None = None
    decision_minutes: dict[int, int] | None = None
    screening_median: Median | None = None
    decision_median: Median | None = None
    calls_hour: list[tuple[str, int]] | None = None
    in_time: int | None = None  # decided by their legal deadline
    decided_with_deadline: int | None = None

    @property
    def prepared(self) -> bool:
        return self.as_of is not None

    def to_dict(self, public: bool = False) -> dict:
        """Plain JSON types; `public` leaves out what only staff see (sanction proposals)."""
        def when(value: datetime | None) -> str | None:
            if value is None:
                return None
            return value.replace(tzinfo=UTC, microsecond=0).isoformat().replace("+00:00", "Z")

        def median(value: Median | None) -> dict | None:
            return None if value is None else asdict(value)

        def hist(value: dict[int, int] | None) -> list[dict] | None:
            if value is None:
                return None
            return [{"from_minutes": low, "to_minutes": high, "cases": value.get(low, 0)}
                    for low, high in rollups.bucket_bounds()]

        def series(value, name):
            return None if value is None else [{name: k, "count": n} for k, n in value]

        data = {
            "election": self.election_code,
            "timezone": self.timezone,
            "generated_at": when(self.generated_at),
            "as_of": when(self.as_of),
            "prepared": self.prepared,
            "all_regions": self.all_regions,
            "cases": {"total": self.total, "open": self.open, "overdue": self.overdue,
                      "due_soon": self.due_soon},
            "by_state": self.by_state,
            "by_category": self.by_category,
            "by_region": [{"code": r.code, "names": r.names if r.code else None,
                           "cases": r.cases, "voters": r.voters,
                           "per_10k_voters": None if r.per_10k is None else round(r.per_10k, 2)}
                          for r in self.by_region],
            "sanctions_enforced": self.sanctions,
            "complaints_by_channel": self.channels,
            "outcomes": self.outcomes,
            "inadmissible_by_reason": self.inadmissible,
            "decided_within_legal_deadline": {
                "decided": self.decided_with_deadline, "in_time": self.in_time,
                "by_region": [{"code": r.code, "decided": r.decided, "in_time": r.in_time}
                              for r in self.by_region]},
            "screening_minutes": {"median": median(self.screening_median),
                                  "histogram": hist(self.screening_minutes)},
            "decision_minutes": {"median": median(self.decision_median),
                                 "histogram": hist(self.decision_minutes)},
            "created_per_hour": series(self.created_hour, "hour"),
            "created_per_day": series(self.created_day, "date"),
            "calls_per_hour": series(self.calls_hour, "hour"),
        }
        if not public:
            data["sanctions_proposed"] = self.sanctions_proposed
        return data


# -- helpers ----------------------------------------------------------------------------------

def median_of(histogram: dict[int, int]) -> Median | None:
    """The bucket of the lower median (the ceil(n/2)-th smallest value); None for no case."""
    count = sum(histogram.values())
    if not count:
        return None
    target, seen = (count + 1) // 2, 0
    uppers = dict(rollups.bucket_bounds())
    for low in sorted(histogram):
        seen += histogram[low]
        if seen >= target:
            return Median(low, uppers.get(low), count)
    raise AssertionError("unreachable")  # pragma: no cover


@functools.lru_cache(maxsize=4)
def _hour_keys(start: datetime) -> tuple[str, ...]:
    """The 336 hour keys from `start`: formatted once an hour, not twice per dashboard."""
    return tuple(rollups.hour_key(start + timedelta(hours=n))
                 for n in range(rollups.HOURS_KEPT))


def _hours(values: dict[str, int], last: datetime) -> list[tuple[str, int]]:
    return [(key, values.get(key, 0)) for key in _hour_keys(rollups.first_hour(last))]


def _days(values: dict[str, int]) -> list[tuple[str, int]]:
    if not values:
        return []
    first, last = date.fromisoformat(min(values)), date.fromisoformat(max(values))
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    return [(d.isoformat(), values.get(d.isoformat(), 0)) for d in days]


def _roots(regions: list, region_ids: set[int] | None) -> tuple[list, dict[int, int]]:
    """The scope's top regions (a region in scope whose parent is not) and, for every region
    in scope, the root it rolls up to."""
    visible = {r.id: r for r in regions if region_ids is None or r.id in region_ids}
    root_of: dict[int, int] = {}
    for region_id in visible:
        current = visible[region_id]
        while current.parent_id in visible:
            current = visible[current.parent_id]
        root_of[region_id] = current.id
    roots = sorted((visible[i] for i in set(root_of.values())), key=lambda r: r.code)
    return roots, root_of


# -- the queries ------------------------------------------------------------------------------

def _regions(election: Election) -> list:
    return list(db.session.execute(
        select(Region.id, Region.parent_id, Region.code, Region.name_kk, Region.name_ru,
               Region.name_en, Region.voters).where(Region.election_id == election.id)))


def _counts(election: Election, keys: list[int] | None) -> tuple[list, list, list]:
    """The counters summed per state, per category and per region key: three small GROUP BYs
    (a few dozen rows) rather than every counter row (~3,500) summed in Python."""
    where = [CaseStateCount.election_id == election.id]
    if keys is not None:
        where.append(CaseStateCount.region_key.in_(keys))

    def per(column) -> list:
        return list(db.session.execute(select(column, func.sum(CaseStateCount.n))
                                       .where(*where).group_by(column)))

    return (per(CaseStateCount.state), per(CaseStateCount.category),
            per(CaseStateCount.region_key))


def _rollup(election: Election, keys: list[int] | None) -> dict[str, dict[str, int]]:
    query = (select(ReportFigure.metric, ReportFigure.key, func.sum(ReportFigure.value))
             .where(ReportFigure.election_id == election.id)
             .group_by(ReportFigure.metric, ReportFigure.key))
    if keys is not None:
        query = query.where(ReportFigure.region_key.in_(keys))
    figures: dict[str, dict[str, int]] = defaultdict(dict)
    for metric, key, value in db.session.execute(query):
        figures[metric][key] = int(value)
    return figures


def _in_time_by_region(election: Election, keys: list[int] | None, codes: dict[int, str],
                       root_of: dict[int, int]) -> dict[str | None, tuple[int, int]]:
    """Each top region's (decided, in time) counts from the rollup, by code (None: no region,
    and a key outside the regions read, as before)."""
    query = (select(ReportFigure.region_key, ReportFigure.key, ReportFigure.value)
             .where(ReportFigure.election_id == election.id,
                    ReportFigure.metric == rollups.IN_TIME))
    if keys is not None:
        query = query.where(ReportFigure.region_key.in_(keys))
    counts: dict[str | None, tuple[int, int]] = {}
    for region_key, key, value in db.session.execute(query):
        code = None if region_key == NO_REGION else codes.get(root_of.get(region_key))
        decided, in_time = counts.get(code, (0, 0))
        counts[code] = (decided + int(value), in_time + (int(value) if key == "yes" else 0))
    return counts


ROLLUPS_KEPT = 32  # (election, region scope, refresh) of the dashboards open now


def _rollup_part(election: Election, keys: list[int] | None, as_of: datetime,
                 codes: dict[int, str], root_of: dict[int, int]) -> tuple[dict, dict]:
    """The rollup's figures and the in-time counts per top region, read once per refresh,
    region scope and process: the key holds the refresh's time (the worker replaces every
    rollup row and that time in one transaction), the scope and the election's reference
    stamp (its regions, which `codes` and `root_of` come from), so it is never stale."""
    key = (election.id, election.reference_stamp, None if keys is None else tuple(keys), as_of)
    return app_cache("reports.rollup_part", size=ROLLUPS_KEPT).get_or_make(
        key, lambda: (dict(_rollup(election, keys)),
                      _in_time_by_region(election, keys, codes, root_of)))


def _region_filter(keys: list[int] | None):
    if keys is None:
        return []
    return [Case.region_id.in_(keys)] if keys else [literal(False)]


def _sanctions(election: Election, keys: list[int] | None) -> dict[str, dict[str, int]]:
    rows = db.session.execute(
        select(Sanction.status, Sanction.kind, func.count())
        .join(Case, Case.id == Sanction.case_id)
        .where(Case.election_id == election.id,
               Sanction.status.in_([SanctionStatus.ENFORCED, SanctionStatus.PROPOSED]),
               *_region_filter(keys))
        .group_by(Sanction.status, Sanction.kind))
    found: dict[str, dict[str, int]] = defaultdict(dict)
    for status, kind, count in rows:
        found[SanctionStatus(status).value][SanctionType(kind).value] = count
    return found


# -- the dashboard ----------------------------------------------------------------------------

def kept_dashboard(election: Election, region_ids: set[int] | None) -> Dashboard:
    """`dashboard` as the staff page shows it, kept by the process a second or two like the
    queue's counts (cases/queue_counts.py: never stale after the user's own action, dropped
    by a commit here that changes cases), and keyed by the rollup's time, so a refresh shows
    at once; its time is when it was read. Half the page's CPU was these queries. Not
    changed by the caller: the copy is shared."""
    as_of = db.session.scalar(select(ReportRefresh.refreshed_at).where(
        ReportRefresh.election_id == election.id))
    key = ("dashboard", election.id, None if region_ids is None else tuple(sorted(region_ids)),
           as_of)
    return kept(key, lambda: dashboard(election, region_ids, utcnow()))


def dashboard(election: Election, region_ids: set[int] | None, now: datetime) -> Dashboard:
    """Every figure for the regions `region_ids` (with what lies below them: pass
    casework.accounts.queries.scope_region_ids) or, for None, the whole election including
    the cases whose region is not set yet."""
    keys = None if region_ids is None else sorted(region_ids)
    regions = _regions(election)
    roots, root_of = _roots(regions, region_ids)

    by_state = {s.value: 0 for s in CaseState}
    by_category = {c.value: 0 for c in Category}
    per_root: dict[int, int] = defaultdict(int)
    no_region = 0
    states, categories, region_keys = _counts(election, keys)
    for state, n in states:
        by_state[CaseState(state).value] += int(n or 0)
    for category, n in categories:
        by_category[Category(category).value] += int(n or 0)
    for region_key, n in region_keys:
        if region_key == NO_REGION:
            no_region += int(n or 0)
        elif region_key in root_of:
            per_root[root_of[region_key]] += int(n or 0)
    by_region = [RegionFigure(r.code, {lang: getattr(r, f"name_{lang}") for lang in LANGUAGES},
                              per_root.get(r.id, 0), r.voters) for r in roots]
    if region_ids is None:
        by_region.append(RegionFigure(None, {}, no_region, None))

    sanctions = _sanctions(election, keys)
    data = Dashboard(
        election_id=election.id, election_code=election.code, timezone=election.timezone,
        generated_at=now, all_regions=region_ids is None,
        total=sum(by_state.values()),
        open=sum(by_state[s.value] for s in OPEN_STATES),
        by_state=by_state, by_category=by_category, by_region=by_region,
        sanctions={t.value: sanctions[SanctionStatus.ENFORCED.value].get(t.value, 0)
                   for t in SanctionType},
        sanctions_proposed={t.value: sanctions[SanctionStatus.PROPOSED.value].get(t.value, 0)
                            for t in SanctionType})

    as_of = db.session.scalar(select(ReportRefresh.refreshed_at).where(
        ReportRefresh.election_id == election.id))
    if as_of is None:
        return data
    figures, in_time = _rollup_part(election, keys, as_of, {r.id: r.code for r in roots}, root_of)
    figures = defaultdict(dict, figures)  # a copy: the kept one is never changed
    data.as_of = as_of
    data.overdue = figures[rollups.DEADLINE].get(rollups.OVERDUE, 0)
    data.due_soon = figures[rollups.DEADLINE].get(rollups.DUE_SOON, 0)
    data.created_hour = _hours(figures[rollups.CREATED_HOUR], as_of)
    data.created_day = _days(figures[rollups.CREATED_DAY])
    data.calls_hour = _hours(figures[rollups.CALLS_HOUR], as_of)
    data.channels = {c.value: figures[rollups.CHANNEL].get(c.value, 0) for c in Channel}
    data.outcomes = {o.value: figures[rollups.OUTCOME].get(o.value, 0) for o in Outcome}
    reasons = figures[rollups.INADMISSIBLE]
    data.inadmissible = {r.value: reasons.get(r.value, 0) for r in InadmissibleReason}
    if reasons.get(rollups.UNKNOWN_REASON):
        data.inadmissible[rollups.UNKNOWN_REASON] = reasons[rollups.UNKNOWN_REASON]
    data.screening_minutes = {int(k): n for k, n in figures[rollups.SCREENING_MINUTES].items()}
    data.decision_minutes = {int(k): n for k, n in figures[rollups.DECISION_MINUTES].items()}
    data.in_time = figures[rollups.IN_TIME].get("yes", 0)
    data.decided_with_deadline = data.in_time + figures[rollups.IN_TIME].get("no", 0)
    for figure in by_region:
        figure.decided, figure.in_time = in_time.get(figure.code, (0, 0))
    data.screening_median = median_of(data.screening_minutes)
    data.decision_median = median_of(data.decision_minutes)
    return data

