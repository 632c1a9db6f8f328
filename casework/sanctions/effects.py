"""What an enforced sanction does, and how a reversal undoes exactly that: a removal changes
the candidate's registration; an annulment marks the results of its scope annulled by it and
records each in sanction_results (annulled by it, or found annulled already). Flushes only."""

from datetime import datetime
from typing import Any

from sqlalchemy import select

from casework.elections.models import CandidateStatus
from casework.extensions import db
from casework.sanctions.models import (
    Sanction,
    SanctionResult,
    SanctionStatus,
    SanctionType,
)
from casework.sanctions.scope import case_area, scope_results


def apply_effects(sanction: Sanction, now: datetime) -> dict[str, Any]:
    if sanction.kind is SanctionType.CANDIDATE_DISQUALIFICATION:
        candidate = sanction.candidate
        candidate.status = CandidateStatus.DISQUALIFIED
        candidate.status_reason = sanction.summary
        candidate.status_changed_at = now
        candidate.disqualified_by_sanction_id = sanction.id
        db.session.flush()
        return {"disqualified": candidate.code}
    if sanction.kind is SanctionType.VOTE_ANNULMENT:
        annulled, votes = annul_scope(sanction, now)
        return {"results_annulled": annulled, "votes_annulled": votes}
    return {}


def annul_scope(sanction: Sanction, now: datetime,
                covered: set[int] | frozenset[int] = frozenset()) -> tuple[int, int]:
    """Record every result of the annulment's scope not in `covered` (result ids it already
    holds) and annul those not annulled yet; (results annulled, their votes). Flushes."""
    annulled = votes = 0
    for result in scope_results(sanction, case_area(sanction.case)):
        if result.id in covered:
            continue
        fresh = not result.annulled
        db.session.add(SanctionResult(sanction_id=sanction.id, result_id=result.id,
                                      votes=result.votes, newly_annulled=fresh))
        if fresh:
            result.annulled, result.annulled_at = True, now
            result.annulled_by_sanction_id = sanction.id
            annulled += 1
            votes += result.votes
    db.session.flush()
    return annulled, votes


def reverse_effects(sanction: Sanction, now: datetime) -> dict[str, Any]:
    if sanction.kind is SanctionType.CANDIDATE_DISQUALIFICATION:
        candidate = sanction.candidate
        if candidate.disqualified_by_sanction_id != sanction.id:
            return {}
        candidate.status = CandidateStatus.REGISTERED
        candidate.status_reason = None
        candidate.status_changed_at = now
        candidate.disqualified_by_sanction_id = None
        db.session.flush()
        return {"reinstated": candidate.code}
    if sanction.kind is SanctionType.VOTE_ANNULMENT:
        restored = handed_over = 0
        rows = db.session.scalars(select(SanctionResult).where(
            SanctionResult.sanction_id == sanction.id))
        for row in rows:
            result = row.result
            if result.annulled_by_sanction_id != sanction.id:
                continue
            # Another enforced annulment covering the same result keeps it annulled.
            other = db.session.scalar(
                select(Sanction.id).join(SanctionResult, SanctionResult.sanction_id == Sanction.id)
                .where(SanctionResult.result_id == result.id, Sanction.id != sanction.id,
                       Sanction.status == SanctionStatus.ENFORCED)
                .order_by(Sanction.enforced_at, Sanction.id).limit(1))
            if other is not None:
                result.annulled_by_sanction_id = other
                handed_over += 1
            else:
                result.annulled, result.annulled_at = False, None
                result.annulled_by_sanction_id = None
                restored += 1
        db.session.flush()
        return {"results_restored": restored, "results_still_annulled": handed_over}
    return {}
