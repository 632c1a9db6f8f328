"""Public statistics (issue 19 point 5): decided cases per region, and how many were decided
by their legal deadline, recorded on the deadline row at the first decision."""

from datetime import datetime, timedelta

from casework.cases.models import CaseDeadline, CaseState, ScreeningChecklist
from casework.cases.transitions import apply
from casework.cases.workflow import CHECKLIST_NAMES
from casework.elections.legal_clock import set_clock
from casework.extensions import db
from casework.reports import figures, present, rollups
from tests import factories

T0 = datetime(2020, 6, 1, 3)  # Monday 09:00 in Almaty; decision days 2: due 3 June, 24:00
D = timedelta(days=1)


def decided(election, chair, region_code, at):
    case = factories.case(election, CaseState.SCREENING, region_code, created_at=T0)
    db.session.add(ScreeningChecklist(case_id=case.id, **dict.fromkeys(CHECKLIST_NAMES, True)))
    apply(case, "admit", actor=chair, now=T0)
    apply(case, "ready_findings", actor=chair, now=at - timedelta(hours=1))
    apply(case, "decide", actor=chair, outcome="confirmed", reasons="Proven.", now=at)
    return case


def test_decisions_within_the_legal_deadline_per_region(app, election):
    set_clock(election, decision_days=2)
    chair = factories.user("chair", election=election)
    on_time = decided(election, chair, "KZ-KAR-BAL", T0 + D)
    late = decided(election, chair, "KZ-KAR-BAL", T0 + 3 * D)
    decided(election, chair, "KZ-ALA", T0 + 2 * D)
    # A later move (closing) keeps what the first decision recorded.
    apply(on_time, "close", actor=chair, now=T0 + 4 * D)
    assert db.session.get(CaseDeadline, on_time.id).decided_in_time is True
    assert db.session.get(CaseDeadline, late.id).decided_in_time is False
    factories.case(election, CaseState.INVESTIGATION, "KZ-ALA")  # not decided: not counted
    db.session.commit()

    now = T0 + 5 * D
    rollups.refresh(election, now)
    db.session.commit()
    data = figures.dashboard(election, None, now)
    assert (data.decided_with_deadline, data.in_time) == (3, 2)
    by_code = {r.code: (r.decided, r.in_time) for r in data.by_region}
    assert by_code["KZ-KAR"] == (2, 1) and by_code["KZ-ALA"] == (1, 1)
    public = data.to_dict(public=True)["decided_within_legal_deadline"]
    assert (public["decided"], public["in_time"]) == (3, 2)

    with app.test_request_context(headers={"Accept-Language": "ru"}):
        page = present.page(data, public=True)
    section = next(s for s in page.sections if s.id == "in-time")
    assert section.rows[-1][1:3] == ["3", "2"]
    assert ["2", "1"] in [row[1:3] for row in section.rows]
