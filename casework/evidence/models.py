"""An evidence item: a stored file (by SHA-256) attached to a case, or a link."""

from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import BigInteger, DateTime, Float, ForeignKey, Index, Integer, SmallInteger, String
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


class FactsStatus(LabelledEnum):
    PENDING = "pending", _l("Reading the file's metadata")
    READY = "ready", _l("File metadata")
    FAILED = "failed", _l("The file's metadata could not be read")


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
    facts: Mapped["PhotoFacts | None"] = relationship(back_populates="item")

    __table_args__ = (
        Index("ix_evidence_items_scan_status_due", "scan_status", "scan_due_at"),
    )

    @property
    def quarantined(self) -> bool:
        return self.scan_status is ScanStatus.INFECTED
    # ActiveContent values, comma-separated; None when nothing active was found at intake.
    active_content: Mapped[str | None] = mapped_column(String(200))
    # A safe re-encoded thumbnail (JPEG) kept in the evidence storage under its own SHA-256.
    preview_status: Mapped[str | None] = mapped_column(String(10), index=True)
    # Indexed: retention asks whether any row still needs an object it would remove.
    preview_sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    preview_attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Retention removed the file; the row stays as its tombstone (hash, size, type).
    erased_at: Mapped[datetime | None] = mapped_column(DateTime)

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
        """Its bytes go to whoever may read its case, unless clamd found a virus in them."""
        return not self.quarantined and self.case.can_view(user)


class PhotoFacts(db.Model):
    """What a photo's EXIF says (read by the worker, casework.evidence.photo_facts): for
    reviewers only; every copy that leaves the system is re-encoded without it."""

    __tablename__ = "evidence_photo_facts"

    evidence_item_id: Mapped[int] = mapped_column(ForeignKey("evidence_items.id"),
                                                  primary_key=True)
    status: Mapped[str] = mapped_column(String(10), default=FactsStatus.PENDING, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # The camera's clock as recorded (naive); its offset from UTC when the camera wrote one.
    taken_at: Mapped[datetime | None] = mapped_column(DateTime)
    taken_offset: Mapped[str | None] = mapped_column(String(6))
    # The file's own "modified" time (EXIF DateTime): later than taken_at after an edit.
    saved_at: Mapped[datetime | None] = mapped_column(DateTime)
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    make: Mapped[str | None] = mapped_column(String(100))
    model: Mapped[str | None] = mapped_column(String(100))
    software: Mapped[str | None] = mapped_column(String(100))

    item: Mapped[EvidenceItem] = relationship(back_populates="facts")

    @property
    def state(self) -> FactsStatus:
        return FactsStatus(self.status)


class ImageHash(db.Model):
    """A perceptual hash of an evidence item (imagehash's pHash, 64 bits, stored signed):
    near-identical pictures (re-encoded, resized) differ in a few bits
    (casework.evidence.similar_images). A photo has one; a video one per key frame hashed."""

    __tablename__ = "evidence_image_hashes"

    evidence_item_id: Mapped[int] = mapped_column(
        ForeignKey("evidence_items.id", ondelete="CASCADE"), primary_key=True)
    frame: Mapped[int] = mapped_column(SmallInteger, primary_key=True)  # 0, 1, … in time order
    at_ms: Mapped[int | None] = mapped_column(Integer)  # from a video's start; None: a photo
    phash: Mapped[int] = mapped_column(BigInteger)


class ImageHashBand(db.Model):
    """One of the eight bytes of a picture's perceptual hash (of any of the item's hashes):
    two hashes that differ in at most seven bits share at least one byte, so these rows find
    every near-identical picture by an index look-up instead of comparing with every one."""

    __tablename__ = "evidence_image_bands"

    evidence_item_id: Mapped[int] = mapped_column(
        ForeignKey("evidence_items.id", ondelete="CASCADE"), primary_key=True)
    band: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    value: Mapped[int] = mapped_column(SmallInteger, primary_key=True)

    __table_args__ = (Index("ix_evidence_image_bands_band_value", "band", "value"),)


class ImageMatch(db.Model):
    """Two pictures on different cases that are the same or nearly (both directions kept)."""

    __tablename__ = "evidence_image_matches"

    evidence_item_id: Mapped[int] = mapped_column(
        ForeignKey("evidence_items.id", ondelete="CASCADE"), primary_key=True)
    other_item_id: Mapped[int] = mapped_column(
        ForeignKey("evidence_items.id", ondelete="CASCADE"), primary_key=True)
    distance: Mapped[int] = mapped_column(SmallInteger)  # differing bits of 64, the closest
    # The times of the closest pair's key frames in either video (None: a photo).
    at_ms: Mapped[int | None] = mapped_column(Integer)
    other_at_ms: Mapped[int | None] = mapped_column(Integer)
