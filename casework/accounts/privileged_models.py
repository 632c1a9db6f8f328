"""Pending changes to privileged accounts (two people): creating an account with, or raising
one to, a role in roles.PRIVILEGED, and resetting the second factor of such an account.
Proposed by one administrator; effective only when another administrator or the chair
approves (the database refuses an approval by the proposer too)."""

from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, CheckConstraint, DateTime, ForeignKey, Integer
from sqlalchemy.orm import Mapped, mapped_column, relationship

from casework.accounts.models import Role, User
from casework.accounts.roles import ACCOUNT_APPROVERS, ADMINS, has_role
from casework.core.db import db_enum, utcnow
from casework.core.labels import LabelledEnum
from casework.extensions import db


class ChangeKind(LabelledEnum):
    CREATE = "create", _l("New privileged account")
    RAISE = "raise", _l("Raise to a privileged role")
    RESET_FACTOR = "reset_factor", _l("Reset the second factor")


class ChangeStatus(LabelledEnum):
    PENDING = "pending", _l("Waiting for approval")
    APPROVED = "approved", _l("Approved")
    REJECTED = "rejected", _l("Rejected")


class PendingChange(db.Model):
    __tablename__ = "account_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[ChangeKind] = mapped_column(db_enum(ChangeKind, "account_change_kind", 20))
    status: Mapped[ChangeStatus] = mapped_column(
        db_enum(ChangeStatus, "account_change_status", 20), default=ChangeStatus.PENDING)
    # The account changed (None for a creation until it is approved).
    target_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # role, all_regions, region_codes, name, email: what takes effect on approval (no password).
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    proposed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime)

    target: Mapped[User | None] = relationship(foreign_keys=[target_id])
    proposed_by: Mapped[User] = relationship(foreign_keys=[proposed_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])

    __table_args__ = (
        CheckConstraint("decided_by_id IS NULL OR decided_by_id <> proposed_by_id",
                        name="two_people"),
        db.Index("ix_account_changes_status", "status"),
    )

    @property
    def role(self) -> Role | None:
        """The role the change gives (or, for a factor reset, the account's role)."""
        value = (self.payload or {}).get("role")
        return Role(value) if value else None

    @property
    def is_pending(self) -> bool:
        return self.status is ChangeStatus.PENDING

    def can_approve(self, user: User) -> bool:
        """Another administrator, or the chair: never the proposer, never the account itself."""
        return (self.is_pending and has_role(user, ACCOUNT_APPROVERS)
                and user.id != self.proposed_by_id and user.id != self.target_id)

    def can_reject(self, user: User) -> bool:
        """Any approver may turn it down; the proposer (an administrator) may withdraw it."""
        return self.is_pending and (self.can_approve(user) or (
            has_role(user, ADMINS) and user.id == self.proposed_by_id))
