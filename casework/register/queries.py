"""Read side of the public register of decisions and of the public standings.

The register lists enforced sanctions and those reversed on appeal, newest enforced first,
keyset-paged on (enforced_at, id). It reads sanctions, their cases (reference and region
only), candidates, regions, appeals (dates and outcome only) and the votes an annulment
took: never a complaint, a note, a finding's text or a staff member. A page is a fixed
number of queries whatever its size.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, tuple_
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from casework.cases.models import Case
from casework.cases.workflow import Outcome
from casework.core.i18n import sorted_by_name
from casework.core.refusal import Refusal
from casework.core.timezones import day_bounds, day_start_utc
from casework.elections.models import Candidate, Election, Region, RegionCertification
from casework.elections.queries import subtree_ids
from casework.extensions import db
from casework.sanctions.models import (
    Sanction,
    SanctionFinding,
    SanctionResult,
    SanctionStatus,
    SanctionType,
)

PAGE_SIZE = 50  # entries per page of the register (HTML and JSON)
FEED_SIZE = 50  # entries in the Atom feed
PUBLIC_STATUSES = (SanctionStatus.ENFORCED, SanctionStatus.REVERSED)
CODE_MAX = 20  # region and candidate codes (String(20) in the models)
CURSOR_RE = re.compile(r"^(\d{8}T\d{12})-(\d{1,18})$")
CURSOR_FORMAT = "%Y%m%dT%H%M%S%f"


def bad_filter(field: str, message) -> Refusal:
    """A filter or cursor the register cannot use; `field` names the query parameter."""
    return Refusal("bad_filter", message, field=field)


@dataclass(frozen=True)
class Filters:
    region: Region | None = None
    kind: SanctionType | None = None
    candidate: Candidate | None = None
    date_from: date | None = None
    date_to: date | None = None

    def args(self) -> dict[str, str]:
        """The query parameters that give these filters back (for links)."""
        args = {"region": self.region.code if self.region else None,
                "type": self.kind.value if self.kind else None,
                "candidate": self.candidate.code if self.candidate else None,
                "from": self.date_from.isoformat() if self.date_from else None,
                "to": self.date_to.isoformat() if self.date_to else None}
        return {name: value for name, value in args.items() if value}

    @property
    def active(self) -> bool:
        return bool(self.args())


def _text(args: Mapping[str, str], name: str) -> str:
    value = (args.get(name) or "").strip()
    if len(value) > CODE_MAX:
        raise bad_filter(name, _l("This value is too long."))
    return value


def _date(args: Mapping[str, str], name: str) -> date | None:
    value = _text(args, name)
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise bad_filter(name, _l("Give the date as YYYY-MM-DD, for example 2020-06-01.")) \
            from None


def region_by_code(election: Election, code: str) -> Region | None:
    return db.session.scalar(select(Region).where(Region.election_id == election.id,
                                                  func.upper(Region.code) == code.upper()))


def parse_filters(args: Mapping[str, str], election: Election) -> Filters:
    """The register's filters from query parameters; a "bad_filter" Refusal on a value it cannot use."""
    region = kind = candidate = None
    region_code = _text(args, "region")
    if region_code:
        region = region_by_code(election, region_code)
        if region is None:
            raise bad_filter("region", _l("There is no region with the code %(code)s.",
                                          code=region_code))
    kind_value = _text(args, "type")
    if kind_value:
        try:
            kind = SanctionType(kind_value)
        except ValueError:
            raise bad_filter("type", _l("Unknown type of sanction: %(value)s.",
                                        value=kind_value)) from None
    candidate_code = _text(args, "candidate")
    if candidate_code:
        candidate = db.session.scalar(select(Candidate).where(
            Candidate.election_id == election.id,
            func.upper(Candidate.code) == candidate_code.upper()))
        if candidate is None:
            raise bad_filter("candidate", _l("There is no candidate with the code %(code)s.",
                                             code=candidate_code))
    date_from, date_to = _date(args, "from"), _date(args, "to")
    if date_from and date_to and date_from > date_to:
        raise bad_filter("to", _l("The end date is before the start date."))
    return Filters(region=region, kind=kind, candidate=candidate, date_from=date_from,
                   date_to=date_to)


@dataclass(frozen=True)
class Cursor:
    enforced_at: datetime
    id: int

    def encode(self) -> str:
        return f"{self.enforced_at.strftime(CURSOR_FORMAT)}-{self.id}"

    @classmethod
    def decode(cls, value: str | None) -> "Cursor | None":
        if not value:
            return None
        match = CURSOR_RE.match(value)
        try:
            if match is None:
                raise ValueError(value)
            return cls(datetime.strptime(match.group(1), CURSOR_FORMAT), int(match.group(2)))
        except ValueError:
            raise bad_filter("after", _l("This page link is not valid. Start again from the "
                                         "first page.")) from None


@dataclass
class Entry:
    """One sanction as the register shows it."""

    sanction: Sanction
    region: Region | None  # the case's top region
    votes_annulled: int | None = None  # for annulments: the votes it newly annulled
    conclusions: dict[Outcome, int] = field(default_factory=dict)  # findings cited, per kind

    @property
    def findings(self) -> int:
        return sum(self.conclusions.values())


@dataclass
class Page:
    entries: list[Entry]
    next_cursor: Cursor | None


def _top_regions(election: Election) -> dict[int, Region]:
    """Every region id of the election -> its top-level region, from one query."""
    regions = {r.id: r for r in db.session.scalars(select(Region).where(
        Region.election_id == election.id))}
    tops: dict[int, Region] = {}
    for region_id, region in regions.items():
        top = region
        seen = 0
        while top.parent_id is not None and top.parent_id in regions and seen < 50:
            top, seen = regions[top.parent_id], seen + 1
        tops[region_id] = top
    return tops


def _votes_annulled(ids: list[int]) -> dict[int, int]:
    if not ids:
        return {}
    return dict(db.session.execute(
        select(SanctionResult.sanction_id, func.sum(SanctionResult.votes))
        .where(SanctionResult.sanction_id.in_(ids), SanctionResult.newly_annulled.is_(True))
        .group_by(SanctionResult.sanction_id)).all())


def _public_query(election: Election):
    return (select(Sanction).join(Case, Case.id == Sanction.case_id)
            .where(Case.election_id == election.id, Sanction.status.in_(PUBLIC_STATUSES))
            .options(contains_eager(Sanction.case), joinedload(Sanction.candidate),
                     joinedload(Sanction.appeal)))


def _entries(election: Election, sanctions: list[Sanction]) -> list[Entry]:
    tops = _top_regions(election) if sanctions else {}
    votes = _votes_annulled([s.id for s in sanctions
                             if s.kind is SanctionType.VOTE_ANNULMENT])
    return [Entry(sanction=s, region=tops.get(s.case.region_id),
                  votes_annulled=int(votes.get(s.id, 0))
                  if s.kind is SanctionType.VOTE_ANNULMENT else None)
            for s in sanctions]


def register_page(election: Election, filters: Filters = Filters(),
                  after: Cursor | None = None, size: int | None = None) -> Page:
    """One page of the register, newest enforced first, after `after` (keyset)."""
    size = size or PAGE_SIZE
    query = _public_query(election)
    if filters.region is not None:
        query = query.where(Case.region_id.in_(subtree_ids(filters.region)))
    if filters.kind is not None:
        query = query.where(Sanction.kind == filters.kind)
    if filters.candidate is not None:
        query = query.where(Sanction.candidate_id == filters.candidate.id)
    if filters.date_from is not None:
        query = query.where(Sanction.enforced_at >= day_start_utc(filters.date_from, election))
    if filters.date_to is not None:
        query = query.where(Sanction.enforced_at < day_bounds(filters.date_to, election)[1])
    if after is not None:
        query = query.where(tuple_(Sanction.enforced_at, Sanction.id)
                            < tuple_(after.enforced_at, after.id))
    sanctions = list(db.session.scalars(
        query.order_by(Sanction.enforced_at.desc(), Sanction.id.desc()).limit(size + 1)))
    more = len(sanctions) > size
    sanctions = sanctions[:size]
    last = sanctions[-1] if more else None
    return Page(entries=_entries(election, sanctions),
                next_cursor=Cursor(last.enforced_at, last.id) if last else None)


def public_entry(election: Election, sanction_id: int) -> Entry | None:
    """One enforced or reversed sanction of the election, with what its page shows."""
    sanction = db.session.scalar(_public_query(election).where(Sanction.id == sanction_id)
                                 .options(selectinload(Sanction.stations),
                                          selectinload(Sanction.named_candidates),
                                          joinedload(Sanction.annul_region)))
    if sanction is None:
        return None
    entry = _entries(election, [sanction])[0]
    conclusions: dict[Outcome, int] = {}
    for conclusion, count in db.session.execute(
            select(SanctionFinding.finding_conclusion, func.count())
            .where(SanctionFinding.sanction_id == sanction.id)
            .group_by(SanctionFinding.finding_conclusion)):
        conclusions[conclusion] = count
    entry.conclusions = {outcome: conclusions[outcome] for outcome in Outcome
                         if outcome in conclusions}
    return entry


def register_key(election: Election | None) -> tuple:
    """What the register's pages depend on beyond their filters, read in one query: the
    election and its reference stamp (regions, candidates, results, the election's zone)
    and the enforced and reversed sanctions (one more, one reversed, a later one)."""
    if election is None:
        return (None,)
    counts = db.session.connection().execute(_register_key_statement()).one()  # Core: no ORM
    return (election.id, election.reference_stamp, *counts)


@cache
def _register_key_statement():
    """Built once: a statement is immutable, and building it cost a tenth of a page."""
    return (select(func.count(), func.count(Sanction.reversed_at), func.max(Sanction.id),
                   func.max(Sanction.enforced_at), func.max(Sanction.reversed_at))
            .where(Sanction.status.in_(PUBLIC_STATUSES)))


def top_level_regions(election: Election, locale: str) -> list[Region]:
    """The filter's regions, in the alphabet of the page's language."""
    return sorted_by_name(db.session.scalars(select(Region).where(
        Region.election_id == election.id, Region.parent_id.is_(None))), locale,
        lambda r: r.name(locale))


def certifications(regions: list[Region]) -> dict[int, RegionCertification]:
    if not regions:
        return {}
    return {cert.region_id: cert for cert in db.session.scalars(select(RegionCertification).where(
        RegionCertification.region_id.in_([r.id for r in regions])))}
