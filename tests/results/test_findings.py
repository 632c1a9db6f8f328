"""The results checks: each impossible or suspicious result opens one case of the committee's
own, with the figures attached as hashed CSV evidence, and never the same case twice."""

import csv
import hashlib
import io
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from casework.cases.queries import queue_page
from casework.cases.queue_conditions import QueueFilters
from casework.core.audit import AuditEntry
from casework.elections.importers import run_import
from casework.evidence.models import EvidenceItem
from casework.evidence.storage import get_storage
from casework.extensions import db
from casework.intake.models import Channel, Complaint
from casework.results.findings.models import FindingKind, ResultFinding
from casework.results.findings.services import report_csv, run_checks

CANDIDATES = ("code,region_code,name_kk,name_ru,name_en\n"
              "C-1,KZ-KAR,Ахметов Нұрлан,Ахметов Нурлан,Nurlan Akhmetov\n"
              "C-2,KZ-KAR,Серікова Айгүл,Серикова Айгуль,Aigul Serikova\n")
STATIONS = ("code,region_code,kind,address,registered\n"
            "BAL-001,KZ-KAR-BAL,paper,School 5,400\n"
            "BAL-002,KZ-KAR-BAL,paper,School 6,400\n"
            "BAL-003,KZ-KAR-BAL,paper,School 7,100\n"
            "BAL-004,KZ-KAR-BAL,paper,School 8,\n")
# BAL-003: 150 votes for 100 registered voters. The others are ordinary.
RESULTS = ("station_code,candidate_code,votes\n"
           "BAL-001,C-1,120\nBAL-001,C-2,95\n"
           "BAL-002,C-1,80\nBAL-002,C-2,131\n"
           "BAL-003,C-1,70\nBAL-003,C-2,80\n"
           "BAL-004,C-1,60\nBAL-004,C-2,65\n")


@pytest.fixture
def world(election, evidence_dir):
    run_import("candidates", CANDIDATES.encode(), election=election)
    run_import("stations", STATIONS.encode(), election=election)
    db.session.commit()
    return election


def own_cases(election):
    return list(db.session.scalars(select(Complaint).where(
        Complaint.channel == Channel.OWN_FINDING).order_by(Complaint.id)))


def test_an_impossible_station_opens_exactly_one_case_and_a_second_import_none(world):
    run_import("results", RESULTS.encode(), election=world)
    db.session.commit()
    [complaint] = own_cases(world)
    case = complaint.case
    assert case.station.code == "BAL-003"
    assert case.region.code == "KZ-KAR-BAL"
    assert [c.code for c in case.accused] == ["C-2"]  # the one ahead there
    assert "BAL-003" in complaint.narrative and "100" in complaint.narrative
    # The figures as evidence, stored under the hash of their bytes.
    [item] = db.session.scalars(select(EvidenceItem).where(
        EvidenceItem.complaint_id == complaint.id))
    assert item.content_type == "text/csv" and item.source == "own_finding"
    with get_storage().open(item.sha256) as stored:
        data = stored.read()
    assert hashlib.sha256(data).hexdigest() == item.sha256
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert ["BAL-003", "TOTAL", "150"] in rows and ["BAL-003", "REGISTERED", "100"] in rows
    [finding] = db.session.scalars(select(ResultFinding))
    assert (finding.kind, finding.case_id) == (FindingKind.OVER_REGISTERED, case.id)
    assert finding.numbers == {"station": "BAL-003", "votes": 150, "registered": 100}
    # The same file again, and the check on demand: nothing new.
    run_import("results", RESULTS.encode(), election=world)
    assert run_checks(world) == []
    db.session.commit()
    assert len(own_cases(world)) == 1
    assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "results.finding")) == 1


def test_the_case_goes_to_the_queue_as_any_other(world, make_user):
    run_import("results", RESULTS.encode(), election=world)
    db.session.commit()
    secretary = make_user("secretary")
    page = queue_page(secretary, world, QueueFilters(channel=Channel.OWN_FINDING), limit=50)
    assert [row.case.reference for row in page.rows] == [own_cases(world)[0].case.reference]


def test_shares_identical_votes_and_thresholds_per_election(world, app):
    results = ("station_code,candidate_code,votes\n"
               "BAL-001,C-1,190\nBAL-001,C-2,10\n"  # 95 % for C-1
               "BAL-002,C-1,77\nBAL-002,C-2,64\n"
               "BAL-004,C-1,77\nBAL-004,C-2,64\n")  # the same as BAL-002
    runner = app.test_cli_runner()
    shown = runner.invoke(args=["results", "thresholds", "--election", world.code,
                                "--share", "0.96"])
    assert shown.exit_code == 0 and "share 0.96" in shown.output
    run_import("results", results.encode(), election=world)
    db.session.commit()
    kinds = {f.kind: f for f in db.session.scalars(select(ResultFinding))}
    assert set(kinds) == {FindingKind.IDENTICAL_VOTES}  # 95 % is under this election's 96 %
    assert kinds[FindingKind.IDENTICAL_VOTES].numbers["stations"] == ["BAL-002", "BAL-004"]
    assert runner.invoke(args=["results", "thresholds", "--election", world.code,
                               "--share", "0.9"]).exit_code == 0
    checked = runner.invoke(args=["results", "check", "--election", world.code])
    assert checked.exit_code == 0, checked.output
    assert "1 new finding" in checked.output and "dominant_share:BAL-001:C-1" in checked.output
    assert runner.invoke(args=["results", "check", "--election", world.code]).output.startswith(
        f"election {world.code}: 0 new finding")
    assert runner.invoke(args=["results", "thresholds", "--share", "0.2"]).exit_code == 2


def test_a_jump_in_the_hourly_electronic_votes(world):
    start = datetime(2020, 5, 25, 8)
    counts = [300, 320, 310, 290, 305, 315, 2900, 330]
    data = "hour,votes\n" + "".join(
        f"{(start + timedelta(hours=i)).isoformat(timespec='minutes')},{n}\n"
        for i, n in enumerate(counts))
    run_import("evote_hours", data.encode(), election=world)
    db.session.commit()
    [complaint] = own_cases(world)
    assert complaint.category.value == "evoting_irregularity"
    assert "2,900" in complaint.narrative or "2 900" in complaint.narrative \
        or "2\xa0900" in complaint.narrative
    [finding] = db.session.scalars(select(ResultFinding))
    # 14:00 in Almaty is 08:00 UTC.
    assert finding.key == "hourly_jump:2020-05-25T08:00"


def test_hourly_rows_must_start_an_hour(world):
    from casework.elections.csvio import ImportFailed

    with pytest.raises(ImportFailed) as failure:
        run_import("evote_hours", b"hour,votes\n2020-05-25T08:30,10\n", election=world)
    assert "start of an hour" in str(failure.value.errors[0])


def test_a_cell_a_spreadsheet_would_run_is_quoted():
    from casework.results.findings.checks import Found

    item = Found(FindingKind.OVER_REGISTERED, "k", {}, [["=HYPERLINK(1)", "+1", 5]])
    assert report_csv(item).decode("utf-8-sig") == "'=HYPERLINK(1),'+1,5\r\n"


def test_an_own_finding_names_the_committee_and_has_no_one_to_write_to(
        world, app, client, login, make_user):
    from casework.cases import notes
    from casework.core.refusal import Refusal

    run_import("results", RESULTS.encode(), election=world)
    db.session.commit()
    case = own_cases(world)[0].case
    secretary = make_user("secretary")
    login(client, secretary)
    page = client.get(f"/cases/{case.reference}?lang=en").get_data(as_text=True)
    assert "The committee itself" in page and "Anonymous" not in page
    assert 'name="message-body"' not in page and "Message to complainants" not in page
    with pytest.raises(Refusal):
        notes.send_message(case, secretary, "Anyone there?")
