"""Every inbound message is recorded once, with what became of it."""

import enum
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from casework.cases.models import Case
from casework.core.db import db_enum, utcnow
from casework.extensions import db


class InboundStatus(enum.StrEnum):
    COMPLAINT = "complaint"  # opened a new case
    FOLLOW_UP = "follow_up"  # added to an existing case
    AUTO_REPLY = "auto_reply"  # an auto-reply or bounce: recorded, never answered
    QUARANTINED = "quarantined"  # waiting for staff: oversized, malformed, unreadable, empty
    RELEASED = "released"  # taken out of quarantine by staff and ingested
    DISCARDED = "discarded"  # staff decided it is not a complaint (kept, with the reason)


class InboundMail(db.Model):
    __tablename__ = "inbound_mail"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # The Message-ID header, or "sha256:<hash of the raw bytes>" when there is none.
    message_key: Mapped[str] = mapped_column(String(500), unique=True)
    raw_sha256: Mapped[str] = mapped_column(String(64))  # the raw message in evidence storage
    size: Mapped[int] = mapped_column(Integer)
    sender: Mapped[str] = mapped_column(String(320), default="")
    subject: Mapped[str] = mapped_column(String(500), default="")
    source: Mapped[str] = mapped_column(String(20))  # pipe, imap, file
    status: Mapped[InboundStatus] = mapped_column(db_enum(InboundStatus, "inbound_status"))
    reason: Mapped[str | None] = mapped_column(String(500))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    complaint_id: Mapped[int | None] = mapped_column(ForeignKey("complaints.id"))
    received_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    handled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    handled_at: Mapped[datetime | None] = mapped_column(DateTime)

    case: Mapped[Case | None] = relationship()

    __table_args__ = (Index("ix_inbound_mail_status_received", "status", "received_at"),)
