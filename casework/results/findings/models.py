"""What a results check found (one row per finding, so it never opens a case twice) and the
election's own thresholds."""

from datetime import datetime
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, DateTime, Float, ForeignKey, Integer, String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from casework.cases.models import Case
from casework.core.db import db_enum, utcnow
from casework.core.labels import LabelledEnum
from casework.extensions import db


class FindingKind(LabelledEnum):
    OVER_REGISTERED = "over_registered", _l("More votes than registered voters")
    DOMINANT_SHARE = "dominant_share", _l("One candidate above the election's share threshold")
    IDENTICAL_VOTES = "identical_votes", _l("The same votes at several stations of a district")
    HOURLY_JUMP = "hourly_jump", _l("A sudden jump in the electronic votes of one hour")
    SHARED_PHONE = "shared_phone", _l("Many voters' IINs bound to one phone number")
    SHARED_IP = "shared_ip", _l("Many voters' IINs voting from one IP address")
    BURST = "burst", _l("A burst of votes from one IP address")
    OUTSIDE_HOURS = "outside_hours", _l("Electronic votes outside the voting hours")


class ResultFinding(db.Model):
    __tablename__ = "result_findings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    election_id: Mapped[int] = mapped_column(ForeignKey("elections.id", ondelete="CASCADE"))
    kind: Mapped[FindingKind] = mapped_column(db_enum(FindingKind, "finding_kind"))
    # What was found, named so the same finding on a later import is recognised: the kind
    # and the station, district or hour (e.g. "dominant_share:S-0042:C-07").
    key: Mapped[str] = mapped_column(String(200))
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    found_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    numbers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    case: Mapped[Case] = relationship()

    __table_args__ = (UniqueConstraint("election_id", "key"),)


class CheckThresholds(db.Model):
    """An election's thresholds; without a row, the CASEWORK_RESULTS_* defaults."""

    __tablename__ = "results_check_thresholds"

    election_id: Mapped[int] = mapped_column(
        ForeignKey("elections.id", ondelete="CASCADE"), primary_key=True)
    # A candidate's share of a station's votes at or above this (0.5 to 1) is a finding ...
    share: Mapped[float] = mapped_column(Float)
    # ... where the station counted at least this many votes (also for identical votes).
    min_votes: Mapped[int] = mapped_column(Integer)
    # An hour with more than `jump_factor` times the median of the hours before it, and at
    # least `jump_min` votes more than that median.
    jump_factor: Mapped[float] = mapped_column(Float)
    jump_min: Mapped[int] = mapped_column(Integer)
    # The e-voting log: this many IINs on one phone, or from one IP, is a cluster; this many
    # votes from one IP within `burst_minutes` is a burst.
    iins_per_phone: Mapped[int] = mapped_column(Integer)
    iins_per_ip: Mapped[int] = mapped_column(Integer)
    burst_votes: Mapped[int] = mapped_column(Integer)
    burst_minutes: Mapped[int] = mapped_column(Integer)


DEFAULTS = {"share": "CASEWORK_RESULTS_SHARE", "min_votes": "CASEWORK_RESULTS_MIN_VOTES",
            "jump_factor": "CASEWORK_RESULTS_JUMP_FACTOR", "jump_min": "CASEWORK_RESULTS_JUMP_MIN",
            "iins_per_phone": "CASEWORK_EVOTE_IINS_PER_PHONE",
            "iins_per_ip": "CASEWORK_EVOTE_IINS_PER_IP",
            "burst_votes": "CASEWORK_EVOTE_BURST_VOTES",
            "burst_minutes": "CASEWORK_EVOTE_BURST_MINUTES"}


def thresholds_of(election: Any) -> CheckThresholds:
    """The election's row, or an unsaved one with the defaults from the config."""
    row = db.session.scalar(select(CheckThresholds).where(
        CheckThresholds.election_id == election.id))
    if row is not None:
        return row
    config = current_app.config
    return CheckThresholds(election_id=election.id,
                           **{name: config[setting] for name, setting in DEFAULTS.items()})


class EvoteLogEntry(db.Model):
    """One electronic vote from the e-voting operator's log, imported read-only. The voter's
    IIN, phone and IP are kept only as keyed hashes (casework.core.crypto.lookup_hash): equal
    values can be counted together, and nobody holding the database can read them."""

    __tablename__ = "evote_log_entries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    election_id: Mapped[int] = mapped_column(ForeignKey("elections.id", ondelete="CASCADE"),
                                             index=True)
    iin_hash: Mapped[str] = mapped_column(String(64))
    phone_hash: Mapped[str] = mapped_column(String(64))
    ip_hash: Mapped[str] = mapped_column(String(64))
    cast_at: Mapped[datetime] = mapped_column(DateTime)  # UTC
    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidates.id"))
