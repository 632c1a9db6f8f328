"""Read side of the sanction pages: the list (one statement, limited to the user's region
scope), one sanction in the user's scope, and what an annulment on a case may reach."""

from sqlalchemy import or_, select
from sqlalchemy.orm import contains_eager, joinedload

from casework.accounts.models import User
from casework.cases.models import Case
from casework.cases.queue_conditions import scope_condition
from casework.elections.models import Candidate, Election, PollingStation, Region, StationKind
from casework.elections.queries import subtree_ids
from casework.extensions import db
from casework.intake.models import Complaint
from casework.sanctions.models import Sanction, SanctionStatus
from casework.sanctions.scope import case_area

LIST_MAX = 200


def sanction_list(user: User, election: Election, *, status: SanctionStatus | None = None,
                  case_id: int | None = None, limit: int = LIST_MAX) -> list[Sanction]:
    """The sanctions of cases the user may see, newest first, with what the rows show."""
    query = (select(Sanction).join(Case, Case.id == Sanction.case_id)
             .where(Case.election_id == election.id)
             .options(contains_eager(Sanction.case), joinedload(Sanction.candidate),
                      joinedload(Sanction.proposed_by), joinedload(Sanction.reviewed_by))
             .order_by(Sanction.id.desc()).limit(min(limit, LIST_MAX)))
    scope = scope_condition(user, election.id)
    if scope is not None:
        query = query.where(scope)
    if status is not None:
        query = query.where(Sanction.status == status)
    if case_id is not None:
        query = query.where(Sanction.case_id == case_id)
    return list(db.session.scalars(query).unique())


def sanction_in_scope(user: User, sanction_id: int) -> Sanction | None:
    """The sanction if the user's regions cover its case, else None: the view's 404, for a
    missing sanction and one outside the scope alike (Sanction.can_view is the 403 after)."""
    sanction = db.session.get(Sanction, sanction_id)
    if sanction is None or not user.can_see_region(sanction.case.region):
        return None
    return sanction


def annulment_choices(case: Case) -> dict:
    """What an annulment on this case may reach: the case's top region and its districts,
    their paper stations and the electronic vote, their candidates."""
    area = case_area(case)
    regions = select(Region).where(Region.election_id == case.election_id)
    stations = select(PollingStation).where(PollingStation.election_id == case.election_id)
    candidates = select(Candidate).where(Candidate.election_id == case.election_id)
    if area is not None:
        ids = subtree_ids(area)
        regions = regions.where(Region.id.in_(ids))
        stations = stations.where(or_(PollingStation.kind == StationKind.ELECTRONIC,
                                      PollingStation.region_id.in_(ids)))
        candidates = candidates.where(Candidate.region_id.in_(ids))
    return {
        "regions": list(db.session.scalars(regions.order_by(Region.parent_id.isnot(None),
                                                            Region.code))),
        "stations": list(db.session.scalars(stations.order_by(PollingStation.kind,
                                                              PollingStation.code))),
        "candidates": list(db.session.scalars(candidates.order_by(Candidate.code))),
    }


def named_in_complaints(case: Case) -> tuple[set[int], set[int]]:
    """The stations and candidates the case's complaints name (the case's own station and
    accused included): what a proposal starts from."""
    stations = set(db.session.scalars(select(Complaint.station_id).distinct().where(
        Complaint.case_id == case.id, Complaint.station_id.isnot(None))))
    if case.station_id is not None:
        stations.add(case.station_id)
    return stations, {candidate.id for candidate in case.accused}
