"""What the health page reads about the mail: is a worker alive, and how much waits.

Read-only; times are naive UTC like every stored time."""

from datetime import datetime

from sqlalchemy import func, select

from casework.extensions import db
from casework.notifications.models import OutboxMessage, OutboxStatus, WorkerHeartbeat

_WAITING = (OutboxStatus.PENDING, OutboxStatus.SENDING)


def worker_heartbeat() -> datetime | None:
    """When a worker last finished a round (the newest beat of any worker); None: never."""
    return db.session.scalar(select(func.max(WorkerHeartbeat.beat_at)))


def oldest_pending_mail() -> datetime | None:
    """created_at of the oldest message not yet delivered (pending or being sent)."""
    return db.session.scalar(select(func.min(OutboxMessage.created_at))
                             .where(OutboxMessage.status.in_(_WAITING)))


def mail_backlog() -> int:
    """How many messages wait: pending plus being sent."""
    return db.session.scalar(select(func.count()).select_from(OutboxMessage)
                             .where(OutboxMessage.status.in_(_WAITING))) or 0
