"""The daily report: downloaded, opened back and compared section by section with the day's
data (local day of the election); the region scope; the default day; bad dates; the audit."""

import pytest
from sqlalchemy import select

from casework.core.audit import AuditEntry
from casework.core.db import utcnow
from casework.core.timezones import local_today
from casework.extensions import db
from casework.reports.daily import ACTIONS
from tests.reports_exports.helpers import DAY, csv_sections, read_csv, read_xlsx

TITLES = ["Daily report", "New cases by region", "New cases by category",
          "New cases by channel", "Workflow moves", "Sanctions", "Open cases now",
          "Hotline calls"]
CATEGORIES = ["Vote buying", "Pressure or threats against voters",
              "Voting more than once, or for someone else", "Irregularity in electronic voting",
              "Irregularity in paper-ballot voting", "Breach of campaign rules",
              "Abuse of office or public resources", "Defamation or false information",
              "Other violation"]
CHANNELS = ["Web form", "API", "Hotline", "Email", "SMS", "Social media or press", "Letter",
            "Walk-in", "Committee's own finding"]
TYPES = ["Warning", "Reprimand", "Removal from registration", "Annulment of the voting result",
         "Referral to another body"]
OPEN = ["Received", "Screening", "Investigation", "Information requested", "Findings ready",
        "Appealed"]
PURPOSES = ["Complaint", "Follow-up on a case", "Question about voting",
            "E-voting technical problem", "Other"]
MOVE_ROWS = 25  # a row per action, per reason of an inadmissibility, per outcome of a decision


def table(header: list[str], names: list[str], counts: dict[str, int], total: bool = True):
    rows = [[name, str(counts.get(name, 0))] for name in names]
    if total:
        rows.append(["Total", str(sum(counts.values()))])
    return [header] + rows


def expected(everyone: bool) -> dict[str, list[list[str]]]:
    """What the report of DAY holds, for staff of all regions or the Karaganda reviewer."""
    if everyone:
        regions = [["KZ-ALA", "Almaty", "1"], ["KZ-KAR", "Karaganda Region", "1"],
                   ["KZ-KAR-BAL", "Balkhash", "1"], ["", "Total", "3"]]
        categories = {"Vote buying": 1, "Breach of campaign rules": 1,
                      "Defamation or false information": 1}
        channels = {"Web form": 1, "Hotline": 1, "Email": 1, "Letter": 1}
        moves = {("Screening started", ""): 2, ("Admitted for investigation", ""): 1,
                 ("Decided", "Confirmed"): 1}
        open_now = {"Received": 1, "Screening": 1, "Investigation": 1}
        calls = {"Complaint": 1, "Question about voting": 1}
    else:
        regions = [["KZ-KAR", "Karaganda Region", "1"], ["KZ-KAR-BAL", "Balkhash", "1"],
                   ["", "Total", "2"]]
        categories = {"Vote buying": 1, "Defamation or false information": 1}
        channels = {"Web form": 1, "Email": 1, "Letter": 1}
        moves = {("Screening started", ""): 1, ("Admitted for investigation", ""): 1,
                 ("Decided", "Confirmed"): 1}
        open_now = {"Investigation": 1}
        calls = {}
    sanctions = [["Type", "Proposed", "Enforced", "Reversed"]] + [
        [name, "1", "1", "0"] if name == "Removal from registration" else [name, "0", "0", "0"]
        for name in TYPES]
    return {
        "New cases by region": [["Region code", "Region", "New cases"]] + regions,
        "New cases by category": table(["Category", "New cases"], CATEGORIES, categories),
        "New cases by channel": table(["Channel", "New cases"], CHANNELS, channels, False),
        "Moves": moves,
        "Sanctions": sanctions,
        "Open cases now": table(["State", "Cases"], OPEN, open_now),
        "Hotline calls": table(["Purpose", "Calls"], PURPOSES, calls),
    }


def download(client, fmt: str, **args):
    response = client.get(f"/staff/exports/daily.{fmt}", query_string=args)
    response.get_data()
    response.close()
    return response


def sections_of(response, fmt: str) -> dict[str, list[list[str]]]:
    if fmt == "csv":
        return csv_sections(read_csv(response))
    return read_xlsx(response)


def check(sections: dict, want: dict, regions: str) -> None:
    assert list(sections) == TITLES
    about = sections["Daily report"]
    assert about[0] == ["Item", "Value"]
    assert about[1:5] == [["Election", "T2020 Test primary"], ["Day", DAY],
                          ["Time zone", "Asia/Almaty"], ["Regions", regions]]
    assert about[5][0] == "Generated at" and about[5][1][:4].isdigit()
    assert about[6] == ["Note", f"Open cases are counted now, not at the end of {DAY}."]
    moves = sections["Workflow moves"]
    assert moves[0] == ["Action", "Detail", "Count"]
    assert len(moves) - 1 == MOVE_ROWS
    assert [row[0] for row in moves[1:]][0] == str(ACTIONS[0][1])
    got = {(row[0], row[1]): int(row[2]) for row in moves[1:]}
    assert {k: v for k, v in got.items() if v} == want.pop("Moves")
    for title, rows in want.items():
        assert sections[title] == rows, title


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_daily_report_for_all_regions(client, login, sanctions_world, world, staff, fmt):
    login(client, staff["secretary"])
    response = download(client, fmt, date=DAY)
    assert response.status_code == 200
    assert f"daily-T2020-{DAY}.{fmt}" in response.headers["Content-Disposition"]
    check(sections_of(response, fmt), expected(True), "All regions")


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_daily_report_of_a_regional_reviewer_counts_only_their_cases(
        client, login, sanctions_world, world, staff, fmt):
    login(client, staff["r3"])
    response = download(client, fmt, date=DAY)
    assert response.status_code == 200
    check(sections_of(response, fmt), expected(False), "KZ-KAR Karaganda Region")


def test_default_day_is_today_in_the_election_zone(client, login, world, staff, election):
    login(client, staff["auditor"])
    sections = sections_of(download(client, "csv"), "csv")
    today = local_today(election, utcnow()).isoformat()
    about = {row[0]: row[1] for row in sections["Daily report"][1:]}
    assert about["Day"] == today
    assert "Note" not in about  # today: the open cases are those at the end of the day so far
    assert sections["New cases by region"][1:] == [["", "Total", "0"]]


def test_audit_entry_has_the_day_and_the_row_count(client, login, world, staff):
    login(client, staff["chair"])
    sections = sections_of(download(client, "csv", date=DAY), "csv")
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "export.daily"))
    data_rows = sum(len(rows) - 1 for rows in sections.values())
    assert entry.details == {"filters": {"date": DAY}, "rows": data_rows, "contacts": False}
    assert (entry.object_type, entry.object_id, entry.actor_id) == (
        "export", "csv", staff["chair"].id)


@pytest.mark.parametrize("value", ["30.05.2020", "2020-02-30", "yesterday", "2020-5-30"])
def test_bad_date_is_400(client, login, world, staff, value):
    login(client, staff["secretary"])
    response = download(client, "xlsx", date=value)
    assert response.status_code == 400
    assert "Give the date as YYYY-MM-DD" in response.get_data(as_text=True)
    assert db.session.scalar(select(AuditEntry.id).where(
        AuditEntry.action == "export.daily")) is None
