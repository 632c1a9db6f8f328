"""Small builders for test data (the services do the real work)."""

from datetime import datetime

from casework.accounts.models import Role
from casework.accounts.services import create_user
from casework.elections.models import Election, PollingStation, Region, RegionKind, StationKind
from casework.extensions import db

PASSWORD = "correct horse battery"


def election_with_regions(code: str = "T2020") -> Election:
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


def user(role: str = "reviewer", *, election: Election | None = None, email: str | None = None,
         regions: list[str] | None = None, password: str = PASSWORD):
    role = Role(role)
    created = create_user(
        actor=None, email=email or f"{role.value}@test.kz", full_name=f"Test {role.value}",
        role=role, password=password, all_regions=regions is None,
        region_codes=regions or [], election_id=election.id if election else None)
    db.session.commit()
    return created
