"""The sanctions register export: opened back and compared; filters, scope, audit, limits."""

import pytest
from sqlalchemy import select

from casework.core.audit import AuditEntry
from casework.extensions import db
from tests.reports_exports.helpers import read_csv, read_xlsx

HEADER = ["No.", "Case", "Type", "Status", "Candidate code", "Candidate", "Region code",
          "Region", "Summary", "Referred to", "Proposed at", "Proposed by", "Reviewed at",
          "Reviewed by", "Enforced at", "Reversed at", "Appeal outcome"]


def expected(sanctions_world) -> dict[str, list[str]]:
    s1, s2, s3 = (sanctions_world[k] for k in ("s1", "s2", "s3"))
    return {
        "s1": [str(s1.id), s1.case.reference, "Removal from registration", "Enforced", "C01",
               "Asan Usenov", "KZ-KAR-BAL", "Balkhash", "Confirmed vote buying by C01.", "",
               "2020-05-30 14:00", "Bolat Secretary", "2020-05-30 15:00", "Aigerim Chair",
               "2020-05-30 15:00", "", ""],
        "s2": [str(s2.id), s2.case.reference, "Warning", "Proposed", "C02", "Berik Saparov",
               "KZ-KAR-BAL", "Balkhash", "Confirmed vote buying by C02.", "",
               "2020-05-31 14:00", "Bolat Secretary", "", "", "", "", ""],
        "s3": [str(s3.id), s3.case.reference, "Warning", "Proposed", "A01", "Murat Almaty",
               "KZ-ALA", "Almaty", "Confirmed vote buying by A01.", "", "2020-06-01 14:00",
               "Bolat Secretary", "", "", "", "", ""],
    }


def download(client, fmt: str, **args):
    response = client.get(f"/staff/exports/sanctions.{fmt}", query_string=args)
    response.get_data()
    response.close()
    return response


def rows_of(response, fmt: str) -> list[list[str]]:
    if fmt == "csv":
        return read_csv(response)
    sheets = read_xlsx(response)
    assert list(sheets) == ["Sanctions"]
    return sheets["Sanctions"]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("who,args,names", [
    ("secretary", {}, ["s3", "s2", "s1"]),
    ("auditor", {}, ["s3", "s2", "s1"]),
    ("r3", {}, ["s2", "s1"]),  # Karaganda: not the Almaty case's sanction
    ("secretary", {"status": "enforced"}, ["s1"]),
    ("secretary", {"type": "warning"}, ["s3", "s2"]),
    ("secretary", {"from": "2020-05-31", "to": "2020-05-31"}, ["s2"]),
    ("secretary", {"from": "2020-05-31"}, ["s3", "s2"]),
    ("r3", {"type": "warning", "status": "proposed"}, ["s2"]),
])
def test_sanctions_opened_back(client, login, sanctions_world, staff, fmt, who, args, names):
    login(client, staff[who])
    response = download(client, fmt, **args)
    assert response.status_code == 200
    rows = rows_of(response, fmt)
    want = expected(sanctions_world)
    assert rows == [HEADER] + [want[name] for name in names]


def test_audit_entry(client, login, sanctions_world, staff):
    login(client, staff["r1"])
    assert download(client, "xlsx", type="warning").status_code == 200
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "export.sanctions"))
    assert entry.details == {"filters": {"type": "warning"}, "rows": 2, "contacts": False}
    assert (entry.object_type, entry.object_id, entry.actor_id) == (
        "export", "xlsx", staff["r1"].id)


@pytest.mark.parametrize("args,message", [
    ({"status": "bogus"}, "Unknown status of a sanction."),
    ({"type": "fine"}, "Unknown type of sanction."),
    ({"from": "31.05.2020"}, "Give the date as YYYY-MM-DD"),
    ({"from": "0001-01-01"}, "Give the date as YYYY-MM-DD"),  # year 1 overflows in UTC
    ({"to": "9999-12-31"}, "Give the date as YYYY-MM-DD"),
    ({"from": "2020-06-02", "to": "2020-06-01"}, "The end date is before the start date."),
])
def test_bad_filters_are_400(client, login, sanctions_world, staff, args, message):
    login(client, staff["secretary"])
    response = download(client, "csv", **args)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(AuditEntry.id).where(
        AuditEntry.action == "export.sanctions")) is None


def test_xlsx_cap_is_422(app, client, login, sanctions_world, staff, monkeypatch):
    monkeypatch.setitem(app.config, "CASEWORK_EXPORT_XLSX_MAX_ROWS", 1)
    login(client, staff["chair"])
    assert download(client, "xlsx").status_code == 422
    assert download(client, "xlsx", status="enforced").status_code == 200
    assert len(read_csv(download(client, "csv"))) == 4


def test_keyset_batches_join_up(client, login, sanctions_world, staff, monkeypatch):
    from casework.reports import sanction_export

    monkeypatch.setattr(sanction_export, "BATCH", 2)
    login(client, staff["secretary"])
    want = expected(sanctions_world)
    assert rows_of(download(client, "csv"), "csv")[1:] == [want[n] for n in ("s3", "s2", "s1")]
