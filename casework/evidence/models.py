"""An evidence item: a stored file (by SHA-256) attached to a case, or a link."""

from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from casework.cases.models import Case
from casework.core.db import utcnow
from casework.core.labels import LabelledEnum
from casework.extensions import db


class ActiveContent(LabelledEnum):
    """Why a kept file could act on whoever opens it (evidence_items.active_content)."""

    HTML_IN_PICTURE = "html_in_picture", _l("web page or script code hidden in the picture")
    PDF_JAVASCRIPT = "pdf_javascript", _l("JavaScript in the PDF")
    PDF_AUTO_ACTION = "pdf_auto_action", _l("actions the PDF runs when it is opened")
    PDF_LAUNCH = "pdf_launch", _l("a PDF action that starts other programs")
    PDF_EMBEDDED_FILE = "pdf_embedded_file", _l("files embedded in the PDF")
    PDF_RICH_MEDIA = "pdf_rich_media", _l("Flash or other rich media in the PDF")
    OFFICE_MACROS = "office_macros", _l("macros in the office document")
    OFFICE_CONTROLS = "office_controls", _l("ActiveX controls or OLE objects in the document")


class PreviewStatus(LabelledEnum):
    PENDING = "pending", _l("Preview being prepared")
    READY = "ready", _l("Preview")
    FAILED = "failed", _l("No preview could be made")


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
    # ActiveContent values, comma-separated; None when nothing active was found at intake.
    active_content: Mapped[str | None] = mapped_column(String(200))
    # A safe re-encoded thumbnail (JPEG) kept in the evidence storage under its own SHA-256.
    preview_status: Mapped[str | None] = mapped_column(String(10), index=True)
    preview_sha256: Mapped[str | None] = mapped_column(String(64))
    preview_attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    case: Mapped[Case] = relationship()

    @property
    def active_reasons(self) -> list[ActiveContent]:
        return [ActiveContent(code) for code in (self.active_content or "").split(",") if code]

    @property
    def preview_state(self) -> PreviewStatus | None:
        return PreviewStatus(self.preview_status) if self.preview_status else None

    @property
    def has_preview(self) -> bool:
        return self.preview_status == PreviewStatus.READY and self.preview_sha256 is not None

    def can_download(self, user: Any) -> bool:
        """Its bytes go to whoever may read its case."""
        return self.case.can_view(user)
