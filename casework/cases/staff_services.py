"""Staff operations on one case: scope, notes, messages, assignment, conflicts of interest,
merging, the accused candidate's right of reply, and the case's timeline.

Every function takes model objects and the acting user; it checks, changes, flushes,
audits and queues mail in the caller's transaction. Never commits, never reads `request`.
A refusal raises StaffError (or TransitionError from the workflow) and changes nothing.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from sqlalchemy import and_, exists, func, select, update
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from casework.accounts.models import Role, User
from casework.accounts.queries import scope_region_ids
from casework.cases import deadlines
from casework.cases.models import (
    PUBLIC_STATUS,
    Case,
    CaseMessage,
    CaseState,
    MessageAuthor,
    case_candidates,
)
from casework.cases.review_models import CaseDeadline, CaseTransition, ScreeningChecklist
from casework.cases.search import index_case
from casework.cases.staff_models import (
    METHOD_LABELS,
    REASON_MAX,
    AccusedNotice,
    CaseNote,
    ConflictDeclaration,
    NoticeMethod,
)
from casework.cases.transitions import TEXT_MAX, TransitionError, apply
from casework.cases.workflow import (
    FINAL_STATES,
    INADMISSIBLE_LABELS,
    OUTCOME_LABELS,
    PUBLIC_STATUS_LABELS,
    STATE_LABELS,
    Transition,
    allowed_actions,
    find,
    may_take,
)
from casework.core import audit
from casework.core.db import utcnow
from casework.core.refusal import Refusal, required_text
from casework.elections.models import Candidate, Election, Region
from casework.evidence.models import EvidenceItem
from casework.evidence.services import attach
from casework.extensions import db
from casework.hotline.models import PURPOSE_LABELS, Call
from casework.intake.models import Channel, Complaint
from casework.intake.services import IntakeError, Upload, store_files
from casework.mailin.models import InboundMail
from casework.notifications.models import OutboxMessage, OutboxStatus
from casework.notifications.services import enqueue_email, render_email

MEMBER_ROLES = (Role.REVIEWER, Role.SECRETARY, Role.CHAIR)  # committee members
LEAD_ROLES = (Role.SECRETARY, Role.CHAIR)
VIEW_ROLES = (*MEMBER_ROLES, Role.AUDITOR)
# A case counts towards its assignee's load while it still needs work.
OPEN_STATES = frozenset({CaseState.RECEIVED, CaseState.SCREENING, CaseState.INVESTIGATION,
                         CaseState.INFO_REQUESTED, CaseState.FINDINGS_READY, CaseState.APPEALED})
# The accused is told of the case, and answers, while the facts are examined.
REPLY_STATES = frozenset({CaseState.INVESTIGATION, CaseState.INFO_REQUESTED,
                          CaseState.FINDINGS_READY, CaseState.APPEALED})
ACCUSED_REPLY_SOURCE = "accused_reply"

CHANNEL_LABELS = {
    Channel.WEB: _l("the web form"),
    Channel.API: _l("the API"),
    Channel.HOTLINE: _l("the hotline"),
    Channel.EMAIL: _l("email"),
    Channel.SOCIAL_MEDIA: _l("social media or the press"),
    Channel.LETTER: _l("letter"),
    Channel.WALK_IN: _l("a visit in person"),
}
SOURCE_LABELS = {
    **{channel.value: label for channel, label in CHANNEL_LABELS.items()},
    "tracking": _l("the complainant, on the tracking page"),
    ACCUSED_REPLY_SOURCE: _l("the accused, in reply"),
}


class StaffError(Refusal):
    """An operation refused. `code` as TransitionError's: not_allowed, forbidden, missing,
    invalid, conflict; `field` names the form field at fault, if one is."""


def _forbidden() -> StaffError:
    return StaffError("forbidden", _l("You may not do this on this case."))


def _text(value: str | None, name: str, missing: LazyString, limit: int = TEXT_MAX) -> str:
    return required_text(value, name, missing, limit, StaffError)


# -- scope and permissions ----------------------------------------------------------------

def _active(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and user.is_active


def can_view(user: Any, case: Case) -> bool:
    """Staff who may open the case: members and auditors whose regions cover it."""
    return _active(user) and user.role in VIEW_ROLES and user.can_see_region(case.region)


def can_work(user: Any, case: Case) -> bool:
    """Members (not auditors) who may write notes, messages and the accused's reply."""
    return can_view(user, case) and user.role in MEMBER_ROLES


def can_assign(user: Any, case: Case) -> bool:
    return can_view(user, case) and user.role in LEAD_ROLES


def _require(allowed: bool) -> None:
    if not allowed:
        raise _forbidden()


def load_case_for(user: Any, reference: str | None) -> Case | None:
    """The case with this reference if `user` may see it; None for an unknown reference and
    for one outside the user's scope alike, so that existence is never revealed."""
    reference = (reference or "").strip().upper()
    if not reference or len(reference) > 40 or not _active(user) or user.role not in VIEW_ROLES:
        return None
    case = db.session.scalar(
        select(Case).where(Case.reference == reference)
        .options(selectinload(Case.region).selectinload(Region.parent),
                 selectinload(Case.accused), selectinload(Case.election)))
    if case is None or not can_view(user, case):
        return None
    return case


# -- notes and messages -------------------------------------------------------------------

def add_note(case: Case, actor: User, body: str) -> CaseNote:
    """An internal note: kept apart from the complainant's thread, never shown publicly."""
    _require(can_work(actor, case))
    note = CaseNote(case_id=case.id, author_id=actor.id, created_at=utcnow(),
                    body=_text(body, "body", _l("Write the note.")))
    db.session.add(note)
    db.session.flush()
    # The audit chain is read by auditors: it records that a note exists, not what it says.
    audit.record("case.note_added", actor=actor, object_type="case", object_id=case.reference,
                 details={"note_id": note.id, "length": len(note.body)})
    index_case(case)
    return note


def _track_url() -> str:
    return current_app.config["CASEWORK_PUBLIC_URL"].rstrip("/") + "/track"


def _complaints_with_email(case_id: int) -> list[Complaint]:
    return list(db.session.scalars(select(Complaint).where(
        Complaint.case_id == case_id, Complaint.email.is_not(None)).order_by(Complaint.id)))


def send_message(case: Case, actor: User, body: str) -> CaseMessage:
    """A message from the committee to every complainant of the case: shown on the tracking
    page, and emailed to those who gave an address. The case's state does not change."""
    _require(can_work(actor, case))
    if case.state is CaseState.MERGED:
        raise StaffError("not_allowed", _l("This case was merged into another one: write "
                                           "to the complainants there."))
    message = CaseMessage(case_id=case.id, author=MessageAuthor.COMMITTEE,
                          author_user_id=actor.id, channel="web", created_at=utcnow(),
                          body=_text(body, "body", _l("Write the message.")))
    db.session.add(message)
    db.session.flush()
    sent = 0
    for complaint in _complaints_with_email(case.id):
        queued = enqueue_email(
            template="cases/message", recipient=complaint.email, language=complaint.language,
            case_id=case.id, dedupe_key=f"message:{message.id}:{complaint.id}",
            context={"reference": case.reference, "message": message.body,
                     "track_url": _track_url()})
        sent += queued is not None
    audit.record("case.message_sent", actor=actor, object_type="case", object_id=case.reference,
                 details={"message_id": message.id, "emails": sent})
    index_case(case)
    return message


# -- conflicts of interest ----------------------------------------------------------------

def has_conflict(user: Any, case: Case) -> bool:
    """Whether `user` declared a conflict of interest with any accused candidate of `case`
    (one query). Such a member is neither assigned the case nor votes on it."""
    if getattr(user, "id", None) is None:
        return False
    accused = select(case_candidates.c.candidate_id).where(case_candidates.c.case_id == case.id)
    return bool(db.session.scalar(select(exists().where(
        ConflictDeclaration.user_id == user.id, ConflictDeclaration.candidate_id.in_(accused)))))


def _conflicted_user_ids(case: Case) -> set[int]:
    accused = select(case_candidates.c.candidate_id).where(case_candidates.c.case_id == case.id)
    return set(db.session.scalars(select(ConflictDeclaration.user_id).where(
        ConflictDeclaration.candidate_id.in_(accused))))


def declare_conflict(user: User, candidate: Candidate, reason: str) -> ConflictDeclaration:
    """A member declares, for themself, a conflict of interest with a candidate. They are
    taken off the open cases about the candidate that were assigned to them."""
    if not _active(user) or user.role not in MEMBER_ROLES:
        raise StaffError("forbidden", _l("Only committee members declare conflicts of interest."))
    reason = _text(reason, "reason", _l("Say what the conflict of interest is."), REASON_MAX)
    if db.session.scalar(select(ConflictDeclaration.id).where(
            ConflictDeclaration.user_id == user.id,
            ConflictDeclaration.candidate_id == candidate.id)) is not None:
        raise StaffError("invalid", _l("You have already declared a conflict of interest with "
                                       "this candidate."), field="candidate")
    declaration = ConflictDeclaration(user_id=user.id, candidate_id=candidate.id,
                                      declared_at=utcnow(), reason=reason)
    db.session.add(declaration)
    db.session.flush()
    audit.record("conflict.declared", actor=user, object_type="user", object_id=user.id,
                 details={"candidate": candidate.code, "candidate_id": candidate.id,
                          "reason": reason})
    assigned = list(db.session.scalars(
        select(Case).where(Case.assignee_id == user.id, Case.state.in_(OPEN_STATES),
                           Case.id.in_(select(case_candidates.c.case_id).where(
                               case_candidates.c.candidate_id == candidate.id)))
        .order_by(Case.id)))
    for case in assigned:
        _set_assignee(case, None, user, details={"reason": "conflict_of_interest"})
    return declaration


def conflicts_of(user: User) -> list[ConflictDeclaration]:
    return list(db.session.scalars(
        select(ConflictDeclaration).options(selectinload(ConflictDeclaration.candidate))
        .where(ConflictDeclaration.user_id == user.id).order_by(ConflictDeclaration.declared_at,
                                                                ConflictDeclaration.id)))


# -- assignment ---------------------------------------------------------------------------

def assignment_problem(case: Case, user: User) -> LazyString | None:
    """Why `user` cannot be given `case`; None when they can."""
    if not user.is_active:
        return _l("This account is disabled.")
    if user.role not in MEMBER_ROLES:
        return _l("Only committee members can be assigned cases.")
    if not user.can_see_region(case.region):
        return _l("The case's region is outside this member's regions.")
    if has_conflict(user, case):
        return _l("This member declared a conflict of interest with an accused candidate.")
    return None


def _set_assignee(case: Case, new_id: int | None, actor: User | None,
                  details: dict[str, Any] | None = None) -> None:
    previous = case.assignee_id
    # Only if nobody changed the assignee meanwhile (two secretaries at once).
    result = db.session.execute(
        update(Case).where(Case.id == case.id, Case.assignee_id == previous)
        .values(assignee_id=new_id).execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise StaffError("conflict", _l("Someone else has changed this case meanwhile. "
                                        "Reload it and try again."))
    set_committed_value(case, "assignee_id", new_id)
    audit.record("case.assigned" if new_id is not None else "case.unassigned", actor=actor,
                 object_type="case", object_id=case.reference,
                 details={"from": previous, "to": new_id, **(details or {})})


def assign(case: Case, assignee: User | None, actor: User) -> None:
    """The secretary or chair gives the case to a member (None: to nobody). The member must
    be active, cover the case's region and have no conflict with an accused candidate.
    Audited; nobody is emailed."""
    _require(can_assign(actor, case))
    if case.state in FINAL_STATES:
        raise StaffError("not_allowed", _l("A closed or merged case is not assigned."))
    if assignee is not None:
        problem = assignment_problem(case, assignee)
        if problem is not None:
            raise StaffError("invalid", problem, field="assignee")
    new_id = assignee.id if assignee is not None else None
    if new_id != case.assignee_id:
        _set_assignee(case, new_id, actor)


def reviewer_loads(election: Election, actor: User) -> list[tuple[User, int]]:
    """Active members the actor (secretary or chair) can see, each with the number of open
    cases of the election assigned to them: one GROUP BY (and the members' regions)."""
    if not _active(actor) or actor.role not in LEAD_ROLES:
        raise _forbidden()
    rows = db.session.execute(
        select(User, func.count(Case.id))
        .outerjoin(Case, and_(Case.assignee_id == User.id, Case.election_id == election.id,
                              Case.state.in_(OPEN_STATES)))
        .where(User.role.in_(MEMBER_ROLES), User.disabled_at.is_(None))
        .group_by(User.id).order_by(User.full_name, User.id)
        .options(selectinload(User.regions))).all()
    scope = scope_region_ids(actor, election.id)
    return [(user, count) for user, count in rows
            if scope is None or user.all_regions or any(r.id in scope for r in user.regions)]


def eligible_assignees(case: Case, actor: User) -> list[tuple[User, int]]:
    """The members who may be given this case, with their loads."""
    conflicted = _conflicted_user_ids(case)
    return [(user, load) for user, load in reviewer_loads(case.election, actor)
            if user.can_see_region(case.region) and user.id not in conflicted]


# -- workflow moves from the case page ----------------------------------------------------

def _may_move(transition: Transition, case: Case, actor: User) -> bool:
    return (case.state in transition.sources and actor.is_active
            and may_take(transition, actor.role) and actor.can_see_region(case.region))


def take_action(case: Case, action: str, actor: User, **payload: Any) -> CaseTransition:
    """One workflow move from the case page. A merge names its target by reference (looked up
    in the actor's scope) and moves the complaints over (merge_cases)."""
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
            _set_assignee(target, None, actor, details={"reason": "conflict_of_interest"})
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
    track_url = _track_url()
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


# -- the accused candidate's right of reply -----------------------------------------------

def notify_accused(case: Case, candidate: Candidate, actor: User,
                   method: NoticeMethod | str) -> AccusedNotice:
    """Record that the accused candidate was told of the case, and how."""
    _require(can_work(actor, case))
    if case.state not in REPLY_STATES:
        raise StaffError("not_allowed", _l("The accused is notified while the case is being "
                                           "investigated."))
    if candidate not in case.accused:
        raise StaffError("invalid", _l("This candidate is not accused in the case."),
                         field="candidate")
    try:
        method = NoticeMethod(method)
    except ValueError:
        raise StaffError("invalid", _l("Choose how the candidate was notified."),
                         field="method") from None
    notice = AccusedNotice(case_id=case.id, candidate_id=candidate.id, notified_at=utcnow(),
                           notified_by_id=actor.id, method=method)
    db.session.add(notice)
    db.session.flush()
    audit.record("case.accused_notified", actor=actor, object_type="case",
                 object_id=case.reference, details={"notice_id": notice.id,
                                                    "candidate": candidate.code,
                                                    "method": method.value})
    return notice


def record_accused_reply(notice: AccusedNotice, actor: User, text: str | None,
                         uploads: Sequence[Upload]) -> AccusedNotice:
    """The accused's answer: text and/or files (evidence, source "accused_reply")."""
    case = notice.case
    _require(can_work(actor, case))
    if notice.replied_at is not None:
        raise StaffError("conflict", _l("The reply to this notice is already recorded."))
    text = (text or "").strip()
    if not text and not uploads:
        raise StaffError("missing", _l("Write the reply or add the files the candidate sent."),
                         field="text")
    if len(text) > TEXT_MAX:
        raise StaffError("invalid", _l("The text is too long (at most %(n)d characters).",
                                       n=TEXT_MAX), field="text")
    try:
        stored = store_files(list(uploads))
    except IntakeError as error:
        raise StaffError("invalid", " ".join(str(m) for m in error.errors.values()),
                         field="files") from None
    now = utcnow()
    result = db.session.execute(
        update(AccusedNotice).where(AccusedNotice.id == notice.id,
                                    AccusedNotice.replied_at.is_(None))
        .values(reply_text=text or None, replied_at=now)
        .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise StaffError("conflict", _l("The reply to this notice is already recorded."))
    set_committed_value(notice, "reply_text", text or None)
    set_committed_value(notice, "replied_at", now)
    items = [attach(case, f, source=ACCUSED_REPLY_SOURCE, actor=actor) for f in stored]
    audit.record("case.accused_replied", actor=actor, object_type="case",
                 object_id=case.reference,
                 details={"notice_id": notice.id, "candidate_id": notice.candidate_id,
                          "evidence_ids": [i.id for i in items]})
    return notice


# -- reading: the timeline and the page ---------------------------------------------------

@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    kind: str  # complaint, call, mail, evidence, note, message, transition, notice, reply
    title: LazyString | str
    body: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)


KIND_ORDER = {kind: n for n, kind in enumerate(
    ("complaint", "call", "mail", "evidence", "transition", "message", "note", "notice",
     "reply"))}


@dataclass
class CaseRecords:
    """Everything the case page shows, each kind loaded with one query."""

    complaints: list[Complaint]
    calls: list[Call]
    mails: list[InboundMail]
    evidence: list[EvidenceItem]
    notes: list[CaseNote]
    messages: list[tuple[CaseMessage, str | None]]
    transitions: list[tuple[CaseTransition, str | None]]
    notices: list[AccusedNotice]


def load_records(case: Case) -> CaseRecords:
    """Eight queries, whatever the number of rows."""
    cid = case.id
    return CaseRecords(
        complaints=list(db.session.scalars(select(Complaint).where(Complaint.case_id == cid)
                                           .order_by(Complaint.received_at, Complaint.id))),
        calls=list(db.session.scalars(select(Call).options(joinedload(Call.operator))
                                      .where(Call.case_id == cid)
                                      .order_by(Call.started_at, Call.id))),
        mails=list(db.session.scalars(select(InboundMail).where(InboundMail.case_id == cid)
                                      .order_by(InboundMail.received_at, InboundMail.id))),
        evidence=list(db.session.scalars(select(EvidenceItem).where(EvidenceItem.case_id == cid)
                                         .order_by(EvidenceItem.created_at, EvidenceItem.id))),
        notes=list(db.session.scalars(select(CaseNote).options(joinedload(CaseNote.author))
                                      .where(CaseNote.case_id == cid)
                                      .order_by(CaseNote.created_at, CaseNote.id))),
        messages=[tuple(row) for row in db.session.execute(
            select(CaseMessage, User.full_name)
            .outerjoin(User, User.id == CaseMessage.author_user_id)
            .where(CaseMessage.case_id == cid).order_by(CaseMessage.created_at, CaseMessage.id))],
        transitions=[tuple(row) for row in db.session.execute(
            select(CaseTransition, User.full_name)
            .outerjoin(User, User.id == CaseTransition.actor_id)
            .where(CaseTransition.case_id == cid).order_by(CaseTransition.at, CaseTransition.id))],
        notices=list(db.session.scalars(
            select(AccusedNotice).where(AccusedNotice.case_id == cid)
            .options(joinedload(AccusedNotice.candidate), joinedload(AccusedNotice.notified_by))
            .order_by(AccusedNotice.notified_at, AccusedNotice.id))),
    )


def _complainant(complaint: Complaint) -> LazyString | str:
    return _l("Anonymous") if complaint.anonymous or not complaint.name else complaint.name


def build_timeline(records: CaseRecords, locale: str | None = None) -> list[TimelineEntry]:
    entries: list[TimelineEntry] = []
    add = entries.append
    for c in records.complaints:
        add(TimelineEntry(c.received_at, "complaint",
                          _l("Complaint received by %(channel)s", channel=CHANNEL_LABELS[c.channel]),
                          c.narrative, {"id": c.id, "complainant": _complainant(c),
                                        "email": c.email, "phone": c.phone,
                                        "links": c.links or [], "accused_other": c.accused_other,
                                        "witnesses": c.witnesses, "source": c.source_platform}))
    for call in records.calls:
        add(TimelineEntry(call.started_at, "call",
                          _l("Hotline call: %(purpose)s", purpose=PURPOSE_LABELS[call.purpose]),
                          call.note or None, {"id": call.id, "operator": call.operator.full_name,
                                              "number": call.caller_number,
                                              "seconds": call.handling_seconds}))
    for mail in records.mails:
        add(TimelineEntry(mail.received_at, "mail", _l("Email received"), mail.subject or None,
                          {"id": mail.id, "sender": mail.sender, "status": mail.status.value}))
    for item in records.evidence:
        add(TimelineEntry(item.created_at, "evidence", _l("Evidence added: %(label)s",
                                                          label=item.label), None,
                          {"id": item.id, "sha256": item.sha256, "size": item.size,
                           "source": SOURCE_LABELS.get(item.source, item.source)}))
    for note in records.notes:
        add(TimelineEntry(note.created_at, "note", _l("Internal note"), note.body,
                          {"id": note.id, "author": note.author.full_name}))
    for message, author_name in records.messages:
        committee = message.author is MessageAuthor.COMMITTEE
        add(TimelineEntry(message.created_at, "message",
                          _l("Message to the complainants") if committee
                          else _l("Message from the complainant"), message.body,
                          {"id": message.id, "author": author_name if committee else None,
                           "channel": message.channel, "from": message.author.value}))
    for record, actor_name in records.transitions:
        add(TimelineEntry(record.at, "transition", find(record.action).label, record.text,
                          {"id": record.id, "actor": actor_name,
                           "from": STATE_LABELS[record.from_state],
                           "to": STATE_LABELS[record.to_state],
                           "reason": INADMISSIBLE_LABELS.get(record.reason_code)
                           if record.reason_code else None,
                           "outcome": OUTCOME_LABELS.get(record.outcome) if record.outcome else None,
                           "merged_into": (record.details or {}).get("merged_into")}))
    for notice in records.notices:
        name = notice.candidate.name(locale)
        add(TimelineEntry(notice.notified_at, "notice",
                          _l("Accused notified: %(name)s", name=name), None,
                          {"id": notice.id, "method": METHOD_LABELS[notice.method],
                           "author": notice.notified_by.full_name}))
        if notice.replied_at is not None:
            add(TimelineEntry(notice.replied_at, "reply",
                              _l("Reply of the accused: %(name)s", name=name), notice.reply_text,
                              {"id": notice.id}))
    entries.sort(key=lambda e: (e.at, KIND_ORDER[e.kind], e.meta.get("id", 0)))
    return entries


def timeline(case: Case, locale: str | None = None) -> list[TimelineEntry]:
    """The case's story in time order: complaints, calls, emails, evidence, notes, messages,
    transitions, the accused's notices and replies. A fixed number of queries."""
    return build_timeline(load_records(case), locale)


@dataclass
class CasePage:
    case: Case
    records: CaseRecords
    timeline: list[TimelineEntry]
    actions: list[Transition]
    can_work: bool
    can_assign: bool
    assignee: User | None
    due_at: datetime | None
    overdue: bool
    paused: bool
    checklist: ScreeningChecklist | None
    merged_into: Case | None
    merged_from: list[Case]
    assignees: list[tuple[User, int]] = field(default_factory=list)


def case_page(case: Case, user: User, locale: str | None = None,
              now: datetime | None = None) -> CasePage:
    """What the case page shows to `user` (who may view the case)."""
    now = now or utcnow()
    records = load_records(case)
    deadline = db.session.get(CaseDeadline, case.id)
    due = deadlines.due_at(case, deadline)
    paused = deadlines.is_paused(deadline)
    working = can_work(user, case)
    leading = can_assign(user, case)
    return CasePage(
        case=case, records=records, timeline=build_timeline(records, locale),
        actions=allowed_actions(case.state, user.role) if working else [],
        can_work=working, can_assign=leading and case.state not in FINAL_STATES,
        assignee=db.session.get(User, case.assignee_id) if case.assignee_id else None,
        due_at=due, paused=paused, overdue=due is not None and not paused and due <= now,
        checklist=db.session.get(ScreeningChecklist, case.id),
        merged_into=db.session.get(Case, case.merged_into_id) if case.merged_into_id else None,
        merged_from=list(db.session.scalars(select(Case).where(Case.merged_into_id == case.id)
                                            .order_by(Case.id))),
        assignees=eligible_assignees(case, user)
        if leading and case.state not in FINAL_STATES else [],
    )
