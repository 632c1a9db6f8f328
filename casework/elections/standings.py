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
from casework.elections.queries import subtree_ids
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


def seats_of(region: Region) -> int:
    return region.seats or int(current_app.config["CASEWORK_DEFAULT_SEATS"])


@dataclass
class RegionVotes:
    """What a region's standings are computed from, read once: its candidates (with the
    districts') and every result of theirs as (result id, candidate id, votes, annulled)."""

    region: Region
    candidates: list[Candidate]
    results: list[tuple[int, int, int, bool]]


def load_votes(region: Region) -> RegionVotes:
    region_ids = subtree_ids(region)
    candidates = list(db.session.scalars(select(Candidate).where(
        Candidate.region_id.in_(region_ids)).order_by(Candidate.code)))
    results = db.session.execute(
        select(Result.id, Result.candidate_id, Result.votes, Result.annulled)
        .join(Candidate, Candidate.id == Result.candidate_id)
        .where(Candidate.region_id.in_(region_ids))).all()
    return RegionVotes(region, candidates, [tuple(row) for row in results])


def rank(data: RegionVotes, overlay: Overlay = Overlay()) -> Standings:
    """The standings from `data` with `overlay` applied (no query)."""
    rows = {c.id: Row(candidate=c, disqualified=_disqualified(c, overlay))
            for c in data.candidates}
    for result_id, candidate_id, votes, annulled in data.results:
        if result_id in overlay.annul:
            annulled = True
        elif result_id in overlay.restore:
            annulled = False
        row = rows[candidate_id]
        if annulled:
            row.annulled_votes += votes
        else:
            row.votes += votes
    seats = seats_of(data.region)
    ranked = sorted((row for row in rows.values() if not row.disqualified),
                    key=lambda row: (-row.votes, row.candidate.code))
    for position, row in enumerate(ranked, start=1):
        row.rank = position
        row.winning = position <= seats
    ordered = ranked + sorted((row for row in rows.values() if row.disqualified),
                              key=lambda row: row.candidate.code)
    return Standings(region=data.region, seats=seats, rows=ordered)


def standings(region: Region, overlay: Overlay = Overlay()) -> Standings:
    """The standings of `region` (with its districts), with `overlay` applied."""
    return rank(load_votes(region), overlay)


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


def compare(region: Region, overlay: Overlay, *, reverse: bool = False) -> Comparison:
    """The region's standings now and with `overlay` (reverse: with it, then now), from one
    read of its votes."""
    data = load_votes(region)
    now, changed = rank(data), rank(data, overlay)
    return Comparison(changed, now) if reverse else Comparison(now, changed)
