"""A small world of results with known votes: candidates of Karaganda and Almaty, their
stations, and the votes in VOTES."""

import pytest
from sqlalchemy import select

from casework.elections.models import Candidate, PollingStation, Result, StationKind
from casework.extensions import db
from tests import factories

# Karaganda (one seat): votes per candidate per station. C01 leads by 10 votes, most of
# them at BAL-001, the station of the case.
VOTES = {
    "C01": {"BAL-001": 60, "KAR-001": 40, "E-VOTE": 30},   # 130
    "C02": {"BAL-001": 20, "KAR-001": 50, "E-VOTE": 50},   # 120
    "C03": {"BAL-001": 10, "KAR-001": 30, "E-VOTE": 20},   # 60
    "A01": {"ALA-001": 70, "E-VOTE": 30},                  # Almaty, untouched
}
NAMES = {"C01": "Asan Usenov", "C02": "Berik Saparov", "C03": "Dina Ospan",
         "A01": "Murat Almaty"}


@pytest.fixture
def results_world(election):
    """Candidates C01-C03 of Karaganda and A01 of Almaty, stations BAL-001 (Balkhash),
    KAR-001 (Karaganda), ALA-001 (Almaty) and E-VOTE, and the results in VOTES."""
    kar, ala = factories.region(election, "KZ-KAR"), factories.region(election, "KZ-ALA")
    db.session.add_all([
        PollingStation(election_id=election.id, code="KAR-001", kind=StationKind.PAPER,
                       region_id=kar.id),
        PollingStation(election_id=election.id, code="ALA-001", kind=StationKind.PAPER,
                       region_id=ala.id),
    ])
    for code, name in NAMES.items():
        factories.candidate(election, code, name, region_code="KZ-ALA" if code == "A01"
                            else "KZ-KAR")
    candidates = {c.code: c for c in db.session.scalars(select(Candidate).where(
        Candidate.election_id == election.id))}
    for code, votes in VOTES.items():
        for station_code, count in votes.items():
            db.session.add(Result(station_id=factories.station(election, station_code).id,
                                  candidate_id=candidates[code].id, votes=count))
    db.session.commit()
    return candidates
