"""An evidence item: a stored file (by SHA-256) attached to a case, or a link."""

from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import DateTime, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from casework.cases.models import Case
from casework.core.db import db_enum, utcnow
from casework.core.labels import LabelledEnum
from casework.extensions import db


class ScanStatus(LabelledEnum):
    """Where the antivirus check of a stored file stands (casework.evidence.scanning)."""

    PENDING = "pending", _l("Waiting for the virus scan")
    CLEAN = "clean", _l("No virus found")
    INFECTED = "infected", _l("Infected: quarantined")
    FAILED = "failed", _l("Virus scan failed")


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
    # The antivirus check, done by the worker, never in the request.
    scan_status: Mapped[ScanStatus] = mapped_column(
        db_enum(ScanStatus, "evidence_scan_status", length=20), default=ScanStatus.PENDING)
    # The signature clamd named (infected) or why the scan gave up (failed).
    scan_detail: Mapped[str | None] = mapped_column(String(200))
    scan_attempts: Mapped[int] = mapped_column(Integer, default=0)
    # Not before this time: the next try after a failure, or a worker's claim on the item.
    scan_due_at: Mapped[datetime | None] = mapped_column(DateTime)
    scanned_at: Mapped[datetime | None] = mapped_column(DateTime)

    case: Mapped[Case] = relationship()

    __table_args__ = (
        Index("ix_evidence_items_scan_status_due", "scan_status", "scan_due_at"),
    )

    @property
    def quarantined(self) -> bool:
        return self.scan_status is ScanStatus.INFECTED

    def can_download(self, user: Any) -> bool:
        """Its bytes go to whoever may read its case, unless clamd found a virus in them."""
        return not self.quarantined and self.case.can_view(user)
