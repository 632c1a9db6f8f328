"""Export fixtures (the committee, decided cases and the results world come from the
shared plugin): cases in three regions with known times, complainants named, anonymous
and formula-like, transitions and hotline calls of one day, and sanctions of known dates.

Times are stored UTC; the election's zone is Asia/Almaty, UTC+6 in 2020."""

from dataclasses import dataclass
from datetime import datetime

import pytest
from sqlalchemy import select

from casework.accounts.models import Role
from casework.cases import search
from casework.cases.models import Case, CaseState, CaseTransition, Category
from casework.cases.workflow import InadmissibleReason, Outcome
from casework.decisions.models import Finding
from casework.extensions import db
from casework.hotline.models import Call, CallPurpose
from casework.intake.models import Channel
from casework.sanctions.services import approve_sanction, propose_sanction
from tests import factories
from tests.factories import region
from tests.reports_exports.helpers import FORMULA_NAME

NARRATIVE = "Someone paid voters near the school."  # every complaint's text


@pytest.fixture(autouse=True)
def _in_english(english):
    """Every page of this package in English."""


@dataclass
class World:
    a: Case  # Balkhash (KZ-KAR-BAL), investigation, named web complainant, assigned
    b: Case  # Almaty, received, anonymous hotline caller
    c: Case  # Karaganda (KZ-KAR), decided, a formula-like name (letter) + anonymous email
    late: Case  # Almaty, created 2020-05-31 01:00 local: not on DAY


@pytest.fixture
def world(election, committee, results_world) -> World:
    c01 = results_world["C01"]
    a = factories.case(election, CaseState.INVESTIGATION, category=Category.VOTE_BUYING,
                       accused=[c01], created_at=datetime(2020, 5, 30, 4, 0),
                       changed_at=datetime(2020, 5, 30, 4, 0))
    a.assignee_id = committee["r1"].id
    factories.complaint(a, Channel.WEB, anonymous=False, name="Aliya Nurova",
                        phone="+77011234567", email="aliya@example.kz", narrative=NARRATIVE)
    b = factories.case(election, CaseState.RECEIVED, region_code="KZ-ALA",
                       category=Category.CAMPAIGN_VIOLATION, created_at=datetime(2020, 5, 30, 5, 30),
                       changed_at=datetime(2020, 5, 30, 5, 30))
    # Anonymous: whatever was noted about the person never leaves the system.
    factories.complaint(b, Channel.HOTLINE, name="Secret Caller", phone="+77770000000",
                        narrative=NARRATIVE)
    c = factories.case(election, CaseState.DECIDED, region_code="KZ-KAR",
                       category=Category.DEFAMATION, created_at=datetime(2020, 5, 29, 20, 0),
                       changed_at=datetime(2020, 5, 29, 20, 0))  # 2020-05-30 02:00 local
    c.outcome = Outcome.CONFIRMED.value
    factories.complaint(c, Channel.LETTER, anonymous=False, name=FORMULA_NAME, narrative=NARRATIVE)
    factories.complaint(c, Channel.EMAIL, email="anon@example.kz", narrative=NARRATIVE)
    late = factories.case(election, CaseState.SCREENING, region_code="KZ-ALA",
                          category=Category.OTHER, created_at=datetime(2020, 5, 30, 19, 0),
                          changed_at=datetime(2020, 5, 30, 19, 0))  # 2020-05-31 01:00 local
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
    approve_sanction(s1, committee["chair"],
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
