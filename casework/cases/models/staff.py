"""The committee's own records on a case: internal notes, conflicts of interest declared by
members, and the accused candidate's right of reply (notice and answer)."""

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from casework.accounts.models import User
from casework.cases.models.case import Case
from casework.core.db import db_enum, utcnow
from casework.core.labels import LabelledEnum
from casework.elections.models import Candidate
from casework.extensions import db


class CaseNote(db.Model):
    """An internal note of the committee: never shown to a complainant or the accused."""

    __tablename__ = "case_notes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    author: Mapped[User] = relationship()

    __table_args__ = (Index("ix_case_notes_case_created", "case_id", "created_at"),)


REASON_MAX = 1000  # a conflict declaration's reason


class ConflictDeclaration(db.Model):
    """A member's declared conflict of interest with a candidate: the member is then kept
    from assignment to, and voting on, the cases that accuse the candidate."""

    __tablename__ = "conflict_declarations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidates.id"), index=True)
    declared_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    reason: Mapped[str] = mapped_column(String(REASON_MAX))

    user: Mapped[User] = relationship()
    candidate: Mapped[Candidate] = relationship()

    __table_args__ = (UniqueConstraint("user_id", "candidate_id"),)


class NoticeMethod(LabelledEnum):
    """How the accused candidate was told of the case."""

    LETTER = "letter", _l("Letter")
    EMAIL = "email", _l("Email")
    PHONE = "phone", _l("Phone")
    IN_PERSON = "in_person", _l("In person")


class AccusedNotice(db.Model):
    """The accused candidate told of the case (the right of reply), and their answer; files
    they send are evidence items of the case with source "accused_reply"."""

    __tablename__ = "accused_notices"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidates.id"), index=True)
    notified_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    notified_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    method: Mapped[NoticeMethod] = mapped_column(db_enum(NoticeMethod, "notice_method"))
    reply_text: Mapped[str | None] = mapped_column(Text)
    replied_at: Mapped[datetime | None] = mapped_column(DateTime)

    case: Mapped[Case] = relationship()
    candidate: Mapped[Candidate] = relationship()
    notified_by: Mapped[User] = relationship()
