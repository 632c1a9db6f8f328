"""Passkeys (WebAuthn credentials) of staff members: only the public key is stored."""

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from casework.accounts.models import User
from casework.core.db import utcnow
from casework.extensions import db

NAME_MAX = 100


class Passkey(db.Model):
    """A discoverable credential with user verification, registered by its user on /account.
    It signs the user in on its own (it proves both factors: the device and its PIN or
    biometric) and serves as the proof on the step-up confirmation page."""

    __tablename__ = "passkeys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # The credential id as base64url text (the authenticator's raw id, at most 1023 bytes).
    credential_id: Mapped[str] = mapped_column(String(1400), unique=True)
    public_key: Mapped[bytes] = mapped_column(LargeBinary)  # COSE-encoded
    # The random user handle the credential was registered with (the same for all of a
    # user's passkeys); never the email or the database id.
    user_handle: Mapped[str] = mapped_column(String(100))
    sign_count: Mapped[int] = mapped_column(BigInteger, default=0)
    transports: Mapped[str] = mapped_column(String(200), default="")  # comma-separated
    name: Mapped[str] = mapped_column(String(NAME_MAX))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime)

    user: Mapped[User] = relationship()

    def can_remove(self, user: User) -> bool:
        """Only its own user removes (or renames) a passkey."""
        return self.user_id == user.id

    def can_rename(self, user: User) -> bool:
        return self.can_remove(user)

    @property
    def transport_list(self) -> list[str]:
        return [t for t in (self.transports or "").split(",") if t]
