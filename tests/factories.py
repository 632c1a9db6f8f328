"""Builders for test data, one per model a test builds: the election and its places, people,
candidates, cases and what hangs on a case.

Plain functions, no fixtures: a test calls them with what matters to it and gets defaults for
the rest. Look-ups (`region`, `station`) find what the election builder made. Elections and
users are committed (tests log in with them over HTTP at once); everything else is added and
flushed, and the test commits when it needs to. States and times are written directly: set-up
only, no transition is recorded.
"""

import secrets
from collections.abc import Sequence
from datetime import datetime

import pyotp
from sqlalchemy import select

from casework.accounts.factors import activate_totp
from casework.accounts.roles import Role
from casework.accounts.services import create_user
from casework.cases.models import Case, CaseDeadline, CaseState, Category
from casework.cases.services import open_case
from casework.elections.models import (
    Candidate,
    Election,
    PollingStation,
    Region,
    RegionKind,
    StationKind,
)
from casework.evidence.models import EvidenceItem
from casework.extensions import db
from casework.intake.models import Channel, Complaint
from tests.plugin.data import NARRATIVE_T2020

PASSWORD = "correct horse battery"


# -- the election and its places ------------------------------------------------------------------

def election_with_regions(code: str = "T2020") -> Election:
    """An election in Asia/Almaty with Karaganda (KZ-KAR), its city Balkhash (KZ-KAR-BAL) and
    Almaty (KZ-ALA); stations E-VOTE (electronic) and BAL-001 (Balkhash)."""
    election = Election(
        code=code, name_kk="Сынақ праймериз", name_ru="Тестовые праймериз",
        name_en="Test primary", timezone="Asia/Almaty", default_locale="kk",
        filing_opens_at=datetime(2020, 5, 11, 3), filing_closes_at=datetime(2020, 6, 3, 3),
        voting_starts_at=datetime(2020, 5, 25, 3), voting_ends_at=datetime(2020, 5, 31, 15),
        decision_deadline_at=datetime(2020, 6, 5, 3),
        results_certification_at=datetime(2020, 6, 8, 3),
    )
    db.session.add(election)
    db.session.flush()
    kar = Region(election_id=election.id, code="KZ-KAR", kind=RegionKind.REGION,
                 name_kk="Қарағанды облысы", name_ru="Карагандинская область",
                 name_en="Karaganda Region")
    ala = Region(election_id=election.id, code="KZ-ALA", kind=RegionKind.CITY,
                 name_kk="Алматы қаласы", name_ru="город Алматы", name_en="Almaty")
    bal = Region(election_id=election.id, code="KZ-KAR-BAL", kind=RegionKind.CITY, parent=kar,
                 name_kk="Балқаш қаласы", name_ru="город Балхаш", name_en="Balkhash")
    db.session.add_all([kar, ala, bal])
    db.session.flush()
    db.session.add_all([
        PollingStation(election_id=election.id, code="E-VOTE", kind=StationKind.ELECTRONIC),
        PollingStation(election_id=election.id, code="BAL-001", kind=StationKind.PAPER,
                       region_id=bal.id, address="Балқаш, №5 мектеп"),
    ])
    db.session.commit()
    return election


def region(election: Election, code: str) -> Region | None:
    """The election's region with this code."""
    return db.session.scalar(select(Region).where(Region.election_id == election.id,
                                                  Region.code == code))


def station(election: Election, code: str) -> PollingStation | None:
    """The election's polling station with this code."""
    return db.session.scalar(select(PollingStation).where(
        PollingStation.election_id == election.id, PollingStation.code == code))


# -- people ---------------------------------------------------------------------------------------

def user(role: Role | str = "reviewer", *, election: Election | None = None,
         email: str | None = None, name: str | None = None, regions: list[str] | None = None,
         password: str = PASSWORD, second_factor: bool = True):
    """A staff account through the accounts service: all regions unless `regions` names some;
    "<role>@test.kz" and "Test <role>" unless told otherwise; with an authenticator app set up
    (a random TOTP secret) unless `second_factor=False` (then it enrols at its first sign-in)."""
    role = Role(role)
    created = create_user(
        actor=None, email=email or f"{role.value}@test.kz", full_name=name or f"Test {role.value}",
        role=role, password=password, all_regions=regions is None,
        region_codes=regions or [], election_id=election.id if election else None)
    if second_factor:
        activate_totp(created, pyotp.random_base32())
    db.session.commit()
    return created


def member(election: Election, role: Role | str, name: str, regions: list[str] | None = None):
    """A named member of the election's staff: "Dana Reviewer" is dana.reviewer@test.kz."""
    return user(role, election=election, name=name, regions=regions,
                email=f"{name.lower().replace(' ', '.')}@test.kz")


def candidate(election: Election, code: str = "C01", name: str | None = None, *,
              name_kk: str | None = None, name_ru: str | None = None,
              region_code: str = "KZ-KAR") -> Candidate:
    """The election's candidate with this code, made if there is none yet: named `name` in
    every language (or "Candidate <code>" / "Кандидат <code>"), `name_kk`/`name_ru` if given."""
    found = db.session.scalar(select(Candidate).where(Candidate.election_id == election.id,
                                                      Candidate.code == code))
    if found is None:
        local = name or f"Кандидат {code}"
        found = Candidate(election_id=election.id, code=code, name_kk=name_kk or local,
                          name_ru=name_ru or local, name_en=name or f"Candidate {code}",
                          region_id=region(election, region_code).id)
        db.session.add(found)
        db.session.flush()
    return found


# -- cases and what hangs on them -----------------------------------------------------------------

def case(election: Election, state: CaseState = CaseState.RECEIVED,
         region_code: str | None = "KZ-KAR-BAL", *, category: Category = Category.VOTE_BUYING,
         accused: Sequence[Candidate | str] = (), station_code: str | None = None,
         created_at: datetime | None = None, changed_at: datetime | None = None,
         reference: str | None = None, outcome: str | None = None) -> Case:
    """A case of a region (None: not known yet) opened as intake opens one (its reference from
    the election's counter), then put straight into `state`. `accused` are candidates or
    their codes (made if missing); `created_at` and `changed_at` (the state's start) default
    to now."""
    made = open_case(
        election=election, region=region(election, region_code) if region_code else None,
        category=category, station=station(election, station_code) if station_code else None,
        accused=[c if isinstance(c, Candidate) else candidate(election, c) for c in accused])
    made.state = state
    if created_at is not None:
        made.created_at = created_at
    if changed_at is not None:
        made.state_changed_at = changed_at
    if reference is not None:
        made.reference = reference
    if outcome is not None:
        made.outcome = outcome
    db.session.flush()
    return made


def complaint(case: Case, channel: Channel = Channel.WEB, *, anonymous: bool = True,
              name: str | None = None, phone: str | None = None, email: str | None = None,
              language: str = "kk", narrative: str = NARRATIVE_T2020,
              received_at: datetime | None = None) -> Complaint:
    """A complaint filed on the case (anonymous unless told otherwise)."""
    made = Complaint(case_id=case.id, channel=channel, submission_key=secrets.token_hex(16),
                     tracking_hash=secrets.token_hex(32), anonymous=anonymous, name=name,
                     phone=phone, email=email, language=language, category=case.category,
                     narrative=narrative, links=[])
    if received_at is not None:
        made.received_at = received_at
    db.session.add(made)
    db.session.flush()
    return made


def evidence_item(case: Case, label: str = "photo-1.png", *, size: int = 100,
                  content_type: str = "image/png", source: str = "web") -> EvidenceItem:
    """An evidence row on the case (no file behind it: a random hash)."""
    made = EvidenceItem(case_id=case.id, sha256=secrets.token_hex(32), size=size,
                        content_type=content_type, label=label, source=source)
    db.session.add(made)
    db.session.flush()
    return made


def deadline(case: Case, state: CaseState | None = None, due_at: datetime | None = None, *,
             paused_at: datetime | None = None, started_at: datetime | None = None) -> CaseDeadline:
    """The clock of the case's state (`state` defaults to the case's), started at its creation."""
    made = CaseDeadline(case_id=case.id, state=state or case.state,
                        started_at=started_at or case.created_at, due_at=due_at,
                        paused_at=paused_at, paused_seconds=0)
    db.session.add(made)
    db.session.flush()
    return made
