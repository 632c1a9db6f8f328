"""Sent mail keeps no secret: the tracking code (and a reset link) is masked in the row once
the SMTP server has accepted it, and a digest of what was sent is kept instead."""

import hashlib

from casework.extensions import db
from casework.intake import tracking
from casework.notifications.delivery import deliver_due
from casework.notifications.models import OutboxMessage, OutboxStatus
from casework.notifications.services import enqueue_email

CODE = tracking.derive_code("tests", "redaction")


def acknowledgment(recipient="voter@example.org") -> OutboxMessage:
    message = enqueue_email(template="intake/acknowledgment", recipient=recipient, language="ru",
                            context={"reference": "T2020-KAR-00042",
                                     "tracking_code": tracking.grouped(CODE),
                                     "track_url": "https://casework.example/track"},
                            dedupe_key=f"ack:{recipient}", case_id=42)
    db.session.commit()
    return message


def test_the_code_leaves_the_row_once_the_mail_is_sent(smtp_server):
    message = acknowledgment()
    subject, body = message.subject, message.body_text
    assert tracking.grouped(CODE) in body  # kept until sent: a retry needs it
    assert deliver_due()["sent"] == 1

    [email] = smtp_server.messages
    assert tracking.grouped(CODE) in email.get_content()  # the complainant got it
    db.session.expire_all()
    row = db.session.get(OutboxMessage, message.id)
    assert row.status == OutboxStatus.SENT
    assert tracking.grouped(CODE) not in row.body_text and CODE not in row.body_text
    assert "[redacted]" in row.body_text and "T2020-KAR-00042" in row.body_text
    assert row.sent_sha256 == hashlib.sha256(f"{subject}\n\n{body}".encode()).hexdigest()


def test_a_message_not_sent_keeps_its_text(smtp_server):
    smtp_server.stop()
    message = acknowledgment("later@example.org")
    assert deliver_due()["sent"] == 0
    db.session.expire_all()
    row = db.session.get(OutboxMessage, message.id)
    assert row.status == OutboxStatus.PENDING and tracking.grouped(CODE) in row.body_text
    assert row.sent_sha256 is None
