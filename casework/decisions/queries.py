"""Read side of findings and decisions: a case's committee, its evidence, findings and
decisions."""

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from casework.accounts.models import User
from casework.accounts.queries import active_committee_member
from casework.cases.conflicts import conflicted_user_ids
from casework.cases.models import Case
from casework.decisions.models import Decision, DecisionMember, Finding
from casework.evidence.models import EvidenceItem
from casework.extensions import db


def committee_members(case: Case) -> list[User]:
    """Who sits on the committee for this case: active reviewers, secretaries and chairs
    whose scope covers the case's region, by name."""
    users = db.session.scalars(
        select(User).options(selectinload(User.regions))
        .where(active_committee_member())
        .order_by(User.full_name, User.id))
    return [user for user in users if user.can_see_region(case.region)]


def conflicted_ids(case: Case, members: Iterable[User]) -> set[int]:
    """The members who declared a conflict of interest in the case (one query for all)."""
    return conflicted_user_ids(case) & {member.id for member in members}


def case_evidence(case: Case) -> list[EvidenceItem]:
    return list(db.session.scalars(select(EvidenceItem).where(EvidenceItem.case_id == case.id)
                                   .order_by(EvidenceItem.id)))


def findings_of(case: Case) -> list[Finding]:
    return list(db.session.scalars(
        select(Finding).options(selectinload(Finding.evidence), selectinload(Finding.author))
        .where(Finding.case_id == case.id).order_by(Finding.id)))


def decisions_of(case: Case) -> list[Decision]:
    return list(db.session.scalars(
        select(Decision).options(selectinload(Decision.members).selectinload(DecisionMember.user))
        .where(Decision.case_id == case.id).order_by(Decision.id)))


def finding_of(case: Case, finding_id: int) -> Finding | None:
    finding = db.session.get(Finding, finding_id)
    return finding if finding is not None and finding.case_id == case.id else None


def decision_of(case: Case, decision_id: int) -> Decision | None:
    return db.session.scalar(select(Decision).where(Decision.id == decision_id,
                                                    Decision.case_id == case.id))
