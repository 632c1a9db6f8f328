"""Read side of the outbox for its staff page: a keyset page by id and the count per status."""

from sqlalchemy import func, select

from casework.extensions import db
from casework.notifications.models import OutboxMessage, OutboxStatus

PAGE_SIZE = 50


def outbox_page(*, status: OutboxStatus | None = None, before: int | None = None,
                limit: int = PAGE_SIZE) -> tuple[list[OutboxMessage], int | None]:
    """Newest first; (rows, the id to continue before, or None on the last page)."""
    query = select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(limit + 1)
    if status is not None:
        query = query.where(OutboxMessage.status == status)
    if before:
        query = query.where(OutboxMessage.id < before)
    rows = list(db.session.scalars(query))
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (rows[-1].id if more and rows else None)


def status_counts() -> dict[OutboxStatus, int]:
    """How many messages are in each status (every status present, zero included)."""
    counts = dict.fromkeys(OutboxStatus, 0)
    for status, n in db.session.execute(
            select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)):
        counts[OutboxStatus(status)] = n
    return counts
