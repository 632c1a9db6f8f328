"""What the health page reads (notifications/health.py), the heartbeat the worker writes
(notifications/heartbeat.py), and the lease's token: a job that outlived its claim."""

import os
from datetime import timedelta

from sqlalchemy import select, update

from casework.core.db import utcnow
from casework.extensions import db
from casework.notifications import health, heartbeat
from casework.notifications.delivery import claim_due, deliver
from casework.notifications.models import OutboxMessage, OutboxStatus, WorkerHeartbeat
from casework.notifications.services import enqueue_email
from casework.worker import worker_command

CONTEXT = {"reference": "DEMO2020-KAR-00042", "tracking_code": "K7QM-3XRT-9PLD-W2HB",
           "track_url": "https://casework.example/track", "committee": "Party Control Committee"}


def queued(count: int) -> list[int]:
    ids = [enqueue_email(template="intake/acknowledgment", recipient=f"v{n}@example.org",
                         language="en", context=CONTEXT, dedupe_key=f"h:{n}").id
           for n in range(count)]
    db.session.commit()
    return ids


def test_nothing_known_before_any_worker_or_mail():
    assert health.worker_heartbeat() is None
    assert health.oldest_pending_mail() is None
    assert health.mail_backlog() == 0


def test_backlog_counts_pending_and_sending_and_the_oldest_is_their_first(smtp_server):
    first, second, third, fourth = queued(4)
    past = utcnow() - timedelta(hours=3)
    db.session.execute(update(OutboxMessage).where(OutboxMessage.id == second)
                       .values(created_at=past))
    db.session.execute(update(OutboxMessage).where(OutboxMessage.id == first)
                       .values(created_at=past - timedelta(hours=1), status=OutboxStatus.SENT))
    db.session.execute(update(OutboxMessage).where(OutboxMessage.id == fourth)
                       .values(status=OutboxStatus.FAILED))
    db.session.commit()
    assert health.mail_backlog() == 2
    assert health.oldest_pending_mail() == past
    claim_due(limit=1)  # "sending" still waits
    assert health.mail_backlog() == 2 and health.oldest_pending_mail() == past


def test_the_newest_beat_of_any_worker_counts():
    old = utcnow() - timedelta(days=2)
    db.session.add(WorkerHeartbeat(name="gone:1", host="gone", pid=1, beat_at=old, mode="rq"))
    db.session.commit()
    assert health.worker_heartbeat() == old
    heartbeat.beat("loop")
    beat = db.session.get(WorkerHeartbeat, heartbeat.worker_name())
    assert beat.pid == os.getpid() and beat.mode == "loop"
    assert health.worker_heartbeat() == beat.beat_at > old
    # a worker gone for more than a day is forgotten when a new one first beats
    assert db.session.get(WorkerHeartbeat, "gone:1") is None


def test_a_second_beat_moves_the_same_row():
    heartbeat.beat("rq")
    first = health.worker_heartbeat()
    heartbeat.beat("fallback")
    rows = db.session.execute(select(WorkerHeartbeat.mode, WorkerHeartbeat.beat_at)).all()
    assert len(rows) == 1 and rows[0].mode == "fallback" and rows[0].beat_at >= first


def test_the_embedded_worker_beats_every_round(app, smtp_server, monkeypatch):
    monkeypatch.setitem(app.config, "REDIS_URL", None)
    queued(1)
    result = app.test_cli_runner().invoke(worker_command, ["--burst"])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(WorkerHeartbeat.mode)) == "loop"


def test_a_job_that_outlived_its_lease_leaves_the_new_claim_alone(app, smtp_server):
    [message_id] = queued(1)
    lease = timedelta(seconds=app.config["CASEWORK_OUTBOX_CLAIM_SECONDS"])
    first = utcnow() - lease - timedelta(seconds=1)
    db.session.execute(update(OutboxMessage).values(next_attempt_at=first))
    assert claim_due(now=first) == [message_id]  # its job waits, lost or late
    second = utcnow()
    assert claim_due(now=second) == [message_id]  # the lease ran out: claimed again
    assert deliver(message_id, first) is False  # the late job does nothing
    assert deliver(message_id, second) is True
    assert len(smtp_server.envelopes) == 1
