"""The outbox's health, for /readyz and the administrators' dashboard.

A minimal version: the worker's own heartbeat comes with the worker's changes (until then
worker_heartbeat() knows none)."""

from datetime import datetime

from sqlalchemy import func, select

from casework.extensions import db
from casework.notifications.models import OutboxMessage, OutboxStatus

WAITING = (OutboxStatus.PENDING, OutboxStatus.SENDING)


def worker_heartbeat() -> datetime | None:
    """When the mail worker last said it was alive (UTC), None if never."""
    return None


def oldest_pending_mail() -> datetime | None:
    """When the oldest message still waiting to be sent was queued (UTC)."""
    return db.session.scalar(select(func.min(OutboxMessage.created_at))
                             .where(OutboxMessage.status.in_(WAITING)))


def mail_backlog() -> int:
    """How many messages are waiting to be sent."""
    return db.session.scalar(select(func.count()).select_from(OutboxMessage)
                             .where(OutboxMessage.status.in_(WAITING))) or 0
