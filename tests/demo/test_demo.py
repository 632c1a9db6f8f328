"""The demo primary: the 2020 geography, stations, candidates, results, one account per role."""

from sqlalchemy import func, select

from casework.accounts.models import Role, User
from casework.demo.seed import seed
from casework.elections.models import (
    Candidate,
    PollingStation,
    Region,
    RegionKind,
    Result,
    StationKind,
)
from casework.extensions import db


def count(query) -> int:
    return db.session.scalar(select(func.count()).select_from(query.subquery()))


def test_demo_seed_loads_the_2020_primary_and_is_idempotent(app):
    seed()
    db.session.commit()
    top = db.session.scalars(select(Region).where(Region.parent_id.is_(None))).all()
    assert len(top) == 17
    assert sum(r.kind is RegionKind.CITY for r in top) == 3
    codes = {r.code: r for r in top}
    assert {"KZ-AKM", "KZ-YUZ", "KZ-AST", "KZ-ALA", "KZ-SHY"} <= set(codes)
    assert codes["KZ-AST"].name_en == "Nur-Sultan" and codes["KZ-YUZ"].name_en.startswith("Turk")
    assert codes["KZ-AKM"].name_kk == "Ақмола облысы"
    balkhash = db.session.scalar(select(Region).where(Region.name_en == "Balkhash"))
    assert balkhash.parent.code == "KZ-KAR" and balkhash.name_ru == "город Балхаш"
    assert 45 <= count(select(PollingStation)) <= 55
    assert 55 <= count(select(Candidate)) <= 65
    electronic = count(select(Result).join(Result.station)
                       .where(PollingStation.kind == StationKind.ELECTRONIC))
    paper = count(select(Result).join(Result.station)
                  .where(PollingStation.kind == StationKind.PAPER))
    assert electronic == count(select(Candidate)) and paper > 100
    roles = set(db.session.scalars(select(User.role)))
    assert roles == set(Role)

    totals = [count(select(m)) for m in (Region, PollingStation, Candidate, Result, User)]
    lines = seed()
    db.session.commit()
    assert totals == [count(select(m)) for m in (Region, PollingStation, Candidate, Result, User)]
    assert all("0 created, 0 updated" in line for line in lines)


def test_demo_accounts_can_log_in(app, client, login):
    seed()
    db.session.commit()
    response = login(client, "chair@example.kz", password="chair-demo-2020")
    assert response.status_code == 302 and response.headers["Location"] == "/staff"
    page = client.get("/staff").get_data(as_text=True)
    assert "KZ-KAR" in page and "KZ-AST" in page


def test_cli_demo_seed(app):
    result = app.test_cli_runner().invoke(args=["demo", "seed"])
    assert result.exit_code == 0 and "regions: 39 rows, 39 created" in result.output
