"""A claim on a message is a lease: a "sending" row whose claimed_at is older than
CASEWORK_OUTBOX_CLAIM_SECONDS belongs to nobody and is taken back by the next claim.

A worker that is really sending keeps its lease by moving claimed_at forward (Renewal),
so a long SMTP conversation is never taken from a live sender, while a killed worker, a
stuck job or a job lost with Redis gives the message back within one lease. Every move
is a compare-and-set on the value the holder last wrote: the holder is whoever wrote it.
"""

import logging
import threading
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import update

from casework.core.db import utcnow
from casework.extensions import db
from casework.notifications.models import OutboxMessage as Outbox
from casework.notifications.models import OutboxStatus

log = logging.getLogger("casework.notifications")
TICK = timedelta(microseconds=1)


def length() -> timedelta:
    """How long a claim holds without renewal (CASEWORK_OUTBOX_CLAIM_SECONDS)."""
    return timedelta(seconds=int(current_app.config["CASEWORK_OUTBOX_CLAIM_SECONDS"]))


def move(message_id: int, held: datetime) -> datetime | None:
    """Renew the claim we hold (claimed_at == held) to now; the new value, or None if the
    claim is no longer ours. The caller commits."""
    new = max(utcnow(), held + TICK)  # strictly later, so an old holder can never match
    won = db.session.execute(
        update(Outbox).where(Outbox.id == message_id, Outbox.status == OutboxStatus.SENDING,
                             Outbox.claimed_at == held).values(claimed_at=new),
        execution_options={"synchronize_session": False}).rowcount
    return new if won else None


class Renewal:
    """While the block runs (the SMTP conversation), a thread renews the lease every third
    of its length on its own connection. `held` is the claim's value when the block ends.

    The thread lives only inside the block: the process never forks while it runs (the
    RQ worker is a SimpleWorker, the embedded loop does not fork)."""

    def __init__(self, message_id: int, held: datetime) -> None:
        self.message_id = message_id
        self.held = held
        self._app = current_app._get_current_object()  # type: ignore[attr-defined]
        self._every = length().total_seconds() / 3
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, name="outbox-lease", daemon=True)

    def __enter__(self) -> "Renewal":
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._done.set()
        self._thread.join()

    def _run(self) -> None:
        with self._app.app_context():
            while not self._done.wait(self._every):
                try:
                    new = move(self.message_id, self.held)
                    db.session.commit()
                except Exception as exc:  # the next tick tries again; the lease may lapse
                    db.session.rollback()
                    log.warning("outbox %s: lease not renewed: %s", self.message_id,
                                type(exc).__name__)
                    continue
                if new is None:
                    log.warning("outbox %s: lease lost while sending", self.message_id)
                    return
                self.held = new
