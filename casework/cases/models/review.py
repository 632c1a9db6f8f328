"""Tables of the review workflow: the screening checklist, the transition timeline, deadlines.

The case's current state lives on `cases.state`; these tables keep what the workflow
needs next to it. Only `casework.cases.transitions` (and its deadlines) writes them.
"""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from casework.cases.models.case import Case
from casework.cases.workflow import (
    CHECKLIST_NAMES,
    CaseState,
    DeadlineKind,
    InadmissibleReason,
    Outcome,
)
from casework.core.db import db_enum, utcnow
from casework.extensions import db


class ScreeningChecklist(db.Model):
    """The admissibility checklist of a case: each item True (passes), False (fails) or
    None (not checked yet). Kept after screening: it is part of the record."""

    __tablename__ = "screening_checklists"

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"),
                                         primary_key=True)
    within_remit: Mapped[bool | None] = mapped_column(Boolean)
    within_filing_window: Mapped[bool | None] = mapped_column(Boolean)
    specific_facts: Mapped[bool | None] = mapped_column(Boolean)
    evidence_or_source: Mapped[bool | None] = mapped_column(Boolean)
    accused_identified: Mapped[bool | None] = mapped_column(Boolean)
    not_duplicate: Mapped[bool | None] = mapped_column(Boolean)
    notes: Mapped[str | None] = mapped_column(Text)
    checked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    checked_at: Mapped[datetime | None] = mapped_column(DateTime)

    def items(self) -> dict[str, bool | None]:
        return {name: getattr(self, name) for name in CHECKLIST_NAMES}

    @property
    def complete(self) -> bool:
        return all(value is not None for value in self.items().values())

    @property
    def passed(self) -> bool:
        return all(value is True for value in self.items().values())

    def failed_items(self) -> list[str]:
        return [name for name, value in self.items().items() if value is False]


class CaseTransition(db.Model):
    """One move of a case through the workflow: the case's timeline."""

    __tablename__ = "case_transitions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    action: Mapped[str] = mapped_column(String(30))
    from_state: Mapped[CaseState] = mapped_column(db_enum(CaseState, "transition_from_state"))
    to_state: Mapped[CaseState] = mapped_column(db_enum(CaseState, "transition_to_state"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # None: the system
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    reason_code: Mapped[InadmissibleReason | None] = mapped_column(
        db_enum(InadmissibleReason, "inadmissible_reason"))
    outcome: Mapped[Outcome | None] = mapped_column(db_enum(Outcome, "transition_outcome"))
    # The text the move required: the public reason (reject), the question (request_info),
    # the reasons (decide, redecide), the grounds (appeal).
    text: Mapped[str | None] = mapped_column(Text)
    # Anything else worth keeping: the checklist at admit/reject, the merge target, ...
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    case: Mapped[Case] = relationship()

    __table_args__ = (
        Index("ix_case_transitions_case_at", "case_id", "at", "id"),
        # The daily report's moves of a day, and the reports' first move into a state.
        Index("ix_case_transitions_at", "at"),
        Index("ix_case_transitions_to_state", "to_state", "case_id", "at"),
    )


class CaseDeadline(db.Model):
    """The clock of a case's current state. No row yet: the case is still `received`, due
    `created_at` + the screening time (casework.cases.deadlines handles both)."""

    __tablename__ = "case_deadlines"

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"),
                                         primary_key=True)
    state: Mapped[CaseState] = mapped_column(db_enum(CaseState, "deadline_state"))
    started_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # None: no deadline in this state (decided, closed, inadmissible, merged).
    due_at: Mapped[datetime | None] = mapped_column(DateTime, index=True)
    # Set while information is requested from the complainant: the clock stands still.
    paused_at: Mapped[datetime | None] = mapped_column(DateTime)
    paused_seconds: Mapped[int] = mapped_column(Integer, default=0)
    # The legal period running (None: no deadline); cure is the one that acts by itself.
    kind: Mapped[DeadlineKind | None] = mapped_column(db_enum(DeadlineKind, "deadline_kind", 20))
    # Set when the case is first decided: whether by its due time (the public statistics).
    decided_in_time: Mapped[bool | None] = mapped_column(Boolean)

    case: Mapped[Case] = relationship()
