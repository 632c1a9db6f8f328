"""What the administrators see of the system on the dashboard: the evidence disk's free
space (new files are refused below CASEWORK_EVIDENCE_MIN_FREE_MB) and the mail waiting."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app

from casework.core.db import utcnow
from casework.evidence.storage import get_storage
from casework.notifications import health as mail_health


@dataclass
class SystemHealth:
    free_bytes: int | None  # None: the storage does not say (S3)
    min_free_bytes: int
    low_on_space: bool
    mail_backlog: int
    oldest_pending_age: timedelta | None
    worker_heartbeat: datetime | None


def health() -> SystemHealth:
    min_free = current_app.config.get("CASEWORK_EVIDENCE_MIN_FREE_MB", 0) * 2**20
    try:
        free = get_storage().free_bytes()
    except OSError:
        free = None
    oldest = mail_health.oldest_pending_mail()
    return SystemHealth(
        free_bytes=free, min_free_bytes=min_free,
        # Warn at twice the floor: time to add space before the first refused complaint.
        low_on_space=free is not None and free < 2 * min_free,
        mail_backlog=mail_health.mail_backlog(),
        oldest_pending_age=utcnow() - oldest if oldest else None,
        worker_heartbeat=mail_health.worker_heartbeat())
