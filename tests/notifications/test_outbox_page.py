"""The outbox page: administrators see every message's delivery (never its text), filter by
status and send a waiting or failed one again at once, through a real SMTP server."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from casework.core.audit import AuditEntry
from casework.core.db import utcnow
from casework.extensions import db
from casework.notifications.delivery import deliver_due
from casework.notifications.models import OutboxMessage, OutboxStatus, mask_address
from casework.notifications.services import enqueue_email
from tests.plugin.data import csrf_from

CODE = "K7QM-3XRT-9PLD-W2HB"
CONTEXT = {"reference": "DEMO2020-KAR-00042", "tracking_code": CODE,
           "track_url": "https://casework.example/track", "committee": "Party Control Committee"}


def message(key: str, status: OutboxStatus = OutboxStatus.PENDING, **values) -> int:
    row = enqueue_email(template="intake/acknowledgment", recipient=f"{key}@example.org",
                        language="kk", context=CONTEXT, dedupe_key=key, case_id=42)
    db.session.execute(update(OutboxMessage).where(OutboxMessage.id == row.id)
                       .values(status=status, **values))
    db.session.commit()
    return row.id


def fresh(message_id: int) -> OutboxMessage:
    db.session.expire_all()
    return db.session.get(OutboxMessage, message_id)


@pytest.fixture
def outbox():
    future = utcnow() + timedelta(minutes=10)
    return {
        "failed": message("aigul", OutboxStatus.FAILED, attempts=12,
                          last_error="SMTPRecipientsRefused: 550 mailbox unavailable"),
        "pending": message("bolat", attempts=2, next_attempt_at=future,
                           last_error="ConnectionRefusedError: [Errno 111] Connection refused"),
        "sending": message("dana", OutboxStatus.SENDING, claimed_at=utcnow()),
        "sent": message("erlan", OutboxStatus.SENT, sent_at=utcnow()),
    }


@pytest.fixture
def admin(client, login, make_user):
    user = make_user("admin", email="admin@example.kz")
    assert login(client, user).status_code in (302, 303)
    return client


def retry(client, message_id: int, token: str | None = None):
    data = {"csrf_token": token or csrf_from(client, "/staff/outbox")}
    return client.post(f"/staff/outbox/{message_id}/retry", data=data)


def test_mask_address_keeps_the_first_letter_and_the_domain():
    assert mask_address("aigul.nurlanovna@mail.kz") == "a***@mail.kz"
    assert mask_address("not-an-address") == "n***"


def test_admin_sees_status_attempts_errors_and_never_a_text(admin, outbox):
    page = admin.get("/staff/outbox").get_data(as_text=True)
    for key in outbox:
        assert f'data-message="{outbox[key]}"' in page
    assert "a***@example.org" in page and "aigul@example.org" not in page
    assert "550 mailbox unavailable" in page and "Connection refused" in page
    assert CODE not in page and CONTEXT["reference"] not in page  # neither subject nor body
    assert page.count('class="retry"') == 2  # the failed and the waiting one
    failed = admin.get("/staff/outbox?status=failed").get_data(as_text=True)
    assert re.findall(r'data-message="(\d+)"', failed) == [str(outbox["failed"])]
    assert '<a href="/staff/outbox">' in page  # the staff menu's entry


@pytest.mark.parametrize("role", ["chair", "secretary", "reviewer", "operator", "auditor"])
def test_only_administrators_open_the_outbox(client, login, make_user, outbox, role):
    user = make_user(role)
    login(client, user)
    assert client.get("/staff/outbox").status_code == 403
    token = csrf_from(client, "/account")
    assert '<a href="/staff/outbox">' not in client.get("/account").get_data(as_text=True)
    assert client.post(f"/staff/outbox/{outbox['failed']}/retry",
                       data={"csrf_token": token}).status_code == 403
    assert fresh(outbox["failed"]).status is OutboxStatus.FAILED


def test_retry_now_sends_a_failed_message_at_the_next_round(admin, outbox, smtp_server):
    response = retry(admin, outbox["failed"])
    assert response.status_code == 302 and response.location.endswith("/staff/outbox")
    row = fresh(outbox["failed"])
    assert row.status is OutboxStatus.PENDING and row.next_attempt_at <= utcnow()
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "outbox.retry"))
    assert entry.object_id == str(outbox["failed"])
    assert entry.details == {"status": "failed", "attempts": 12}
    assert deliver_due()["sent"] == 1  # the waiting one is not due yet
    assert fresh(outbox["failed"]).status is OutboxStatus.SENT
    assert [m["To"] for m in smtp_server.messages] == ["aigul@example.org"]


def test_retry_now_brings_a_waiting_message_forward(admin, outbox):
    assert retry(admin, outbox["pending"]).status_code == 302
    row = fresh(outbox["pending"])
    assert row.status is OutboxStatus.PENDING and row.next_attempt_at <= utcnow()
    assert row.attempts == 2


@pytest.mark.parametrize("key", ["sending", "sent"])
def test_a_message_being_sent_or_sent_is_not_sent_again(admin, outbox, key):
    before = fresh(outbox[key]).status
    response = retry(admin, outbox[key])
    assert response.status_code == 302
    page = admin.get(response.location).get_data(as_text=True)
    assert "flash-error" in page
    assert fresh(outbox[key]).status is before
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "outbox.retry")) is None


def test_retry_needs_the_csrf_token(admin, outbox):
    assert admin.post(f"/staff/outbox/{outbox['failed']}/retry").status_code == 400
    assert fresh(outbox["failed"]).status is OutboxStatus.FAILED
    assert admin.post("/staff/outbox/999999/retry").status_code in (400, 404)
