"""The legal clock's tables: per election, which kind of days each phase counts and how many
days each period lasts (legal_clocks), and the public holidays (election_holidays).

An election without a legal_clocks row keeps the hour settings for its case deadlines
(casework.cases.deadlines) and the day defaults of config.py for filing and cure."""

from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from casework.core.db import db_enum
from casework.core.labels import LabelledEnum
from casework.extensions import db


class DayKind(LabelledEnum):
    CALENDAR = "calendar", _l("Calendar days")
    WORKING = "working", _l("Working days")


class Phase(LabelledEnum):
    """Phases of the election calendar, by the local day: before the first voting day; from
    it through the day the results are certified; after that day."""

    BEFORE_VOTING = "before_voting", _l("Before voting")
    VOTING = "voting", _l("Voting and tally")
    AFTER_CERTIFICATION = "after_certification", _l("After certification")


# The periods of the clock, in days: (column, label).
PERIODS = (
    ("filing_days", _l("Filing limit")),
    ("screening_days", _l("Screening")),
    ("decision_days", _l("Investigation and decision")),
    ("appeal_days", _l("Appeal")),
    ("cure_days", _l("Cure of a defect")),
)


class LegalClock(db.Model):
    __tablename__ = "legal_clocks"

    election_id: Mapped[int] = mapped_column(ForeignKey("elections.id", ondelete="CASCADE"),
                                             primary_key=True)
    before_voting: Mapped[DayKind] = mapped_column(db_enum(DayKind, "day_kind_before", 10))
    voting: Mapped[DayKind] = mapped_column(db_enum(DayKind, "day_kind_voting", 10))
    after_certification: Mapped[DayKind] = mapped_column(db_enum(DayKind, "day_kind_after", 10))
    filing_days: Mapped[int] = mapped_column(Integer)
    screening_days: Mapped[int] = mapped_column(Integer)
    decision_days: Mapped[int] = mapped_column(Integer)
    appeal_days: Mapped[int] = mapped_column(Integer)
    cure_days: Mapped[int] = mapped_column(Integer)

    def kind_of(self, phase: Phase) -> DayKind:
        return getattr(self, phase.value)


class Holiday(db.Model):
    __tablename__ = "election_holidays"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    election_id: Mapped[int] = mapped_column(ForeignKey("elections.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    name: Mapped[str] = mapped_column(String(200), default="")

    __table_args__ = (UniqueConstraint("election_id", "day", name="election_day"),)
