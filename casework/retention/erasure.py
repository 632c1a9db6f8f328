"""Erase one final case's personal data, and (per policy) its evidence files.

What goes: the complainants' names, phones, emails, witness details and the author named
for a published complaint; the caller's number and the operator's contact note on its
calls; the number of its SMS (the texts stay, as narratives do); the sender of its inbound
mail and the stored raw message (its headers carry every address); the recipient and body
of its outbox mail and SMS to complainants. Per policy, the evidence files. What stays:
the case, the complaints' narratives and messages (the facts the findings weigh),
findings, decisions, sanctions, the audit chain, and for every file removed its
tombstone: the evidence row with its SHA-256, size and type, stamped `erased_at`.

Stored objects are removed only when no row that keeps its file still points at them
(storage is content-addressed: the same photo on two cases is one object). They are removed
before the caller commits: a run that stops halfway leaves rows that the next run erases
again, never a row that claims a file that was kept. Nothing here commits."""

from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, exists, func, or_, select, update

from casework.cases.models import Case
from casework.cases.search import index_case
from casework.core import audit
from casework.evidence.models import EvidenceItem, ImageHash, ImageHashBand, PhotoFacts
from casework.evidence.storage import get_storage
from casework.extensions import db
from casework.hotline.models import Call
from casework.intake.models import Complaint
from casework.mailin.models import InboundMail
from casework.notifications.models import MailKind, OutboxMessage, OutboxStatus
from casework.retention.policy import Due
from casework.sms.models import SmsMessage

ERASED_ERROR = "erased by retention before it was sent"
# The outbox's mail to complainants (staff mail about a case names staff, not complainants).
COMPLAINANT_MAIL = tuple(kind.value for kind in (MailKind.ACKNOWLEDGMENT, MailKind.STATUS_CHANGED,
                                                 MailKind.MESSAGE, MailKind.SMS_REPLY,
                                                 MailKind.SMS_MESSAGE))


def _complaints(case: Case) -> int:
    result = db.session.execute(
        update(Complaint).where(Complaint.case_id == case.id, or_(
            Complaint.name.is_not(None), Complaint.phone.is_not(None),
            Complaint.email.is_not(None), Complaint.witnesses.is_not(None),
            Complaint.source_author.is_not(None)))
        .values(name=None, phone=None, email=None, witnesses=None, source_author=None,
                phone_hash=None, email_hash=None)
        .execution_options(synchronize_session="fetch"))
    return result.rowcount or 0


def _calls(case: Case) -> int:
    result = db.session.execute(
        update(Call).where(Call.case_id == case.id,
                           or_(Call.caller_number.is_not(None), Call.note != ""))
        .values(caller_number=None, caller_hash=None, note="").execution_options(synchronize_session="fetch"))
    return result.rowcount or 0


def _sms(case: Case) -> int:
    result = db.session.execute(
        update(SmsMessage).where(SmsMessage.case_id == case.id, SmsMessage.number != "")
        .values(number="", number_hash=None).execution_options(synchronize_session="fetch"))
    return result.rowcount or 0


def merged_into(case: Case) -> list[int]:
    """The cases merged into this one, at any depth: their channels' rows moved here, their
    outbox mail (an acknowledgment sent before the merge) did not."""
    found: list[int] = []
    frontier = [case.id]
    while frontier:
        frontier = list(db.session.scalars(select(Case.id).where(
            Case.merged_into_id.in_(frontier))))
        found += frontier
    return found


def _outbox(case_ids: list[int]) -> tuple[int, int]:
    """(messages erased, messages a worker is sending now: erased by the next run)."""
    base = (OutboxMessage.case_id.in_(case_ids), OutboxMessage.template.in_(COMPLAINANT_MAIL),
            OutboxMessage.status != OutboxStatus.SENDING,
            or_(OutboxMessage.recipient != "", OutboxMessage.body_text != ""))
    # Waiting mail would go out with an empty body: it fails instead, saying why.
    db.session.execute(
        update(OutboxMessage).where(*base, OutboxMessage.status == OutboxStatus.PENDING)
        .values(status=OutboxStatus.FAILED, last_error=ERASED_ERROR)
        .execution_options(synchronize_session="fetch"))
    erased = db.session.execute(
        update(OutboxMessage).where(*base).values(recipient="", body_text="")
        .execution_options(synchronize_session="fetch")).rowcount or 0
    sending = db.session.scalar(select(func.count()).select_from(OutboxMessage).where(
        OutboxMessage.case_id.in_(case_ids), OutboxMessage.template.in_(COMPLAINANT_MAIL),
        OutboxMessage.status == OutboxStatus.SENDING)) or 0
    return erased, sending


def _photo_facts(case: Case) -> int:
    """The photos' metadata (where and with what device they were taken) is personal too;
    their perceptual hashes (photos' and video key frames') go with it, so an erased case's
    pictures no longer match new evidence."""
    items = select(EvidenceItem.id).where(EvidenceItem.case_id == case.id)
    for model in (ImageHash, ImageHashBand):
        db.session.execute(delete(model).where(model.evidence_item_id.in_(items))
                           .execution_options(synchronize_session=False))
    result = db.session.execute(delete(PhotoFacts).where(PhotoFacts.evidence_item_id.in_(items))
                                .execution_options(synchronize_session=False))
    return result.rowcount or 0


def _tombstone(items: list[EvidenceItem], now: datetime) -> set[str]:
    """Mark the items erased; the hashes of the objects they (and their previews) used."""
    hashes: set[str] = set()
    for item in items:
        hashes.add(item.sha256)
        if item.preview_sha256:
            hashes.add(item.preview_sha256)
        item.erased_at = now
        item.preview_status, item.preview_sha256 = None, None
    return hashes


def _still_needed(sha256: str) -> bool:
    """A row that keeps its file still points at this object."""
    kept_item = exists().where(EvidenceItem.sha256 == sha256, EvidenceItem.erased_at.is_(None))
    preview = exists().where(EvidenceItem.preview_sha256 == sha256)
    # Mail with no case yet (quarantine), or on a case whose personal data stays.
    raw = exists().where(InboundMail.raw_sha256 == sha256).where(or_(
        InboundMail.case_id.is_(None),
        exists().where(and_(Case.id == InboundMail.case_id,
                            Case.personal_data_erased_at.is_(None)))))
    return bool(db.session.scalar(select(or_(kept_item, preview, raw))))


def _remove_objects(hashes: set[str]) -> int:
    db.session.flush()
    storage = get_storage()
    removed = 0
    for sha256 in sorted(hashes):
        if not _still_needed(sha256):
            removed += storage.erase(sha256)
    return removed


def erase_case(case: Case, due: Due, now: datetime) -> dict[str, int] | None:
    """Erase what is due of one case at `now`; the counts (audited as such), or None when
    nothing was due. The caller commits."""
    counts: dict[str, Any] = {}
    hashes: set[str] = set()
    if due.personal_at is not None and due.personal_at <= now:
        counts["complaints"] = _complaints(case)
        counts["calls"] = _calls(case)
        counts["sms"] = _sms(case)
        mails = list(db.session.scalars(select(InboundMail).where(InboundMail.case_id == case.id)))
        counts["mails"] = 0
        for mail in mails:
            counts["mails"] += mail.sender != ""
            mail.sender = ""
        raw = [m.raw_sha256 for m in mails]
        raw_items = list(db.session.scalars(select(EvidenceItem).where(
            EvidenceItem.case_id == case.id, EvidenceItem.erased_at.is_(None),
            EvidenceItem.sha256.in_(raw)))) if raw else []
        counts["raw_messages"] = len(raw_items)
        hashes |= _tombstone(raw_items, now) | set(raw)
        counts["photo_facts"] = _photo_facts(case)
        merged = merged_into(case)
        counts["outbox"], sending = _outbox([case.id, *merged])
        if not sending:  # else: the next run, once the worker let go of it
            case.personal_data_erased_at = now
            if merged:  # their pages point here; they say it too
                db.session.execute(update(Case).where(Case.id.in_(merged))
                                   .values(personal_data_erased_at=now)
                                   .execution_options(synchronize_session="fetch"))
    if due.evidence_at is not None and due.evidence_at <= now:
        items = list(db.session.scalars(select(EvidenceItem).where(
            EvidenceItem.case_id == case.id, EvidenceItem.erased_at.is_(None))))
        counts["evidence_files"] = len(items)
        hashes |= _tombstone(items, now)
    if not counts:
        return None
    counts["stored_objects"] = _remove_objects(hashes)
    index_case(case)
    audit.record("retention.erased", object_type="case", object_id=case.reference,
                 details=counts)
    return counts
