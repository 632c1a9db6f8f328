"""Sanctions: proposal and four-eyes approval (effects in effects.py, appeals in appeals.py;
who may take each step: Sanction.can_* and, for a proposal, proposal_refusal). Nothing here
commits or reads the request; every step is flushed and audited in the caller's transaction.

The life of a sanction:
- proposed by a reviewer, the secretary or a chair on a case decided confirmed or partly
  confirmed, citing at least one confirmed or partly confirmed finding of that case;
- approved by a chair who is not the proposer, with a fresh proof of both factors (the view asks,
  accounts/stepup.py), and
  then enforced at once: a disqualification removes the candidate from registration, an
  annulment marks every result in its scope annulled by it; or rejected with a reason;
- appealed (recorded by staff for the sanctioned candidate within the appeal window) and the
  appeal decided by a chair who did not record it: upheld, or reversed, which undoes exactly
  what the sanction did and leaves its record in place.
"""

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from casework.accounts.models import User
from casework.cases.conflicts import conflicted_user_ids
from casework.cases.models import Case, CaseState
from casework.cases.workflow import TEXT_MAX, Outcome
from casework.core import audit
from casework.core.db import utcnow
from casework.core.refusal import Refusal, required_text, selected_ids
from casework.decisions.models import Decision, Finding
from casework.elections.models import (
    Candidate,
    CandidateStatus,
    PollingStation,
    Region,
    StationKind,
)
from casework.extensions import db
from casework.sanctions import notices
from casework.sanctions.effects import apply_effects
from casework.sanctions.models import (
    CANDIDATE_TYPES,
    SUMMARY_MAX,
    Sanction,
    SanctionFinding,
    SanctionStatus,
    SanctionType,
)
from casework.sanctions.scope import (
    case_area,
    certified_regions,
    scope_results,
    touched_candidates,
    within,
)

SANCTIONING = frozenset({Outcome.CONFIRMED, Outcome.PARTLY_CONFIRMED})
SANCTIONABLE_STATES = frozenset({CaseState.DECIDED, CaseState.CLOSED})
REFERRAL_MAX = 300


# Refusals (core.refusal.Refusal): forbidden, not_allowed (state), missing / invalid (a
# field), self_approval,
# conflict (changed meanwhile), certified (certified results would change).

def forbidden() -> Refusal:
    return Refusal("forbidden", _l("You may not do this on this case."))


# -- reading -----------------------------------------------------------------------------

def sanctioning_decision(case: Case) -> Decision | None:
    """The decision a sanction on `case` rests on: its latest, if confirmed or partly."""
    if case.state not in SANCTIONABLE_STATES:
        return None
    latest = db.session.scalar(select(Decision).where(Decision.case_id == case.id)
                               .order_by(Decision.id.desc()).limit(1))
    return latest if latest is not None and latest.outcome in SANCTIONING else None


def sanctioning_findings(case: Case) -> list[Finding]:
    return list(db.session.scalars(select(Finding).where(
        Finding.case_id == case.id, Finding.conclusion.in_(SANCTIONING)).order_by(Finding.id)))


def sanctions_of(case: Case) -> list[Sanction]:
    return list(db.session.scalars(select(Sanction).where(Sanction.case_id == case.id)
                                   .order_by(Sanction.id)))


def proposal_refusal(case: Case, user: User) -> Refusal | None:
    """Why `user` may not propose a sanction on `case` now; None when they may. A member of
    the committee whose regions cover the case (case.can_work) with no declared conflict of
    interest in it ("forbidden"), on a case decided confirmed or partly confirmed
    ("not_allowed"). The case's side of the rule needs the decisions' tables: it is here."""
    if not case.can_work(user) or user.id in conflicted_user_ids(case):
        return forbidden()
    if sanctioning_decision(case) is None:
        return Refusal("not_allowed", _l("A sanction can be proposed only on a case decided "
                                         "“confirmed” or “partly confirmed”."))
    return None


# -- proposing ---------------------------------------------------------------------------

def _ids(values: Iterable[Any] | None, name: str) -> list[int]:
    return selected_ids(values, name)


def _kind(value: Any) -> SanctionType:
    try:
        return SanctionType(value)
    except ValueError:
        raise Refusal("missing", _l("Choose the type of sanction."), field="kind") from None


def _cited(case: Case, finding_ids: Iterable[Any] | None) -> list[Finding]:
    ids = _ids(finding_ids, "finding_ids")
    if not ids:
        raise Refusal("missing", _l("A sanction must cite the confirmed finding(s) it "
                                    "rests on."), field="finding_ids")
    findings = {finding.id: finding for finding in sanctioning_findings(case)}
    if any(number not in findings for number in ids):
        raise Refusal("invalid", _l("A sanction can cite only confirmed or partly "
                                    "confirmed findings of its own case."),
                      field="finding_ids")
    return [findings[number] for number in ids]


def _accused(case: Case, candidate_id: Any, required: bool) -> Candidate | None:
    if candidate_id in (None, ""):
        if required:
            raise Refusal("missing", _l("Choose the candidate."), field="candidate_id")
        return None
    candidate = next((c for c in case.accused if str(c.id) == str(candidate_id)), None)
    if candidate is None:
        raise Refusal("invalid", _l("The candidate must be one accused in this case."),
                      field="candidate_id")
    return candidate


def _annulment_scope(sanction: Sanction, case: Case, station_ids: Iterable[Any] | None,
                     region_id: Any, electronic: bool, all_candidates: bool,
                     candidate_ids: Iterable[Any] | None) -> None:
    area = case_area(case)
    stations = []
    ids = _ids(station_ids, "station_ids")
    if ids:
        stations = list(db.session.scalars(select(PollingStation).where(
            PollingStation.id.in_(ids), PollingStation.election_id == case.election_id)))
        if len(stations) != len(ids) or any(
                s.kind is StationKind.PAPER and not within(s.region, area) for s in stations):
            raise Refusal("invalid", _l("Choose polling stations of the case's region."),
                          field="station_ids")
    region = None
    if region_id not in (None, ""):
        region = db.session.get(Region, _ids([region_id], "annul_region_id")[0])
        if region is None or region.election_id != case.election_id or not within(region, area):
            raise Refusal("invalid", _l("Choose the case's region or a district of it."),
                          field="annul_region_id")
    if not stations and region is None and not electronic:
        raise Refusal("missing", _l("Choose where the votes are annulled: polling "
                                    "stations, a whole region or the electronic vote."),
                      field="station_ids")
    named = []
    if not all_candidates:
        ids = _ids(candidate_ids, "candidate_ids")
        named = list(db.session.scalars(select(Candidate).where(
            Candidate.id.in_(ids), Candidate.election_id == case.election_id)))
        if not ids or len(named) != len(ids):
            raise Refusal("missing", _l("Name the candidates whose votes are annulled, "
                                        "or choose all candidates."),
                          field="candidate_ids")
    sanction.stations = stations
    sanction.annul_region = region
    sanction.annul_electronic = bool(electronic)
    sanction.annul_all_candidates = bool(all_candidates)
    sanction.named_candidates = named
    if not scope_results(sanction, area):
        raise Refusal("invalid", _l("No voting results fall within this scope."),
                      field="station_ids")


def propose_sanction(case: Case, actor: User, *, kind: SanctionType | str,
                     finding_ids: Iterable[Any], summary: str, candidate_id: Any = None,
                     referred_to: str | None = None, station_ids: Iterable[Any] = (),
                     annul_region_id: Any = None, annul_electronic: bool = False,
                     annul_all_candidates: bool = True, candidate_ids: Iterable[Any] = (),
                     now: datetime | None = None) -> Sanction:
    """Propose a sanction on a decided case; it waits for a chair's approval."""
    refusal = proposal_refusal(case, actor)
    if refusal is not None:
        raise refusal
    decision = sanctioning_decision(case)
    kind = _kind(kind)
    findings = _cited(case, finding_ids)
    # An annulment names its candidates in its scope, not here.
    candidate = None if kind is SanctionType.VOTE_ANNULMENT else _accused(
        case, candidate_id, kind in CANDIDATE_TYPES)
    summary = required_text(summary, "summary", _l("Summarise the reasons for the register."),
                            SUMMARY_MAX)
    now = now or utcnow()
    sanction = Sanction(case=case, decision_id=decision.id,
                        decision_outcome=decision.outcome, kind=kind,
                        status=SanctionStatus.PROPOSED, candidate=candidate, summary=summary,
                        proposed_by_id=actor.id, proposed_at=now)
    if kind is SanctionType.REFERRAL:
        sanction.referred_to = required_text(
            referred_to, "referred_to", _l("Name the body the case is referred to."),
            REFERRAL_MAX)
    if kind is SanctionType.CANDIDATE_DISQUALIFICATION:
        _check_can_disqualify(candidate, exclude=None)
    if kind is SanctionType.VOTE_ANNULMENT:
        _annulment_scope(sanction, case, station_ids, annul_region_id, annul_electronic,
                         annul_all_candidates, candidate_ids)
    sanction.citations = [SanctionFinding(finding_id=f.id, case_id=case.id,
                                          finding_conclusion=f.conclusion) for f in findings]
    db.session.add(sanction)
    db.session.flush()
    audit.record("sanction.proposed", actor=actor, object_type="case", object_id=case.reference,
                 details={"sanction_id": sanction.id, "kind": kind.value,
                          "decision_id": decision.id, "finding_ids": [f.id for f in findings],
                          "candidate_id": candidate.id if candidate else None})
    notices.sanction_waiting(sanction, actor)
    return sanction


def _check_can_disqualify(candidate: Candidate | None, exclude: int | None) -> None:
    if candidate is None:
        return
    if candidate.status is CandidateStatus.DISQUALIFIED:
        raise Refusal("invalid", _l("This candidate is already removed from "
                                    "registration."), field="candidate_id")
    other = db.session.scalar(select(Sanction.id).where(
        Sanction.candidate_id == candidate.id,
        Sanction.kind == SanctionType.CANDIDATE_DISQUALIFICATION,
        Sanction.status == SanctionStatus.PROPOSED,
        Sanction.id != (exclude or 0)).limit(1))
    if other is not None:
        raise Refusal("invalid", _l("A removal of this candidate is already proposed."),
                      field="candidate_id")


# -- reviewing: four eyes ----------------------------------------------------------------

def claim(sanction: Sanction, expected: SanctionStatus, values: dict[str, Any]) -> None:
    """Move the sanction out of `expected` unless someone else did it first."""
    moved = db.session.execute(update(Sanction).where(
        Sanction.id == sanction.id, Sanction.status == expected).values(**values)
        .execution_options(synchronize_session=False)).rowcount
    if moved != 1:
        raise Refusal("conflict", _l("Someone else has just changed this sanction."))
    db.session.refresh(sanction)


def check_not_certified(sanction: Sanction, results: list) -> None:
    """Certified results change only after the chair withdraws the certification."""
    certified = certified_regions(touched_candidates(sanction, results))
    if certified:
        raise Refusal("certified", _l(
            "The results of %(region)s are certified: withdraw the certification before "
            "changing them.", region=certified[0].code))


def _check_review(sanction: Sanction, actor: User) -> None:
    if not sanction.awaiting_review:
        raise Refusal("not_allowed", _l("Only a proposed sanction can be approved or "
                                        "rejected."))
    if actor.id == sanction.proposed_by_id:
        raise Refusal("self_approval", _l("A sanction is approved or rejected by someone "
                                          "other than who proposed it."))
    if not sanction.can_review(actor):
        raise forbidden()


def approve_sanction(sanction: Sanction, actor: User, *,
                     now: datetime | None = None) -> Sanction:
    """The chair's approval: the sanction is enforced at once and its effects applied. The
    view asks first for a fresh proof of both factors (accounts/stepup.py)."""
    _check_review(sanction, actor)
    decision = sanctioning_decision(sanction.case)
    if decision is None or decision.id != sanction.decision_id:
        raise Refusal("not_allowed", _l("The decision this sanction rests on is no longer "
                                        "the case's decision."))
    if sanction.kind is SanctionType.CANDIDATE_DISQUALIFICATION:
        _check_can_disqualify(sanction.candidate, exclude=sanction.id)
    fresh = [r for r in scope_results(sanction, case_area(sanction.case)) if not r.annulled]
    check_not_certified(sanction, fresh)
    now = now or utcnow()
    claim(sanction, SanctionStatus.PROPOSED, {
        "status": SanctionStatus.ENFORCED, "reviewed_by_id": actor.id, "reviewed_at": now,
        "enforced_at": now})
    effects = apply_effects(sanction, now)
    audit.record("sanction.enforced", actor=actor, object_type="case",
                 object_id=sanction.case.reference,
                 details={"sanction_id": sanction.id, "kind": sanction.kind.value,
                          "proposed_by": sanction.proposed_by_id, **effects})
    return sanction


def reject_sanction(sanction: Sanction, actor: User, *, reason: str,
                    now: datetime | None = None) -> Sanction:
    reason = required_text(reason, "reason", _l("Give the reason for the rejection."),
                           TEXT_MAX)
    _check_review(sanction, actor)
    now = now or utcnow()
    claim(sanction, SanctionStatus.PROPOSED, {
        "status": SanctionStatus.REJECTED, "reviewed_by_id": actor.id, "reviewed_at": now,
        "rejection_reason": reason})
    audit.record("sanction.rejected", actor=actor, object_type="case",
                 object_id=sanction.case.reference,
                 details={"sanction_id": sanction.id, "proposed_by": sanction.proposed_by_id})
    return sanction
