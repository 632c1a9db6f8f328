"""An evidence item: a stored file (by SHA-256) attached to a case, or a link."""

from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from casework.cases.models import Case
from casework.core.db import utcnow
from casework.extensions import db


class EvidenceItem(db.Model):
    __tablename__ = "evidence_items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    complaint_id: Mapped[int | None] = mapped_column(ForeignKey("complaints.id"), index=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(Integer)
    content_type: Mapped[str] = mapped_column(String(100))
    # The sender's file name, cleaned: a label to show, never a path.
    label: Mapped[str] = mapped_column(String(255))
    source: Mapped[str] = mapped_column(String(20))
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    case: Mapped[Case] = relationship()

    def can_download(self, user: Any) -> bool:
        """Its bytes go to whoever may read its case."""
        return self.case.can_view(user)
