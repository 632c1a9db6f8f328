"""The case's records (one query per kind) and its timeline: complaints, calls, emails,
evidence, notes, messages, transitions, the accused's notices and replies, in time order.
"""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from casework.accounts.models import User
from casework.cases.accused import ACCUSED_REPLY_SOURCE
from casework.cases.models import Case, CaseMessage, MessageAuthor
from casework.cases.review_models import CaseTransition
from casework.cases.staff_models import METHOD_LABELS, AccusedNotice, CaseNote
from casework.cases.workflow import INADMISSIBLE_LABELS, OUTCOME_LABELS, STATE_LABELS, find
from casework.evidence.models import EvidenceItem
from casework.extensions import db
from casework.hotline.models import Call
from casework.intake.models import Channel, Complaint
from casework.mailin.models import InboundMail

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
                          _l("Hotline call: %(purpose)s", purpose=call.purpose.label),
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
