"""Staff operations on one case: who may see and work on it, notes, messages to the
complainants, and assignment (with the conflict-of-interest check it needs).

Elsewhere: conflicts (declaring a conflict of interest), actions (take_action, merge_cases),
accused (the accused candidate's right of reply), timeline and case_page (reading).

Every function takes model objects and the acting user; it checks, changes, flushes,
audits and queues mail in the caller's transaction. Never commits, never reads `request`.
A refusal raises StaffError (or TransitionError from the workflow) and changes nothing.
"""

from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from sqlalchemy import and_, exists, func, select, update
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import set_committed_value

from casework.accounts.models import Role, User
from casework.accounts.queries import scope_region_ids
from casework.cases.models import Case, CaseMessage, CaseState, MessageAuthor, case_candidates
from casework.cases.search import index_case
from casework.cases.staff_models import CaseNote, ConflictDeclaration
from casework.cases.transitions import TEXT_MAX
from casework.cases.workflow import FINAL_STATES, OPEN_STATES
from casework.core import audit
from casework.core.db import utcnow
from casework.core.refusal import Refusal, required_text
from casework.elections.models import Election, Region
from casework.extensions import db
from casework.intake.models import Complaint
from casework.notifications.services import enqueue_email

MEMBER_ROLES = (Role.REVIEWER, Role.SECRETARY, Role.CHAIR)  # committee members
LEAD_ROLES = (Role.SECRETARY, Role.CHAIR)
VIEW_ROLES = (*MEMBER_ROLES, Role.AUDITOR)


class StaffError(Refusal):
    """An operation refused. `code` as TransitionError's: not_allowed, forbidden, missing,
    invalid, conflict; `field` names the form field at fault, if one is."""

def _forbidden() -> StaffError:
    return StaffError("forbidden", _l("You may not do this on this case."))


def checked_text(value: str | None, name: str, missing: LazyString,
                 limit: int = TEXT_MAX) -> str:
    return required_text(value, name, missing, limit, StaffError)


# -- scope and permissions ----------------------------------------------------------------

def is_active_user(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and user.is_active


def can_view(user: Any, case: Case) -> bool:
    """Staff who may open the case: members and auditors whose regions cover it."""
    return is_active_user(user) and user.role in VIEW_ROLES and user.can_see_region(case.region)


def can_work(user: Any, case: Case) -> bool:
    """Members (not auditors) who may write notes, messages and the accused's reply."""
    return can_view(user, case) and user.role in MEMBER_ROLES


def can_assign(user: Any, case: Case) -> bool:
    return can_view(user, case) and user.role in LEAD_ROLES


def require(allowed: bool) -> None:
    if not allowed:
        raise _forbidden()


def load_case_for(user: Any, reference: str | None) -> Case | None:
    """The case with this reference if `user` may see it; None for an unknown reference and
    for one outside the user's scope alike, so that existence is never revealed."""
    reference = (reference or "").strip().upper()
    if (not reference or len(reference) > 40 or not is_active_user(user)
            or user.role not in VIEW_ROLES):
        return None
    case = db.session.scalar(
        select(Case).where(Case.reference == reference)
        .options(selectinload(Case.region).selectinload(Region.parent),
                 selectinload(Case.accused), selectinload(Case.election)))
    if case is None or not can_view(user, case):
        return None
    return case


# -- conflicts of interest: assignment and votes skip a conflicted member --------------------

def has_conflict(user: Any, case: Case) -> bool:
    """Whether `user` declared a conflict of interest with any accused candidate of `case`
    (one query). Such a member is neither assigned the case nor votes on it."""
    if getattr(user, "id", None) is None:
        return False
    accused = select(case_candidates.c.candidate_id).where(case_candidates.c.case_id == case.id)
    return bool(db.session.scalar(select(exists().where(
        ConflictDeclaration.user_id == user.id, ConflictDeclaration.candidate_id.in_(accused)))))


def _conflicted_user_ids(case: Case) -> set[int]:
    accused = select(case_candidates.c.candidate_id).where(case_candidates.c.case_id == case.id)
    return set(db.session.scalars(select(ConflictDeclaration.user_id).where(
        ConflictDeclaration.candidate_id.in_(accused))))


# -- notes and messages -------------------------------------------------------------------

def add_note(case: Case, actor: User, body: str) -> CaseNote:
    """An internal note: kept apart from the complainant's thread, never shown publicly."""
    require(can_work(actor, case))
    note = CaseNote(case_id=case.id, author_id=actor.id, created_at=utcnow(),
                    body=checked_text(body, "body", _l("Write the note.")))
    db.session.add(note)
    db.session.flush()
    # The audit chain is read by auditors: it records that a note exists, not what it says.
    audit.record("case.note_added", actor=actor, object_type="case", object_id=case.reference,
                 details={"note_id": note.id, "length": len(note.body)})
    index_case(case)
    return note


def tracking_url() -> str:
    return current_app.config["CASEWORK_PUBLIC_URL"].rstrip("/") + "/track"


def _complaints_with_email(case_id: int) -> list[Complaint]:
    return list(db.session.scalars(select(Complaint).where(
        Complaint.case_id == case_id, Complaint.email.is_not(None)).order_by(Complaint.id)))


def send_message(case: Case, actor: User, body: str) -> CaseMessage:
    """A message from the committee to every complainant of the case: shown on the tracking
    page, and emailed to those who gave an address. The case's state does not change."""
    require(can_work(actor, case))
    if case.state is CaseState.MERGED:
        raise StaffError("not_allowed", _l("This case was merged into another one: write "
                                           "to the complainants there."))
    message = CaseMessage(case_id=case.id, author=MessageAuthor.COMMITTEE,
                          author_user_id=actor.id, channel="web", created_at=utcnow(),
                          body=checked_text(body, "body", _l("Write the message.")))
    db.session.add(message)
    db.session.flush()
    sent = 0
    for complaint in _complaints_with_email(case.id):
        queued = enqueue_email(
            template="cases/message", recipient=complaint.email, language=complaint.language,
            case_id=case.id, dedupe_key=f"message:{message.id}:{complaint.id}",
            context={"reference": case.reference, "message": message.body,
                     "track_url": tracking_url()})
        sent += queued is not None
    audit.record("case.message_sent", actor=actor, object_type="case", object_id=case.reference,
                 details={"message_id": message.id, "emails": sent})
    index_case(case)
    return message


# -- assignment ---------------------------------------------------------------------------

def assignment_problem(case: Case, user: User) -> LazyString | None:
    """Why `user` cannot be given `case`; None when they can."""
    if not user.is_active:
        return _l("This account is disabled.")
    if user.role not in MEMBER_ROLES:
        return _l("Only committee members can be assigned cases.")
    if not user.can_see_region(case.region):
        return _l("The case's region is outside this member's regions.")
    if has_conflict(user, case):
        return _l("This member declared a conflict of interest with an accused candidate.")
    return None


def set_assignee(case: Case, new_id: int | None, actor: User | None,
                 details: dict[str, Any] | None = None) -> None:
    previous = case.assignee_id
    # Only if nobody changed the assignee meanwhile (two secretaries at once).
    result = db.session.execute(
        update(Case).where(Case.id == case.id, Case.assignee_id == previous)
        .values(assignee_id=new_id).execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise StaffError("conflict", _l("Someone else has changed this case meanwhile. "
                                        "Reload it and try again."))
    set_committed_value(case, "assignee_id", new_id)
    audit.record("case.assigned" if new_id is not None else "case.unassigned", actor=actor,
                 object_type="case", object_id=case.reference,
                 details={"from": previous, "to": new_id, **(details or {})})


def assign(case: Case, assignee: User | None, actor: User) -> None:
    """The secretary or chair gives the case to a member (None: to nobody). The member must
    be active, cover the case's region and have no conflict with an accused candidate.
    Audited; nobody is emailed."""
    require(can_assign(actor, case))
    if case.state in FINAL_STATES:
        raise StaffError("not_allowed", _l("A closed or merged case is not assigned."))
    if assignee is not None:
        problem = assignment_problem(case, assignee)
        if problem is not None:
            raise StaffError("invalid", problem, field="assignee")
    new_id = assignee.id if assignee is not None else None
    if new_id != case.assignee_id:
        set_assignee(case, new_id, actor)


def reviewer_loads(election: Election, actor: User) -> list[tuple[User, int]]:
    """Active members the actor (secretary or chair) can see, each with the number of open
    cases of the election assigned to them: one GROUP BY (and the members' regions)."""
    if not is_active_user(actor) or actor.role not in LEAD_ROLES:
        raise _forbidden()
    rows = db.session.execute(
        select(User, func.count(Case.id))
        .outerjoin(Case, and_(Case.assignee_id == User.id, Case.election_id == election.id,
                              Case.state.in_(OPEN_STATES)))
        .where(User.role.in_(MEMBER_ROLES), User.disabled_at.is_(None))
        .group_by(User.id).order_by(User.full_name, User.id)
        .options(selectinload(User.regions))).all()
    scope = scope_region_ids(actor, election.id)
    return [(user, count) for user, count in rows
            if scope is None or user.all_regions or any(r.id in scope for r in user.regions)]


def eligible_assignees(case: Case, actor: User) -> list[tuple[User, int]]:
    """The members who may be given this case, with their loads."""
    conflicted = _conflicted_user_ids(case)
    return [(user, load) for user, load in reviewer_loads(case.election, actor)
            if user.can_see_region(case.region) and user.id not in conflicted]
