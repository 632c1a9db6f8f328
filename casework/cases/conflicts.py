"""Conflicts of interest: a member declares one with a candidate, and is taken off the
open cases about that candidate assigned to them. (Whether a member has a conflict with a
case's accused is staff_services.has_conflict, which assignment and voting check.)

Never commits, never reads `request`; a refusal raises StaffError and changes nothing.
"""

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from casework.accounts.models import User
from casework.cases.models import Case, case_candidates
from casework.cases.staff_models import REASON_MAX, ConflictDeclaration
from casework.cases.staff_services import (
    MEMBER_ROLES,
    OPEN_STATES,
    StaffError,
    checked_text,
    is_active_user,
    set_assignee,
)
from casework.core import audit
from casework.core.db import utcnow
from casework.elections.models import Candidate
from casework.extensions import db


def declare_conflict(user: User, candidate: Candidate, reason: str) -> ConflictDeclaration:
    """A member declares, for themself, a conflict of interest with a candidate. They are
    taken off the open cases about the candidate that were assigned to them."""
    if not is_active_user(user) or user.role not in MEMBER_ROLES:
        raise StaffError("forbidden", _l("Only committee members declare conflicts of interest."))
    reason = checked_text(reason, "reason", _l("Say what the conflict of interest is."), REASON_MAX)
    if db.session.scalar(select(ConflictDeclaration.id).where(
            ConflictDeclaration.user_id == user.id,
            ConflictDeclaration.candidate_id == candidate.id)) is not None:
        raise StaffError("invalid", _l("You have already declared a conflict of interest with "
                                       "this candidate."), field="candidate")
    declaration = ConflictDeclaration(user_id=user.id, candidate_id=candidate.id,
                                      declared_at=utcnow(), reason=reason)
    db.session.add(declaration)
    db.session.flush()
    audit.record("conflict.declared", actor=user, object_type="user", object_id=user.id,
                 details={"candidate": candidate.code, "candidate_id": candidate.id,
                          "reason": reason})
    assigned = list(db.session.scalars(
        select(Case).where(Case.assignee_id == user.id, Case.state.in_(OPEN_STATES),
                           Case.id.in_(select(case_candidates.c.case_id).where(
                               case_candidates.c.candidate_id == candidate.id)))
        .order_by(Case.id)))
    for case in assigned:
        set_assignee(case, None, user, details={"reason": "conflict_of_interest"})
    return declaration


def conflicts_of(user: User) -> list[ConflictDeclaration]:
    return list(db.session.scalars(
        select(ConflictDeclaration).options(selectinload(ConflictDeclaration.candidate))
        .where(ConflictDeclaration.user_id == user.id).order_by(ConflictDeclaration.declared_at,
                                                                ConflictDeclaration.id)))
