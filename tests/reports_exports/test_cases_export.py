"""The case list export: downloaded, opened back (csv, openpyxl) and compared with the data;
filters, region scope, complainants without their identity for every role (the identity
custodian, cases/identity.py), the audit entry, limits."""

import json

import pytest
from sqlalchemy import select

from casework.core.audit import AuditEntry
from casework.extensions import db
from tests.plugin.queries import counted_queries
from tests.reports_exports.helpers import FORMULA_NAME, read_csv, read_xlsx

HEADER = ["Reference", "Created", "State", "Public status", "Category", "Region code", "Region",
          "Polling station", "Accused", "Assignee", "Due", "Overdue", "Outcome", "Channels",
          "Complainants"]
PROTECTED = "Complainant (identity protected), did not agree to be contacted"


def expected(world) -> dict[str, list[str]]:
    """Reference -> the row the export must hold, written out from the fixture's data."""
    rows = {
        world.late.reference: [world.late.reference, "2020-05-31 01:00", "Screening",
                               "Under review", "Other violation", "KZ-ALA", "Almaty", "", "", "",
                               "", "no", "", "", ""],
        world.b.reference: [world.b.reference, "2020-05-30 11:30", "Received", "Received",
                            "Breach of campaign rules", "KZ-ALA", "Almaty", "", "", "",
                            "2020-05-31 11:30", "yes", "", "Hotline", "Anonymous"],
        world.a.reference: [world.a.reference, "2020-05-30 10:00", "Investigation",
                            "Under review", "Vote buying", "KZ-KAR-BAL", "Balkhash", "", "C01",
                            "Dana Reviewer", "", "no", "", "Web form", PROTECTED],
        world.c.reference: [world.c.reference, "2020-05-30 02:00", "Decided", "Decided",
                            "Defamation or false information", "KZ-KAR", "Karaganda Region", "",
                            "", "", "", "no", "Confirmed", "Letter; Email",
                            f"{PROTECTED}; Anonymous"],
    }
    return rows


def download(client, fmt: str, **args):
    """The response, read and closed (the XLSX is sent from a temporary file)."""
    response = client.get(f"/staff/exports/cases.{fmt}", query_string=args)
    response.get_data()
    response.close()
    return response


def rows_of(response, fmt: str) -> list[list[str]]:
    if fmt == "csv":
        return read_csv(response)
    sheets = read_xlsx(response)
    assert list(sheets) == ["Cases"]
    return sheets["Cases"]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("who", ["secretary", "chair", "r1", "auditor"])
def test_whole_list_opened_back(client, login, world, staff, fmt, who):
    login(client, staff[who])
    response = download(client, fmt)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment; filename=")
    assert "cases-T2020-" in disposition and disposition.strip('"').endswith(f".{fmt}")
    rows = rows_of(response, fmt)
    assert rows[0] == HEADER
    want = expected(world)
    # Newest first, as the queue: late, b, a, c.
    assert rows[1:] == [want[c.reference] for c in (world.late, world.b, world.a, world.c)]
    body = response.get_data()
    for secret in (b"Aliya", b"+7701", b"aliya@", b"HYPERLINK"):
        assert secret not in body  # nobody exports a named complainant's identity
    for never in (b"Secret Caller", b"+7777", b"anon@example.kz"):
        assert never not in body  # anonymous complaints: no contact data for anyone


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("args,cases", [
    ({"state": "investigation"}, ["a"]),
    ({"region": "KZ-ALA"}, ["late", "b"]),
    ({"region": "KZ-KAR"}, ["a", "c"]),  # a region and everything below it
    ({"category": "defamation"}, ["c"]),
    ({"channel": "hotline"}, ["b"]),
    ({"region": "KZ-KAR", "sort": "oldest"}, ["c", "a"]),
    ({"overdue": "yes"}, ["b"]),
])
def test_filters_applied(client, login, world, staff, fmt, args, cases):
    login(client, staff["secretary"])
    rows = rows_of(download(client, fmt, **args), fmt)
    want = expected(world)
    assert rows[1:] == [want[getattr(world, name).reference] for name in cases]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_regional_reviewer_gets_only_their_regions(client, login, world, staff, fmt):
    login(client, staff["r3"])  # Karaganda and below
    rows = rows_of(download(client, fmt), fmt)
    want = expected(world)
    assert rows[1:] == [want[world.a.reference], want[world.c.reference]]
    assert all(row[5].startswith("KZ-KAR") for row in rows[1:])


def test_audit_entry_committed_before_the_body(client, login, world, staff, monkeypatch):
    from casework.reports import exports

    committed = []
    rows = exports.case_rows

    def checking(*args, **kwargs):
        # Runs when the body is produced: the entry must already be visible to others.
        with db.engine.connect() as other:
            committed.extend(other.scalars(select(AuditEntry.action)
                                           .order_by(AuditEntry.id)).all())
        yield from rows(*args, **kwargs)

    monkeypatch.setattr(exports, "case_rows", checking)
    login(client, staff["secretary"])
    response = download(client, "csv", state="investigation", region="KZ-KAR", q="school")
    assert response.status_code == 200
    assert committed and committed[-1] == "export.cases"
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "export.cases"))
    assert entry.actor_id == staff["secretary"].id
    assert (entry.object_type, entry.object_id) == ("export", "csv")
    assert entry.details == {"filters": {"state": "investigation", "region_code": "KZ-KAR",
                                         "q": "school", "sort": "newest"},
                             "rows": None, "contacts": False}
    rows_read = read_csv(response)
    assert [r[0] for r in rows_read[1:]] == [world.a.reference]
    logged = json.dumps(entry.details)
    for secret in ("Aliya", "+7701", "aliya@", "HYPERLINK"):
        assert secret not in logged


def test_xlsx_audit_counts_rows(client, login, world, staff):
    login(client, staff["r1"])
    assert download(client, "xlsx", region="KZ-ALA").status_code == 200
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "export.cases"))
    assert entry.details == {"filters": {"region_code": "KZ-ALA", "sort": "newest"}, "rows": 2,
                             "contacts": False}
    assert entry.object_id == "xlsx"


def test_formula_like_name_is_not_exported(client, login, world, staff):
    import io

    import openpyxl

    login(client, staff["chair"])
    response = download(client, "xlsx", category="defamation")
    data = response.get_data()
    response.close()
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    # The formula-like name is the complainant's identity: not exported at all now.
    cells = [c.value for row in sheet.iter_rows() for c in row]
    assert not any(FORMULA_NAME in str(v) for v in cells if v is not None)
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)


@pytest.mark.parametrize("who", ["operator", "admin"])
@pytest.mark.parametrize("path", ["/staff/exports/", "/staff/exports/cases.csv",
                                  "/staff/exports/daily.xlsx", "/staff/exports/sanctions.csv"])
def test_other_roles_refused(client, login, world, staff, who, path):
    login(client, staff[who])
    assert client.get(path).status_code == 403
    assert db.session.scalar(select(AuditEntry.id).where(
        AuditEntry.action.like("export.%"))) is None


def test_logged_out_is_sent_to_login(client, world):
    response = client.get("/staff/exports/cases.csv")
    assert response.status_code in (302, 401)
    assert b"Reference" not in response.get_data()


@pytest.mark.parametrize("args,field", [
    ({"state": "bogus"}, "State"),
    ({"category": "nonsense"}, "Category"),
    ({"assignee": "999999"}, "Assignee"),
    ({"sort": "random"}, "Sort"),
])
def test_bad_filter_is_400_with_a_message(client, login, world, staff, args, field):
    login(client, staff["secretary"])
    response = download(client, "csv", **args)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    value = next(iter(args.values()))
    assert f"“{value}” is not one of the choices of “{field}”." in html
    assert db.session.scalar(select(AuditEntry.id).where(
        AuditEntry.action == "export.cases")) is None


def test_region_outside_scope_is_400_not_an_empty_file(client, login, world, staff):
    login(client, staff["r3"])
    response = download(client, "csv", region="KZ-ALA")
    assert response.status_code == 400
    assert "“KZ-ALA” is not one of the choices of “Region”." in response.get_data(as_text=True)


def test_unknown_format_is_404(client, login, world, staff):
    login(client, staff["secretary"])
    assert client.get("/staff/exports/cases.pdf").status_code == 404


def test_xlsx_cap_is_422_and_csv_still_works(app, client, login, world, staff, monkeypatch):
    monkeypatch.setitem(app.config, "CASEWORK_EXPORT_XLSX_MAX_ROWS", 1)
    login(client, staff["secretary"])
    response = download(client, "xlsx", region="KZ-KAR")
    assert response.status_code == 422
    assert "more than 1 rows" in response.get_data(as_text=True)
    assert "CSV" in response.get_data(as_text=True)
    assert db.session.scalar(select(AuditEntry.id).where(
        AuditEntry.action == "export.cases")) is None
    # One row fits; CSV has no cap.
    assert download(client, "xlsx", state="investigation").status_code == 200
    assert len(read_csv(download(client, "csv", region="KZ-KAR"))) == 3


def test_queries_do_not_grow_with_rows(app, client, login, world, staff, election):
    """A fixed number of statements per batch: more cases, the same number of queries."""
    from datetime import datetime

    from casework.cases.models import CaseState, Category
    from casework.intake.models import Channel
    from tests import factories

    login(client, staff["secretary"])

    def statements() -> int:
        with counted_queries() as seen:
            assert len(read_csv(download(client, "csv"))) > 1
        return len(seen)

    statements()  # the first request also loads the worker's copy of the election
    before = statements()
    for n in range(6):
        case = factories.case(election, CaseState.RECEIVED, category=Category.OTHER,
                              created_at=datetime(2020, 5, 28, n), changed_at=datetime(2020, 5, 28, n))
        factories.complaint(case, Channel.WEB, anonymous=False, name=f"Person {n}")
    db.session.commit()
    assert statements() == before



@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("sort,names", [("newest", ["late", "b", "a", "c"]),
                                        ("oldest", ["c", "a", "b", "late"])])
def test_keyset_batches_join_up(client, login, world, staff, monkeypatch, fmt, sort, names):
    """Batches of 3 (and a cap-sized XLSX): every case once, in order, across batches."""
    from casework.reports import exports

    monkeypatch.setattr(exports, "BATCH", 3)
    login(client, staff["secretary"])
    rows = rows_of(download(client, fmt, sort=sort), fmt)
    want = expected(world)
    assert rows[1:] == [want[getattr(world, name).reference] for name in names]
