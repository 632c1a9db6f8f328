"""Read-side queries for staff accounts and their region scopes."""

from sqlalchemy import ColumnElement, and_, select
from sqlalchemy.orm import selectinload

from casework.accounts.models import User
from casework.accounts.roles import COMMITTEE
from casework.elections.queries import descendant_ids
from casework.extensions import db


def scope_region_ids(user: User, election_id: int) -> set[int] | None:
    """Ids of the regions a user may see (with everything below them); None means all."""
    if user.all_regions:
        return None
    return descendant_ids(election_id, [r.id for r in user.regions
                                        if r.election_id == election_id])


def active_committee_member() -> ColumnElement[bool]:
    """The condition on User of a member who can be given cases and sits on decisions: a
    reviewer, secretary or chair whose account is not disabled."""
    return and_(User.role.in_(COMMITTEE), User.disabled_at.is_(None))


def staff_list() -> list[User]:
    return list(db.session.scalars(
        select(User).options(selectinload(User.regions)).order_by(User.role, User.email)
    ))
