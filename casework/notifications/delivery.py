"""Delivering the outbox: claim due messages, send each through SMTP, retry with backoff.

This module is a worker, the one place besides views and CLI commands that commits:
each step in its own short transaction, none open while talking to the SMTP server.
A failure only moves a message's next attempt. See _deliver() on sending twice.
"""

import logging
import os
import smtplib
import threading
from collections.abc import Callable
from datetime import datetime, timedelta

from flask import current_app, has_app_context
from flask_mail import BadHeaderError, Connection, Message
from sqlalchemy import and_, or_, select, update

from casework.core.db import utcnow
from casework.extensions import db
from casework.notifications.models import OutboxMessage as Outbox
from casework.notifications.models import OutboxStatus
from casework.notifications.services import redact_sent

log = logging.getLogger("casework.notifications")

QUEUE = "casework"
STALE_CLAIM = timedelta(minutes=10)  # a "sending" row this old belongs to a dead worker
_IMPORT_PID = os.getpid()
_app = None  # the app of a standalone RQ job process, created once


def _setting(name: str) -> int:
    """A number of the outbox settings (their defaults are in casework/config.py)."""
    return int(current_app.config[name])


def backoff(attempts: int) -> timedelta:
    """Wait before the next attempt after `attempts` failures: base * 2^(n-1), at most 1 h."""
    base = _setting("CASEWORK_OUTBOX_BACKOFF_SECONDS")
    return min(timedelta(seconds=base * 2 ** min(max(attempts - 1, 0), 20)), timedelta(hours=1))


def claim_due(limit: int = 50, now: datetime | None = None) -> list[int]:
    """Mark up to `limit` due messages as ours (status sending), commit, return their ids.
    Due: pending and its time has come, or "sending" under a claim older than STALE_CLAIM.
    One statement; on PostgreSQL the rows are picked FOR UPDATE SKIP LOCKED so parallel
    workers never claim the same row; SQLite runs one writer at a time."""
    now = now or utcnow()
    due = or_(and_(Outbox.status == OutboxStatus.PENDING, Outbox.next_attempt_at <= now),
              and_(Outbox.status == OutboxStatus.SENDING, Outbox.claimed_at < now - STALE_CLAIM))
    pick = select(Outbox.id).where(due).order_by(Outbox.next_attempt_at, Outbox.id).limit(limit)
    if db.session.get_bind().dialect.name == "postgresql":
        pick = pick.with_for_update(skip_locked=True)
    claimed = db.session.execute(
        update(Outbox).where(Outbox.id.in_(pick))
        .values(status=OutboxStatus.SENDING, claimed_at=now).returning(Outbox.id),
        execution_options={"synchronize_session": False},
    ).scalars().all()
    db.session.commit()
    return sorted(claimed)


def _set(*where, **values) -> int:
    """UPDATE the rows matching `where`; how many changed. The caller commits."""
    return db.session.execute(update(Outbox).where(*where).values(**values),
                              execution_options={"synchronize_session": False}).rowcount


def release(ids: list[int]) -> None:
    """Give claimed, unattempted messages back (pending, due now)."""
    if ids:
        _set(Outbox.id.in_(ids), Outbox.status == OutboxStatus.SENDING,
             status=OutboxStatus.PENDING, claimed_at=None)
    db.session.commit()


class _Connection(Connection):
    """Flask-Mail's connection with a socket timeout: a silent server must not hang us."""

    def configure_host(self) -> smtplib.SMTP:
        smtp = smtplib.SMTP_SSL if self.mail.use_ssl else smtplib.SMTP
        host = smtp(self.mail.server, self.mail.port, timeout=_setting("CASEWORK_SMTP_TIMEOUT"))
        if self.mail.use_tls:
            host.starttls()
        if self.mail.username and self.mail.password:
            host.login(self.mail.username, self.mail.password)
        return host


def _permanent(exc: Exception) -> bool:
    """The server refused this message for good (5xx on its recipient or data). A 5xx on
    connect, HELO, login or MAIL FROM is our configuration: retried until it is fixed."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPDataError):
        return 500 <= exc.smtp_code < 600
    return isinstance(exc, BadHeaderError)


def _describe(exc: Exception) -> str:
    """Exception class and a short reason; never the message body or the recipient."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        replies = list(exc.recipients.values())
    elif isinstance(exc, smtplib.SMTPResponseException):
        replies = [(exc.smtp_code, exc.smtp_error)]
    else:
        replies = [("", str(exc))]
    reason = "; ".join(f"{code} {text.decode('utf-8', 'replace') if isinstance(text, bytes) else text}"
                       for code, text in replies)
    return " ".join(f"{type(exc).__name__}: {reason}".split())[:300]


def _deliver(message_id: int) -> str:
    """Send one claimed message: "sent", "retry", "failed" or "skipped" (not ours)."""
    row = db.session.execute(
        select(Outbox.status, Outbox.claimed_at, Outbox.attempts, Outbox.recipient,
               Outbox.subject, Outbox.body_text, Outbox.message_id)
        .where(Outbox.id == message_id)).one_or_none()
    db.session.rollback()  # end the read: no transaction stays open while sending
    if row is None or row.status != OutboxStatus.SENDING or row.claimed_at is None:
        return "skipped"  # already sent, failed, or given back
    # Take the claim over by compare-and-set: if two jobs hold one claim (an RQ job that
    # waited past STALE_CLAIM, enqueued again), one sends. It restarts the stale timer.
    started = max(utcnow(), row.claimed_at + timedelta(microseconds=1))
    won = _set(Outbox.id == message_id, Outbox.status == OutboxStatus.SENDING,
               Outbox.claimed_at == row.claimed_at, claimed_at=started)
    db.session.commit()
    if not won:
        return "skipped"
    mail = Message(subject=row.subject, recipients=[row.recipient], body=row.body_text,
                   sender=current_app.config["MAIL_DEFAULT_SENDER"],
                   extra_headers={"Auto-Submitted": "auto-generated",
                                  "X-Auto-Response-Suppress": "All"})
    mail.msgId = row.message_id  # Flask-Mail's one Message-ID header: the same on every attempt
    accepted = False
    try:
        with _Connection(current_app.extensions["mail"]) as connection:
            connection.send(mail)
            accepted = True
    except Exception as exc:  # any failure reschedules the message; the worker goes on
        if not accepted:
            return _failed(message_id, row.attempts + 1, exc)
        # The server accepted the message and only QUIT failed: it is sent.
        log.warning("outbox %s: sent, closing the SMTP session failed: %s", message_id,
                    type(exc).__name__)
    # Marked sent right after the SMTP transaction. The remaining window: a crash or a lost
    # database between the server's 250 and this commit leaves the row "sending"; after
    # STALE_CLAIM it goes again with the same Message-ID, by which the recipient's server
    # or client can drop the duplicate.
    _set(Outbox.id == message_id, status=OutboxStatus.SENT, sent_at=utcnow(), claimed_at=None)
    redact_sent(message_id)  # in the same commit: no secret stays once it is sent
    db.session.commit()
    return "sent"


def _failed(message_id: int, attempts: int, exc: Exception) -> str:
    if not isinstance(exc, smtplib.SMTPException | OSError | BadHeaderError):
        log.exception("outbox %s: unexpected error while sending", message_id)
    final = _permanent(exc) or attempts >= _setting("CASEWORK_OUTBOX_MAX_ATTEMPTS")
    db.session.rollback()
    _set(Outbox.id == message_id, status=OutboxStatus.FAILED if final else OutboxStatus.PENDING,
         attempts=attempts, last_error=_describe(exc), claimed_at=None,
         next_attempt_at=utcnow() + (timedelta(0) if final else backoff(attempts)))
    db.session.commit()
    log.warning("outbox %s: attempt %d failed (%s)%s", message_id, attempts,
                type(exc).__name__, ", giving up" if final else "")
    return "failed" if final else "retry"


def deliver(message_id: int) -> bool:
    """Send one claimed message and record the outcome; True if the server accepted it."""
    return _deliver(message_id) == "sent"


def deliver_due(limit: int = 50, stop: threading.Event | None = None) -> dict[str, int]:
    """One round: claim what is due and send it; counts of sent, retry and failed."""
    counts = {"sent": 0, "retry": 0, "failed": 0}
    ids = claim_due(limit)
    for index, message_id in enumerate(ids):
        if stop is not None and stop.is_set():
            release(ids[index:])  # shutting down: the rest is due again at once
            break
        outcome = _deliver(message_id)
        if outcome in counts:
            counts[outcome] += 1
    return counts


def run_loop(*, burst: bool, interval: float = 2.0, stop: threading.Event | None = None,
             on_round: Callable[[dict[str, int]], None] | None = None,
             periodic: Callable[[], object] | None = None) -> None:
    """The embedded worker. With `burst`, return once nothing is due; otherwise wait
    `interval` seconds after a round with nothing to do, until `stop` is set. `periodic`
    runs before every round (it decides itself whether anything is due)."""
    stop = stop or threading.Event()
    while not stop.is_set():
        if periodic is not None:
            periodic()
        try:
            counts = deliver_due(stop=stop)
        except Exception:  # the database is away: wait and try again, nothing is lost
            db.session.rollback()
            if burst:
                raise
            log.exception("outbox round failed; retrying in %.1f s", interval)
            counts = {}
        if any(counts.values()):
            if on_round:
                on_round(counts)
        elif burst:
            return
        else:
            stop.wait(interval)


# -- RQ mode: claims here, one job per message, run by an rq worker (see cli.py) --------
def enqueue_due_with_rq(redis_url, limit: int = 200) -> int:
    """Claim what is due and put one job per message on the "casework" queue; how many.
    `redis_url` is a URL or a Redis connection. If Redis fails, the messages not yet
    enqueued are given back, due again in the next round."""
    from redis import Redis
    from rq import Queue

    connection = Redis.from_url(redis_url) if isinstance(redis_url, str) else redis_url
    queue = Queue(QUEUE, connection=connection)
    ids = claim_due(limit)
    for index, message_id in enumerate(ids):
        try:
            queue.enqueue(rq_deliver, message_id, result_ttl=0)
        except Exception:
            release(ids[index:])
            raise
    return len(ids)


def rq_deliver(message_id: int) -> bool:
    """The RQ job. Uses the current app when there is one (the worker command, whose
    context a forked work horse inherits), else creates the app once per process."""
    global _app
    if has_app_context():
        app = current_app._get_current_object()  # type: ignore[attr-defined]
    else:
        from casework import create_app

        app = _app = _app or create_app()
    with app.app_context():
        if os.getpid() != _IMPORT_PID:
            # A forked work horse: the parent's pooled connections are not ours to use.
            db.engine.dispose(close=False)
        return deliver(message_id)
