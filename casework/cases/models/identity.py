"""The identity custodian: who keeps the complainants' identities of an election, and the
requests to see one case's named complainants (asked with a reason, decided by a custodian
who is not the requester, lasting a limited time, for that case and that requester only)."""

from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from casework.accounts.models import User
from casework.accounts.roles import COMMITTEE, CUSTODIANS, has_role
from casework.cases.models.case import Case
from casework.core.db import db_enum, utcnow
from casework.core.labels import LabelledEnum
from casework.extensions import db

REASON_MAX = 1000


class IdentityCustodian(db.Model):
    """A committee member designated to decide identity requests of one election (the chair
    decides them by role)."""

    __tablename__ = "identity_custodians"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    election_id: Mapped[int] = mapped_column(ForeignKey("elections.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    designated_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    designated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    user: Mapped[User] = relationship(foreign_keys=[user_id])

    __table_args__ = (UniqueConstraint("election_id", "user_id"),)


class IdentityRequestStatus(LabelledEnum):
    PENDING = "pending", _l("Waiting for a custodian")
    APPROVED = "approved", _l("Approved")
    REFUSED = "refused", _l("Refused")


class IdentityRequest(db.Model):
    __tablename__ = "identity_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    election_id: Mapped[int] = mapped_column(ForeignKey("elections.id"))
    requester_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[IdentityRequestStatus] = mapped_column(
        db_enum(IdentityRequestStatus, "identity_request_status", length=20),
        default=IdentityRequestStatus.PENDING)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime)
    decision_note: Mapped[str | None] = mapped_column(String(REASON_MAX))
    expires_at: Mapped[datetime | None] = mapped_column(DateTime)

    case: Mapped[Case] = relationship()
    requester: Mapped[User] = relationship(foreign_keys=[requester_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    # The members designated for the request's election (read-only: who else may decide).
    custodians: Mapped[list[IdentityCustodian]] = relationship(
        primaryjoin="IdentityRequest.election_id == foreign(IdentityCustodian.election_id)",
        viewonly=True)

    __table_args__ = (
        # Never the requester: a custodian decides someone else's request.
        CheckConstraint("decided_by_id IS NULL OR decided_by_id <> requester_id",
                        name="four_eyes"),
        CheckConstraint("status <> 'approved' OR (decided_at IS NOT NULL AND "
                        "expires_at IS NOT NULL)", name="approved_expires"),
        Index("ix_identity_requests_case_requester", "case_id", "requester_id", "status"),
        Index("ix_identity_requests_election_status", "election_id", "status", "created_at"),
    )

    @property
    def pending(self) -> bool:
        return self.status is IdentityRequestStatus.PENDING

    def is_live(self, now: datetime | None = None) -> bool:
        """Approved and not yet expired."""
        return (self.status is IdentityRequestStatus.APPROVED and self.expires_at is not None
                and (now or utcnow()) < self.expires_at)

    def can_decide(self, user: Any) -> bool:
        """A custodian of the election (the chair, or a designated member) whose regions cover
        the case, never the requester, while the request waits."""
        if not (self.pending and has_role(user, COMMITTEE)
                and user.id != self.requester_id and user.can_see_region(self.case.region)):
            return False
        return has_role(user, CUSTODIANS) or any(c.user_id == user.id for c in self.custodians)

    def can_reveal(self, user: Any, now: datetime | None = None) -> bool:
        """The identity is shown to the requester (still working on the case) while it lasts."""
        return (user is not None and getattr(user, "id", None) == self.requester_id
                and self.is_live(now) and self.case.can_work(user))
