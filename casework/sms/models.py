"""SMS messages both ways, one row each, and the numbers that sent STOP.

The number (E.164) is sealed like every complainant's phone (`core/sealed.py`): encrypted in
`number`, found through its keyed hash `number_hash`, only by `number_is()`."""

from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, ColumnElement, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from casework.core.crypto import EncryptedText
from casework.core.db import db_enum, utcnow
from casework.core.labels import LabelledEnum
from casework.core.sealed import PHONE, SealedTable, hashes_of, keep_hash
from casework.extensions import db


class Direction(LabelledEnum):
    IN = "in", _l("Received")
    OUT = "out", _l("Sent")


class SmsState(LabelledEnum):
    RECEIVED = "received", _l("Received, not yet processed")  # stored before anything else
    COMPLAINT = "complaint", _l("Opened a complaint")
    FOLLOW_UP = "follow_up", _l("Added to the complaint")
    STATUS = "status", _l("Status query")
    STOP = "stop", _l("Stop replies")
    START = "start", _l("Resume replies")
    UNROUTED = "unrouted", _l("Not filed (no election open)")
    REPLY = "reply", _l("Reply")  # an outgoing message


class SmsMessage(db.Model):
    __tablename__ = "sms_messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    direction: Mapped[Direction] = mapped_column(db_enum(Direction, "sms_direction", length=5))
    # The mobile number, E.164 (+77011234567): the sender of an incoming message, the
    # recipient of an outgoing one. Read and matched only here and through number_is().
    number: Mapped[str] = mapped_column(EncryptedText("sms_messages.number"))
    number_hash: Mapped[str | None] = mapped_column(String(64))
    # The gateway's own id of an incoming message (Kannel's %I): the same message posted
    # twice is stored once.
    gateway_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    body: Mapped[str] = mapped_column(Text)
    coding: Mapped[int] = mapped_column(Integer, default=0)  # 0 GSM 7-bit, 1 8-bit, 2 UCS-2
    language: Mapped[str] = mapped_column(String(5), default="kk")
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    state: Mapped[SmsState] = mapped_column(db_enum(SmsState, "sms_state", length=20),
                                            default=SmsState.RECEIVED)
    # Over the per-number hourly or daily limit: kept and attached, never answered.
    over_limit: Mapped[bool] = mapped_column(Boolean, default=False)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    complaint_id: Mapped[int | None] = mapped_column(ForeignKey("complaints.id"))
    outbox_id: Mapped[int | None] = mapped_column(Integer)  # an outgoing message's outbox row
    sent_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # staff replies

    __table_args__ = (Index("ix_sms_messages_number_at", "number_hash", "at"),
                      Index("ix_sms_messages_state", "state"))


class SmsOptOut(db.Model):
    """A number that sent STOP: nothing is sent to it until it sends START."""

    __tablename__ = "sms_opt_outs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(EncryptedText("sms_opt_outs.number"))
    number_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


def number_is(model: Any, number: str) -> ColumnElement[bool]:
    """The one way to match a stored number (see the module's note)."""
    return model.number_hash.in_(hashes_of(PHONE, number))


keep_hash(SmsMessage.number, "number_hash", PHONE)
keep_hash(SmsOptOut.number, "number_hash", PHONE)
SEALED_MESSAGES = SealedTable("sms_messages", ("number",), (("number_hash", "number", PHONE),))
SEALED_OPT_OUTS = SealedTable("sms_opt_outs", ("number",), (("number_hash", "number", PHONE),))
