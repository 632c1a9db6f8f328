"""Findings and committee decisions: the business rules. Nothing here commits or reads
the request; every change is flushed and audited in the caller's transaction.

A decision moves the case only through `casework.cases.transitions.apply` ("decide" from
findings_ready, "redecide" from appealed), so the workflow stays the one place that changes
a case's state. The rules a decision must meet, in the order they are checked:

- the case is in a state that can be decided, and the actor may take that transition
  (`case.can_take`: the workflow table's decide or redecide move, marked by_decision);
- the outcome, the reasons and the meeting time are given (the meeting not in the future);
- everyone present is a committee member for the case (an active reviewer, secretary or
  chair whose scope covers the case's region), and everyone with a vote is present;
- no member with a declared conflict of interest in the case votes;
- a quorum (CASEWORK_DECISION_QUORUM, 3 unless configured) of members present without a conflict;
- every such member has a vote: for, against or abstain;
- more votes for than against (abstentions do not count; a tie is not a majority);
- the outcome agrees with the findings: confirmed needs a confirmed finding, partly
  confirmed a confirmed or partly confirmed one, not confirmed no such finding at all.
"""

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from sqlalchemy import func, select

from casework.accounts.models import User
from casework.accounts.roles import CHAIRS
from casework.cases import transitions
from casework.cases.models import Case
from casework.cases.workflow import TEXT_MAX, TRANSITIONS, Outcome, Transition
from casework.core import audit
from casework.core.db import utcnow
from casework.core.i18n import LANGUAGES
from casework.core.refusal import Refusal, required_text, selected_ids
from casework.core.timezones import to_local, to_utc
from casework.decisions.models import (
    ALLEGATION_MAX,
    Decision,
    DecisionKind,
    DecisionMember,
    Finding,
    Vote,
)
from casework.decisions.queries import committee_members, conflicted_ids, findings_of
from casework.evidence.models import EvidenceItem
from casework.extensions import db
from casework.intake.models import Complaint

# The workflow's moves taken only by a recorded decision -> the kind of decision.
KINDS = {"decide": DecisionKind.DECISION, "redecide": DecisionKind.REDECISION}
# A meeting time entered to the minute may be a little ahead of the server's clock.
FUTURE_TOLERANCE = timedelta(minutes=5)


# Refusals (core.refusal.Refusal): not_allowed (the case's state), forbidden (role or scope),
# missing / invalid (a field, named in `field`), conflict_of_interest, quorum, no_majority,
# inconsistent (outcome vs findings), conflict (changed meanwhile).

def _forbidden() -> Refusal:
    return Refusal("forbidden", _l("You may not do this on this case."))


# -- reading (the rest is in queries) ---------------------------------------------------

def case_language(case: Case) -> str:
    """The case's language: its first complaint's, else the election's default."""
    language = db.session.scalar(select(Complaint.language).where(Complaint.case_id == case.id)
                                 .order_by(Complaint.received_at, Complaint.id).limit(1))
    if language in LANGUAGES:
        return language
    default = case.election.default_locale if case.election else None
    return default if default in LANGUAGES else "kk"


def decision_action(case: Case) -> tuple[Transition, DecisionKind] | None:
    """The workflow's move that records a decision from the case's state (decide from
    findings_ready, redecide from appealed) and the kind of decision; None if there is none."""
    move = next((t for t in TRANSITIONS if t.by_decision and case.state in t.sources), None)
    return None if move is None else (move, KINDS[move.action])


# -- findings --------------------------------------------------------------------------

def _text(value: Any, name: str, missing: LazyString, limit: int) -> str:
    return required_text(value, name, missing, limit)


def _outcome(value: Any, name: str) -> Outcome:
    if value is None or value == "":
        raise Refusal("missing", _l("Choose the outcome."), field=name)
    try:
        return Outcome(value)
    except ValueError:
        raise Refusal("invalid", _l("Choose the outcome."), field=name) from None


def _ids(values: Iterable[Any] | None, name: str) -> list[int]:
    return selected_ids(values, name)


def _cited_evidence(case: Case, evidence_ids: Iterable[Any] | None,
                    conclusion: Outcome) -> list[EvidenceItem]:
    ids = _ids(evidence_ids, "evidence_ids")
    items = list(db.session.scalars(select(EvidenceItem).where(EvidenceItem.id.in_(ids))
                                    .order_by(EvidenceItem.id))) if ids else []
    if len(items) != len(ids) or any(item.case_id != case.id for item in items):
        raise Refusal("invalid", _l("A finding can cite only the evidence of its own case."),
                      field="evidence_ids")
    if not items and conclusion is not Outcome.NOT_CONFIRMED:
        raise Refusal("missing", _l("A confirmed or partly confirmed finding must cite the "
                                    "evidence it rests on."), field="evidence_ids")
    return items


def _check_finding_access(case: Case, actor: User) -> None:
    if not case.can_work(actor):
        raise _forbidden()
    if not case.can_write_findings(actor):
        raise Refusal("not_allowed", _l("Findings are recorded while the case is under "
                                        "investigation or its findings are ready."))


def _finding_values(case: Case, allegation: Any, conclusion: Any, reasoning: Any,
                    evidence_ids: Iterable[Any] | None) -> dict[str, Any]:
    allegation = _text(allegation, "allegation", _l("State what was alleged."), ALLEGATION_MAX)
    outcome = _outcome(conclusion, "conclusion")
    reasoning = _text(reasoning, "reasoning", _l("Give the reasoning of the finding."), TEXT_MAX)
    return {"allegation": allegation, "conclusion": outcome, "reasoning": reasoning,
            "evidence": _cited_evidence(case, evidence_ids, outcome)}


def _next_number(model: type[Finding] | type[Decision], case: Case) -> int:
    """The next number within the case; the case row is locked so two members adding at once
    get 1 and 2, not the same number twice."""
    db.session.execute(select(Case.id).where(Case.id == case.id).with_for_update())
    last = db.session.scalar(select(func.max(model.number)).where(model.case_id == case.id))
    return (last or 0) + 1


def add_finding(case: Case, actor: User, *, allegation: str, conclusion: Outcome | str,
                reasoning: str, evidence_ids: Iterable[int] = (),
                now: datetime | None = None) -> Finding:
    """Record the committee's conclusion on one allegation, citing the case's evidence."""
    _check_finding_access(case, actor)
    values = _finding_values(case, allegation, conclusion, reasoning, evidence_ids)
    now = now or utcnow()
    finding = Finding(case_id=case.id, number=_next_number(Finding, case), author_id=actor.id,
                      created_at=now, updated_at=now, **values)
    db.session.add(finding)
    db.session.flush()
    audit.record("finding.added", actor=actor, object_type="case", object_id=case.reference,
                 details={"finding_id": finding.id, "conclusion": finding.conclusion.value,
                          "evidence_ids": [item.id for item in finding.evidence]})
    return finding


def _check_not_cited(finding: Finding) -> None:
    """A sanction rests on the finding's conclusion (the database holds it too)."""
    from casework.sanctions.models import SanctionFinding

    cited_by = db.session.scalar(select(SanctionFinding.sanction_id).where(
        SanctionFinding.finding_id == finding.id).limit(1))
    if cited_by is not None:
        raise Refusal("invalid", _l(
            "Sanction %(n)d rests on this finding: its conclusion cannot change.", n=cited_by),
            field="conclusion")


def update_finding(finding: Finding, actor: User, *, allegation: str,
                   conclusion: Outcome | str, reasoning: str, evidence_ids: Iterable[int] = (),
                   now: datetime | None = None) -> Finding:
    """Replace a finding's allegation, conclusion, reasoning and cited evidence; its id stays."""
    case = finding.case
    _check_finding_access(case, actor)
    values = _finding_values(case, allegation, conclusion, reasoning, evidence_ids)
    if values["conclusion"] is not finding.conclusion:
        _check_not_cited(finding)
    before = {"conclusion": finding.conclusion.value,
              "evidence_ids": [item.id for item in finding.evidence]}
    for key, value in values.items():
        setattr(finding, key, value)
    finding.updated_at = now or utcnow()
    db.session.flush()
    audit.record("finding.updated", actor=actor, object_type="case", object_id=case.reference,
                 details={"finding_id": finding.id, "before": before,
                          "conclusion": finding.conclusion.value,
                          "evidence_ids": [item.id for item in finding.evidence]})
    return finding


# -- decisions -------------------------------------------------------------------------

def quorum() -> int:
    return int(current_app.config["CASEWORK_DECISION_QUORUM"])


def _meeting_time(meeting_at: Any, now: datetime) -> datetime:
    if not isinstance(meeting_at, datetime):
        raise Refusal("missing", _l("Give the date and time of the meeting."),
                      field="meeting_at")
    if meeting_at.tzinfo is not None:
        meeting_at = to_utc(meeting_at, "UTC")  # aware: its own zone says when
    if meeting_at > now + FUTURE_TOLERANCE:
        raise Refusal("invalid", _l("The meeting cannot be in the future."),
                      field="meeting_at")
    return meeting_at


def _votes(votes: Mapping[Any, Any] | None) -> dict[int, Vote]:
    parsed: dict[int, Vote] = {}
    for key, value in (votes or {}).items():
        if value is None or value == "":
            continue  # no vote recorded for this member
        try:
            parsed[int(key)] = Vote(value)
        except (TypeError, ValueError):
            raise Refusal("invalid", _l("A vote is for, against or abstain."),
                          field="votes") from None
    return parsed


def _consistent(outcome: Outcome, findings: list[Finding]) -> None:
    conclusions = {finding.conclusion for finding in findings}
    if outcome is Outcome.CONFIRMED and Outcome.CONFIRMED not in conclusions:
        raise Refusal("inconsistent", _l(
            "The outcome “confirmed” needs at least one confirmed finding."), field="outcome")
    if outcome is Outcome.PARTLY_CONFIRMED and not conclusions & {
            Outcome.CONFIRMED, Outcome.PARTLY_CONFIRMED}:
        raise Refusal("inconsistent", _l(
            "The outcome “partly confirmed” needs at least one confirmed or partly confirmed "
            "finding."), field="outcome")
    if outcome is Outcome.NOT_CONFIRMED and conclusions - {Outcome.NOT_CONFIRMED}:
        raise Refusal("inconsistent", _l(
            "The outcome “not confirmed” contradicts a confirmed or partly confirmed finding."),
            field="outcome")


def _chair(chair_id: Any, present: set[int], members: dict[int, User],
           conflicted: set[int]) -> int | None:
    if chair_id not in (None, ""):
        try:
            chosen = int(chair_id)
        except (TypeError, ValueError):
            raise Refusal("invalid", _l("Unknown selection."), field="chair_id") from None
        if chosen not in present:
            raise Refusal("invalid", _l("The member who chaired the meeting must be among "
                                        "the members present."), field="chair_id")
        return chosen
    chairs = [uid for uid in present if members[uid].role in CHAIRS]
    preferred = [uid for uid in chairs if uid not in conflicted] or chairs
    return min(preferred) if preferred else None


def record_decision(case: Case, actor: User, *, meeting_at: datetime,
                    present_ids: Iterable[int], votes: Mapping[int, Vote | str],
                    outcome: Outcome | str, reasons: str, chair_id: int | None = None,
                    now: datetime | None = None) -> Decision:
    """Record the committee's decision on `case` and move the case to decided.

    `meeting_at` is UTC (naive, or aware and converted); `votes` maps a member's user id to
    for / against / abstain (a member without an entry has no vote). Raises Refusal
    and changes nothing when a rule is not met."""
    now = now or utcnow()
    move = decision_action(case)
    if move is None:
        raise Refusal("not_allowed", _l(
            "A decision is taken when the findings are ready, or on an appeal."))
    transition, kind = move
    if not case.can_take(transition, actor):
        raise _forbidden()
    chosen = _outcome(outcome, "outcome")
    reasons = _text(reasons, "reasons", _l("Give the reasons for the decision."), TEXT_MAX)
    meeting_at = _meeting_time(meeting_at, now)

    members = {member.id: member for member in committee_members(case)}
    present = set(_ids(present_ids, "present_ids"))
    if present - members.keys():
        raise Refusal("invalid", _l("Only committee members who may examine this case can "
                                    "be recorded as present."), field="present_ids")
    cast = _votes(votes)
    absent = sorted(cast.keys() - present)
    if absent:
        member = members.get(absent[0])
        if member is None:
            raise Refusal("invalid", _l("Only committee members who may examine this case "
                                        "can vote."), field="votes")
        raise Refusal("invalid", _l("%(name)s is not marked present and cannot vote.",
                                    name=member.full_name), field="votes")
    conflicted = conflicted_ids(case, members.values())
    barred = sorted(cast.keys() & conflicted)
    if barred:
        raise Refusal("conflict_of_interest", _l(
            "%(name)s declared a conflict of interest in this case and cannot vote.",
            name=members[barred[0]].full_name), field="votes")
    voters = present - conflicted
    needed = quorum()
    if len(voters) < needed:
        raise Refusal("quorum", _l(
            "No quorum: %(present)d members without a conflict of interest are present, "
            "%(needed)d are needed.", present=len(voters), needed=needed), field="present_ids")
    silent = sorted(voters - cast.keys(), key=lambda uid: (members[uid].full_name, uid))
    if silent:
        raise Refusal("missing", _l(
            "%(name)s is present but has no vote: record for, against or abstain.",
            name=members[silent[0]].full_name), field="votes")
    tally = {vote.value: sum(1 for v in cast.values() if v is vote) for vote in Vote}
    if tally["for"] == tally["against"]:
        raise Refusal("no_majority", _l(
            "The vote is tied (%(votes_for)d for, %(votes_against)d against): the outcome is "
            "not adopted.", votes_for=tally["for"], votes_against=tally["against"]), field="votes")
    if tally["for"] < tally["against"]:
        raise Refusal("no_majority", _l(
            "The outcome is not adopted: %(votes_for)d for, %(votes_against)d against.",
            votes_for=tally["for"], votes_against=tally["against"]), field="votes")
    _consistent(chosen, findings_of(case))
    chair = _chair(chair_id, present, members, conflicted)

    record = transitions.apply(case, transition.action, actor=actor, now=now,
                               outcome=chosen.value, reasons=reasons)
    decision = Decision(
        case_id=case.id, number=_next_number(Decision, case), kind=kind, meeting_at=meeting_at,
        decided_on=to_local(meeting_at, case.election).date(),
        outcome=chosen, reasons=reasons, language=case_language(case), chair_id=chair,
        recorded_by_id=actor.id, transition_id=record.id, created_at=now,
        members=[DecisionMember(user_id=uid, present=uid in present, conflict=uid in conflicted,
                                vote=cast.get(uid)) for uid in sorted(members)])
    db.session.add(decision)
    db.session.flush()
    audit.record("decision.recorded", actor=actor, object_type="case", object_id=case.reference,
                 details={"decision_id": decision.id, "kind": kind.value,
                          "action": transition.action, "outcome": chosen.value,
                          "meeting_at": meeting_at.isoformat(), "quorum": needed, "present": sorted(present),
                          "conflicted": sorted(conflicted & present), "chair_id": chair,
                          "votes": {str(uid): cast[uid].value for uid in sorted(cast)},
                          "tally": tally, "transition_id": record.id})
    return decision
