"""A hotline call: who called, when, why, and what came of it."""

from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import DateTime, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from casework.accounts.models import User
from casework.accounts.roles import HOTLINE, has_role
from casework.cases.models import Case
from casework.core.crypto import EncryptedText
from casework.core.db import db_enum
from casework.core.labels import LabelledEnum
from casework.core.sealed import PHONE, SealedTable, keep_hash
from casework.extensions import db


class CallPurpose(LabelledEnum):
    COMPLAINT = "complaint", _l("Complaint")
    FOLLOW_UP = "follow_up", _l("Follow-up on a case")
    VOTING_QUESTION = "voting_question", _l("Question about voting")
    # A technical problem with electronic voting.
    EVOTING_PROBLEM = "evoting_problem", _l("E-voting technical problem")
    OTHER = "other", _l("Other")


class FoundBy(LabelledEnum):
    """How the console found a caller's case."""

    CODE = "code", _l("by tracking code")
    REFERENCE = "reference", _l("by case reference")
    NUMBER = "number", _l("by phone number")


class Call(db.Model):
    __tablename__ = "hotline_calls"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    operator_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    # E.164 (+77011234567), normalised with phonenumbers; None when the number was withheld.
    # Sealed; found by its hash (casework.core.sealed).
    caller_number: Mapped[str | None] = mapped_column(EncryptedText("hotline_calls.caller_number"))
    caller_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    started_at: Mapped[datetime] = mapped_column(DateTime)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime)
    language: Mapped[str] = mapped_column(String(5), default="kk")
    purpose: Mapped[CallPurpose] = mapped_column(db_enum(CallPurpose, "call_purpose"))
    # What the operator noted of the call (may name the caller): sealed.
    note: Mapped[str] = mapped_column(EncryptedText("hotline_calls.note"), default="")
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    complaint_id: Mapped[int | None] = mapped_column(ForeignKey("complaints.id"))
    # Set when the telephone system reported the call (cti.py): its call id, when the
    # operator picked up and when the line went down (the record is finished by the operator).
    pbx_call_id: Mapped[str | None] = mapped_column(String(120))
    answered_at: Mapped[datetime | None] = mapped_column(DateTime)
    hung_up_at: Mapped[datetime | None] = mapped_column(DateTime)
    hangup_cause: Mapped[str | None] = mapped_column(String(40))

    operator: Mapped[User] = relationship()
    case: Mapped[Case | None] = relationship()

    __table_args__ = (Index("ix_hotline_calls_operator_started", "operator_id", "started_at"),
                      Index("ix_hotline_calls_started", "started_at"),
                      # The PBX's id, once per operator: a ring group rings several with one id.
                      Index("uq_hotline_calls_pbx_operator", "pbx_call_id", "operator_id",
                            unique=True))

    def can_handle(self, user: Any) -> bool:
        """Only the operator who took a call records what came of it."""
        return has_role(user, HOTLINE) and user.id == self.operator_id

    @property
    def ringing(self) -> bool:
        """Reported ringing by the telephone system, not picked up (nor hung up) yet."""
        return (self.pbx_call_id is not None and self.answered_at is None
                and self.hung_up_at is None)

    @property
    def talk_seconds(self) -> int | None:
        """On the line: from the answer (or the start) to the hang-up; None while talking."""
        if self.hung_up_at is None:
            return None
        return max(0, int((self.hung_up_at - (self.answered_at or self.started_at))
                          .total_seconds()))

    @property
    def handling_seconds(self) -> int | None:
        if self.ended_at is None:
            return None
        return max(0, int((self.ended_at - self.started_at).total_seconds()))


keep_hash(Call.caller_number, "caller_hash", PHONE)
SEALED = SealedTable("hotline_calls", ("caller_number", "note"),
                     (("caller_hash", "caller_number", PHONE),))
