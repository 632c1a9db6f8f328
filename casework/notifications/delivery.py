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
from casework.notifications import lease, transports
from casework.notifications.models import OutboxMessage as Outbox
from casework.notifications.models import OutboxStatus, Transport
from casework.notifications.services import redact_sent

log = logging.getLogger("casework.notifications")

QUEUE = "casework"
QUEUE_ROOM = 50  # at most this many jobs wait in Redis, so each runs well within its lease
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
    """Mark up to `limit` due messages as ours (status sending, claimed_at = `now`, which is
    the claim's token), commit, return their ids. Due: pending and its time has come, or
    "sending" under a lease that ran out (lease.py). One statement; on PostgreSQL the rows
    are picked FOR UPDATE SKIP LOCKED so parallel workers never claim the same row; SQLite
    runs one writer at a time."""
    now = now or utcnow()
    due = or_(and_(Outbox.status == OutboxStatus.PENDING, Outbox.next_attempt_at <= now),
              and_(Outbox.status == OutboxStatus.SENDING,
                   Outbox.claimed_at < now - lease.length()))
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


def release(ids: list[int], token: datetime | None = None) -> None:
    """Give claimed, unattempted messages back (pending, due now); with `token`, only
    those still under that claim."""
    if ids:
        held = () if token is None else (Outbox.claimed_at == token,)
        _set(Outbox.id.in_(ids), Outbox.status == OutboxStatus.SENDING, *held,
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

    def __exit__(self, exc_type, exc_value, traceback) -> None:
        if self.host is None:
            return
        if exc_type is None:
            self.host.quit()
        else:  # interrupted (a timeout, a stuck server): no polite QUIT to wait on
            self.host.close()


def _permanent(exc: Exception) -> bool:
    """The server refused this message for good (5xx on its recipient or data). A 5xx on
    connect, HELO, login or MAIL FROM is our configuration: retried until it is fixed."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPDataError):
        return 500 <= exc.smtp_code < 600
    if isinstance(exc, transports.SendFailed):
        # Maybe sent: never again by itself, so a message is sent at most once.
        return exc.permanent or exc.maybe_sent
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


def _deliver(message_id: int, token: datetime | None = None) -> str:
    """Send one claimed message: "sent", "retry", "failed" or "skipped" (not ours).
    `token` is the claimed_at its claim wrote; None takes whatever claim the row holds."""
    row = db.session.execute(
        select(Outbox.status, Outbox.claimed_at, Outbox.attempts, Outbox.recipient,
               Outbox.subject, Outbox.body_text, Outbox.message_id, Outbox.transport,
               Outbox.language)
        .where(Outbox.id == message_id)).one_or_none()
    db.session.rollback()  # end the read: no transaction stays open while sending
    if row is None or row.status != OutboxStatus.SENDING or row.claimed_at is None:
        return "skipped"  # already sent, failed, or given back
    if token is not None and row.claimed_at != token:
        return "skipped"  # our lease ran out and the message was claimed again
    # Take the claim over by compare-and-set: of two jobs holding one claim, one sends.
    held = lease.move(message_id, row.claimed_at)
    db.session.commit()
    if held is None:
        return "skipped"
    renewal = lease.Renewal(message_id, held)
    accepted, failure = False, None
    try:
        mail = Message(subject=row.subject, recipients=[row.recipient], body=row.body_text,
                       sender=current_app.config["MAIL_DEFAULT_SENDER"],
                       extra_headers={"Auto-Submitted": "auto-generated",
                                      "X-Auto-Response-Suppress": "All"})
        mail.msgId = row.message_id  # Flask-Mail's one Message-ID: the same on every attempt
        with renewal:  # the lease is renewed while the server talks
            try:
                if row.transport is not Transport.EMAIL:  # a registered transport (SMS)
                    transports.sender(row.transport.value)(row.recipient, row.body_text,
                                                           row.language)
                    accepted = True
                else:
                    with _Connection(current_app.extensions["mail"]) as connection:
                        connection.send(mail)
                        accepted = True
            except Exception as exc:  # any failure reschedules the message; the worker goes on
                if not accepted:
                    failure = exc
                else:  # the server accepted the message and only QUIT failed: it is sent
                    log.warning("outbox %s: sent, closing the SMTP session failed: %s",
                                message_id, type(exc).__name__)
        if failure is not None:
            return _failed(message_id, row.attempts + 1, failure, renewal.held)
        # Marked sent right after the SMTP transaction. The remaining window: a crash or a
        # lost database between the server's 250 and this commit leaves the row "sending";
        # when its lease runs out it goes again with the same Message-ID, by which the
        # recipient's server or client can drop the duplicate.
        _set(Outbox.id == message_id, status=OutboxStatus.SENT, sent_at=utcnow(),
             claimed_at=None)
        redact_sent(message_id)  # in the same commit: no secret stays once it is sent
        db.session.commit()
        return "sent"
    except BaseException as exc:  # database, job timeout, a signal: never leave it "sending"
        _recover(message_id, row.attempts + 1, renewal.held, accepted, exc)
        raise


def _recover(message_id: int, attempts: int, held: datetime, accepted: bool,
             exc: BaseException) -> None:
    """A job interrupted mid-delivery: record what happened at once instead of waiting for
    the lease. If the database is away too, the lease gives the message back later."""
    try:
        db.session.rollback()
        if accepted:  # the server has it: sending it again would be the duplicate
            _set(Outbox.id == message_id, status=OutboxStatus.SENT, sent_at=utcnow(),
                 claimed_at=None)
            redact_sent(message_id)
            db.session.commit()
        else:
            _failed(message_id, attempts, exc, held)
    except Exception as again:
        db.session.rollback()
        log.warning("outbox %s: interrupted (%s) and not recorded (%s); its lease returns it",
                    message_id, type(exc).__name__, type(again).__name__)


def _failed(message_id: int, attempts: int, exc: BaseException, held: datetime) -> str:
    """Back to pending with its backoff, or failed for good; only while the claim is ours."""
    if not isinstance(exc, smtplib.SMTPException | OSError | BadHeaderError
                      | transports.SendFailed):
        log.error("outbox %s: unexpected error while sending", message_id, exc_info=exc)
    final = (isinstance(exc, Exception) and _permanent(exc)) \
        or attempts >= _setting("CASEWORK_OUTBOX_MAX_ATTEMPTS")
    db.session.rollback()
    _set(Outbox.id == message_id, Outbox.status == OutboxStatus.SENDING,
         Outbox.claimed_at == held,
         status=OutboxStatus.FAILED if final else OutboxStatus.PENDING,
         attempts=attempts, last_error=_describe(exc), claimed_at=None,
         next_attempt_at=utcnow() + (timedelta(0) if final else backoff(attempts)))
    db.session.commit()
    log.warning("outbox %s: attempt %d failed (%s)%s", message_id, attempts,
                type(exc).__name__, ", giving up" if final else "")
    return "failed" if final else "retry"


def deliver(message_id: int, token: datetime | None = None) -> bool:
    """Send one claimed message and record the outcome; True if the server accepted it."""
    return _deliver(message_id, token) == "sent"


def deliver_due(limit: int = 50, stop: threading.Event | None = None) -> dict[str, int]:
    """One round: claim what is due and send it; counts of sent, retry and failed."""
    counts = {"sent": 0, "retry": 0, "failed": 0}
    claimed = utcnow()
    ids = claim_due(limit, claimed)
    for index, message_id in enumerate(ids):
        # Shutting down, or the batch's lease half gone on slow sends: the rest is given
        # back, due again at once, rather than left to lapse under another worker.
        if (stop is not None and stop.is_set()) or utcnow() - claimed > lease.length() / 2:
            release(ids[index:], claimed)
            break
        outcome = _deliver(message_id, claimed)
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


# -- RQ mode: claims here, one job per message, run by rq_worker.py ---------------------
def enqueue_due_with_rq(redis_url, limit: int = QUEUE_ROOM) -> int:
    """Claim what is due and put one job per message on the "casework" queue; how many.
    Only tops the queue up to `limit` waiting jobs: a job waits within its claim's lease.
    `redis_url` is a URL or a Redis connection. If Redis fails, the messages not yet
    enqueued are given back, due again in the next round."""
    from redis import Redis
    from rq import Queue

    if isinstance(redis_url, str):
        with Redis.from_url(redis_url) as connection:
            return enqueue_due_with_rq(connection, limit)
    queue = Queue(QUEUE, connection=redis_url)
    room = limit - queue.count
    if room <= 0:
        return 0
    claimed = utcnow()
    ids = claim_due(room, claimed)
    # A job runs at most this long (SIGALRM in the worker); each SMTP step has its timeout.
    timeout = 4 * _setting("CASEWORK_SMTP_TIMEOUT") + 30
    for index, message_id in enumerate(ids):
        try:
            queue.enqueue(rq_deliver, message_id, claimed, result_ttl=0, job_timeout=timeout)
        except Exception:
            release(ids[index:], claimed)
            raise
    return len(ids)


def rq_deliver(message_id: int, token: datetime | None = None) -> bool:
    """The RQ job: send the message under the claim `token` (its claimed_at when it was
    enqueued; a job that outlived its lease finds another claim and does nothing). Uses
    the current app when there is one (the worker command), else creates the app once per
    process (a plain `rq worker`)."""
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
        return _deliver(message_id, token) == "sent"
