"""The mail worker under faults, with real parts: `flask worker` processes, a redis-server
of the test's own, the test's database and a real SMTP server (aiosmtpd). The worker must
never hang, never exit, and never leave a message parked "sending"."""

import asyncio
import signal
import threading
import time

import pytest
from redis.client import PubSubWorkerThread
from sqlalchemy import select

from casework.core.db import utcnow
from casework.extensions import db
from casework.notifications import delivery
from casework.notifications.models import OutboxMessage, OutboxStatus, WorkerHeartbeat
from casework.notifications.services import enqueue_email
from tests.plugin.mail import Recorder

CONTEXT = {"reference": "DEMO2020-KAR-00042", "tracking_code": "K7QM-3XRT-9PLD-W2HB",
           "track_url": "https://casework.example/track", "committee": "Party Control Committee"}
LEASE = 2  # seconds: CASEWORK_OUTBOX_CLAIM_SECONDS for these tests


def queued(count: int, prefix: str = "ack") -> list[int]:
    ids = [enqueue_email(template="intake/acknowledgment", recipient=f"{prefix}{n}@example.org",
                         language="en", context=CONTEXT, dedupe_key=f"{prefix}:{n}").id
           for n in range(count)]
    db.session.commit()
    return ids


def statuses(ids: list[int]) -> list[OutboxStatus]:
    rows = dict(db.session.execute(select(OutboxMessage.id, OutboxMessage.status)
                                   .where(OutboxMessage.id.in_(ids))).all())
    db.session.rollback()  # no snapshot held while the worker writes
    return [rows[i] for i in ids]


def wait_for(check, timeout: float = 60, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def all_sent(ids: list[int], timeout: float = 60, worker=None) -> None:
    what = "delivery" + (f"; the worker said:\n{worker.output}" if worker else "")
    wait_for(lambda: set(statuses(ids)) == {OutboxStatus.SENT}, timeout, what)


def queue_length(own_redis) -> int:
    with own_redis.client() as connection:
        return connection.llen("rq:queue:casework")


def heartbeat_mode() -> str | None:
    mode = db.session.scalar(select(WorkerHeartbeat.mode)
                             .order_by(WorkerHeartbeat.beat_at.desc()).limit(1))
    db.session.rollback()
    return mode


class Blocking(Recorder):
    """Holds the first DATA until `release` is set, then refuses it (4xx, not recorded);
    every later message is accepted and recorded."""

    def __init__(self) -> None:
        super().__init__()
        self.entered = threading.Event()
        self.release = threading.Event()
        self.data_commands = 0

    async def handle_DATA(self, server, session, envelope):
        self.data_commands += 1
        if self.data_commands == 1:
            self.entered.set()
            while not self.release.is_set():
                await asyncio.sleep(0.05)
            return "451 4.3.0 Try again later"
        return await super().handle_DATA(server, session, envelope)


def blocking(smtp_server) -> Blocking:
    smtp_server.stop()
    smtp_server.recorder = Blocking()
    smtp_server.start()
    return smtp_server.recorder


# -- 1. no fork with locks ---------------------------------------------------------------

def test_every_start_with_a_filled_queue_delivers(smtp_server, own_redis, worker_process):
    """The worker starting with jobs already queued (a restart, a backlog) used to fork
    a work horse that hung on a lock held by its scheduler thread."""
    delivered = 0
    for start in range(5):
        ids = queued(3, prefix=f"start{start}-")
        assert delivery.enqueue_due_with_rq(own_redis.url) == 3
        assert queue_length(own_redis) == 3
        worker = worker_process(smtp_server.port, own_redis.url, outbox_claim_seconds=LEASE)
        all_sent(ids, timeout=45, worker=worker)
        assert worker.stop() == 0, worker.output
        delivered += 3
        assert len(smtp_server.envelopes) == delivered
    assert queue_length(own_redis) == 0


# -- 2. never exits on a lost Redis -----------------------------------------------------

def test_redis_outage_falls_back_to_the_embedded_loop_and_back(smtp_server, own_redis,
                                                               worker_process):
    worker = worker_process(smtp_server.port, own_redis.url, outbox_claim_seconds=LEASE)
    first = queued(1, prefix="before")
    all_sent(first)
    assert heartbeat_mode() == "rq"

    own_redis.stop()
    during = queued(2, prefix="during")
    all_sent(during)
    assert heartbeat_mode() == "fallback" and worker.alive()

    own_redis.start()
    wait_for(lambda: heartbeat_mode() == "rq", 40, "the return to RQ")
    after = queued(1, prefix="after")
    all_sent(after)
    assert heartbeat_mode() == "rq" and worker.alive()
    assert len(smtp_server.envelopes) == 4

    assert worker.stop() == 0
    output = worker.output
    assert output.count("Redis unreachable") == 1, output  # once per outage, not per try
    assert output.count("Redis is back") == 1, output
    assert "@example.org" not in output  # no recipient in the logs


# -- 3. a failed job gives its message back at once --------------------------------------

def test_a_job_timeout_gives_the_message_back_at_once(app, smtp_server, own_redis):
    from rq import Queue

    from casework.notifications.rq_worker import ChannelFreeWorker

    handler = blocking(smtp_server)
    [message_id] = queued(1)
    claimed = utcnow()
    assert delivery.claim_due(now=claimed) == [message_id]
    with own_redis.client() as connection:
        Queue(delivery.QUEUE, connection=connection).enqueue(
            delivery.rq_deliver, message_id, claimed, job_timeout=1, result_ttl=0)
        handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            worker = ChannelFreeWorker([delivery.QUEUE], connection=connection)
            worker.work(burst=True)
        finally:
            handler.release.set()
            for sig, previous in handlers.items():  # rq's worker installs its own
                signal.signal(sig, previous)
    # No command channel, so no thread for teardown to wait on (it waited up to 60 s).
    assert worker.pubsub is None
    assert not [t for t in threading.enumerate() if isinstance(t, PubSubWorkerThread)]
    row = db.session.get(OutboxMessage, message_id)
    assert row.status == OutboxStatus.PENDING and row.claimed_at is None
    assert row.attempts == 1 and "JobTimeoutException" in row.last_error
    assert row.next_attempt_at > utcnow()  # its backoff, not parked for a lease
    assert smtp_server.envelopes == []


def test_a_database_error_after_the_server_accepted_still_records_it_sent(app, smtp_server):
    """The mark-sent commit fails once: the job records it sent on a fresh transaction
    rather than leaving it "sending" (or sending it twice)."""
    from sqlalchemy import event
    from sqlalchemy.exc import OperationalError

    [message_id] = queued(1)
    failures = []

    def fail_once(conn, cursor, statement, parameters, context, executemany):
        if "sent_at" in statement and statement.lstrip().upper().startswith("UPDATE") \
                and not failures:
            failures.append(statement)
            raise OperationalError(statement, parameters, Exception("database went away"))

    event.listen(db.engine, "before_cursor_execute", fail_once)
    try:
        claimed = utcnow()
        delivery.claim_due(now=claimed)
        with pytest.raises(OperationalError):  # the job fails (RQ records it), the mail does not
            delivery.deliver(message_id, claimed)
    finally:
        event.remove(db.engine, "before_cursor_execute", fail_once)
    db.session.expire_all()
    row = db.session.get(OutboxMessage, message_id)
    assert failures and row.status == OutboxStatus.SENT and row.claimed_at is None
    assert len(smtp_server.envelopes) == 1


def test_jobs_lost_with_a_redis_restart_come_back_within_the_lease(smtp_server, own_redis,
                                                                   worker_process):
    ids = queued(3)
    assert delivery.enqueue_due_with_rq(own_redis.url) == 3
    own_redis.stop()  # no persistence: the jobs are gone, the rows stay "sending"
    own_redis.start()
    assert set(statuses(ids)) == {OutboxStatus.SENDING}
    started = time.monotonic()
    worker = worker_process(smtp_server.port, own_redis.url, outbox_claim_seconds=LEASE)
    all_sent(ids, timeout=30)
    assert time.monotonic() - started < 30
    assert len(smtp_server.envelopes) == 3
    assert worker.stop() == 0


# -- 5. a killed worker: the lease returns its message, delivered exactly once ----------

def test_a_killed_worker_loses_its_claim_and_the_message_goes_exactly_once(
        smtp_server, own_redis, worker_process):
    handler = blocking(smtp_server)
    [message_id] = queued(1)
    row = db.session.get(OutboxMessage, message_id)
    msgid = row.message_id
    db.session.rollback()
    first = worker_process(smtp_server.port, own_redis.url, outbox_claim_seconds=LEASE,
                           outbox_backoff_seconds=1)
    assert handler.entered.wait(60), first.output
    second = worker_process(smtp_server.port, own_redis.url, outbox_claim_seconds=LEASE,
                            outbox_backoff_seconds=1)
    # The first worker renews its lease while the server holds it: during three leases the
    # second one (running beside it) never takes the message.
    wait_for(lambda: heartbeat_count() == 2, 60, "the second worker's heartbeat")
    time.sleep(3 * LEASE)
    assert handler.data_commands == 1 and statuses([message_id]) == [OutboxStatus.SENDING]

    first.kill()  # SIGKILL mid-DATA: no chance to give anything back
    all_sent([message_id], timeout=10 * LEASE)
    handler.release.set()
    assert len(smtp_server.envelopes) == 1
    assert smtp_server.messages[0]["Message-ID"] == msgid
    assert handler.data_commands == 2 and second.alive()
    assert second.stop() == 0


def heartbeat_count() -> int:
    count = len(db.session.scalars(select(WorkerHeartbeat.name)).all())
    db.session.rollback()
    return count
