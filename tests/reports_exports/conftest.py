"""Export fixtures: cases in three regions with known times, complainants named, anonymous
and formula-like, transitions and hotline calls of one day, and sanctions of known dates.

Times are stored UTC; the election's zone is Asia/Almaty, UTC+6 in 2020."""

import csv
import io
import secrets
from dataclasses import dataclass
from datetime import datetime

import openpyxl
import pytest
from sqlalchemy import select

from casework.accounts.models import Role
from casework.cases import search
from casework.cases.models import Case, CaseState, CaseTransition, Category
from casework.cases.services import open_case
from casework.cases.workflow import InadmissibleReason, Outcome
from casework.decisions.models import Finding
from casework.elections.models import Candidate
from casework.extensions import db
from casework.hotline.models import Call, CallPurpose
from casework.intake.models import Channel, Complaint
from casework.sanctions.services import approve_sanction, propose_sanction
from tests import factories
from tests.decisions import conftest as shared

# The decisions area's fixtures, used here too (english: pages in English, autouse).
committee, decided_case, english = shared.committee, shared.decided_case, shared.english
finding, make_case, results_world = shared.finding, shared.make_case, shared.results_world
member, region = shared.member, shared.region

DAY = "2020-05-30"  # the local day of the daily report
FORMULA_NAME = '=HYPERLINK("http://evil.example","click")'


def complaint(case: Case, channel: Channel, *, anonymous: bool = True, name=None, phone=None,
              email=None) -> Complaint:
    made = Complaint(case_id=case.id, channel=channel, submission_key=secrets.token_hex(16),
                     tracking_hash=secrets.token_hex(32), anonymous=anonymous, name=name,
                     phone=phone, email=email, language="kk", category=case.category,
                     narrative="Someone paid voters near the school.", links=[])
    db.session.add(made)
    return made


def new_case(election, region_code: str, category: Category, state: CaseState,
             created: datetime, accused: list[Candidate] = ()) -> Case:
    case = open_case(election=election, region=region(election, region_code), category=category,
                     station=None, accused=list(accused))
    case.state = state  # test set-up only
    case.created_at = case.state_changed_at = created
    db.session.flush()
    return case


@dataclass
class World:
    a: Case  # Balkhash (KZ-KAR-BAL), investigation, named web complainant, assigned
    b: Case  # Almaty, received, anonymous hotline caller
    c: Case  # Karaganda (KZ-KAR), decided, a formula-like name (letter) + anonymous email
    late: Case  # Almaty, created 2020-05-31 01:00 local: not on DAY


@pytest.fixture
def world(election, committee, results_world) -> World:
    c01 = results_world["C01"]
    a = new_case(election, "KZ-KAR-BAL", Category.VOTE_BUYING, CaseState.INVESTIGATION,
                 datetime(2020, 5, 30, 4, 0), [c01])
    a.assignee_id = committee["r1"].id
    complaint(a, Channel.WEB, anonymous=False, name="Aliya Nurova", phone="+77011234567",
              email="aliya@example.kz")
    b = new_case(election, "KZ-ALA", Category.CAMPAIGN_VIOLATION, CaseState.RECEIVED,
                 datetime(2020, 5, 30, 5, 30))
    # Anonymous: whatever was noted about the person never leaves the system.
    complaint(b, Channel.HOTLINE, name="Secret Caller", phone="+77770000000")
    c = new_case(election, "KZ-KAR", Category.DEFAMATION, CaseState.DECIDED,
                 datetime(2020, 5, 29, 20, 0))  # 2020-05-30 02:00 local
    c.outcome = Outcome.CONFIRMED.value
    complaint(c, Channel.LETTER, anonymous=False, name=FORMULA_NAME)
    complaint(c, Channel.EMAIL, email="anon@example.kz")
    late = new_case(election, "KZ-ALA", Category.OTHER, CaseState.SCREENING,
                    datetime(2020, 5, 30, 19, 0))  # 2020-05-31 01:00 local
    moves = [(a, "start_screening", CaseState.RECEIVED, CaseState.SCREENING, 6, {}),
             (a, "admit", CaseState.SCREENING, CaseState.INVESTIGATION, 7, {}),
             (b, "start_screening", CaseState.RECEIVED, CaseState.SCREENING, 8, {}),
             (c, "decide", CaseState.FINDINGS_READY, CaseState.DECIDED, 10,
              {"outcome": Outcome.CONFIRMED}),
             # 2020-05-31 01:30 local: another day
             (late, "reject", CaseState.SCREENING, CaseState.INADMISSIBLE, 19.5,
              {"reason_code": InadmissibleReason.DUPLICATE})]
    for case, action, source, target, hour, extra in moves:
        at = datetime(2020, 5, 30, int(hour), int(hour % 1 * 60))
        db.session.add(CaseTransition(case_id=case.id, action=action, from_state=source,
                                      to_state=target, at=at, details={}, **extra))
    operator = committee["secretary"]  # the secretary answers the hotline too
    db.session.add_all([
        Call(operator_id=operator.id, started_at=datetime(2020, 5, 30, 5, 0), language="kk",
             purpose=CallPurpose.COMPLAINT, case_id=b.id),
        Call(operator_id=operator.id, started_at=datetime(2020, 5, 30, 9, 0), language="ru",
             purpose=CallPurpose.VOTING_QUESTION),
        Call(operator_id=operator.id, started_at=datetime(2020, 5, 31, 9, 0), language="ru",
             purpose=CallPurpose.OTHER),
    ])
    db.session.flush()
    for case in (a, b, c, late):
        search.index_case(case)
    db.session.commit()
    return World(a, b, c, late)


@pytest.fixture
def sanctions_world(election, committee, decided_case):
    """Three sanctions: S1 removal of C01 (Balkhash), proposed 2020-05-30 08:00 UTC and
    enforced 09:00; S2 a warning to C02 (Balkhash), proposed 2020-05-31; S3 a warning to
    A01 on a case moved to Almaty, proposed 2020-06-01 (both waiting)."""
    def propose(case, kind, when, candidate_code):
        ids = list(db.session.scalars(select(Finding.id).where(Finding.case_id == case.id)))
        candidate = next(c for c in case.accused if c.code == candidate_code)
        made = propose_sanction(case, committee["secretary"], kind=kind, finding_ids=ids,
                                summary=f"Confirmed vote buying by {candidate_code}.",
                                candidate_id=candidate.id, now=when)
        db.session.commit()
        return made

    s1 = propose(decided_case(), "candidate_disqualification", datetime(2020, 5, 30, 8), "C01")
    approve_sanction(s1, committee["chair"], password=factories.PASSWORD,
                     now=datetime(2020, 5, 30, 9))
    db.session.commit()
    s2 = propose(decided_case(accused="C02"), "warning", datetime(2020, 5, 31, 8), "C02")
    almaty = decided_case(accused="A01")
    almaty.region_id = region(election, "KZ-ALA").id  # test set-up: an Almaty case
    db.session.commit()
    s3 = propose(almaty, "warning", datetime(2020, 6, 1, 8), "A01")
    return {"s1": s1, "s2": s2, "s3": s3}


@pytest.fixture
def staff(election, committee, make_user):
    """Everyone who logs in in these tests, by short name."""
    return {**committee, "auditor": make_user("auditor"), "admin": make_user("admin"),
            "operator": make_user(Role.OPERATOR.value)}


# -- opening the files back ------------------------------------------------------------------

def cell(value) -> str:
    """A cell as text, the same for CSV and XLSX: datetimes as the CSV writes them."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    return str(value)


def read_csv(response) -> list[list[str]]:
    body = response.get_data()
    response.close()
    assert body.startswith(b"\xef\xbb\xbf"), "no UTF-8 BOM"
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")))


def read_xlsx(response) -> dict[str, list[list[str]]]:
    """Sheet name -> rows (trailing empty cells dropped, as a CSV row has none)."""
    data = response.get_data()
    response.close()
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    sheets = {}
    for sheet in workbook.worksheets:
        rows = []
        for row in sheet.iter_rows(values_only=True):
            values = [cell(v) for v in row]
            rows.append(values)
        sheets[sheet.title] = rows
    workbook.close()
    return sheets


def csv_sections(rows: list[list[str]]) -> dict[str, list[list[str]]]:
    """A sectioned CSV (title row, header, rows; blank line between) -> title -> header+rows."""
    sections, current = {}, None
    for row in rows:
        if not row:
            current = None
        elif current is None:
            current = sections.setdefault(row[0], [])
        else:
            current.append(row)
    return sections
