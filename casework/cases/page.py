"""What the case page shows to one user: the records and timeline, the moves they may
make, the deadline, the screening checklist, the merge links, the possible assignees and
which links to other pages would open for them.
"""

import functools
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import bindparam, select

from casework.accounts.models import User
from casework.accounts.roles import QUEUE, RESULTS, SANCTIONS
from casework.cases import deadlines, identity, identity_mask
from casework.cases.accused import REPLY_STATES
from casework.cases.assignment import eligible_assignees
from casework.cases.channels import TimelineEntry
from casework.cases.filing import FilingCheck, filing_check
from casework.cases.mass_complaints import group_size
from casework.cases.models import (
    Case,
    CaseDeadline,
    CaseState,
    IdentityRequest,
    ScreeningChecklist,
)
from casework.cases.timeline import CaseRecords, build_timeline, load_records
from casework.cases.workflow import FINAL_STATES, DeadlineKind, Transition
from casework.core.db import utcnow
from casework.extensions import db


@dataclass
class CasePage:
    case: Case
    records: CaseRecords
    timeline: list[TimelineEntry]
    evidence: list[TimelineEntry]  # the evidence entries; `.record` is the item
    actions: list[Transition]
    can_work: bool
    can_assign: bool
    can_screen: bool  # the admissibility checklist
    can_message: bool  # to the complainants (not once the case is merged away)
    can_notify_accused: bool  # while the facts are examined, if someone is accused
    can_open_queue: bool
    can_open_sanctions: bool
    can_open_results: bool  # the station a complaint names links to its region's results
    assignee: User | None
    due_at: datetime | None
    overdue: bool
    paused: bool
    checklist: ScreeningChecklist | None
    merged_into: Case | None
    merged_from: list[Case]
    assignees: list[tuple[User, int]] = field(default_factory=list)
    # The complainants' identity: what this user was shown, and their own requests for it.
    identity: identity_mask.Shown = field(default_factory=identity_mask.Shown)
    named_complainant: bool = False
    can_request_identity: bool = False
    identity_requests: list[IdentityRequest] = field(default_factory=list)
    deadline_kind: DeadlineKind | None = None
    filing: FilingCheck | None = None  # shown while the case is screened
    # Mass complaints: how many cases (this one included) tell the same or nearly the same
    # text; 0 when none.
    mass_group_size: int = 0


def case_page(case: Case, user: User, locale: str | None = None,
              now: datetime | None = None) -> CasePage:
    """What the case page shows to `user` (who may view the case); the identities they may
    not see are masked (cases/identity_mask.py), those shown are audited (the view commits)."""
    now = now or utcnow()
    records = load_records(case, locale)
    shown = identity_mask.protect(records, case, user, now)
    identity_mask.record_view(case, user, shown, "case_page")
    complaints = records.of_kind("complaint")
    named = any(e.meta.get("named") for e in complaints)
    # The first complaint's dates and whether anyone can be written to, from the entries the
    # page has (channels' facts_dates and complainants_of would read them again).
    first = min(complaints, key=lambda e: e.meta["id"], default=None)
    facts = (first.meta["learned_on"], first.meta["occurred_at"]) if first else (None, None)
    deadline = db.session.get(CaseDeadline, case.id)
    due = deadlines.due_at(case, deadline)
    paused = deadlines.is_paused(deadline)
    working = case.can_work(user)
    # Of the two answers to a waiting case, only the one it waits for is offered.
    hidden = "info_received" if deadlines.awaiting_cure(case) else "cure_received"
    assigning = case.can_assign(user) and case.state not in FINAL_STATES
    return CasePage(
        case=case, records=records, timeline=build_timeline(records, locale),
        evidence=records.of_kind("evidence"),
        actions=[t for t in case.moves_for(user) if t.action != hidden],
        can_work=working, can_assign=assigning, can_screen=case.can_screen(user),
        can_message=working and case.state is not CaseState.MERGED
        and any(e.meta.get("writable") for e in complaints),  # not the committee's own finding
        can_notify_accused=working and bool(case.accused) and case.state in REPLY_STATES,
        can_open_queue=QUEUE.can_open(user), can_open_sanctions=SANCTIONS.can_open(user),
        can_open_results=RESULTS.can_open(user),
        assignee=db.session.get(User, case.assignee_id) if case.assignee_id else None,
        due_at=due, paused=paused, overdue=due is not None and not paused and due <= now,
        checklist=db.session.get(ScreeningChecklist, case.id),
        merged_into=db.session.get(Case, case.merged_into_id) if case.merged_into_id else None,
        merged_from=list(db.session.scalars(_merged_into(), {"case_id": case.id})),
        assignees=eligible_assignees(case, user) if assigning else [],
        identity=shown, named_complainant=named,
        can_request_identity=named and case.can_request_identity(user),
        identity_requests=identity.requests_on(case, user) if named else [],
        mass_group_size=group_size(case),
        deadline_kind=deadline.kind if deadline is not None and due is not None else None,
        filing=filing_check(case, facts)
        if case.state in (CaseState.RECEIVED, CaseState.SCREENING) else None,
    )


@functools.cache
def _merged_into():
    """Built once: composing a statement costs about as much as running it."""
    return select(Case).where(Case.merged_into_id == bindparam("case_id")).order_by(Case.id)
