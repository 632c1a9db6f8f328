"""Every inbound message is recorded once, with what became of it, and who may see and
handle it."""

from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import DateTime, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from casework.accounts.roles import INBOUND_MAIL, OFFICE, has_role
from casework.cases.models import Case
from casework.core.crypto import EncryptedText
from casework.core.db import db_enum, utcnow
from casework.core.labels import LabelledEnum
from casework.core.sealed import EMAIL, SealedTable, keep_hash
from casework.extensions import db


class InboundStatus(LabelledEnum):
    # Opened a new case.
    COMPLAINT = "complaint", _l("New complaint")
    # Added to an existing case.
    FOLLOW_UP = "follow_up", _l("Follow-up")
    # An auto-reply or bounce: recorded, never answered.
    AUTO_REPLY = "auto_reply", _l("Auto-reply or bounce")
    # Waiting for staff: oversized, malformed, unreadable, empty.
    QUARANTINED = "quarantined", _l("In quarantine")
    # Taken out of quarantine by staff and ingested.
    RELEASED = "released", _l("Released")
    # Staff decided it is not a complaint (kept, with the reason).
    DISCARDED = "discarded", _l("Discarded")


class InboundMail(db.Model):
    __tablename__ = "inbound_mail"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # The Message-ID header, or "sha256:<hash of the raw bytes>" when there is none.
    message_key: Mapped[str] = mapped_column(String(500), unique=True)
    # The raw message in evidence storage (indexed for retention, as preview_sha256).
    raw_sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(Integer)
    # Sealed; a reply in the sender's own thread is matched by its hash.
    sender: Mapped[str] = mapped_column(EncryptedText("inbound_mail.sender"), default="")
    sender_hash: Mapped[str | None] = mapped_column(String(64), index=True)
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

    # -- who may do what with this message (role groups from accounts.roles) -----------------

    def can_view(self, user: Any) -> bool:
        """The readers of inbound mail (the INBOUND_MAIL desk) whose regions cover the message's
        case; a message with no region yet (quarantine, an email complaint before screening)
        only staff with all regions."""
        if not INBOUND_MAIL.can_open(user):
            return False
        if user.all_regions:
            return True
        region = self.case.region if self.case is not None else None
        return region is not None and user.can_see_region(region)

    def can_manage(self, user: Any) -> bool:
        """Release it from quarantine or discard it: the office (secretary, chair, admin)."""
        return self.can_view(user) and has_role(user, OFFICE)


keep_hash(InboundMail.sender, "sender_hash", EMAIL)
SEALED = SealedTable("inbound_mail", ("sender",), (("sender_hash", "sender", EMAIL),))
