"""Server-side sessions: the cookie carries only a random id; the row holds the rest.

Only a SHA-256 of the id is stored, so a copy of the table opens no session. A row without
a user is an anonymous visitor's pre-login state (the CSRF token of a form, a pending
second factor)."""

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from casework.accounts.models import User
from casework.core.db import utcnow
from casework.extensions import db


class StaffSession(db.Model):
    __tablename__ = "staff_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # SHA-256 (hex) of the session id in the cookie: the id itself is never stored.
    id_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                                index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime, index=True)  # the absolute end
    # "Firefox on Windows": a short summary, never the raw User-Agent header.
    user_agent: Mapped[str] = mapped_column(String(80), default="")
    # The session's data as Flask's tagged JSON (tuples, markup and dates kept).
    data: Mapped[str] = mapped_column(Text, default="")

    def can_end(self, user: User) -> bool:
        """Only its own user ends a session (from /account)."""
        return self.user_id is not None and self.user_id == user.id

