"""Typed models of one primary's geography, candidates and results."""

import enum
from datetime import datetime
from typing import Any, Optional

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from casework.accounts.roles import CHAIRS, has_role
from casework.core.db import db_enum
from casework.core.labels import LabelledEnum
from casework.elections.stamp import new_stamp
from casework.extensions import db

# An election's time zone and language when its import gives none.
DEFAULT_TIMEZONE = "Asia/Almaty"
DEFAULT_LOCALE = "kk"


class Localized:
    """Names in the three languages; `name(locale)` picks one with a fallback."""

    name_kk: Mapped[str]
    name_ru: Mapped[str]
    name_en: Mapped[str]

    def name(self, locale: str | None = None) -> str:
        return getattr(self, f"name_{locale}", None) or self.name_kk


class CalendarMoment(LabelledEnum):
    """The dates of an election's calendar, in order, named as its columns."""

    FILING_OPENS_AT = "filing_opens_at", _l("Complaints accepted from")
    FILING_CLOSES_AT = "filing_closes_at", _l("Complaints accepted until")
    VOTING_STARTS_AT = "voting_starts_at", _l("Voting starts")
    VOTING_ENDS_AT = "voting_ends_at", _l("Voting ends")
    DECISION_DEADLINE_AT = "decision_deadline_at", _l("Decisions on complaints by")
    RESULTS_CERTIFICATION_AT = "results_certification_at", _l("Results certified on")


class EvidenceRetention(LabelledEnum):
    """What retention does with a final case's evidence files (CASEWORK_RETENTION_EVIDENCE)."""

    KEEP = "keep", _l("Kept")
    ERASE = "erase", _l("Erased")


class Election(Localized, db.Model):
    __tablename__ = "elections"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name_kk: Mapped[str] = mapped_column(String(300))
    name_ru: Mapped[str] = mapped_column(String(300))
    name_en: Mapped[str] = mapped_column(String(300))
    timezone: Mapped[str] = mapped_column(String(64), default=DEFAULT_TIMEZONE)
    default_locale: Mapped[str] = mapped_column(String(5), default=DEFAULT_LOCALE)
    filing_opens_at: Mapped[datetime] = mapped_column(DateTime)
    filing_closes_at: Mapped[datetime] = mapped_column(DateTime)
    voting_starts_at: Mapped[datetime] = mapped_column(DateTime)
    voting_ends_at: Mapped[datetime] = mapped_column(DateTime)
    decision_deadline_at: Mapped[datetime] = mapped_column(DateTime)
    results_certification_at: Mapped[datetime] = mapped_column(DateTime)
    # Retention of personal data after a case is final (casework/retention); None: the
    # CASEWORK_RETENTION_* defaults.
    retention_days: Mapped[int | None] = mapped_column(Integer)
    retention_evidence: Mapped[EvidenceRetention | None] = mapped_column(
        db_enum(EvidenceRetention, "evidence_retention", length=10))
    retention_evidence_days: Mapped[int | None] = mapped_column(Integer)
    # Replaced by the database whenever this row or any region, station, candidate or result
    # changes (elections/stamp.py): caches of the reference data are keyed by it.
    reference_stamp: Mapped[str] = mapped_column(String(16), default=new_stamp,
                                                 server_default="")

    __table_args__ = (
        CheckConstraint("filing_opens_at <= filing_closes_at", name="filing_order"),
        CheckConstraint("voting_starts_at <= voting_ends_at", name="voting_order"),
        CheckConstraint("decision_deadline_at <= results_certification_at", name="decision_order"),
    )

    def calendar(self) -> list[tuple[CalendarMoment, datetime]]:
        return [(moment, getattr(self, moment.value)) for moment in CalendarMoment]


class RegionKind(enum.StrEnum):
    REGION = "region"
    CITY = "city"  # a city of republican significance, or a city inside a region
    DISTRICT = "district"


class Region(Localized, db.Model):
    __tablename__ = "regions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    election_id: Mapped[int] = mapped_column(ForeignKey("elections.id"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"), index=True)
    code: Mapped[str] = mapped_column(String(20))
    kind: Mapped[RegionKind] = mapped_column(db_enum(RegionKind, "region_kind", length=20))
    name_kk: Mapped[str] = mapped_column(String(200))
    name_ru: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    voters: Mapped[int | None] = mapped_column(Integer)
    # Winning places in the region's standings; None: CASEWORK_DEFAULT_SEATS.
    seats: Mapped[int | None] = mapped_column(Integer)

    parent: Mapped[Optional["Region"]] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list["Region"]] = relationship(back_populates="parent", order_by="Region.code")
    election: Mapped[Election] = relationship()

    __table_args__ = (
        UniqueConstraint("election_id", "code"),
        CheckConstraint("voters IS NULL OR voters >= 0", name="voters_not_negative"),
        CheckConstraint("seats IS NULL OR seats > 0", name="seats_positive"),
    )

    def top(self) -> "Region":
        """The top-level region (a region or city of the country) this one lies in."""
        region = self
        while region.parent is not None:
            region = region.parent
        return region

    def lies_within(self, ancestor_id: int) -> bool:
        """Whether this region is the region `ancestor_id` or lies under it."""
        region: Region | None = self
        while region is not None:
            if region.id == ancestor_id:
                return True
            region = region.parent
        return False

    def can_certify(self, user: Any) -> bool:
        """The chair, for a region in their scope, certifies its results (and withdraws that)."""
        return has_role(user, CHAIRS) and user.can_see_region(self)


class StationKind(enum.StrEnum):
    PAPER = "paper"
    ELECTRONIC = "electronic"


class PollingStation(db.Model):
    __tablename__ = "polling_stations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    election_id: Mapped[int] = mapped_column(ForeignKey("elections.id"), index=True)
    code: Mapped[str] = mapped_column(String(20))
    # Electronic voting is election-wide: its station belongs to no region.
    region_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"), index=True)
    kind: Mapped[StationKind] = mapped_column(db_enum(StationKind, "station_kind", length=20))
    address: Mapped[str] = mapped_column(String(400), default="")
    # WGS 84 degrees, optional: what a photo's GPS position is measured against.
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    # Voters on the station's list, optional: a station with more votes than this is a finding.
    registered: Mapped[int | None] = mapped_column(Integer)

    region: Mapped[Region | None] = relationship()

    __table_args__ = (
        UniqueConstraint("election_id", "code"),
        CheckConstraint("kind = 'electronic' OR region_id IS NOT NULL", name="paper_has_region"),
    )


class CandidateStatus(LabelledEnum):
    REGISTERED = "registered", _l("Registered")
    DISQUALIFIED = "disqualified", _l("Removed from registration")


class Candidate(Localized, db.Model):
    __tablename__ = "candidates"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    election_id: Mapped[int] = mapped_column(ForeignKey("elections.id"), index=True)
    code: Mapped[str] = mapped_column(String(20))
    name_kk: Mapped[str] = mapped_column(String(200))
    name_ru: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)
    status: Mapped[CandidateStatus] = mapped_column(
        db_enum(CandidateStatus, "candidate_status", length=20), default=CandidateStatus.REGISTERED
    )
    status_reason: Mapped[str | None] = mapped_column(String(1000))
    status_changed_at: Mapped[datetime | None] = mapped_column(DateTime)
    # The enforced sanction that removed the candidate from registration.
    disqualified_by_sanction_id: Mapped[int | None] = mapped_column(
        ForeignKey("sanctions.id", use_alter=True))

    region: Mapped[Region] = relationship()

    __table_args__ = (
        UniqueConstraint("election_id", "code"),
        CheckConstraint(
            "status = 'registered' OR status_reason IS NOT NULL", name="disqualified_has_reason"
        ),
    )


class Result(db.Model):
    """Votes of one candidate at one station; electronic or paper follows the station."""

    __tablename__ = "results"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("polling_stations.id"))
    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidates.id"), index=True)
    votes: Mapped[int] = mapped_column(Integer)
    annulled: Mapped[bool] = mapped_column(Boolean, default=False)
    annulled_at: Mapped[datetime | None] = mapped_column(DateTime)
    annulled_by_sanction_id: Mapped[int | None] = mapped_column(
        ForeignKey("sanctions.id", use_alter=True), index=True)

    station: Mapped[PollingStation] = relationship()
    candidate: Mapped[Candidate] = relationship()

    __table_args__ = (
        UniqueConstraint("station_id", "candidate_id"),
        CheckConstraint("votes >= 0", name="votes_not_negative"),
    )


class EvoteHourlyCount(db.Model):
    """Electronic votes cast in one hour (local time of the election), as the e-voting
    operator reports them: a sudden jump between hours is a finding."""

    __tablename__ = "evote_hourly_counts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    election_id: Mapped[int] = mapped_column(ForeignKey("elections.id", ondelete="CASCADE"))
    hour: Mapped[datetime] = mapped_column(DateTime)  # UTC, the start of the hour
    votes: Mapped[int] = mapped_column(Integer)

    __table_args__ = (
        UniqueConstraint("election_id", "hour"),
        CheckConstraint("votes >= 0", name="votes_not_negative"),
    )


class RegionCertification(db.Model):
    """A region's results marked certified, by whom, and the override reason if open cases
    that could still annul votes or disqualify a candidate there were overridden."""

    __tablename__ = "region_certifications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), unique=True)
    certified_at: Mapped[datetime] = mapped_column(DateTime)
    certified_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    override_reason: Mapped[str | None] = mapped_column(Text)
    # The references of the open cases the override went past, comma-separated.
    overridden_cases: Mapped[str | None] = mapped_column(Text)

    region: Mapped[Region] = relationship()
