"""Which results an annulment reaches, and which regions and cases a sanction touches.

An annulment's stations are the union of the stations it names, the paper stations of its
region (with the districts under it) and, if chosen, the electronic vote. Its candidates
are the named ones, or "all": every candidate of the case's region (the top region, with
its districts). So annulling the electronic vote on a Karaganda case reaches the electronic
votes of Karaganda's candidates, never the whole country's.
"""

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from casework.cases.models import Case, case_candidates
from casework.cases.workflow import OPEN_STATES
from casework.elections.models import (
    Candidate,
    PollingStation,
    Region,
    RegionCertification,
    Result,
    StationKind,
)
from casework.elections.queries import subtree_ids
from casework.extensions import db
from casework.sanctions.models import Sanction, SanctionType


def within(region: Region | None, area: Region | None) -> bool:
    """Whether `region` is `area` or lies under it (anything is within no area)."""
    if area is None:
        return True
    return region is not None and region.lies_within(area.id)


def scope_station_ids(sanction: Sanction) -> set[int]:
    ids = {station.id for station in sanction.stations}
    if sanction.annul_region is not None:
        ids |= set(db.session.scalars(select(PollingStation.id).where(
            PollingStation.region_id.in_(subtree_ids(sanction.annul_region)))))
    if sanction.annul_electronic:
        ids |= set(db.session.scalars(select(PollingStation.id).where(
            PollingStation.election_id == sanction.case.election_id,
            PollingStation.kind == StationKind.ELECTRONIC)))
    return ids


def scope_candidate_ids(sanction: Sanction, area: Region | None) -> set[int]:
    if not sanction.annul_all_candidates:
        return {candidate.id for candidate in sanction.named_candidates}
    query = select(Candidate.id).where(Candidate.election_id == sanction.case.election_id)
    if area is not None:
        query = query.where(Candidate.region_id.in_(subtree_ids(area)))
    return set(db.session.scalars(query))


def scope_results(sanction: Sanction, area: Region | None) -> list[Result]:
    """The results an annulment reaches, annulled already or not, by id."""
    if sanction.kind is not SanctionType.VOTE_ANNULMENT:
        return []
    stations = scope_station_ids(sanction)
    candidates = scope_candidate_ids(sanction, area)
    if not stations or not candidates:
        return []
    return list(db.session.scalars(select(Result).where(
        Result.station_id.in_(stations), Result.candidate_id.in_(candidates))
        .order_by(Result.id)))


def case_area(case: Case) -> Region | None:
    return case.region.top() if case.region is not None else None


def touched_candidates(sanction: Sanction, results: list[Result]) -> list[Candidate]:
    """The candidates a sanction changes: the one removed, or those whose votes it annuls."""
    ids = {result.candidate_id for result in results}
    if sanction.kind is SanctionType.CANDIDATE_DISQUALIFICATION and sanction.candidate_id:
        ids.add(sanction.candidate_id)
    if not ids:
        return []
    return list(db.session.scalars(select(Candidate).where(Candidate.id.in_(ids))
                                   .order_by(Candidate.code)))


def related_open_cases(case: Case, candidate_ids: set[int], station_ids: set[int]) -> list[Case]:
    """Other open cases about the same candidates or stations, with their regions (the page
    links those the reader may open)."""
    if not candidate_ids and not station_ids:
        return []
    accusing = select(case_candidates.c.case_id).where(
        case_candidates.c.candidate_id.in_(candidate_ids or {0}))
    return list(db.session.scalars(select(Case).options(
        selectinload(Case.region).selectinload(Region.parent)).where(
        Case.id != case.id, Case.election_id == case.election_id,
        Case.state.in_(OPEN_STATES),
        Case.id.in_(accusing) | Case.station_id.in_(station_ids or {0}))
        .order_by(Case.created_at, Case.id).limit(200)))


def certified_regions(candidates: list[Candidate]) -> list[Region]:
    """The certified top regions among those of `candidates`."""
    tops = {candidate.region.top().id: candidate.region.top() for candidate in candidates}
    if not tops:
        return []
    certified = set(db.session.scalars(select(RegionCertification.region_id).where(
        RegionCertification.region_id.in_(tops))))
    return sorted((tops[i] for i in certified), key=lambda region: region.code)
