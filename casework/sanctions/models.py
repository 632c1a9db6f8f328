"""Sanctions: the effects of a confirmed decision, their citations, scopes and appeals.

The database itself holds the rules that must never be broken, whatever code writes:
- a sanction rests on a decision of its own case whose outcome is confirmed or partly
  confirmed: the composite foreign key (decision_id, case_id, decision_outcome) points at
  decisions (id, case_id, outcome), and a check allows only those two outcomes;
- each cited finding is a confirmed or partly confirmed finding of the same case, by the
  same kind of composite key into findings (id, case_id, conclusion). Changing a cited
  finding's conclusion afterwards breaks that key, so the database refuses it;
- four eyes: whoever reviews (approves or rejects) a sanction is not who proposed it;
- the appeal is decided by someone other than who recorded it.
"""

from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from casework.accounts.models import User
from casework.accounts.roles import CHAIRS, LEADS, Role, has_role
from casework.cases.conflicts import conflicted_user_ids
from casework.cases.models import Case
from casework.cases.workflow import Outcome
from casework.core.db import db_enum, utcnow
from casework.core.labels import LabelledEnum
from casework.decisions.models import Decision, Finding
from casework.elections.models import Candidate, PollingStation, Region, Result
from casework.extensions import db

SUMMARY_MAX = 1000
SANCTIONING_OUTCOMES = "('confirmed', 'partly_confirmed')"


class SanctionType(LabelledEnum):
    WARNING = "warning", _l("Warning")
    REPRIMAND = "reprimand", _l("Reprimand")
    CANDIDATE_DISQUALIFICATION = "candidate_disqualification", _l("Removal from registration")
    VOTE_ANNULMENT = "vote_annulment", _l("Annulment of the voting result")
    # to law enforcement or another body
    REFERRAL = "referral", _l("Referral to another body")

    @property
    def changes_results(self) -> bool:
        return self in (SanctionType.CANDIDATE_DISQUALIFICATION, SanctionType.VOTE_ANNULMENT)


# The types aimed at one candidate: they need one.
CANDIDATE_TYPES = frozenset({SanctionType.WARNING, SanctionType.REPRIMAND,
                             SanctionType.CANDIDATE_DISQUALIFICATION})


class SanctionStatus(LabelledEnum):
    PROPOSED = "proposed", _l("Proposed")
    REJECTED = "rejected", _l("Rejected")  # by the reviewing chair, with a reason
    ENFORCED = "enforced", _l("Enforced")  # approved by the chair: its effects are applied
    REVERSED = "reversed", _l("Reversed on appeal")  # on appeal: its effects are undone


sanction_stations = Table(
    "sanction_stations",
    db.metadata,
    Column("sanction_id", ForeignKey("sanctions.id", ondelete="CASCADE"), primary_key=True),
    Column("station_id", ForeignKey("polling_stations.id"), primary_key=True, index=True),
)

sanction_candidates = Table(
    "sanction_candidates",
    db.metadata,
    Column("sanction_id", ForeignKey("sanctions.id", ondelete="CASCADE"), primary_key=True),
    Column("candidate_id", ForeignKey("candidates.id"), primary_key=True, index=True),
)


class SanctionFinding(db.Model):
    """A finding a sanction rests on; both keys keep it on the sanction's case."""

    __tablename__ = "sanction_findings"

    sanction_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    finding_id: Mapped[int] = mapped_column(Integer, primary_key=True, index=True)
    case_id: Mapped[int] = mapped_column(Integer)
    finding_conclusion: Mapped[Outcome] = mapped_column(
        db_enum(Outcome, "sanction_finding_conclusion"))

    finding: Mapped[Finding] = relationship(viewonly=True)

    __table_args__ = (
        ForeignKeyConstraint(["sanction_id", "case_id"], ["sanctions.id", "sanctions.case_id"],
                             ondelete="CASCADE"),
        ForeignKeyConstraint(["finding_id", "case_id", "finding_conclusion"],
                             ["findings.id", "findings.case_id", "findings.conclusion"]),
        CheckConstraint(f"finding_conclusion IN {SANCTIONING_OUTCOMES}", name="sanctioning"),
    )


class Sanction(db.Model):
    __tablename__ = "sanctions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    decision_id: Mapped[int] = mapped_column(Integer)
    decision_outcome: Mapped[Outcome] = mapped_column(
        db_enum(Outcome, "sanction_decision_outcome"))
    kind: Mapped[SanctionType] = mapped_column(db_enum(SanctionType, "sanction_type"))
    status: Mapped[SanctionStatus] = mapped_column(
        db_enum(SanctionStatus, "sanction_status"), default=SanctionStatus.PROPOSED)
    candidate_id: Mapped[int | None] = mapped_column(ForeignKey("candidates.id"), index=True)
    referred_to: Mapped[str | None] = mapped_column(String(300))
    # Public: shown in the register. The full reasons are the decision's.
    summary: Mapped[str] = mapped_column(Text)
    # Annulment scope: explicit stations (sanction_stations), a whole region's paper
    # stations, the electronic vote; all candidates there, or the named ones.
    annul_region_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"))
    annul_electronic: Mapped[bool] = mapped_column(Boolean, default=False)
    annul_all_candidates: Mapped[bool] = mapped_column(Boolean, default=True)
    proposed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    proposed_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime)
    rejection_reason: Mapped[str | None] = mapped_column(Text)
    enforced_at: Mapped[datetime | None] = mapped_column(DateTime)
    reversed_at: Mapped[datetime | None] = mapped_column(DateTime)

    case: Mapped[Case] = relationship()
    decision: Mapped[Decision] = relationship(
        primaryjoin="Sanction.decision_id == Decision.id", foreign_keys=[decision_id],
        viewonly=True)
    candidate: Mapped[Candidate | None] = relationship(foreign_keys=[candidate_id])
    annul_region: Mapped[Region | None] = relationship()
    proposed_by: Mapped[User] = relationship(foreign_keys=[proposed_by_id])
    reviewed_by: Mapped[User | None] = relationship(foreign_keys=[reviewed_by_id])
    citations: Mapped[list[SanctionFinding]] = relationship(
        cascade="all, delete-orphan", order_by=SanctionFinding.finding_id,
        primaryjoin="Sanction.id == SanctionFinding.sanction_id",
        foreign_keys=[SanctionFinding.sanction_id])
    stations: Mapped[list[PollingStation]] = relationship(secondary=sanction_stations,
                                                          order_by=PollingStation.code)
    named_candidates: Mapped[list[Candidate]] = relationship(secondary=sanction_candidates,
                                                             order_by=Candidate.code)
    appeal: Mapped["SanctionAppeal | None"] = relationship(back_populates="sanction",
                                                           uselist=False)

    __table_args__ = (
        UniqueConstraint("id", "case_id"),
        ForeignKeyConstraint(["decision_id", "case_id", "decision_outcome"],
                             ["decisions.id", "decisions.case_id", "decisions.outcome"]),
        CheckConstraint(f"decision_outcome IN {SANCTIONING_OUTCOMES}", name="sanctioning"),
        CheckConstraint("reviewed_by_id IS NULL OR reviewed_by_id <> proposed_by_id",
                        name="four_eyes"),
        CheckConstraint("kind NOT IN ('warning', 'reprimand', 'candidate_disqualification') "
                        "OR candidate_id IS NOT NULL", name="has_candidate"),
        CheckConstraint("kind <> 'referral' OR referred_to IS NOT NULL", name="has_recipient"),
        CheckConstraint("status <> 'rejected' OR rejection_reason IS NOT NULL",
                        name="rejection_has_reason"),
        CheckConstraint("status NOT IN ('enforced', 'reversed') OR "
                        "(reviewed_by_id IS NOT NULL AND enforced_at IS NOT NULL)",
                        name="enforced_was_approved"),
        Index("ix_sanctions_status_enforced", "status", "enforced_at", "id"),
        Index("ix_sanctions_case_id", "case_id", "id"),
    )

    @property
    def findings(self) -> list[Finding]:
        return [citation.finding for citation in self.citations]

    @property
    def is_live(self) -> bool:
        """Proposed or enforced: it can still change, or already changes, the results."""
        return self.status in (SanctionStatus.PROPOSED, SanctionStatus.ENFORCED)

    # -- the states each step needs ---------------------------------------------------------

    @property
    def awaiting_review(self) -> bool:
        return self.status is SanctionStatus.PROPOSED

    @property
    def open_to_appeal(self) -> bool:
        """Enforced and not appealed yet (the appeal window is appeals.record_appeal's)."""
        return self.status is SanctionStatus.ENFORCED and self.appeal is None

    @property
    def appeal_pending(self) -> bool:
        return self.appeal is not None and self.appeal.outcome is None

    # -- who may do what on it (role groups from accounts.roles) ----------------------------

    def in_charge(self, user: Any, group: frozenset[Role]) -> bool:
        """A member of `group` whose regions cover the sanction's case and who declared no
        conflict of interest in it: what every step below asks besides the sanction's state."""
        return (has_role(user, group) and user.can_see_region(self.case.region)
                and user.id not in conflicted_user_ids(self.case))

    def can_view(self, user: Any) -> bool:
        """Its staff page: whoever may open its case."""
        return self.case.can_view(user)

    def can_review(self, user: Any) -> bool:
        """Approve or reject it: a chair who did not propose it (four eyes)."""
        return (self.awaiting_review and getattr(user, "id", None) != self.proposed_by_id
                and self.in_charge(user, CHAIRS))

    def can_record_appeal(self, user: Any) -> bool:
        """Record the sanctioned candidate's appeal: the secretary or a chair."""
        return self.open_to_appeal and self.in_charge(user, LEADS)

    def can_decide_appeal(self, user: Any) -> bool:
        """Decide the appeal: a chair who did not record it."""
        return (self.appeal_pending and getattr(user, "id", None) != self.appeal.recorded_by_id
                and self.in_charge(user, CHAIRS))


class SanctionResult(db.Model):
    """A result inside an enforced annulment's scope, as it was at enforcement: whether this
    sanction annulled it or found it already annulled. Reversal restores exactly these."""

    __tablename__ = "sanction_results"

    sanction_id: Mapped[int] = mapped_column(ForeignKey("sanctions.id", ondelete="CASCADE"),
                                             primary_key=True)
    result_id: Mapped[int] = mapped_column(ForeignKey("results.id"), primary_key=True,
                                           index=True)
    votes: Mapped[int] = mapped_column(Integer)
    newly_annulled: Mapped[bool] = mapped_column(Boolean)

    result: Mapped[Result] = relationship()


class AppealOutcome(LabelledEnum):
    UPHELD = "upheld", _l("Sanction upheld")
    REVERSED = "reversed", _l("Sanction reversed")


class SanctionAppeal(db.Model):
    """The sanctioned candidate's appeal, recorded by staff, and the decision on it."""

    __tablename__ = "sanction_appeals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sanction_id: Mapped[int] = mapped_column(ForeignKey("sanctions.id"), unique=True)
    filed_at: Mapped[datetime] = mapped_column(DateTime)
    grounds: Mapped[str] = mapped_column(Text)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    due_at: Mapped[datetime] = mapped_column(DateTime)  # when the decision on it is due
    outcome: Mapped[AppealOutcome | None] = mapped_column(db_enum(AppealOutcome,
                                                                  "appeal_outcome"))
    reasons: Mapped[str | None] = mapped_column(Text)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime)

    sanction: Mapped[Sanction] = relationship(back_populates="appeal")
    recorded_by: Mapped[User] = relationship(foreign_keys=[recorded_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])

    __table_args__ = (
        CheckConstraint("decided_by_id IS NULL OR decided_by_id <> recorded_by_id",
                        name="four_eyes"),
        CheckConstraint("outcome IS NULL OR (reasons IS NOT NULL AND decided_at IS NOT NULL)",
                        name="decided_with_reasons"),
    )
