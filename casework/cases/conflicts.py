"""Conflicts of interest: whether members declared one with an accused candidate of a case.

A member with a conflict is neither assigned the case (casework.cases.assignment) nor votes on
it (casework.decisions). Declaring one is `assignment.declare_conflict`, since it takes the
member off the cases about the candidate.
"""

import functools
from typing import Any

from sqlalchemy import bindparam, exists, select
from sqlalchemy.orm import selectinload

from casework.cases.models import Case, ConflictDeclaration, case_candidates
from casework.extensions import db


def _accused_of(case_id):
    """The accused candidates' ids of a case (its id, or a parameter standing for it)."""
    return select(case_candidates.c.candidate_id).where(case_candidates.c.case_id == case_id)


def has_conflict(user: Any, case: Case) -> bool:
    """Whether `user` declared a conflict of interest with any accused candidate of `case`
    (one query)."""
    if getattr(user, "id", None) is None:
        return False
    return bool(db.session.scalar(select(exists().where(
        ConflictDeclaration.user_id == user.id,
        ConflictDeclaration.candidate_id.in_(_accused_of(case.id))))))


def conflicted_user_ids(case: Case) -> set[int]:
    """The ids of every user with a conflict of interest in `case`: the whole committee's
    check in one query."""
    return set(db.session.scalars(_conflicted_statement(), {"case_id": case.id}))


@functools.cache
def _conflicted_statement():
    """Built once: the case page asks it each time."""
    return select(ConflictDeclaration.user_id).where(
        ConflictDeclaration.candidate_id.in_(_accused_of(bindparam("case_id"))))


def conflicts_of(user: Any) -> list[ConflictDeclaration]:
    """The conflicts `user` declared, oldest first (the conflicts page)."""
    return list(db.session.scalars(
        select(ConflictDeclaration).options(selectinload(ConflictDeclaration.candidate))
        .where(ConflictDeclaration.user_id == user.id).order_by(ConflictDeclaration.declared_at,
                                                                ConflictDeclaration.id)))
