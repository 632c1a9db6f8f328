"""Read-side queries over the reference data."""

from collections.abc import Iterable

from flask import current_app
from sqlalchemy import func, select

from casework.elections.models import Candidate, Election, PollingStation, Region
from casework.extensions import db


def current_election() -> Election | None:
    """The election named by CASEWORK_ELECTION, else the one voting latest."""
    code = current_app.config.get("CASEWORK_ELECTION")
    query = select(Election)
    if code:
        query = query.where(Election.code == code)
    return db.session.scalar(query.order_by(Election.voting_starts_at.desc()).limit(1))


def election_defaults() -> tuple[str, str] | None:
    election = current_election()
    return (election.default_locale, election.timezone) if election else None


def regions_for_choices(election: Election | None) -> list[Region]:
    if election is None:
        return []
    return list(db.session.scalars(
        select(Region).where(Region.election_id == election.id).order_by(Region.code)
    ))


def descendants(tree: Iterable[tuple[int, int | None]], roots: Iterable[int]) -> set[int]:
    """The ids of `roots` and of every region under them, given (id, parent_id) pairs."""
    children: dict[int | None, list[int]] = {}
    for region_id, parent_id in tree:
        children.setdefault(parent_id, []).append(region_id)
    seen: set[int] = set()
    stack = list(roots)
    while stack:
        current = stack.pop()
        if current not in seen:
            seen.add(current)
            stack.extend(children.get(current, []))
    return seen


def descendant_ids(election_id: int, roots: Iterable[int]) -> set[int]:
    """The regions `roots` with everything below them (one query over the election's tree)."""
    tree = db.session.execute(select(Region.id, Region.parent_id)
                              .where(Region.election_id == election_id)).all()
    return descendants(tree, roots)


def subtree_ids(region: Region) -> set[int]:
    """The region and every region under it."""
    return descendant_ids(region.election_id, [region.id])


def region_overview(election: Election, region_ids: list[int] | None) -> list[dict]:
    """Top-level regions with their station and candidate counts, limited to a scope."""
    stations = (select(PollingStation.region_id, func.count().label("n"))
                .group_by(PollingStation.region_id).subquery())
    candidates = (select(Candidate.region_id, func.count().label("n"))
                  .group_by(Candidate.region_id).subquery())
    query = (
        select(Region, func.coalesce(stations.c.n, 0), func.coalesce(candidates.c.n, 0))
        .outerjoin(stations, stations.c.region_id == Region.id)
        .outerjoin(candidates, candidates.c.region_id == Region.id)
        .where(Region.election_id == election.id)
        .order_by(Region.code)
    )
    if region_ids is not None:
        query = query.where(Region.id.in_(region_ids))
    return [{"region": r, "stations": s, "candidates": c} for r, s, c in db.session.execute(query)]
