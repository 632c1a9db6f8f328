"""The outbox: written with the change, rendered in the recipient's language, delivered
through a real SMTP server with retries; none lost, none sent twice."""

import os
import signal
import threading
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from flask_babel import get_locale
from sqlalchemy import func, select, update

from casework.core.db import utcnow
from casework.extensions import db
from casework.notifications import delivery
from casework.notifications.delivery import claim_due, deliver, deliver_due, run_loop
from casework.notifications.models import OutboxMessage, OutboxStatus
from casework.notifications.services import enqueue_email
from casework.worker import worker_command

REDIS_URL = os.environ.get("CASEWORK_TEST_REDIS_URL")
CONTEXT = {"reference": "DEMO2020-KAR-00042", "tracking_code": "K7QM-3XRT-9PLD-W2HB",
           "track_url": "https://casework.example/track", "committee": "Party Control Committee"}


def acknowledge(key: str = "ack:1", recipient: str = "voter@example.org", language: str = "en"):
    return enqueue_email(template="intake/acknowledgment", recipient=recipient,
                         language=language, context=CONTEXT, dedupe_key=key, case_id=42)


def queued(count: int, **kwargs) -> list[int]:
    ids = [acknowledge(f"ack:{n}", recipient=f"voter{n}@example.org", **kwargs).id
           for n in range(count)]
    db.session.commit()
    return ids


def fresh(message_id: int) -> OutboxMessage:
    db.session.expire_all()
    return db.session.get(OutboxMessage, message_id)


def make_due(message_id: int) -> None:
    """Time passes: the message's next attempt is now."""
    db.session.execute(update(OutboxMessage).where(OutboxMessage.id == message_id)
                       .values(next_attempt_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()


def outbox_count() -> int:
    return db.session.scalar(select(func.count()).select_from(OutboxMessage))


# -- enqueue ---------------------------------------------------------------------------

def test_enqueue_renders_in_the_recipients_language(email_catalogs):
    subjects = {}
    for language in ("kk", "ru", "en"):
        message = acknowledge(f"ack:{language}", language=language)
        assert message.language == language and message.status == OutboxStatus.PENDING
        assert CONTEXT["tracking_code"] in message.body_text
        assert CONTEXT["reference"] in message.body_text and CONTEXT["track_url"] in message.body_text
        assert CONTEXT["reference"] in message.subject and "\n" not in message.subject
        subjects[language] = message.subject
    assert subjects["en"] == "Your complaint is registered as case DEMO2020-KAR-00042"
    assert subjects["kk"] == "Шағымыңыз DEMO2020-KAR-00042 ісі ретінде тіркелді"
    assert subjects["ru"] == "Ваша жалоба зарегистрирована как дело DEMO2020-KAR-00042"
    body_kk = db.session.scalar(select(OutboxMessage.body_text)
                                .where(OutboxMessage.dedupe_key == "ack:kk"))
    assert "Бақылау кодыңыз:" in body_kk


def test_unknown_language_falls_back_to_kazakh_and_message_id_uses_the_mail_domain(app, monkeypatch):
    monkeypatch.setitem(app.config, "CASEWORK_MAIL_DOMAIN", "pcc.example")
    message = acknowledge(language="de")
    assert message.language == "kk"
    assert message.message_id.startswith("<") and message.message_id.endswith("@pcc.example>")


def test_dedupe_key_gives_one_message_only():
    first = acknowledge("ack:case:42")
    db.session.commit()
    assert first is not None
    assert acknowledge("ack:case:42", language="ru") is None
    assert acknowledge("ack:case:42") is None  # also while uncommitted in the same session
    db.session.commit()
    assert outbox_count() == 1


def test_enqueue_is_part_of_the_callers_transaction():
    acknowledge("ack:rolled-back")
    db.session.rollback()  # the change that caused it failed: no message either
    assert outbox_count() == 0


def test_enqueue_in_a_request_leaves_the_pages_language_alone(app):
    with app.test_request_context("/", headers={"Accept-Language": "ru"}):
        assert str(get_locale()) == "ru"
        message = acknowledge(language="en")
        assert message.subject.startswith("Your complaint")
        assert str(get_locale()) == "ru"


def test_status_changed_template_renders_with_and_without_a_message():
    context = {"reference": "DEMO2020-KAR-00042", "status_label": "Under review",
               "track_url": "https://casework.example/track"}
    with_note = enqueue_email(template="cases/status_changed", recipient="v@example.org",
                              language="en", dedupe_key="status:1",
                              context={**context, "message": "Please send the photo."})
    without = enqueue_email(template="cases/status_changed", recipient="v@example.org",
                            language="en", dedupe_key="status:2", context=context)
    assert with_note.subject == "Case DEMO2020-KAR-00042: Under review"
    assert "Please send the photo." in with_note.body_text
    assert "Message from the committee" not in without.body_text
    assert "\n\n\n" not in with_note.body_text and "\n\n\n" not in without.body_text


# -- delivery --------------------------------------------------------------------------

def test_deliver_due_sends_through_the_smtp_server(app, smtp_server):
    [message_id] = queued(1)
    stored = fresh(message_id)
    assert deliver_due() == {"sent": 1, "retry": 0, "failed": 0}

    [envelope] = smtp_server.envelopes
    assert envelope.rcpt_tos == ["voter0@example.org"]
    assert envelope.mail_from == app.config["MAIL_DEFAULT_SENDER"]
    [email] = smtp_server.messages
    assert email.get_all("Message-ID") == [stored.message_id]
    assert email["Auto-Submitted"] == "auto-generated"
    assert email["Subject"] == stored.subject
    assert CONTEXT["tracking_code"] in email.get_content()
    sent = fresh(message_id)
    assert sent.status == OutboxStatus.SENT and sent.attempts == 0
    assert sent.sent_at is not None and sent.claimed_at is None
    assert deliver_due() == {"sent": 0, "retry": 0, "failed": 0}
    assert len(smtp_server.envelopes) == 1


def test_smtp_down_waits_and_then_delivers_exactly_once(smtp_server):
    smtp_server.stop()
    [message_id] = queued(1)
    before = utcnow()
    assert deliver_due() == {"sent": 0, "retry": 1, "failed": 0}
    after = utcnow()

    waiting = fresh(message_id)
    assert waiting.status == OutboxStatus.PENDING and waiting.attempts == 1
    assert before + timedelta(seconds=30) <= waiting.next_attempt_at <= after + timedelta(seconds=30)
    assert waiting.last_error.startswith("ConnectionRefusedError")
    assert CONTEXT["tracking_code"] not in waiting.last_error

    smtp_server.start()
    assert deliver_due() == {"sent": 0, "retry": 0, "failed": 0}  # not due yet
    assert smtp_server.envelopes == []

    make_due(message_id)
    assert deliver_due() == {"sent": 1, "retry": 0, "failed": 0}
    assert deliver_due() == {"sent": 0, "retry": 0, "failed": 0}
    assert len(smtp_server.envelopes) == 1
    delivered = fresh(message_id)
    assert delivered.status == OutboxStatus.SENT and delivered.attempts == 1


def test_backoff_doubles_up_to_an_hour(app, monkeypatch):
    assert [delivery.backoff(n).total_seconds() for n in (1, 2, 3, 4)] == [30, 60, 120, 240]
    assert delivery.backoff(8) == delivery.backoff(50) == timedelta(hours=1)
    monkeypatch.setitem(app.config, "CASEWORK_OUTBOX_BACKOFF_SECONDS", 5)
    assert delivery.backoff(2) == timedelta(seconds=10)


def test_gives_up_after_max_attempts(app, smtp_server, monkeypatch):
    monkeypatch.setitem(app.config, "CASEWORK_OUTBOX_MAX_ATTEMPTS", 3)
    smtp_server.stop()
    [message_id] = queued(1)
    outcomes = []
    for _ in range(3):
        outcomes.append(deliver_due())
        make_due(message_id)
    assert [o["retry"] for o in outcomes] == [1, 1, 0] and outcomes[-1]["failed"] == 1
    failed = fresh(message_id)
    assert failed.status == OutboxStatus.FAILED and failed.attempts == 3
    assert claim_due() == []  # staff decide about failed messages; the worker does not


def test_permanent_refusal_fails_at_once(smtp_server):
    [message_id] = queued(1)
    db.session.execute(update(OutboxMessage).values(recipient="refused@example.org"))
    db.session.commit()
    assert deliver_due() == {"sent": 0, "retry": 0, "failed": 1}
    failed = fresh(message_id)
    assert failed.status == OutboxStatus.FAILED and failed.attempts == 1
    assert "550" in failed.last_error and "refused@example.org" not in failed.last_error
    assert smtp_server.envelopes == []


def test_a_claim_whose_lease_ran_out_is_taken_again(app, smtp_server):
    old, recent = queued(2)
    now, lease = utcnow(), app.config["CASEWORK_OUTBOX_CLAIM_SECONDS"]
    for message_id, claimed in ((old, now - timedelta(seconds=lease + 1)),
                                (recent, now - timedelta(seconds=lease - 30))):
        db.session.execute(update(OutboxMessage).where(OutboxMessage.id == message_id)
                           .values(status=OutboxStatus.SENDING, claimed_at=claimed))
    db.session.commit()
    assert claim_due() == [old]
    assert deliver(old) is True
    assert fresh(recent).status == OutboxStatus.SENDING  # its worker may still be sending


def test_deliver_sends_only_what_is_claimed_and_only_once(smtp_server):
    [message_id] = queued(1)
    assert deliver(message_id) is False  # pending, not claimed by this worker
    assert claim_due() == [message_id]
    assert deliver(message_id) is True
    assert deliver(message_id) is False  # a second job for the same message
    assert len(smtp_server.envelopes) == 1


def test_stopping_mid_round_gives_the_claims_back(smtp_server):
    ids = queued(3)
    stop = threading.Event()
    stop.set()
    assert deliver_due(stop=stop) == {"sent": 0, "retry": 0, "failed": 0}
    assert {fresh(i).status for i in ids} == {OutboxStatus.PENDING}
    assert claim_due() == ids


def test_claims_never_overlap():
    ids = queued(10)
    first, second, third = claim_due(limit=4), claim_due(limit=4), claim_due(limit=4)
    assert len(first) == 4 and len(second) == 4 and len(third) == 2
    assert sorted(first + second + third) == sorted(ids)
    assert claim_due() == []


def test_concurrent_claims_on_postgresql_never_overlap(app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("concurrent claiming needs PostgreSQL (CASEWORK_TEST_DATABASE_URL)")
    for n in range(300):
        db.session.add(OutboxMessage(
            dedupe_key=f"bulk:{n}", template="intake/acknowledgment", recipient=f"v{n}@example.org",
            language="en", subject="s", body_text="b", message_id=f"<bulk{n}@casework.local>"))
    db.session.commit()
    barrier, claims, errors = threading.Barrier(4), [[] for _ in range(4)], []

    def claimer(index: int) -> None:
        try:
            with app.app_context():
                barrier.wait()
                while ids := claim_due(limit=7):
                    claims[index].extend(ids)
        except Exception as exc:  # reported in the main thread
            errors.append(exc)

    threads = [threading.Thread(target=claimer, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    every = [i for claim in claims for i in claim]
    assert len(every) == len(set(every)) == 300
    assert sum(1 for claim in claims if claim) > 1  # they really ran side by side


# -- the worker ------------------------------------------------------------------------

def test_run_loop_burst_stops_when_nothing_is_due(smtp_server):
    queued(3)
    rounds = []
    run_loop(burst=True, on_round=rounds.append)
    assert rounds == [{"sent": 3, "retry": 0, "failed": 0}]
    assert len(smtp_server.envelopes) == 3


def test_run_loop_burst_with_smtp_down_leaves_messages_waiting(smtp_server):
    smtp_server.stop()
    ids = queued(2)
    rounds = []
    run_loop(burst=True, on_round=rounds.append)
    assert rounds == [{"sent": 0, "retry": 2, "failed": 0}]
    assert {fresh(i).status for i in ids} == {OutboxStatus.PENDING}


def test_run_loop_keeps_going_until_stopped(smtp_server):
    queued(1)
    stop = threading.Event()
    timer = threading.Timer(0.3, stop.set)
    timer.start()
    run_loop(burst=False, interval=0.05, stop=stop)
    timer.join()
    assert len(smtp_server.envelopes) == 1


def test_worker_cli_burst(app, smtp_server, monkeypatch):
    monkeypatch.setitem(app.config, "REDIS_URL", None)
    queued(2)
    handler = signal.getsignal(signal.SIGTERM)
    result = app.test_cli_runner().invoke(worker_command, ["--burst"])
    assert result.exit_code == 0, result.output
    assert result.output == "outbox: sent=2 retry=0 failed=0\n"
    assert "@example.org" not in result.output
    assert len(smtp_server.envelopes) == 2
    assert signal.getsignal(signal.SIGTERM) is handler
    again = app.test_cli_runner().invoke(worker_command, ["--burst"])
    assert again.output == "outbox: nothing due\n"


# -- RQ mode ---------------------------------------------------------------------------

@pytest.fixture
def rq_redis():
    """Redis database 15, with the "casework" queue's keys removed before and after."""
    if not REDIS_URL:
        pytest.skip("RQ mode needs Redis: set CASEWORK_TEST_REDIS_URL=redis://127.0.0.1:6379/15")
    from redis import Redis

    url = urlsplit(REDIS_URL)._replace(path="/15").geturl()
    connection = Redis.from_url(url)

    def flush() -> None:
        for key in connection.scan_iter(match="rq:*casework*"):
            connection.delete(key)
        connection.delete("rq:queues")

    flush()
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    yield url, connection
    for sig, handler in handlers.items():  # rq's worker installs its own
        signal.signal(sig, handler)
    flush()
    connection.close()


def test_worker_burst_delivers_through_rq(app, smtp_server, rq_redis, monkeypatch):
    url, connection = rq_redis
    monkeypatch.setitem(app.config, "REDIS_URL", url)
    [message_id] = queued(1)
    result = app.test_cli_runner().invoke(worker_command, ["--burst"])
    assert result.exit_code == 0, result.output
    assert "outbox: enqueued=1" in result.output
    assert fresh(message_id).status == OutboxStatus.SENT
    assert len(smtp_server.envelopes) == 1
    assert connection.llen("rq:queue:casework") == 0
    again = app.test_cli_runner().invoke(worker_command, ["--burst"])
    assert "outbox: enqueued=0" in again.output and len(smtp_server.envelopes) == 1
