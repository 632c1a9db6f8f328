"""What the case page shows to one user: the records and timeline, the moves they may
make, the deadline, the screening checklist, the merge links and the possible assignees.
"""

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from casework.accounts.models import User
from casework.cases import deadlines
from casework.cases.models import Case
from casework.cases.review_models import CaseDeadline, ScreeningChecklist
from casework.cases.staff_services import can_assign, can_work, eligible_assignees
from casework.cases.timeline import CaseRecords, TimelineEntry, build_timeline, load_records
from casework.cases.workflow import FINAL_STATES, Transition, allowed_actions
from casework.core.db import utcnow
from casework.extensions import db


@dataclass
class CasePage:
    case: Case
    records: CaseRecords
    timeline: list[TimelineEntry]
    actions: list[Transition]
    can_work: bool
    can_assign: bool
    assignee: User | None
    due_at: datetime | None
    overdue: bool
    paused: bool
    checklist: ScreeningChecklist | None
    merged_into: Case | None
    merged_from: list[Case]
    assignees: list[tuple[User, int]] = field(default_factory=list)


def case_page(case: Case, user: User, locale: str | None = None,
              now: datetime | None = None) -> CasePage:
    """What the case page shows to `user` (who may view the case)."""
    now = now or utcnow()
    records = load_records(case)
    deadline = db.session.get(CaseDeadline, case.id)
    due = deadlines.due_at(case, deadline)
    paused = deadlines.is_paused(deadline)
    working = can_work(user, case)
    leading = can_assign(user, case)
    return CasePage(
        case=case, records=records, timeline=build_timeline(records, locale),
        actions=allowed_actions(case.state, user.role) if working else [],
        can_work=working, can_assign=leading and case.state not in FINAL_STATES,
        assignee=db.session.get(User, case.assignee_id) if case.assignee_id else None,
        due_at=due, paused=paused, overdue=due is not None and not paused and due <= now,
        checklist=db.session.get(ScreeningChecklist, case.id),
        merged_into=db.session.get(Case, case.merged_into_id) if case.merged_into_id else None,
        merged_from=list(db.session.scalars(select(Case).where(Case.merged_into_id == case.id)
                                            .order_by(Case.id))),
        assignees=eligible_assignees(case, user)
        if leading and case.state not in FINAL_STATES else [],
    )
