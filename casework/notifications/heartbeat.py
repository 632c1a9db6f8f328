"""The worker's heartbeat: one row per worker process, stamped every round (see health.py
for the reading side). Like delivery.py it is worker code, so it commits."""

import logging
import os
import socket
from datetime import timedelta

from sqlalchemy import delete, update

from casework.core.db import utcnow
from casework.extensions import db
from casework.notifications.models import WorkerHeartbeat

log = logging.getLogger("casework.notifications")

FORGET_AFTER = timedelta(days=1)  # rows of workers gone this long are removed


def worker_name() -> str:
    return f"{socket.gethostname()[:100]}:{os.getpid()}"


def beat(mode: str) -> None:
    """Stamp this worker's row (created on its first round). A database away must not stop
    the worker: the failure is logged and the next round tries again."""
    now, name = utcnow(), worker_name()
    try:
        changed = db.session.execute(
            update(WorkerHeartbeat).where(WorkerHeartbeat.name == name)
            .values(beat_at=now, mode=mode),
            execution_options={"synchronize_session": False}).rowcount
        if not changed:
            db.session.add(WorkerHeartbeat(name=name, host=socket.gethostname()[:100],
                                           pid=os.getpid(), beat_at=now, mode=mode))
            db.session.execute(delete(WorkerHeartbeat)
                               .where(WorkerHeartbeat.beat_at < now - FORGET_AFTER))
        db.session.commit()
    except Exception as exc:
        db.session.rollback()
        log.warning("worker heartbeat not recorded: %s", type(exc).__name__)
