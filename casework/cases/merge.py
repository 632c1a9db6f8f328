"""Merging a case into another about the same facts: after the "merge" transition, every
channel moves its own rows (complaints, evidence, calls, mail) to the case that continues,
the committee's messages follow the complainants they were written to, the accused are
joined, and every complainant of both cases is told once.

Never commits, never reads `request`.
"""

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from casework.accounts.models import User
from casework.cases import channels
from casework.cases.assignment import set_assignee
from casework.cases.conflicts import has_conflict
from casework.cases.models import (
    PUBLIC_STATUS,
    Case,
    CaseMessage,
    CaseState,
    CaseTransition,
    MessageAuthor,
)
from casework.cases.search import index_case
from casework.core import audit
from casework.core.urls import tracking_url
from casework.extensions import db
from casework.notifications.models import OutboxMessage, OutboxStatus
from casework.notifications.services import enqueue_email, render_email


def _moved_status_email(case: Case, record: CaseTransition | None, complaint_id: int,
                        context: dict[str, Any]) -> bool:
    """Put the merge message into the status email transitions.apply has just queued for
    this complaint (still unsent, in this transaction), so the complainant hears once."""
    if record is None:
        return False
    queued = db.session.scalar(select(OutboxMessage).where(
        OutboxMessage.dedupe_key == f"status:{case.id}:{record.id}:{complaint_id}",
        OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.attempts == 0))
    if queued is None:
        return False
    queued.subject, queued.body_text = render_email(queued.template, queued.language, context)
    return True


def _share_broadcasts(case: Case, moved_ids: list[int]) -> None:
    """The committee's messages to everyone on the merged case stay with its complainants
    only: given to each moved complaint, so the target's complainants never see them."""
    if not moved_ids:
        return
    broadcast = list(db.session.scalars(select(CaseMessage).where(
        CaseMessage.case_id == case.id, CaseMessage.complaint_id.is_(None),
        CaseMessage.author == MessageAuthor.COMMITTEE).order_by(CaseMessage.id)))
    for message in broadcast:
        message.complaint_id = moved_ids[0]
        for other in moved_ids[1:]:
            db.session.add(CaseMessage(
                case_id=case.id, complaint_id=other, author=message.author,
                author_user_id=message.author_user_id, channel=message.channel,
                body=message.body, created_at=message.created_at))
    db.session.flush()


def merge_cases(case: Case, target: Case, actor: User | None) -> dict[str, int]:
    """After transitions.apply(case, "merge", into=target), in the same transaction: move the
    complaints (with their thread), evidence, hotline calls and inbound mail to the surviving
    case, add the accused, and tell every complainant of both cases once, naming the
    surviving reference. The merged case keeps its row, notes and history as a pointer.
    Returns the rows moved per table."""
    if case.state is not CaseState.MERGED or case.merged_into_id != target.id:
        raise ValueError("merge_cases runs after transitions.apply(case, 'merge', into=target)")
    moved = channels.complainants_of([case.id])
    staying = channels.complainants_of([target.id])
    _share_broadcasts(case, [c.complaint_id for c in moved])
    counts = channels.move_rows(case, target)
    counts[CaseMessage.__tablename__] = db.session.execute(
        update(CaseMessage).where(CaseMessage.case_id == case.id).values(case_id=target.id)
        .execution_options(synchronize_session=False)).rowcount
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
                 details={"merged": case.reference, "complaints": counts.get("complaints", 0),
                          "evidence": counts.get("evidence_items", 0),
                          "messages": counts[CaseMessage.__tablename__]})
    _tell_merge(case, target, moved, staying)
    index_case(case)
    index_case(target)
    return counts


def _tell_merge(case: Case, target: Case, moved: list[channels.Complainant],
                staying: list[channels.Complainant]) -> None:
    record = db.session.scalar(select(CaseTransition).where(
        CaseTransition.case_id == case.id, CaseTransition.action == "merge")
        .order_by(CaseTransition.id.desc()).limit(1))
    moved_ids = {c.complaint_id for c in moved}
    track_url = tracking_url()
    for complainant in sorted((c for c in moved + staying if c.email),
                              key=lambda c: c.complaint_id):
        if complainant.complaint_id in moved_ids:
            context = {
                "reference": case.reference, "committee": True, "track_url": track_url,
                "status_label": PUBLIC_STATUS[CaseState.MERGED].label,
                "message": _l("Your complaint is now examined in case %(target)s together with "
                              "other complaints about the same facts. Your tracking code "
                              "stays the same.", target=target.reference)}
            if _moved_status_email(case, record, complainant.complaint_id, context):
                continue
        else:
            context = {
                "reference": target.reference, "committee": True, "track_url": track_url,
                "status_label": PUBLIC_STATUS[target.state].label,
                "message": _l("Case %(merged)s, about the same facts, has been joined to case "
                              "%(target)s, which continues.", merged=case.reference,
                              target=target.reference)}
        enqueue_email(template="cases/status_changed", recipient=complainant.email,
                      language=complainant.language, case_id=target.id, context=context,
                      dedupe_key=f"merge:{case.id}:{complainant.complaint_id}")
