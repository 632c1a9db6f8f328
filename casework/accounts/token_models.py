"""Personal API tokens of staff members: only a SHA-256 of each token is stored."""

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from casework.accounts.models import User
from casework.core.db import utcnow
from casework.extensions import db


class ApiToken(db.Model):
    """A bearer token for the staff API (/api/v1/cases...). It acts as its user, with the
    user's role and regions as they are at each request; it stops working when revoked,
    expired or when the user is disabled. A password change, a second-factor reset or disabling
    the account revokes it (accounts.services.end_all_access)."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    # SHA-256 (hex) of the whole token "cw_...": the token itself is shown once, never stored.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(8))  # the first characters after "cw_", to tell
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime)
    expires_at: Mapped[datetime | None] = mapped_column(DateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)

    user: Mapped[User] = relationship()

    def can_revoke(self, user: User) -> bool:
        """Only its own user revokes a token."""
        return self.user_id == user.id

    def is_active_at(self, now: datetime) -> bool:
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)
