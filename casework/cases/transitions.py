"""Moving a case through the workflow: `apply` is the one function that changes Case.state.

It looks the move up in casework.cases.workflow.TRANSITIONS, checks the state, who may take
it (`Case.can_take`) and what the move requires, changes the row only if nobody else has
moved it meanwhile, and records the timeline entry, the deadline, the audit entry and the
complainants' emails — in the caller's transaction: it flushes, never commits. A refused move
raises `Refusal` (not_allowed: not from this state; forbidden: who may take it; missing or
invalid: a required field, named in `field`; conflict: someone else moved the case meanwhile).

`take_action` is the move as staff make it (the case page, the API): it records the
screening checklist given with it, and a merge names its target by reference.
"""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from sqlalchemy import select, update
from sqlalchemy.orm.attributes import set_committed_value

from casework.accounts.models import User
from casework.cases import deadlines, search
from casework.cases.access import load_case_for
from casework.cases.channels import complainants_of
from casework.cases.merge import merge_cases
from casework.cases.models import (
    PUBLIC_STATUS,
    Case,
    CaseDeadline,
    CaseMessage,
    CaseState,
    CaseTransition,
    MessageAuthor,
    ScreeningChecklist,
)
from casework.cases.workflow import (
    CHECKLIST,
    CHECKLIST_NAMES,
    REASON_ITEMS,
    SYSTEM_REASONS,
    TEXT_MAX,
    InadmissibleReason,
    Outcome,
    find,
)
from casework.core import audit
from casework.core.db import utcnow
from casework.core.refusal import Refusal
from casework.core.urls import tracking_url
from casework.extensions import db
from casework.notifications.services import enqueue_email, message_language

MISSING = {
    "reason_code": _l("Choose why the complaint is inadmissible."),
    "public_reason": _l("Explain the decision to the complainant."),
    "into": _l("Choose the case to merge this one into."),
    "question": _l("Write the question for the complainant."),
    "outcome": _l("Choose the outcome."),
    "reasons": _l("Give the reasons for the decision."),
    "reason": _l("Give the grounds of the appeal."),
    CHECKLIST: _l("Complete the admissibility checklist first."),
}


def _forbidden() -> Refusal:
    return Refusal("forbidden", _l("You may not do this on this case."))


@dataclass
class _Move:
    """What a transition changes besides the state, worked out before anything is written."""

    case_values: dict[str, Any] = field(default_factory=dict)
    reason_code: InadmissibleReason | None = None
    outcome: Outcome | None = None
    text: str | None = None
    details: dict[str, Any] = field(default_factory=dict)
    public_message: LazyString | str | None = None  # for the complainants' email


def _text(payload: dict[str, Any], name: str) -> str:
    value = payload.get(name)
    value = value.strip() if isinstance(value, str) else ""
    if not value:
        raise Refusal("missing", MISSING[name], field=name)
    if len(value) > TEXT_MAX:
        raise Refusal("invalid", _l("The text is too long (at most %(n)d characters).",
                                     n=TEXT_MAX), field=name)
    return value


def _choice(payload: dict[str, Any], name: str, kind: type):
    value = payload.get(name)
    if value is None or value == "":
        raise Refusal("missing", MISSING[name], field=name)
    try:
        return kind(value)
    except ValueError:
        raise Refusal("invalid", MISSING[name], field=name) from None


def _checklist(case: Case) -> ScreeningChecklist | None:
    return db.session.get(ScreeningChecklist, case.id)


def _admit(case: Case, payload: dict[str, Any], actor: User | None) -> _Move:
    checklist = _checklist(case)
    if checklist is None or not checklist.complete:
        raise Refusal("missing", MISSING[CHECKLIST], field=CHECKLIST)
    if not checklist.passed:
        raise Refusal("invalid", _l("An item of the admissibility checklist failed: "
                                     "the complaint cannot be admitted."), field=CHECKLIST)
    return _Move(details={"checklist": checklist.items()})


def _reject(case: Case, payload: dict[str, Any], actor: User | None) -> _Move:
    reason = _choice(payload, "reason_code", InadmissibleReason)
    if reason in SYSTEM_REASONS:
        raise Refusal("invalid", MISSING["reason_code"], field="reason_code")
    explanation = _text(payload, "public_reason")
    checklist = _checklist(case)
    supporting = REASON_ITEMS[reason]
    if supporting:
        if checklist is None:
            raise Refusal("missing", MISSING[CHECKLIST], field=CHECKLIST)
        if not any(getattr(checklist, item) is False for item in supporting):
            raise Refusal("invalid", _l("The admissibility checklist does not show a "
                                         "failed item for this reason."), field=CHECKLIST)
    return _Move(case_values={"public_reason": explanation, "outcome": None},
                 reason_code=reason, text=explanation,
                 details={"checklist": checklist.items()} if checklist else {},
                 public_message=_l("Reason: %(reason)s.\n\n%(explanation)s",
                                   reason=reason.label, explanation=explanation))


CLOSED_TO_MERGE = frozenset({CaseState.MERGED, CaseState.CLOSED, CaseState.INADMISSIBLE})


def _merge(case: Case, payload: dict[str, Any], actor: User | None) -> _Move:
    target = payload.get("into")
    if target is None:
        raise Refusal("missing", MISSING["into"], field="into")
    if not isinstance(target, Case):
        raise TypeError("merge: `into` must be a Case")
    if target.id == case.id or target.election_id != case.election_id:
        raise Refusal("invalid", _l("A case can be merged only into another case of "
                                     "the same election."), field="into")
    if actor is not None and not target.can_view(actor):
        raise _forbidden()
    # The target's state as committed now, locked on PostgreSQL until our commit, so it
    # cannot be merged away or closed while this case joins it.
    current = db.session.scalar(select(Case.state).where(Case.id == target.id)
                                .with_for_update())
    if current in CLOSED_TO_MERGE:
        raise Refusal("invalid", _l("The case to merge into is no longer open."),
                       field="into")
    return _Move(case_values={"merged_into_id": target.id},
                 details={"merged_into": target.reference, "merged_into_id": target.id})


def _request_info(case: Case, payload: dict[str, Any], actor: User | None) -> _Move:
    question = _text(payload, "question")
    return _Move(text=question, public_message=question)


def _answer(cure: bool):
    """The answer to a cure request returns to screening, to a question to investigation."""
    def prepare(case: Case, payload: dict[str, Any], actor: User | None) -> _Move:
        if deadlines.awaiting_cure(case) != cure:
            raise Refusal("not_allowed", _l("The case does not wait for this answer."))
        return _Move()
    return prepare


def _cure_lapsed(case: Case, payload: dict[str, Any], actor: User | None) -> _Move:
    row = db.session.get(CaseDeadline, case.id)
    if not deadlines.awaiting_cure(case) or row.due_at is None or row.due_at > payload["_now"]:
        raise Refusal("not_allowed", _l("The cure period has not run out."))
    reason = InadmissibleReason.DEFECT_NOT_CURED
    explanation = _l("The defect in the complaint was not cured within the time given.")
    # Stored in the language of the case's first complainant, who reads it when tracking.
    first = complainants_of([case.id])[:1]
    with force_locale(message_language(first[0].language if first
                                       else case.election.default_locale)):
        stored = str(explanation)
    return _Move(case_values={"public_reason": stored, "outcome": None},
                 reason_code=reason, text=stored,
                 public_message=_l("Reason: %(reason)s.\n\n%(explanation)s",
                                   reason=reason.label, explanation=explanation))


def _decide(case: Case, payload: dict[str, Any], actor: User | None) -> _Move:
    outcome = _choice(payload, "outcome", Outcome)
    reasons = _text(payload, "reasons")
    return _Move(case_values={"outcome": outcome.value, "public_reason": reasons},
                 outcome=outcome, text=reasons,
                 public_message=_l("Decision: %(outcome)s.\n\n%(reasons)s",
                                   outcome=outcome.label, reasons=reasons))


def _appeal(case: Case, payload: dict[str, Any], actor: User | None) -> _Move:
    return _Move(text=_text(payload, "reason"))


def _reopen(case: Case, payload: dict[str, Any], actor: User | None) -> _Move:
    # The decision (or rejection) under appeal no longer stands: the case is examined again.
    return _Move(case_values={"outcome": None, "public_reason": None})


def _nothing(case: Case, payload: dict[str, Any], actor: User | None) -> _Move:
    return _Move()


PREPARE = {
    "start_screening": _nothing, "admit": _admit, "reject": _reject, "merge": _merge,
    "request_info": _request_info, "info_received": _answer(cure=False), "ready_findings": _nothing,
    "decide": _decide, "close": _nothing, "appeal": _appeal, "reopen": _reopen,
    "redecide": _decide, "request_cure": _request_info,
    "cure_received": _answer(cure=True),
    "cure_lapsed": _cure_lapsed,
}


def apply(case: Case, action: str, *, actor: User | None, now: datetime | None = None,
          **payload: Any) -> CaseTransition:
    """Take `action` on `case` as `actor` (None: the system, where the table allows it).

    Payload by action: reject(reason_code, public_reason), merge(into=Case),
    request_info(question), decide/redecide(outcome, reasons), appeal(reason).
    Raises Refusal and changes nothing when the move is refused."""
    try:
        transition = find(action)
    except KeyError:
        raise Refusal("not_allowed", _l("This action does not exist.")) from None
    unexpected = set(payload) - transition.payload_fields
    if unexpected:
        raise TypeError(f"{action} takes no {', '.join(sorted(unexpected))}")
    now = now or utcnow()
    source = case.state
    if source not in transition.sources:
        raise Refusal("not_allowed", _l(
            "“%(action)s” is not possible while the case is in the state “%(state)s”.",
            action=transition.label, state=source.label))
    if not case.can_take(transition, actor):
        raise _forbidden()
    move = PREPARE[action](case, {**payload, "_now": now}, actor)

    # Optimistic concurrency: the row changes only if it is still in the state we saw.
    values = {"state": transition.target, "state_changed_at": now, **move.case_values}
    result = db.session.execute(
        update(Case).where(Case.id == case.id, Case.state == source).values(**values)
        .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise Refusal("conflict", _l("Someone else has changed this case meanwhile. "
                                      "Reload it and try again."))
    for key, value in values.items():
        set_committed_value(case, key, value)

    record = CaseTransition(case_id=case.id, action=action, from_state=source,
                            to_state=transition.target, actor_id=getattr(actor, "id", None),
                            at=now, reason_code=move.reason_code, outcome=move.outcome,
                            text=move.text, details=move.details)
    db.session.add(record)
    if action in ("request_info", "request_cure"):
        db.session.add(CaseMessage(case_id=case.id, author=MessageAuthor.COMMITTEE,
                                   author_user_id=getattr(actor, "id", None), body=move.text,
                                   created_at=now))
    db.session.flush()
    if action in ("request_info", "request_cure"):
        search.index_case(case)
    deadlines.on_transition(case, record, now)
    audit.record(f"case.{action}", actor=actor, object_type="case", object_id=case.reference,
                 details={"from": source.value, "to": transition.target.value,
                          "reason_code": move.reason_code.value if move.reason_code else None,
                          "outcome": move.outcome.value if move.outcome else None,
                          "transition_id": record.id,
                          **({"merged_into": move.details["merged_into"]}
                             if "merged_into" in move.details else {})})
    if PUBLIC_STATUS[source] != PUBLIC_STATUS[transition.target]:
        notify_complainants(case, record, move.public_message)
    return record


def notify_complainants(case: Case, record: CaseTransition,
                        message: LazyString | str | None) -> int:
    """One status email per complaint with an address, in that complainant's language.

    Labels are lazy strings: enqueue_email renders them inside its forced locale."""
    status = PUBLIC_STATUS[record.to_state]
    track_url = tracking_url()
    sent = 0
    for complainant in complainants_of([case.id], with_email=True):
        queued = enqueue_email(
            template="cases/status_changed", recipient=complainant.email,
            language=complainant.language, case_id=case.id,
            dedupe_key=f"status:{case.id}:{record.id}:{complainant.complaint_id}",
            context={"reference": case.reference, "status_label": status.label,
                     "message": message, "track_url": track_url, "committee": True})
        sent += queued is not None
    return sent


def save_checklist(case: Case, *, actor: User, now: datetime | None = None,
                   notes: str | None = None, **items: bool | None) -> ScreeningChecklist:
    """Record admissibility checklist items (True passes, False fails, None unchecked) while
    the case is in screening; items not given keep their value. Admit and reject read it."""
    unknown = set(items) - set(CHECKLIST_NAMES)
    if unknown:
        raise TypeError(f"unknown checklist items: {', '.join(sorted(unknown))}")
    if case.state is not CaseState.SCREENING:
        raise Refusal("not_allowed", _l("The checklist is filled in during screening."))
    if not case.can_screen(actor):
        raise _forbidden()
    checklist = _checklist(case)
    if checklist is None:
        checklist = ScreeningChecklist(case_id=case.id)
        db.session.add(checklist)
    for name, value in items.items():
        if value is not None and not isinstance(value, bool):
            raise TypeError(f"checklist item {name} must be True, False or None")
        setattr(checklist, name, value)
    if notes is not None:
        checklist.notes = notes.strip()[:TEXT_MAX] or None
    checklist.checked_by_id = actor.id
    checklist.checked_at = now or utcnow()
    db.session.flush()
    audit.record("case.checklist", actor=actor, object_type="case", object_id=case.reference,
                 details={"items": checklist.items()})
    return checklist


def complainant_replied(case: Case, *, now: datetime | None = None) -> CaseTransition | None:
    """A complainant's answer (web, mail or hotline) resumes a case waiting for information."""
    if case.state is not CaseState.INFO_REQUESTED:
        return None
    action = "cure_received" if deadlines.awaiting_cure(case) else "info_received"
    return apply(case, action, actor=None, now=now)


def take_action(case: Case, action: str, actor: User, *,
                checklist: dict[str, bool | None] | None = None,
                checklist_notes: str | None = None, **payload: Any) -> CaseTransition:
    """One workflow move from the case page or the API. A merge names its target by
    reference (looked up in the actor's scope) and moves the complaints over (merge_cases).
    `checklist` (the API's admit and reject) records the screening items first."""
    if checklist is not None or checklist_notes is not None:
        save_checklist(case, actor=actor, notes=checklist_notes, **(checklist or {}))
    if action != "merge":
        return apply(case, action, actor=actor, **payload)
    reference = (payload.get("into") or "").strip()
    target = load_case_for(actor, reference) if reference else None
    if reference and target is None and case.can_take(find("merge"), actor):
        raise Refusal("invalid", _l("No case with this reference in your regions."),
                      field="into")
    record = apply(case, "merge", actor=actor, into=target)
    merge_cases(case, target, actor)
    return record
