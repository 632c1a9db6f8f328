"""The e-voting log: imported with IIN, phone and IP as keyed hashes only; clusters above the
election's thresholds open one case each, naming the candidate who gained."""

import io
import random
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select, text

from casework.elections.csvio import ImportFailed
from casework.elections.importers import run_import
from casework.evidence.models import EvidenceItem
from casework.evidence.storage import get_storage
from casework.extensions import db
from casework.intake.models import Channel, Complaint
from casework.results.findings import evote_log
from casework.results.findings.models import EvoteLogEntry, FindingKind, ResultFinding
from casework.results.findings.services import run_checks

CANDIDATES = ("code,region_code,name_kk,name_ru,name_en\n"
              "C-1,KZ-KAR,Ахметов Нұрлан,Ахметов Нурлан,Nurlan Akhmetov\n"
              "C-2,KZ-KAR,Серікова Айгүл,Серикова Айгуль,Aigul Serikova\n")
# The test election votes 2020-05-25 03:00 to 2020-05-31 15:00 UTC (Almaty +06:00).
START = datetime(2020, 5, 26, 12, 0)


def clean_log(voters=300, seed=1):
    rng = random.Random(seed)
    lines = ["iin,phone,ip,time,candidate_code"]
    for n in range(voters):
        moment = START + timedelta(minutes=rng.randint(0, 3000))
        lines.append(f"{900101300000 + n},+7701{2000000 + n},10.{n // 250}.{n % 250}.7,"
                     f"{moment.isoformat()},C-{1 + n % 2}")
    return lines


def with_cluster(lines, iins=40):
    # 40 voters bound to one SIM, all for C-2, spread over two days.
    extra = [f"{800202400000 + n},8 701 999 88 77,172.16.{n}.1,"
             f"{(START + timedelta(minutes=37 * n)).isoformat()},C-2" for n in range(iins)]
    return lines + extra


def load(election, lines):
    written = evote_log.import_log(io.BytesIO(("\n".join(lines) + "\n").encode()), election)
    opened = run_checks(election)
    db.session.commit()
    return written, opened


@pytest.fixture
def world(election, evidence_dir):
    run_import("candidates", CANDIDATES.encode(), election=election)
    db.session.commit()
    return election


def test_a_clean_log_opens_nothing(world):
    written, opened = load(world, clean_log())
    assert written == 300 and opened == []


def test_forty_iins_on_one_phone_open_one_case_and_nothing_is_kept_in_clear(world, app):
    written, opened = load(world, with_cluster(clean_log()))
    assert written == 340
    [finding] = opened
    assert finding.kind is FindingKind.SHARED_PHONE
    assert finding.numbers["iins"] == 40 and finding.numbers["candidate"] == "C-2"
    case = finding.case
    complaint = db.session.scalar(select(Complaint).where(Complaint.case_id == case.id))
    assert complaint.channel is Channel.OWN_FINDING
    assert [c.code for c in case.accused] == ["C-2"]
    [item] = db.session.scalars(select(EvidenceItem).where(EvidenceItem.case_id == case.id))
    with get_storage().open(item.sha256) as stored:
        report = stored.read().decode("utf-8-sig")
    assert report.count("\r\n") == 41  # the header and the 40 votes
    # Neither the database nor the report holds an IIN, a phone or an IP.
    secrets = ["800202400007", "900101300042", "+77019998877", "7019998877", "172.16.3.1",
               "10.0.42.7"]
    dump = "\n".join(line for line in _dump())
    for value in secrets:
        assert value not in dump, value
        assert value not in report, value
    # Importing the same log again replaces it and opens nothing new.
    assert load(world, with_cluster(clean_log())) == (340, [])
    assert db.session.scalar(select(func.count()).select_from(EvoteLogEntry)) == 340


def test_a_burst_and_votes_outside_the_hours(world, app):
    lines = clean_log(50)
    lines += [f"{700303500000 + n},+7702{3000000 + n},203.0.113.9,"
              f"{(START + timedelta(seconds=15 * n)).isoformat()},C-1" for n in range(30)]
    lines += ["700404600001,+77023333333,198.51.100.1,2020-06-01T02:00:00,C-2"]
    runner = app.test_cli_runner()
    assert runner.invoke(args=["results", "thresholds", "--burst-votes", "30",
                               "--burst-minutes", "10"]).exit_code == 0
    _, opened = load(world, lines)
    kinds = {f.kind: f for f in opened}
    assert set(kinds) == {FindingKind.BURST, FindingKind.OUTSIDE_HOURS}
    assert kinds[FindingKind.BURST].numbers["votes"] == 30
    assert kinds[FindingKind.OUTSIDE_HOURS].numbers == {
        "candidate": "C-2", "votes": 1, "opens_utc": "2020-05-25T03:00",
        "closes_utc": "2020-05-31T15:00"}


def test_a_wrong_line_imports_nothing_and_names_the_line(world):
    load(world, clean_log(10))
    bad = clean_log(10) + ["12345,+77011112233,10.0.0.1,2020-05-26T12:00:00,C-1",
                           "900101399999,not a phone,10.0.0.1,2020-05-26T12:00:00,C-9"]
    with pytest.raises(ImportFailed) as failure:
        evote_log.import_log(io.BytesIO("\n".join(bad).encode()), world)
    db.session.rollback()
    assert [str(e) for e in failure.value.errors] == ["line 12: iin must be 12 digits",
                                                      "line 13: candidate_code is not a known "
                                                      "candidate"]
    assert db.session.scalar(select(func.count()).select_from(EvoteLogEntry)) == 10


def test_the_cli_imports_and_reports(world, app, tmp_path):
    path = tmp_path / "log.csv"
    path.write_text("\n".join(with_cluster(clean_log(100))) + "\n", encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["results", "import-evote-log", str(path)])
    assert result.exit_code == 0, result.output
    assert "140 votes imported; 1 new finding" in result.output
    assert db.session.scalar(select(func.count()).select_from(ResultFinding)) == 1


def _dump():
    connection = db.session.connection()
    if connection.dialect.name == "sqlite":
        yield from connection.connection.driver_connection.iterdump()
    else:
        for table in ("evote_log_entries", "complaints", "result_findings", "audit_entries"):
            for row in connection.execute(text(f"SELECT * FROM {table}")):  # noqa: S608
                yield repr(tuple(row))
