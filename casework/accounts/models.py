"""Staff users with a role and a scope of regions."""

import secrets
from collections.abc import Container
from datetime import datetime
from typing import Any

from flask_login import UserMixin
from sqlalchemy import Boolean, Column, DateTime, ForeignKey, Index, Integer, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from casework.accounts.roles import ADMINS, HOTLINE, PRIVILEGED, Role, has_role
from casework.core.db import db_enum, utcnow
from casework.elections.models import Region
from casework.extensions import db

__all__ = ["LoginFailure", "RecoveryCode", "Role", "User", "user_regions"]


user_regions = Table(
    "user_regions",
    db.metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("region_id", ForeignKey("regions.id", ondelete="CASCADE"), primary_key=True),
)


def new_session_token() -> str:
    return secrets.token_urlsafe(24)


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(db_enum(Role, "user_role", length=20))
    all_regions: Mapped[bool] = mapped_column(Boolean, default=False)
    password_hash: Mapped[str] = mapped_column(String(200))
    # Part of the login cookie: rotating it (disable, password change) ends every session.
    session_token: Mapped[str] = mapped_column(String(64), default=new_session_token)
    disabled_at: Mapped[datetime | None] = mapped_column(DateTime)
    preferred_locale: Mapped[str | None] = mapped_column(String(5))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime)
    # The second factor (accounts/factors.py): the TOTP secret (base32), active once a code
    # was accepted at enrolment; the last time-step accepted, so that a code works once.
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_confirmed_at: Mapped[datetime | None] = mapped_column(DateTime)
    totp_last_step: Mapped[int | None] = mapped_column(Integer)
    # The hotline operator's telephone extension: the PBX's ringing calls for it pop up on
    # this operator's console (casework/hotline/cti.py). Set by an administrator.
    phone_extension: Mapped[str | None] = mapped_column(String(32))

    regions: Mapped[list[Region]] = relationship(secondary=user_regions, order_by=Region.code)

    __table_args__ = (Index("uq_users_phone_extension", "phone_extension", unique=True),)

    @property
    def is_active(self) -> bool:
        return self.disabled_at is None

    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"

    @property
    def takes_calls(self) -> bool:
        """May have a telephone extension: active staff of the hotline."""
        return has_role(self, HOTLINE)

    @property
    def has_second_factor(self) -> bool:
        """Enrolled: a TOTP secret confirmed by a correct code."""
        return self.totp_secret is not None and self.totp_confirmed_at is not None

    def can_reset_second_factor(self, user: Any) -> bool:
        """An administrator resets the second factor of another account directly only when it
        is not privileged; a privileged account's reset needs a second person (two-person
        approval), and one's own factor is renewed from one's account page."""
        return (has_role(user, ADMINS) and user.id != self.id
                and self.role not in PRIVILEGED)

    def scope_label(self) -> str:
        return "*" if self.all_regions else ", ".join(r.code for r in self.regions)

    def can_see_region(self, region: Region | None) -> bool:
        return scope_covers(self.all_regions, {r.id for r in self.regions}, region)


def scope_covers(all_regions: bool, region_ids: Container[int], region: Region | None) -> bool:
    """A scope covers the listed regions and everything below them."""
    if all_regions:
        return True
    while region is not None:
        if region.id in region_ids:
            return True
        region = region.parent
    return False


class LoginFailure(db.Model):
    """One failed login for an account name; the throttle counts recent rows per name."""

    __tablename__ = "login_failures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account: Mapped[str] = mapped_column(String(254))
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    __table_args__ = (db.Index("ix_login_failures_account_at", "account", "at"),)


class RecoveryCode(db.Model):
    """One of the ten single-use recovery codes of an account: only its SHA-256 is stored
    (the codes carry 50 random bits each and are shown once, at enrolment)."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    used_at: Mapped[datetime | None] = mapped_column(DateTime)
