"""The staff inbox: one row per thing a staff member is told (a case given to them, a
complainant's reply, a sanction or an appeal waiting for them, a deadline due tomorrow), and
each member's choice of which kinds also come by email."""

from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from casework.core.db import db_enum, utcnow
from casework.core.labels import LabelledEnum
from casework.extensions import db


class NotificationKind(LabelledEnum):
    ASSIGNED = "assigned", _l("A case was assigned to you")
    COMPLAINANT_REPLIED = "complainant_replied", _l("The complainant wrote or sent evidence")
    SANCTION_WAITING = "sanction_waiting", _l("A sanction waits for your approval")
    APPEAL_FILED = "appeal_filed", _l("An appeal was filed")
    DEADLINE_TOMORROW = "deadline_tomorrow", _l("A deadline of your case is due tomorrow")
    IDENTITY_REQUESTED = "identity_requested", _l("A member asks for a complainant's identity")


# Email unless the member turned it off: every kind asks them to act.
EMAIL_BY_DEFAULT = frozenset(NotificationKind)


class StaffNotification(db.Model):
    __tablename__ = "staff_notifications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    recipient_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[NotificationKind] = mapped_column(
        db_enum(NotificationKind, "notification_kind", length=30))
    # Plain ids and the reference, no relationship: the notifications area imports no area.
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    case_reference: Mapped[str | None] = mapped_column(String(40))
    sanction_id: Mapped[int | None] = mapped_column(Integer)
    # The same key twice is the same notice (a deadline: once per case, member and day).
    dedupe_key: Mapped[str | None] = mapped_column(String(120), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(DateTime)

    __table_args__ = (
        # The header's unread COUNT and the queue's markers read only this index.
        Index("ix_staff_notifications_unread", "recipient_id", "read_at", "case_id"),
        Index("ix_staff_notifications_newest", "recipient_id", "created_at", "id"),
    )

    def can_mark_read(self, user: Any) -> bool:
        return getattr(user, "id", None) == self.recipient_id


class NotificationPreference(db.Model):
    """A member's choice for one kind; no row means the default (EMAIL_BY_DEFAULT)."""

    __tablename__ = "notification_preferences"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True)
    kind: Mapped[NotificationKind] = mapped_column(
        db_enum(NotificationKind, "notification_kind", length=30), primary_key=True)
    email: Mapped[bool] = mapped_column(Boolean)
