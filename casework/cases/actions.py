"""The workflow moves staff take from the case page and the API (take_action, which resolves
a merge's target by reference), and merge_cases, which moves the complaints, evidence, calls
and mail of a merged case over and tells every complainant once.

Never commits, never reads `request`; a refusal raises StaffError or TransitionError.
"""

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from casework.accounts.models import User
from casework.cases.models import PUBLIC_STATUS, Case, CaseMessage, CaseState, MessageAuthor
from casework.cases.review_models import CaseTransition
from casework.cases.search import index_case
from casework.cases.staff_services import has_conflict, load_case_for, set_assignee, tracking_url
from casework.cases.transitions import TransitionError, apply, save_checklist
from casework.cases.workflow import PUBLIC_STATUS_LABELS, Transition, find, may_take
from casework.core import audit
from casework.evidence.models import EvidenceItem
from casework.extensions import db
from casework.hotline.models import Call
from casework.intake.models import Complaint
from casework.mailin.models import InboundMail
from casework.notifications.models import OutboxMessage, OutboxStatus
from casework.notifications.services import enqueue_email, render_email


def _may_move(transition: Transition, case: Case, actor: User) -> bool:
    return (case.state in transition.sources and actor.is_active
            and may_take(transition, actor.role) and actor.can_see_region(case.region))


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
    if reference and target is None and _may_move(find("merge"), case, actor):
        raise TransitionError("invalid", _l("No case with this reference in your regions."),
                              field="into")
    record = apply(case, "merge", actor=actor, into=target)
    merge_cases(case, target, actor)
    return record


def _moved_status_email(case: Case, record: CaseTransition | None, complaint: Complaint,
                        context: dict[str, Any]) -> bool:
    """Put the merge message into the status email transitions.apply has just queued for
    this complaint (still unsent, in this transaction), so the complainant hears once."""
    if record is None:
        return False
    queued = db.session.scalar(select(OutboxMessage).where(
        OutboxMessage.dedupe_key == f"status:{case.id}:{record.id}:{complaint.id}",
        OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.attempts == 0))
    if queued is None:
        return False
    queued.subject, queued.body_text = render_email(queued.template, queued.language, context)
    return True


def merge_cases(case: Case, target: Case, actor: User | None) -> dict[str, int]:
    """After transitions.apply(case, "merge", into=target), in the same transaction: move the
    complaints (with their thread), evidence, hotline calls and inbound mail to the surviving
    case, add the accused, and tell every complainant of both cases once, naming the
    surviving reference. The merged case keeps its row, notes and history as a pointer."""
    if case.state is not CaseState.MERGED or case.merged_into_id != target.id:
        raise ValueError("merge_cases runs after transitions.apply(case, 'merge', into=target)")
    moved_ids = list(db.session.scalars(select(Complaint.id).where(Complaint.case_id == case.id)
                                        .order_by(Complaint.id)))
    staying_ids = list(db.session.scalars(select(Complaint.id).where(
        Complaint.case_id == target.id).order_by(Complaint.id)))
    # The committee's messages to everyone on the merged case stay with its complainants
    # only: given to each moved complaint, so the target's complainants never see them.
    broadcast = list(db.session.scalars(select(CaseMessage).where(
        CaseMessage.case_id == case.id, CaseMessage.complaint_id.is_(None),
        CaseMessage.author == MessageAuthor.COMMITTEE).order_by(CaseMessage.id)))
    if moved_ids:
        for message in broadcast:
            message.complaint_id = moved_ids[0]
            for other in moved_ids[1:]:
                db.session.add(CaseMessage(
                    case_id=case.id, complaint_id=other, author=message.author,
                    author_user_id=message.author_user_id, channel=message.channel,
                    body=message.body, created_at=message.created_at))
        db.session.flush()
    counts = {}
    for model in (Complaint, CaseMessage, EvidenceItem, Call, InboundMail):
        result = db.session.execute(update(model).where(model.case_id == case.id)
                                    .values(case_id=target.id)
                                    .execution_options(synchronize_session=False))
        counts[model.__tablename__] = result.rowcount
    if counts[EvidenceItem.__tablename__]:
        target.has_evidence = True
    for candidate in case.accused:
        if candidate not in target.accused:
            target.accused.append(candidate)
    db.session.flush()
    db.session.expire_all()  # rows changed by UPDATE: reload what the session holds
    if target.assignee_id is not None:
        assignee = db.session.get(User, target.assignee_id)
        if assignee is not None and has_conflict(assignee, target):
            set_assignee(target, None, actor, details={"reason": "conflict_of_interest"})
    audit.record("case.merged_in", actor=actor, object_type="case", object_id=target.reference,
                 details={"merged": case.reference, "complaints": counts["complaints"],
                          "evidence": counts["evidence_items"],
                          "messages": counts["case_messages"]})
    _tell_merge(case, target, moved_ids, staying_ids)
    index_case(case)
    index_case(target)
    return counts


def _tell_merge(case: Case, target: Case, moved_ids: list[int], staying_ids: list[int]) -> None:
    record = db.session.scalar(select(CaseTransition).where(
        CaseTransition.case_id == case.id, CaseTransition.action == "merge")
        .order_by(CaseTransition.id.desc()).limit(1))
    complaints = db.session.scalars(select(Complaint).where(
        Complaint.id.in_(moved_ids + staying_ids), Complaint.email.is_not(None))
        .order_by(Complaint.id))
    track_url = tracking_url()
    for complaint in complaints:
        if complaint.id in moved_ids:
            context = {
                "reference": case.reference, "committee": True, "track_url": track_url,
                "status_label": PUBLIC_STATUS_LABELS[PUBLIC_STATUS[CaseState.MERGED]],
                "message": _l("Your complaint is now examined in case %(target)s together with "
                              "other complaints about the same facts. Your tracking code "
                              "stays the same.", target=target.reference)}
            if _moved_status_email(case, record, complaint, context):
                continue
        else:
            context = {
                "reference": target.reference, "committee": True, "track_url": track_url,
                "status_label": PUBLIC_STATUS_LABELS[PUBLIC_STATUS[target.state]],
                "message": _l("Case %(merged)s, about the same facts, has been joined to case "
                              "%(target)s, which continues.", merged=case.reference,
                              target=target.reference)}
        enqueue_email(template="cases/status_changed", recipient=complaint.email,
                      language=complaint.language, case_id=target.id, context=context,
                      dedupe_key=f"merge:{case.id}:{complaint.id}")
