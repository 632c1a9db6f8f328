"""The outbox: every outgoing email is a row first, delivered later with retries."""

from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import DateTime, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from casework.accounts.roles import OUTBOX
from casework.core.crypto import EncryptedText
from casework.core.db import db_enum, utcnow
from casework.core.labels import LabelledEnum
from casework.core.sealed import SealedTable
from casework.extensions import db


class OutboxStatus(LabelledEnum):
    PENDING = "pending", _l("Waiting")  # waiting for its next attempt
    SENDING = "sending", _l("Sending")  # claimed by a worker
    SENT = "sent", _l("Sent")
    FAILED = "failed", _l("Failed")  # gave up after the last attempt; staff can retry


# What an administrator may send again at once: never one a worker holds, nor one sent.
RETRYABLE = frozenset({OutboxStatus.PENDING, OutboxStatus.FAILED})


class Transport(LabelledEnum):
    """How a message leaves: SMTP (delivery.py), or a transport an area registers
    (transports.py; the SMS channel's Kannel gateway)."""

    EMAIL = "email", _l("Email")
    SMS = "sms", _l("SMS")


class MailKind(LabelledEnum):
    """The outbox's templates, named for the outbox page (a template not listed shows its path)."""

    ACKNOWLEDGMENT = "intake/acknowledgment", _l("Complaint acknowledgment")
    STATUS_CHANGED = "cases/status_changed", _l("Case status changed")
    MESSAGE = "cases/message", _l("Message to the complainant")
    DIGEST = "cases/digest", _l("Deadlines digest")
    INFECTED = "evidence/infected", _l("Infected evidence file")
    PASSWORD_RESET = "accounts/password_reset", _l("Password reset link")
    AUDIT_CHECKPOINT = "site/audit_checkpoint", _l("Audit checkpoint")
    STAFF_NOTICE = "staff/notification", _l("Staff notification")
    SMS_REPLY = "sms/reply", _l("SMS reply to a complainant")
    SMS_MESSAGE = "sms/message", _l("SMS message from the committee")


def mask_address(address: str) -> str:
    """Enough of an address to recognise it, not to copy it: "a***@example.kz"."""
    local, at, domain = address.rpartition("@")
    if not at:
        return address[:1] + "***"
    return f"{local[:1]}***@{domain}"


class OutboxMessage(db.Model):
    __tablename__ = "outbox_messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    transport: Mapped[Transport] = mapped_column(
        db_enum(Transport, "outbox_transport", length=10), default=Transport.EMAIL,
        server_default=Transport.EMAIL.value)
    # Same key twice means the same message: enqueueing again is a no-op.
    dedupe_key: Mapped[str] = mapped_column(String(120), unique=True)
    template: Mapped[str] = mapped_column(String(80))
    # Sealed: mail to complainants carries their address, name and tracking link.
    recipient: Mapped[str] = mapped_column(EncryptedText("outbox_messages.recipient"))
    language: Mapped[str] = mapped_column(String(5))
    subject: Mapped[str] = mapped_column(String(300))
    body_text: Mapped[str] = mapped_column(EncryptedText("outbox_messages.body_text"))
    message_id: Mapped[str] = mapped_column(String(200), unique=True)
    status: Mapped[OutboxStatus] = mapped_column(
        db_enum(OutboxStatus, "outbox_status", length=20),
        default=OutboxStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime)
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime)
    case_id: Mapped[int | None] = mapped_column(Integer, index=True)
    # Once sent, secrets (tracking codes, reset links) are masked out of subject and body;
    # this SHA-256 of what was sent ("subject\n\nbody") still proves its content.
    sent_sha256: Mapped[str | None] = mapped_column(String(64))

    __table_args__ = (Index("ix_outbox_due", "status", "next_attempt_at"),)

    @property
    def kind(self) -> MailKind | None:
        try:
            return MailKind(self.template)
        except ValueError:
            return None

    @property
    def masked_recipient(self) -> str:
        if self.transport is Transport.SMS:  # a phone number: its last two digits
            return "***" + self.recipient[-2:]
        return mask_address(self.recipient)

    def can_retry(self, user: Any) -> bool:
        """Send again now: a waiting or failed message, by whoever keeps the outbox."""
        return self.status in RETRYABLE and OUTBOX.can_open(user)


class WorkerHeartbeat(db.Model):
    """One row per running worker process, stamped every round: the health page reads
    the newest stamp to tell whether mail is moving."""

    __tablename__ = "worker_heartbeats"

    name: Mapped[str] = mapped_column(String(120), primary_key=True)  # host:pid
    host: Mapped[str] = mapped_column(String(100))
    pid: Mapped[int] = mapped_column(Integer)
    beat_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    mode: Mapped[str] = mapped_column(String(20))  # rq, loop, or fallback (RQ without Redis)


SEALED = SealedTable("outbox_messages", ("recipient", "body_text"))
