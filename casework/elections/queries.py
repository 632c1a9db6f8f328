"""Read-side queries over the reference data."""

from collections.abc import Iterable

from flask import current_app, g, has_request_context
from sqlalchemy import func, select

from casework.core.i18n import page_locale, sorted_by_name
from casework.elections import current
from casework.elections.models import Candidate, Election, PollingStation, Region
from casework.extensions import db


def current_election() -> Election | None:
    """The election named by CASEWORK_ELECTION, else the one voting latest. Read once per
    request (the page, its language and its time zone all ask); in a request, from the
    process's copy of it while that is younger than CASEWORK_ELECTION_CACHE_SECONDS
    (elections/current.py), so a page that needs nothing else asks the database nothing."""
    if has_request_context():
        if "current_election" not in g:
            g.current_election = current.election(_current_election)
        return g.current_election
    return _current_election()


def _current_election(session=None) -> Election | None:
    code = current_app.config.get("CASEWORK_ELECTION")
    query = select(Election)
    if code:
        query = query.where(Election.code == code)
    return (session or db.session).scalar(
        query.order_by(Election.voting_starts_at.desc()).limit(1))


def election_defaults() -> tuple[str, str] | None:
    election = current_election()
    return (election.default_locale, election.timezone) if election else None


def regions_for_choices(election: Election | None, locale: str | None = None) -> list[Region]:
    if election is None:
        return []
    return in_tree_order(db.session.scalars(
        select(Region).where(Region.election_id == election.id)), locale or page_locale())


def in_tree_order(regions: Iterable[Region], locale: str) -> list[Region]:
    """Regions by name in the alphabet of `locale`, each followed by the regions under it
    (those given), so a list reads Ақмола, — Көкшетау, Ақтөбе… and not in code order."""
    ordered = sorted_by_name(regions, locale, lambda r: r.name(locale))
    given = {r.id for r in ordered}
    children: dict[int, list[Region]] = {}
    for region in ordered:
        if region.parent_id in given:
            children.setdefault(region.parent_id, []).append(region)
    out: list[Region] = []
    stack = [r for r in reversed(ordered) if r.parent_id not in given]
    while stack:
        region = stack.pop()
        out.append(region)
        stack.extend(reversed(children.get(region.id, [])))
    return out


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


def region_overview(election: Election, region_ids: list[int] | None,
                    locale: str = "kk") -> list[dict]:
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
    rows = {r.id: {"region": r, "stations": s, "candidates": c}
            for r, s, c in db.session.execute(query)}
    return [rows[r.id] for r in in_tree_order((row["region"] for row in rows.values()), locale)]
