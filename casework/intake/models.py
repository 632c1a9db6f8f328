"""A complaint: one submission from one channel, with the person (or anonymous)."""

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Boolean, Date, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from casework.cases.models import Case, Category
from casework.core.crypto import EncryptedText
from casework.core.db import db_enum, utcnow
from casework.core.labels import LabelledEnum
from casework.core.sealed import EMAIL, PHONE, SealedTable, keep_hash
from casework.elections.models import PollingStation
from casework.evidence.models import EvidenceItem
from casework.extensions import db


class Channel(LabelledEnum):
    WEB = "web", _l("Web form")
    API = "api", _l("API")
    HOTLINE = "hotline", _l("Hotline")
    EMAIL = "email", _l("Email")
    SMS = "sms", _l("SMS")
    # Also the press: published elsewhere, recorded by staff.
    SOCIAL_MEDIA = "social_media", _l("Social media or press")
    LETTER = "letter", _l("Letter")
    WALK_IN = "walk_in", _l("Walk-in")
    # Opened by the committee itself, e.g. from a results check (casework/results/findings).
    OWN_FINDING = "own_finding", _l("Committee's own finding")


class ComplainantRole(LabelledEnum):
    VOTER = "voter", _l("Voter")
    CANDIDATE = "candidate", _l("Candidate")
    OBSERVER = "observer", _l("Observer")
    PARTY_MEMBER = "party_member", _l("Party member")
    OTHER = "other", _l("Other")


class Complaint(db.Model):
    __tablename__ = "complaints"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    channel: Mapped[Channel] = mapped_column(db_enum(Channel, "complaint_channel"))
    # One key per filled-in form: a double click or a resent request finds the first complaint.
    submission_key: Mapped[str] = mapped_column(String(64), unique=True)
    # SHA-256 of the tracking code; the code itself is shown once and never stored.
    tracking_hash: Mapped[str] = mapped_column(String(64), unique=True)
    anonymous: Mapped[bool] = mapped_column(Boolean, default=True)
    # The complainant's identity, sealed (casework.core.sealed); the hashes find a caller's
    # earlier complaints by phone and a follow-up's sender by address.
    name: Mapped[str | None] = mapped_column(EncryptedText("complaints.name"))
    phone: Mapped[str | None] = mapped_column(EncryptedText("complaints.phone"))  # E.164
    email: Mapped[str | None] = mapped_column(EncryptedText("complaints.email"))
    phone_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    email_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    complainant_role: Mapped[ComplainantRole | None] = mapped_column(
        db_enum(ComplainantRole, "complainant_role"))
    consent_to_contact: Mapped[bool] = mapped_column(Boolean, default=False)
    language: Mapped[str] = mapped_column(String(5), default="kk")
    category: Mapped[Category] = mapped_column(db_enum(Category, "complaint_category"))
    occurred_at: Mapped[datetime | None] = mapped_column(DateTime)
    # The local day the complainant learned of the facts: the filing limit counts from it
    # (cases/filing.py); None: from the day of the events.
    learned_on: Mapped[date | None] = mapped_column(Date)
    # Unknown for some mail: the committee sets it at screening.
    region_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"))
    station_id: Mapped[int | None] = mapped_column(ForeignKey("polling_stations.id"))
    accused_other: Mapped[str | None] = mapped_column(String(500))
    narrative: Mapped[str] = mapped_column(Text)
    links: Mapped[list[str]] = mapped_column(JSON, default=list)
    witnesses: Mapped[str | None] = mapped_column(EncryptedText("complaints.witnesses"))
    received_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Where a complaint published elsewhere (social media, press) appeared.
    source_platform: Mapped[str | None] = mapped_column(String(100))
    source_author: Mapped[str | None] = mapped_column(String(200))
    published_at: Mapped[datetime | None] = mapped_column(DateTime)

    case: Mapped[Case] = relationship()
    station: Mapped[PollingStation | None] = relationship()
    # Written with the complaint in one flush (intake); read through queries, never loaded here.
    evidence: Mapped[list[EvidenceItem]] = relationship(lazy="raise")


keep_hash(Complaint.phone, "phone_hash", PHONE)
keep_hash(Complaint.email, "email_hash", EMAIL)
SEALED = SealedTable("complaints", ("name", "phone", "email", "witnesses"),
                     (("phone_hash", "phone", PHONE), ("email_hash", "email", EMAIL)))
