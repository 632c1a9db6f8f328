"""Read side of inbound mail: the staff list (keyset by id) and the quarantine counter."""

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from casework.accounts.queries import scope_region_ids
from casework.cases.models import Case
from casework.elections.queries import current_election
from casework.extensions import db
from casework.mailin.models import InboundMail, InboundStatus

PAGE_SIZE = 50


def inbound_page(user: Any, *, status: InboundStatus | None = None, before: int | None = None,
                 limit: int = PAGE_SIZE) -> tuple[list[InboundMail], int | None]:
    """Newest first; (rows, the id to continue before, or None on the last page).
    Staff without all regions see only mail filed on cases in their regions."""
    query = (select(InboundMail).options(selectinload(InboundMail.case))
             .order_by(InboundMail.id.desc()).limit(limit + 1))
    if status is not None:
        query = query.where(InboundMail.status == status)
    if before:
        query = query.where(InboundMail.id < before)
    if not user.all_regions:
        election = current_election()
        region_ids = scope_region_ids(user, election.id) if election is not None else set()
        query = query.where(InboundMail.case_id.in_(
            select(Case.id).where(Case.region_id.in_(region_ids or {-1}))))
    rows = list(db.session.scalars(query))
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (rows[-1].id if more and rows else None)


def quarantine_count() -> int:
    """Messages waiting for staff (an index-only count on the status index)."""
    return db.session.scalar(select(func.count()).select_from(InboundMail)
                             .where(InboundMail.status == InboundStatus.QUARANTINED)) or 0
