"""Read-side queries for staff accounts and their region scopes."""

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from casework.accounts.models import User
from casework.elections.queries import descendant_ids
from casework.extensions import db


def scope_region_ids(user: User, election_id: int) -> set[int] | None:
    """Ids of the regions a user may see (with everything below them); None means all."""
    if user.all_regions:
        return None
    return descendant_ids(election_id, [r.id for r in user.regions
                                        if r.election_id == election_id])


def staff_list() -> list[User]:
    return list(db.session.scalars(
        select(User).options(selectinload(User.regions)).order_by(User.role, User.email)
    ))
