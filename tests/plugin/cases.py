"""Cases ready for the committee: a case with a complaint and evidence in a given state, a
finding on it, a decided case, a declared conflict of interest."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from casework.cases import assignment
from casework.cases.models import Case, CaseState
from casework.core.db import utcnow
from casework.decisions import services
from casework.evidence.models import EvidenceItem
from casework.extensions import db
from tests import factories


@pytest.fixture
def make_case(election):
    """make_case(state=FINDINGS_READY, language="kk", evidence=2, region_code="KZ-KAR-BAL",
    accused="C01"): a case opened two days ago with an anonymous web complaint in `language`
    and `evidence` photos, accusing that candidate (made as Asan Usenov if missing). Committed."""
    def make(state: CaseState = CaseState.FINDINGS_READY, *, language: str = "kk",
             evidence: int = 2, region_code: str = "KZ-KAR-BAL", accused: str = "C01") -> Case:
        candidate = factories.candidate(election, accused, "Asan Usenov",
                                        name_kk="Асан Үсенов", name_ru="Асан Усенов")
        case = factories.case(election, state, region_code=region_code, accused=[candidate],
                              created_at=utcnow() - timedelta(days=2))
        factories.complaint(case, language=language)
        for n in range(evidence):
            factories.evidence_item(case, f"photo-{n + 1}.png")
        db.session.commit()
        return case

    return make


@pytest.fixture
def case(make_case):
    return make_case()


def evidence_ids(case: Case) -> list[int]:
    """The ids of the case's evidence, oldest first."""
    return list(db.session.scalars(select(EvidenceItem.id).where(EvidenceItem.case_id == case.id)
                                   .order_by(EvidenceItem.id)))


@pytest.fixture
def declare_conflict():
    """declare_conflict(user, case): the member declares, through the staff area, a conflict
    of interest with the case's (first) accused candidate."""
    def declare(user, case):
        assignment.declare_conflict(user, case.accused[0], "My brother runs the campaign.")
        db.session.commit()

    return declare


@pytest.fixture
def finding(committee):
    """finding(case, conclusion="confirmed"): a finding citing the case's first evidence."""
    def make(case: Case, conclusion: str = "confirmed"):
        ids = evidence_ids(case)[:1] if conclusion != "not_confirmed" else []
        made = services.add_finding(case, committee["r1"], allegation="Money was offered.",
                                    conclusion=conclusion, reasoning="Two witnesses agree.",
                                    evidence_ids=ids)
        db.session.commit()
        return made

    return make


@pytest.fixture
def decided_case(make_case, committee, results_world, finding):
    """decided_case(outcome="confirmed"): a Balkhash case accusing C01, at BAL-001, with a
    finding and a decision of that outcome (the finding's conclusion follows it)."""
    def make(outcome: str = "confirmed", *, accused: str = "C01") -> Case:
        case = make_case(accused=accused)
        case.station_id = factories.station(case.election, "BAL-001").id
        finding(case, "confirmed" if outcome == "confirmed" else outcome)
        services.record_decision(
            case, committee["secretary"], meeting_at=utcnow() - timedelta(hours=1),
            present_ids=[committee[n].id for n in ("chair", "r1", "r2")],
            votes={committee[n].id: "for" for n in ("chair", "r1", "r2")},
            outcome=outcome, reasons="The video and two witnesses show money offered.")
        db.session.commit()
        return case

    return make
