"""Decision fixtures: a committee (chair, secretary, three reviewers), a case with evidence
and a complaint in a given language, declared conflicts of interest."""

import secrets
from datetime import timedelta

import pytest
from sqlalchemy import select

from casework.accounts.models import Role
from casework.accounts.services import create_user
from casework.cases import assignment
from casework.cases.models import Case, CaseState, Category
from casework.cases.services import open_case
from casework.core.db import utcnow
from casework.decisions import services
from casework.elections.models import Candidate, PollingStation, Region, Result, StationKind
from casework.evidence.models import EvidenceItem
from casework.extensions import db
from casework.intake.models import Channel, Complaint
from tests import factories

NARRATIVE = ("At polling station BAL-001 in Balkhash a man offered voters 5000 tenge to vote "
             "for a candidate; I saw it at 10:30 near the entrance.")


def region(election, code: str) -> Region:
    return db.session.scalar(select(Region).where(Region.election_id == election.id,
                                                  Region.code == code))


def member(election, role: str, name: str, regions: list[str] | None = None):
    user = create_user(actor=None, email=f"{name.lower().replace(' ', '.')}@test.kz",
                       full_name=name, role=Role(role), password=factories.PASSWORD,
                       all_regions=regions is None, region_codes=regions or [],
                       election_id=election.id)
    db.session.commit()
    return user


@pytest.fixture(autouse=True)
def english(client):
    """Pages in English, so the checks hold once the catalogs are translated."""
    client.set_cookie("casework_lang", "en")


@pytest.fixture
def committee(election):
    """Five members who may examine a Balkhash case, by short name."""
    return {
        "chair": member(election, "chair", "Aigerim Chair"),
        "secretary": member(election, "secretary", "Bolat Secretary"),
        "r1": member(election, "reviewer", "Dana Reviewer"),
        "r2": member(election, "reviewer", "Erlan Reviewer"),
        "r3": member(election, "reviewer", "Gulnar Reviewer", regions=["KZ-KAR"]),
    }


@pytest.fixture
def outsider(election):
    """A reviewer of another region (Almaty): cannot see Balkhash cases."""
    return member(election, "reviewer", "Olzhas Almaty", regions=["KZ-ALA"])


@pytest.fixture
def make_case(election):
    def make(state: CaseState = CaseState.FINDINGS_READY, *, language: str = "kk",
             evidence: int = 2, region_code: str = "KZ-KAR-BAL", accused: str = "C01") -> Case:
        candidate = db.session.scalar(select(Candidate).where(
            Candidate.election_id == election.id, Candidate.code == accused))
        if candidate is None:
            candidate = Candidate(election_id=election.id, code=accused, name_kk="Асан Үсенов",
                                  name_ru="Асан Усенов", name_en="Asan Usenov",
                                  region_id=region(election, "KZ-KAR").id)
            db.session.add(candidate)
        case = open_case(election=election, region=region(election, region_code),
                         category=Category.VOTE_BUYING, station=None, accused=[candidate])
        case.state = state  # test set-up only: a case in a given state
        case.created_at = utcnow() - timedelta(days=2)
        db.session.add(Complaint(case_id=case.id, channel=Channel.WEB,
                                 submission_key=secrets.token_hex(16),
                                 tracking_hash=secrets.token_hex(32), anonymous=True,
                                 language=language, category=case.category, narrative=NARRATIVE,
                                 links=[]))
        for n in range(evidence):
            db.session.add(EvidenceItem(case_id=case.id, sha256=secrets.token_hex(32), size=100,
                                        content_type="image/png", label=f"photo-{n + 1}.png",
                                        source="web"))
        db.session.commit()
        return case

    return make


@pytest.fixture
def case(make_case):
    return make_case()


def evidence_ids(case: Case) -> list[int]:
    return list(db.session.scalars(select(EvidenceItem.id).where(EvidenceItem.case_id == case.id)
                                   .order_by(EvidenceItem.id)))


@pytest.fixture
def declare_conflict():
    """declare_conflict(user, case): the member declares, through the staff area, a conflict
    of interest with the case's (first) accused candidate."""
    def declare(user, case):
        assignment.declare_conflict(user, case.accused[0], "My brother runs the campaign.")
        db.session.commit()

    return declare


@pytest.fixture
def finding(committee):
    """finding(case, conclusion="confirmed"): a finding citing the case's first evidence."""
    def make(case: Case, conclusion: str = "confirmed"):
        ids = evidence_ids(case)[:1] if conclusion != "not_confirmed" else []
        made = services.add_finding(case, committee["r1"], allegation="Money was offered.",
                                    conclusion=conclusion, reasoning="Two witnesses agree.",
                                    evidence_ids=ids)
        db.session.commit()
        return made

    return make


# -- sanctions: a small world of results with known votes, and a decided case -------------

def station(election, code: str) -> PollingStation:
    return db.session.scalar(select(PollingStation).where(PollingStation.election_id == election.id,
                                                          PollingStation.code == code))


# Karaganda (one seat): votes per candidate per station. C01 leads by 10 votes, most of
# them at BAL-001, the station of the case.
VOTES = {
    "C01": {"BAL-001": 60, "KAR-001": 40, "E-VOTE": 30},   # 130
    "C02": {"BAL-001": 20, "KAR-001": 50, "E-VOTE": 50},   # 120
    "C03": {"BAL-001": 10, "KAR-001": 30, "E-VOTE": 20},   # 60
    "A01": {"ALA-001": 70, "E-VOTE": 30},                  # Almaty, untouched
}


@pytest.fixture
def results_world(election):
    """Candidates C01-C03 of Karaganda and A01 of Almaty, stations BAL-001 (Balkhash),
    KAR-001 (Karaganda), ALA-001 (Almaty) and E-VOTE, and the results in VOTES."""
    kar, bal, ala = (region(election, code) for code in ("KZ-KAR", "KZ-KAR-BAL", "KZ-ALA"))
    db.session.add_all([
        PollingStation(election_id=election.id, code="KAR-001", kind=StationKind.PAPER,
                       region_id=kar.id),
        PollingStation(election_id=election.id, code="ALA-001", kind=StationKind.PAPER,
                       region_id=ala.id),
    ])
    names = {"C01": "Asan Usenov", "C02": "Berik Saparov", "C03": "Dina Ospan",
             "A01": "Murat Almaty"}
    for code, name in names.items():
        db.session.add(Candidate(election_id=election.id, code=code, name_kk=name, name_ru=name,
                                 name_en=name, region_id=(ala if code == "A01" else kar).id))
    db.session.flush()
    candidates = {c.code: c for c in db.session.scalars(select(Candidate).where(
        Candidate.election_id == election.id))}
    for code, votes in VOTES.items():
        for station_code, count in votes.items():
            db.session.add(Result(station_id=station(election, station_code).id,
                                  candidate_id=candidates[code].id, votes=count))
    db.session.commit()
    return candidates


@pytest.fixture
def decided_case(make_case, committee, results_world, finding):
    """decided_case(outcome="confirmed"): a Balkhash case accusing C01, at BAL-001, with a
    finding and a decision of that outcome (the finding's conclusion follows it)."""
    def make(outcome: str = "confirmed", *, accused: str = "C01") -> Case:
        case = make_case(accused=accused)
        case.station_id = station(case.election, "BAL-001").id
        finding(case, "confirmed" if outcome == "confirmed" else outcome)
        services.record_decision(
            case, committee["secretary"], meeting_at=utcnow() - timedelta(hours=1),
            present_ids=[committee[n].id for n in ("chair", "r1", "r2")],
            votes={committee[n].id: "for" for n in ("chair", "r1", "r2")},
            outcome=outcome, reasons="The video and two witnesses show money offered.")
        db.session.commit()
        return case

    return make
