"""Standings of a region, as they are or as they would be after a sanction or its reversal.

A region's standings rank its registered candidates (those of the region and of every
district under it) by their votes that are not annulled, electronic and paper together.
Disqualified candidates are listed apart, without a rank. The first `seats` ranks win.

`Overlay` describes a change that has not happened: results to annul or restore and
candidates to disqualify or reinstate. The chair's impact preview computes the standings
with and without it; nothing is written.
"""

from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import select

from casework.elections.models import Candidate, CandidateStatus, Region, Result
from casework.extensions import db


@dataclass(frozen=True)
class Overlay:
    annul: frozenset[int] = frozenset()  # result ids
    restore: frozenset[int] = frozenset()  # result ids
    disqualify: frozenset[int] = frozenset()  # candidate ids
    reinstate: frozenset[int] = frozenset()  # candidate ids


@dataclass
class Row:
    candidate: Candidate
    votes: int = 0
    annulled_votes: int = 0
    disqualified: bool = False
    rank: int | None = None
    winning: bool = False


@dataclass
class Standings:
    region: Region
    seats: int
    rows: list[Row] = field(default_factory=list)

    @property
    def ranked(self) -> list[Row]:
        return [row for row in self.rows if row.rank is not None]

    @property
    def disqualified(self) -> list[Row]:
        return [row for row in self.rows if row.disqualified]

    @property
    def winners(self) -> set[int]:
        return {row.candidate.id for row in self.rows if row.winning}

    @property
    def total_votes(self) -> int:
        return sum(row.votes for row in self.ranked)

    @property
    def annulled_votes(self) -> int:
        return sum(row.annulled_votes for row in self.rows)

    @property
    def margin(self) -> int | None:
        """Votes between the last winning and the first losing candidate (None: no loser)."""
        ranked = self.ranked
        if len(ranked) <= self.seats:
            return None
        return ranked[self.seats - 1].votes - ranked[self.seats].votes

    def row_for(self, candidate_id: int) -> Row | None:
        return next((row for row in self.rows if row.candidate.id == candidate_id), None)


def top_region(region: Region) -> Region:
    while region.parent is not None:
        region = region.parent
    return region


def subtree_ids(region: Region) -> set[int]:
    """The region and every region under it."""
    rows = db.session.execute(select(Region.id, Region.parent_id)
                              .where(Region.election_id == region.election_id)).all()
    children: dict[int | None, list[int]] = {}
    for region_id, parent_id in rows:
        children.setdefault(parent_id, []).append(region_id)
    seen: set[int] = set()
    stack = [region.id]
    while stack:
        current = stack.pop()
        if current not in seen:
            seen.add(current)
            stack.extend(children.get(current, []))
    return seen


def seats_of(region: Region) -> int:
    return region.seats or int(current_app.config.get("CASEWORK_DEFAULT_SEATS", 1))


def standings(region: Region, overlay: Overlay = Overlay()) -> Standings:
    """The standings of `region` (with its districts), with `overlay` applied."""
    region_ids = subtree_ids(region)
    candidates = list(db.session.scalars(select(Candidate).where(
        Candidate.region_id.in_(region_ids)).order_by(Candidate.code)))
    rows = {c.id: Row(candidate=c, disqualified=_disqualified(c, overlay)) for c in candidates}
    results = db.session.execute(
        select(Result.id, Result.candidate_id, Result.votes, Result.annulled)
        .join(Candidate, Candidate.id == Result.candidate_id)
        .where(Candidate.region_id.in_(region_ids)))
    for result_id, candidate_id, votes, annulled in results:
        if result_id in overlay.annul:
            annulled = True
        elif result_id in overlay.restore:
            annulled = False
        row = rows[candidate_id]
        if annulled:
            row.annulled_votes += votes
        else:
            row.votes += votes
    seats = seats_of(region)
    ranked = sorted((row for row in rows.values() if not row.disqualified),
                    key=lambda row: (-row.votes, row.candidate.code))
    for position, row in enumerate(ranked, start=1):
        row.rank = position
        row.winning = position <= seats
    ordered = ranked + sorted((row for row in rows.values() if row.disqualified),
                              key=lambda row: row.candidate.code)
    return Standings(region=region, seats=seats, rows=ordered)


def _disqualified(candidate: Candidate, overlay: Overlay) -> bool:
    if candidate.id in overlay.disqualify:
        return True
    if candidate.id in overlay.reinstate:
        return False
    return candidate.status is CandidateStatus.DISQUALIFIED


@dataclass
class Comparison:
    """One region's standings before and after a change, row by row."""

    before: Standings
    after: Standings

    @property
    def region(self) -> Region:
        return self.before.region

    @property
    def rows(self) -> list[tuple[Row, Row]]:
        """(before, after) per candidate, in the order of the standings after."""
        return [(self.before.row_for(row.candidate.id), row) for row in self.after.rows]

    @property
    def moved_in(self) -> list[Candidate]:
        return [row.candidate for row in self.after.rows
                if row.winning and row.candidate.id not in self.before.winners]

    @property
    def moved_out(self) -> list[Candidate]:
        return [row.candidate for row in self.before.rows
                if row.winning and row.candidate.id not in self.after.winners]


def compare(regions: list[Region], overlay: Overlay) -> list[Comparison]:
    return [Comparison(standings(region), standings(region, overlay)) for region in regions]
