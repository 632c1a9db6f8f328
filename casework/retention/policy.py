"""When a case's personal data may go: the election's policy (its own columns, else the
CASEWORK_RETENTION_* settings) and the moment the case became final.

A case is final when nothing can change its outcome any more:
- closed (an appeal is taken only from decided or inadmissible);
- decided or inadmissible, once the appeal window has passed. The workflow puts no time
  limit on appealing a case, so the window is the one the code knows, the sanctions' own
  (CASEWORK_SANCTION_APPEAL_DAYS), counted from the decision;
- and in every case, no sanction proposed and awaiting review, no enforced sanction still
  open to appeal (CASEWORK_SANCTION_APPEAL_DAYS after enforcement, sanctions/appeals.py)
  and no appeal of a sanction waiting for its decision.
Appealed, merged (its rows live on the case it joined) and every open state are not final.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from casework.cases.models import Case, CaseState
from casework.elections.models import Election, EvidenceRetention
from casework.extensions import db
from casework.sanctions.models import Sanction, SanctionStatus

# The states a final case can be in; the rest are never final.
SETTLED_STATES = frozenset({CaseState.CLOSED, CaseState.DECIDED, CaseState.INADMISSIBLE})
# Of those, the ones an appeal can still reopen (cases/workflow.py: "appeal").
APPEALABLE_STATES = frozenset({CaseState.DECIDED, CaseState.INADMISSIBLE})


@dataclass(frozen=True)
class Policy:
    days: int  # personal data: days after the case is final
    evidence: EvidenceRetention
    evidence_days: int  # evidence files, when the policy erases them

    @property
    def erases_evidence(self) -> bool:
        return self.evidence is EvidenceRetention.ERASE

    @property
    def earliest_days(self) -> int:
        """The fewest days after finality at which anything of a case goes."""
        return min(self.days, self.evidence_days) if self.erases_evidence else self.days


def policy_of(election: Election) -> Policy:
    config = current_app.config
    evidence = election.retention_evidence or EvidenceRetention(
        config["CASEWORK_RETENTION_EVIDENCE"])
    days = election.retention_days
    evidence_days = election.retention_evidence_days
    return Policy(
        days=int(config["CASEWORK_RETENTION_DAYS"]) if days is None else days,
        evidence=evidence,
        evidence_days=(int(config["CASEWORK_RETENTION_EVIDENCE_DAYS"]) if evidence_days is None
                       else evidence_days))


def appeal_window() -> timedelta:
    return timedelta(days=int(current_app.config["CASEWORK_SANCTION_APPEAL_DAYS"]))


def sanctions_of(case_ids: list[int]) -> dict[int, list[Sanction]]:
    """The sanctions of these cases with their appeals, by case (one query)."""
    found: dict[int, list[Sanction]] = {case_id: [] for case_id in case_ids}
    if case_ids:
        for sanction in db.session.scalars(select(Sanction).where(Sanction.case_id.in_(case_ids))
                                           .options(selectinload(Sanction.appeal))):
            found[sanction.case_id].append(sanction)
    return found


def final_since(case: Case, sanctions: list[Sanction]) -> datetime | None:
    """When the case became (or, with nothing more happening, becomes) final; None while
    something can still change it: an open state, an appeal under way, a sanction proposed or
    an appeal of one waiting. A time in the future: an appeal window still open."""
    if case.state not in SETTLED_STATES:
        return None
    window = appeal_window()
    moments = [case.state_changed_at]
    if case.state in APPEALABLE_STATES:
        moments.append(case.state_changed_at + window)
    for sanction in sanctions:
        if sanction.status is SanctionStatus.PROPOSED:
            return None
        if sanction.status is SanctionStatus.ENFORCED:
            if sanction.appeal is None:
                moments.append((sanction.enforced_at or case.state_changed_at) + window)
            elif sanction.appeal.outcome is None:
                return None
            else:
                moments.append(sanction.appeal.decided_at or sanction.appeal.recorded_at)
        elif sanction.status is SanctionStatus.REJECTED:
            moments.append(sanction.reviewed_at or sanction.proposed_at)
        elif sanction.status is SanctionStatus.REVERSED:
            moments.append(sanction.reversed_at or sanction.proposed_at)
    return max(moments)


@dataclass(frozen=True)
class Due:
    """What of a case goes when: None for a part that is not to be erased (again)."""

    final_at: datetime
    personal_at: datetime | None
    evidence_at: datetime | None


def due_of(case: Case, sanctions: list[Sanction], policy: Policy,
           has_unerased_evidence: bool) -> Due | None:
    final = final_since(case, sanctions)
    if final is None:
        return None
    personal = (None if case.personal_data_erased_at is not None
                else final + timedelta(days=policy.days))
    evidence = (final + timedelta(days=policy.evidence_days)
                if policy.erases_evidence and has_unerased_evidence else None)
    return Due(final, personal, evidence)
