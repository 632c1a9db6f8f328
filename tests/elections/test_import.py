"""CSV import: all or nothing, idempotent, every bad line reported with its number."""

import pytest
from sqlalchemy import select

from casework.core.audit import AuditEntry
from casework.elections.csvio import ImportFailed
from casework.elections.importers import run_import
from casework.elections.models import Candidate, PollingStation, Region, Result
from casework.extensions import db
from tests.plugin.data import count

REGIONS = """code,parent_code,kind,name_kk,name_ru,name_en,voters
KZ-PAV,,region,Павлодар облысы,Павлодарская область,Pavlodar Region,12000
KZ-PAV-EKI,KZ-PAV,city,Екібастұз қаласы,город Экибастуз,Ekibastuz,
KZ-ZHA,,region,Жамбыл облысы,Жамбылская область,Jambyl Region,15000
"""


def test_regions_import_is_idempotent(election):
    before = count(Region)
    first = run_import("regions", REGIONS.encode(), election=election)
    db.session.commit()
    assert (first.created, first.updated, first.unchanged) == (3, 0, 0)
    second = run_import("regions", REGIONS.encode(), election=election)
    db.session.commit()
    assert (second.created, second.updated, second.unchanged) == (0, 0, 3)
    assert count(Region) == before + 3
    eki = db.session.scalar(select(Region).where(Region.code == "KZ-PAV-EKI"))
    assert eki.parent.code == "KZ-PAV" and eki.name_ru == "город Экибастуз"


def test_semicolon_csv_with_bom_from_a_spreadsheet(election):
    data = "\ufeff" + REGIONS.replace(",", ";")
    report = run_import("regions", data.encode("utf-8"), election=election)
    assert report.created == 3


def test_bad_regions_file_reports_every_line_and_imports_nothing(election):
    before = count(Region)
    bad = """code,parent_code,kind,name_kk,name_ru,name_en,voters
KZ-PAV,,region,Павлодар облысы,Павлодарская область,Pavlodar Region,12000
KZ-X,,oblast,Х,Х,X,
KZ-Y,KZ-NOWHERE,region,Y,Y,Y,
,,region,Z,Z,Z,
KZ-PAV,,region,Павлодар,Павлодар,Pavlodar,
KZ-W,,region,,W,W,-5
KZ-A,KZ-B,district,A,A,A,
KZ-B,KZ-A,district,B,B,B,
"""
    with pytest.raises(ImportFailed) as failure:
        run_import("regions", bad.encode(), election=election)
    db.session.rollback()
    lines = {e.line: e.message for e in failure.value.errors}
    assert "kind 'oblast'" in lines[3]
    assert "KZ-NOWHERE" in lines[4]
    assert "code is empty" in lines[5]
    assert "duplicate of line 2" in lines[6]
    assert "name_kk is empty" in lines[7]
    assert "cycle" in lines[8] and "cycle" in lines[9]
    assert 2 not in lines
    assert count(Region) == before  # nothing half-imported
    assert count(AuditEntry) == 0


@pytest.mark.parametrize("data, message", [
    (b"", "empty"),
    (b"code,kind\n", "missing column"),
    (b"code,kind,name_kk,name_ru,name_en,colour\nA,region,a,a,a,red\n", "unknown column"),
    (b"code,kind,name_kk,name_ru,name_en\n", "no data rows"),
    (b"code,kind,name_kk,name_ru,name_en\nA,region,a\n", "expected 5 fields"),
    ("code,kind,name_kk,name_ru,name_en\nA,region,Қ,Қ,Q\n".encode("cp1251", errors="replace")
     + "B,region,Ә,Б,B\n".encode("koi8-r", errors="replace") + b"\xff\xfe", "not UTF-8"),
])
def test_malformed_files_get_a_clear_answer(election, data, message):
    with pytest.raises(ImportFailed) as failure:
        run_import("regions", data, election=election)
    assert message in str(failure.value.errors[0])


def test_stations_candidates_results_round_trip(election):
    run_import("stations", b"code,region_code,kind,address\n"
               b"KAR-002,KZ-KAR,paper,Karaganda school 1\nE-VOTE,,electronic,\n", election=election)
    run_import("candidates", "code,region_code,name_kk,name_ru,name_en\n"
               "C-1,KZ-KAR,Ахметов Нұрлан,Ахметов Нурлан,Nurlan Akhmetov\n"
               "C-2,KZ-ALA,Серікова Айгүл,Серикова Айгуль,Aigul Serikova\n".encode(),
               election=election)
    report = run_import("results", b"station_code,candidate_code,votes\n"
                        b"E-VOTE,C-1,1200\nE-VOTE,C-2,900\nBAL-001,C-1,\"1 340\"\n",
                        election=election)
    db.session.commit()
    assert report.created == 3
    votes = db.session.scalar(select(Result.votes).join(Result.station)
                              .where(PollingStation.code == "BAL-001"))
    assert votes == 1340  # Balkhash is inside Karaganda region; spaces in numbers are allowed
    changed = run_import("results", b"station_code,candidate_code,votes\nE-VOTE,C-1,1250\n",
                         election=election)
    assert (changed.updated, changed.created) == (1, 0)


def test_results_rules(election):
    run_import("candidates", "code,region_code,name_kk,name_ru,name_en\n"
               "C-2,KZ-ALA,Серікова,Серикова,Serikova\n".encode(), election=election)
    with pytest.raises(ImportFailed) as failure:
        run_import("results", b"station_code,candidate_code,votes\n"
                   b"BAL-001,C-2,10\nNOPE,C-2,1\nE-VOTE,C-9,1\nE-VOTE,C-2,-4\nE-VOTE,C-2,abc\n",
                   election=election)
    lines = {e.line: e.message for e in failure.value.errors}
    assert "outside candidate C-2's region" in lines[2]
    assert "NOPE" in lines[3] and "C-9" in lines[4]
    assert "whole number" in lines[5] and "whole number" in lines[6]
    assert count(Result) == 0


def test_annulled_result_votes_cannot_be_changed_by_import(election):
    run_import("candidates", "code,region_code,name_kk,name_ru,name_en\n"
               "C-1,KZ-KAR,А,А,A\n".encode(), election=election)
    run_import("results", b"station_code,candidate_code,votes\nE-VOTE,C-1,100\n", election=election)
    db.session.scalar(select(Result)).annulled = True
    db.session.commit()
    with pytest.raises(ImportFailed, match="error"):
        run_import("results", b"station_code,candidate_code,votes\nE-VOTE,C-1,150\n",
                   election=election)
    same = run_import("results", b"station_code,candidate_code,votes\nE-VOTE,C-1,100\n",
                      election=election)
    assert same.unchanged == 1


def test_certified_region_results_cannot_be_changed_by_import(election, make_user):
    from casework.core.db import utcnow
    from casework.elections.models import RegionCertification

    run_import("candidates", "code,region_code,name_kk,name_ru,name_en\n"
               "C-1,KZ-KAR-BAL,А,А,A\nA-1,KZ-ALA,Б,Б,B\n".encode(), election=election)
    run_import("results", b"station_code,candidate_code,votes\nE-VOTE,C-1,100\n",
               election=election)
    kar = db.session.scalar(select(Region).where(Region.code == "KZ-KAR"))
    db.session.add(RegionCertification(region_id=kar.id, certified_at=utcnow(),
                                       certified_by_id=make_user("chair").id))
    db.session.commit()
    for change in (b"E-VOTE,C-1,150\n", b"BAL-001,C-1,5\n"):  # a district's candidate too
        with pytest.raises(ImportFailed) as failed:
            run_import("results", b"station_code,candidate_code,votes\n" + change,
                       election=election)
        assert "KZ-KAR are certified" in str(failed.value.errors[0])
    assert db.session.scalar(select(Result.votes)) == 100
    other = run_import("results", b"station_code,candidate_code,votes\nE-VOTE,C-1,100\n"
                       b"E-VOTE,A-1,7\n", election=election)
    assert (other.unchanged, other.created) == (1, 1)  # Almaty is not certified


def test_regions_seats_column(election):
    run_import("regions", "code,kind,name_kk,name_ru,name_en,seats\n"
               "KZ-KAR,region,Қ,К,K,3\n".encode(), election=election)
    assert db.session.scalar(select(Region.seats).where(Region.code == "KZ-KAR")) == 3
    with pytest.raises(ImportFailed):
        run_import("regions", "code,kind,name_kk,name_ru,name_en,seats\n"
                   "KZ-KAR,region,Қ,К,K,0\n".encode(), election=election)


def test_candidate_status_is_not_touched_by_import(election):
    from casework.elections.models import CandidateStatus

    data = "code,region_code,name_kk,name_ru,name_en\nC-1,KZ-KAR,А,А,A\n".encode()
    run_import("candidates", data, election=election)
    candidate = db.session.scalar(select(Candidate))
    candidate.status, candidate.status_reason = CandidateStatus.DISQUALIFIED, "sanction"
    db.session.commit()
    run_import("candidates", data, election=election)
    assert db.session.scalar(select(Candidate)).status is CandidateStatus.DISQUALIFIED


def test_elections_import_converts_local_times_to_utc():
    from casework.elections.models import Election

    data = ("code,name_kk,name_ru,name_en,timezone,default_locale,filing_opens_at,"
            "filing_closes_at,voting_starts_at,voting_ends_at,decision_deadline_at,"
            "results_certification_at\n"
            "P2020,Праймериз,Праймериз,Primary,Asia/Almaty,ru,2020-05-11T09:00,2020-06-03,"
            "2020-05-25T08:00,2020-05-31T20:00,2020-06-05,2020-06-08\n").encode()
    run_import("elections", data, election=None)
    election = db.session.scalar(select(Election).where(Election.code == "P2020"))
    assert election.voting_starts_at.hour == 2  # 08:00 at UTC+6 in 2020
    assert election.default_locale == "ru"
    bad = data.replace(b"Asia/Almaty", b"Mars/Olympus").replace(b"2020-06-08", b"2020-06-01")
    with pytest.raises(ImportFailed) as failure:
        run_import("elections", bad, election=None)
    assert "timezone" in failure.value.errors[0].message


def test_cli_import_exit_codes_and_report(app, election, tmp_path):
    good, bad = tmp_path / "regions.csv", tmp_path / "bad.csv"
    good.write_text(REGIONS, encoding="utf-8")
    bad.write_text("code,kind,name_kk,name_ru,name_en\nKZ-Q,planet,a,b,c\n,region,a,b,c\n",
                   encoding="utf-8")
    runner = app.test_cli_runner()
    ok = runner.invoke(args=["import", "regions", str(good), "--election", "T2020"])
    assert ok.exit_code == 0 and "3 created" in ok.output
    again = runner.invoke(args=["import", "regions", str(good)])
    assert again.exit_code == 0 and "3 unchanged" in again.output
    failed = runner.invoke(args=["import", "regions", str(bad)])
    assert failed.exit_code == 1
    assert "bad.csv:line 2: kind 'planet'" in failed.output
    assert "bad.csv:line 3: code is empty" in failed.output
    assert "nothing was imported" in failed.output
    unknown = runner.invoke(args=["import", "regions", str(good), "--election", "NOPE"])
    assert unknown.exit_code == 2
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "import.regions"))
    assert entry.details["created"] == 3 and len(entry.details["sha256"]) == 64


def test_stations_may_carry_coordinates(election):
    report = run_import("stations", b"code,region_code,kind,address,latitude,longitude\n"
                        b"BAL-002,KZ-KAR-BAL,paper,School 7,46.8481,\"74,9950\"\n"
                        b"BAL-003,KZ-KAR-BAL,paper,School 9,,\n", election=election)
    assert (report.created, report.updated) == (2, 0)
    stations = {s.code: s for s in db.session.scalars(select(PollingStation))}
    assert (stations["BAL-002"].latitude, stations["BAL-002"].longitude) == (46.8481, 74.995)
    assert stations["BAL-003"].latitude is None and stations["BAL-003"].longitude is None
    with pytest.raises(ImportFailed) as failed:
        run_import("stations", b"code,region_code,kind,latitude,longitude\n"
                   b"BAL-004,KZ-KAR-BAL,paper,91,10\n"
                   b"BAL-005,KZ-KAR-BAL,paper,45,\n"
                   b"BAL-006,KZ-KAR-BAL,paper,north,74\n"
                   b"BAL-007,KZ-KAR-BAL,paper,nan,74\n", election=election)
    assert [str(e) for e in failed.value.errors] == [
        "line 2: latitude 91 is outside -90..90",
        "line 3: give both latitude and longitude, or neither",
        "line 4: latitude 'north' is not a number of degrees",
        "line 5: latitude nan is outside -90..90",
    ]
