"""Read-side queries for staff accounts and their region scopes."""

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from casework.accounts.models import User
from casework.elections.models import Region
from casework.extensions import db


def scope_region_ids(user: User, election_id: int) -> set[int] | None:
    """Ids of the regions a user may see (with everything below them); None means all."""
    if user.all_regions:
        return None
    rows = db.session.execute(
        select(Region.id, Region.parent_id).where(Region.election_id == election_id)
    ).all()
    children: dict[int | None, list[int]] = {}
    for region_id, parent_id in rows:
        children.setdefault(parent_id, []).append(region_id)
    seen: set[int] = set()
    stack = [r.id for r in user.regions if r.election_id == election_id]
    while stack:
        region_id = stack.pop()
        if region_id not in seen:
            seen.add(region_id)
            stack.extend(children.get(region_id, []))
    return seen


def staff_list() -> list[User]:
    return list(db.session.scalars(
        select(User).options(selectinload(User.regions)).order_by(User.role, User.email)
    ))
