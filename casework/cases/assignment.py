"""Who works on a case: the secretary or chair assigns it to a member (with the members'
loads), and a member's declared conflict of interest takes them off the cases about the
candidate. Whether a member has a conflict is casework.cases.conflicts.

Every function takes model objects and the acting user; it checks, changes, flushes and
audits in the caller's transaction. Never commits, never reads `request`; a refusal raises
`Refusal` and changes nothing.
"""

import functools
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from sqlalchemy import and_, func, select, update
from sqlalchemy.orm.attributes import set_committed_value

from casework.accounts.models import User, scope_covers, user_regions
from casework.accounts.queries import active_committee_member, scope_region_ids
from casework.accounts.roles import ASSIGNMENT, COMMITTEE, CONFLICTS, Role, has_role
from casework.cases import notices
from casework.cases.conflicts import conflicted_user_ids, has_conflict
from casework.cases.models import REASON_MAX, Case, ConflictDeclaration, case_candidates
from casework.cases.queue_counts import kept
from casework.cases.workflow import FINAL_STATES, OPEN_STATES
from casework.core import audit
from casework.core.db import utcnow
from casework.core.refusal import Refusal, required_text
from casework.elections.models import Candidate, Election, Region
from casework.extensions import db

FORBIDDEN = _l("You may not do this on this case.")


def assignment_problem(case: Case, user: User) -> LazyString | None:
    """Why `user` cannot be given `case`; None when they can."""
    if not user.is_active:
        return _l("This account is disabled.")
    if not has_role(user, COMMITTEE):
        return _l("Only committee members can be assigned cases.")
    if not user.can_see_region(case.region):
        return _l("The case's region is outside this member's regions.")
    if has_conflict(user, case):
        return _l("This member declared a conflict of interest with an accused candidate.")
    return None


def set_assignee(case: Case, new_id: int | None, actor: User | None,
                 details: dict[str, Any] | None = None, action: str | None = None) -> None:
    """Write the assignee, only if nobody changed it meanwhile (two secretaries at once)."""
    previous = case.assignee_id
    result = db.session.execute(
        update(Case).where(Case.id == case.id, Case.assignee_id == previous)
        .values(assignee_id=new_id).execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise Refusal("conflict", _l("Someone else has changed this case meanwhile. "
                                     "Reload it and try again."))
    set_committed_value(case, "assignee_id", new_id)
    action = action or ("case.assigned" if new_id is not None else "case.unassigned")
    audit.record(action, actor=actor,
                 object_type="case", object_id=case.reference,
                 details={"from": previous, "to": new_id, **(details or {})})


def assign(case: Case, assignee: User | None, actor: User) -> None:
    """The secretary or chair gives the case to a member (None: to nobody). The member must
    be active, cover the case's region and have no conflict with an accused candidate.
    Audited; the member is told (inbox, and email if they chose it)."""
    if not case.can_assign(actor):
        raise Refusal("forbidden", FORBIDDEN)
    if case.state in FINAL_STATES:
        raise Refusal("not_allowed", _l("A closed or merged case is not assigned."))
    if assignee is not None:
        problem = assignment_problem(case, assignee)
        if problem is not None:
            raise Refusal("invalid", problem, field="assignee")
    new_id = assignee.id if assignee is not None else None
    if new_id != case.assignee_id:
        set_assignee(case, new_id, actor)
        notices.assigned(case, assignee, actor)


@dataclass(frozen=True)
class Member:
    """An active committee member as the list of possible assignees shows them."""

    id: int
    email: str
    full_name: str
    role: Role
    all_regions: bool
    region_ids: frozenset[int]

    def can_see_region(self, region: Region | None) -> bool:
        return scope_covers(self.all_regions, self.region_ids, region)


def reviewer_loads(election: Election, actor: User) -> list[tuple[Member, int]]:
    """Active members the actor (secretary or chair) can see, each with the number of open
    cases of the election assigned to them: one GROUP BY (and the members' regions)."""
    if not ASSIGNMENT.can_open(actor):
        raise Refusal("forbidden", FORBIDDEN)
    # Read as plain rows, users and regions in one statement: as mapped users with their
    # regions they were two statements and nine tenths of the cost (the case page asks).
    found: dict[int, tuple[Any, set[int]]] = {}
    for row in db.session.connection().execute(_active_members()):
        found.setdefault(row.id, (row, set()))[1].add(row.region_id)
    members = [Member(row.id, row.email, row.full_name, row.role, row.all_regions,
                      frozenset(ids - {None})) for row, ids in found.values()]
    # Counting every member's open cases is most of the case page's SQL (3.8 ms at 100,000
    # cases): kept a second or two, as the queue's counts are (never stale after one's own
    # action, cases/queue_counts.py).
    loads = kept(("loads", election.id), lambda: open_loads(election))
    scope = scope_region_ids(actor, election.id)
    return [(member, loads.get(member.id, 0)) for member in members
            if scope is None or member.all_regions or member.region_ids & scope]


@functools.cache
def _active_members():
    """Built once: the case page asks it each time."""
    return (select(User.id, User.email, User.full_name, User.role, User.all_regions,
                   user_regions.c.region_id)
            .outerjoin(user_regions, user_regions.c.user_id == User.id)
            .where(active_committee_member()).order_by(User.full_name, User.id))


def open_loads(election: Election) -> dict[int, int]:
    """Active members' ids -> their open cases in the election (none: left out)."""
    return dict(db.session.execute(
        select(User.id, func.count(Case.id))
        .join(Case, and_(Case.assignee_id == User.id, Case.election_id == election.id,
                         Case.state.in_(OPEN_STATES)))
        .where(active_committee_member())
        .group_by(User.id)).all())


def eligible_assignees(case: Case, actor: User) -> list[tuple[Member, int]]:
    """The members who may be given this case, with their loads."""
    conflicted = conflicted_user_ids(case)
    return [(user, load) for user, load in reviewer_loads(case.election, actor)
            if user.can_see_region(case.region) and user.id not in conflicted]


def declare_conflict(user: User, candidate: Candidate, reason: str) -> ConflictDeclaration:
    """A member declares, for themself, a conflict of interest with a candidate. They are
    taken off the open cases about the candidate that were assigned to them."""
    if not CONFLICTS.can_open(user):
        raise Refusal("forbidden", _l("Only committee members declare conflicts of interest."))
    reason = required_text(reason, "reason", _l("Say what the conflict of interest is."),
                           REASON_MAX)
    if db.session.scalar(select(ConflictDeclaration.id).where(
            ConflictDeclaration.user_id == user.id,
            ConflictDeclaration.candidate_id == candidate.id)) is not None:
        raise Refusal("invalid", _l("You have already declared a conflict of interest with "
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
