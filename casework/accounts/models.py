"""Staff users with a role and a scope of regions."""

import secrets
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, Column, DateTime, ForeignKey, Integer, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from casework.accounts.roles import Role
from casework.core.db import db_enum, utcnow
from casework.elections.models import Region
from casework.extensions import db

__all__ = ["LoginFailure", "Role", "User", "user_regions"]


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

    regions: Mapped[list[Region]] = relationship(secondary=user_regions, order_by=Region.code)

    @property
    def is_active(self) -> bool:
        return self.disabled_at is None

    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"

    def scope_label(self) -> str:
        return "*" if self.all_regions else ", ".join(r.code for r in self.regions)

    def can_see_region(self, region: Region | None) -> bool:
        """A scope covers the listed regions and everything below them."""
        if self.all_regions:
            return True
        scope = {r.id for r in self.regions}
        while region is not None:
            if region.id in scope:
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
