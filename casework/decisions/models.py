"""Findings (the committee's conclusion on each allegation, with the evidence it rests on)
and decisions (the collegial act: date, members present, votes, outcome, reasons).

Sanctions cite findings by id: `findings` has a unique (id, case_id) so a citing table can
hold a composite foreign key that keeps the finding on the sanction's case.
"""

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship, synonym

from casework.accounts.models import User
from casework.cases.models import Case
from casework.cases.workflow import Outcome
from casework.core.db import db_enum, utcnow
from casework.core.labels import LabelledEnum
from casework.evidence.models import EvidenceItem
from casework.extensions import db

ALLEGATION_MAX = 2000

finding_evidence = Table(
    "finding_evidence",
    db.metadata,
    Column("finding_id", ForeignKey("findings.id", ondelete="CASCADE"), primary_key=True),
    Column("evidence_item_id", ForeignKey("evidence_items.id"), primary_key=True, index=True),
)


class Finding(db.Model):
    """The committee's conclusion on one allegation of a case."""

    __tablename__ = "findings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    # 1, 2, ... within the case: what the pages and the printed decision call it.
    number: Mapped[int] = mapped_column(Integer)
    allegation: Mapped[str] = mapped_column(Text)  # what was alleged
    conclusion: Mapped[Outcome] = mapped_column(db_enum(Outcome, "finding_conclusion"))
    reasoning: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    # The same column under the name sanctions use ("the finding's outcome").
    outcome: Mapped[Outcome] = synonym("conclusion")

    case: Mapped[Case] = relationship()
    author: Mapped[User | None] = relationship()
    evidence: Mapped[list[EvidenceItem]] = relationship(secondary=finding_evidence,
                                                        order_by=EvidenceItem.id)

    __table_args__ = (
        UniqueConstraint("id", "case_id"),
        UniqueConstraint("case_id", "number"),
        # Sanctions cite (id, case_id, conclusion): a cited finding keeps its conclusion.
        UniqueConstraint("id", "case_id", "conclusion"),
        Index("ix_findings_case_id", "case_id", "id"),
    )


class DecisionKind(LabelledEnum):
    DECISION = "decision", _l("Decision")  # findings_ready -> decided
    # appealed -> decided: the decision on the appeal
    REDECISION = "redecision", _l("Decision on the appeal")


class Vote(LabelledEnum):
    FOR = "for", _l("For")
    AGAINST = "against", _l("Against")
    ABSTAIN = "abstain", _l("Abstain")


class Decision(db.Model):
    """One collegial act on a case: a meeting, its members and votes, the outcome, the reasons."""

    __tablename__ = "decisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)  # 1, 2, ... within the case
    kind: Mapped[DecisionKind] = mapped_column(db_enum(DecisionKind, "decision_kind"))
    # The meeting's date in the election's time zone; meeting_at is UTC like every time.
    decided_on: Mapped[date] = mapped_column(Date)
    meeting_at: Mapped[datetime] = mapped_column(DateTime)
    outcome: Mapped[Outcome] = mapped_column(db_enum(Outcome, "decision_outcome"))
    reasons: Mapped[str] = mapped_column(Text)
    # The case's language (its first complaint's): the printed decision is in it.
    language: Mapped[str] = mapped_column(String(5))
    chair_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    transition_id: Mapped[int | None] = mapped_column(ForeignKey("case_transitions.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    case: Mapped[Case] = relationship()
    chair: Mapped[User | None] = relationship(foreign_keys=[chair_id])
    recorded_by: Mapped[User] = relationship(foreign_keys=[recorded_by_id])
    members: Mapped[list["DecisionMember"]] = relationship(
        back_populates="decision", cascade="all, delete-orphan", order_by="DecisionMember.id")

    __table_args__ = (
        Index("ix_decisions_case_id", "case_id", "id"),
        UniqueConstraint("case_id", "number"),
        # What a sanction's composite key points at: a decision of its case, with its outcome.
        UniqueConstraint("id", "case_id", "outcome"),
    )

    @property
    def present(self) -> list["DecisionMember"]:
        return [m for m in self.members if m.present]

    def tally(self) -> dict[str, int]:
        counts = {vote.value: 0 for vote in Vote}
        for member in self.members:
            if member.vote is not None:
                counts[member.vote.value] += 1
        return counts


class DecisionMember(db.Model):
    """A committee member at the time of a decision: present or not, conflicted or not, vote."""

    __tablename__ = "decision_members"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("decisions.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    present: Mapped[bool] = mapped_column(Boolean, default=False)
    conflict: Mapped[bool] = mapped_column(Boolean, default=False)
    vote: Mapped[Vote | None] = mapped_column(db_enum(Vote, "decision_vote"))

    decision: Mapped[Decision] = relationship(back_populates="members")
    user: Mapped[User] = relationship()

    __table_args__ = (
        UniqueConstraint("decision_id", "user_id"),
        # Only a member present and without a conflict of interest votes.
        CheckConstraint("vote IS NULL OR (present AND NOT conflict)", name="vote_allowed"),
    )
