"""The one submit operation every channel ends in, and the complainant's follow-ups.

Functions flush, audit and queue mail; the caller commits once. Evidence files are
durably stored before that commit (see casework/evidence/services.py). A submission that
breaks a rule is refused with a `Refusal` naming every field at fault (`errors`).
"""

import hashlib
import hmac
from dataclasses import dataclass
from typing import BinaryIO

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, or_, select

from casework.cases import notices
from casework.cases.models import Case, CaseMessage, MessageAuthor
from casework.cases.search import index_case
from casework.cases.search_pending import mark_pending
from casework.cases.services import new_case, write_case
from casework.core import audit
from casework.core.i18n import LANGUAGES
from casework.core.phones import to_e164
from casework.core.refusal import Refusal
from casework.core.rows import insert_new, keep
from casework.core.timezones import to_local
from casework.core.urls import tracking_url
from casework.evidence.cleanup import note_rows
from casework.evidence.models import EvidenceItem
from casework.evidence.services import StoredFile, added_facts, attach, new_item, store_upload
from casework.evidence.validation import EvidenceRejected
from casework.extensions import db
from casework.intake import tracking
from casework.intake.models import Channel, Complaint
from casework.intake.rules import EMAIL_RE, ComplaintDraft, resolve

__all__ = ["EMAIL_RE", "ComplaintDraft", "Submission", "Upload", "add_reply", "check_complaint",
           "find_by_tracking_code", "find_submission", "public_messages", "replay",
           "store_files", "submit_complaint"]


@dataclass
class Upload:
    stream: BinaryIO
    filename: str | None


@dataclass
class Submission:
    complaint: Complaint
    case: Case
    tracking_code: str
    evidence: list[EvidenceItem]
    replayed: bool = False  # the same submission arrived again: nothing new was created


def submission_key_hash(key: str) -> str:
    return hashlib.sha256(("submission:" + key).encode()).hexdigest()


def tracking_code_for(key: str) -> str:
    return tracking.derive_code(current_app.config["SECRET_KEY"], key)


# The id alone, on the table: nearly every submission is new, so the row is rarely needed.
_SUBMITTED = select(Complaint.__table__.c.id).where(
    Complaint.__table__.c.submission_key == bindparam("key"))


def find_submission(key: str) -> Complaint | None:
    found = db.session.connection().execute(
        _SUBMITTED, {"key": submission_key_hash(key)}).scalar()
    return None if found is None else db.session.get(Complaint, found)


def _stored_or_problem(uploads: list[Upload]) -> tuple[list[StoredFile], str | None]:
    try:
        return store_files(uploads), None
    except Refusal as refusal:
        return [], str(refusal.message)


def _checked(draft: ComplaintDraft, uploads: list[Upload]) -> tuple[dict, list[StoredFile]]:
    """The rules and the files checked together, so that one refusal names every mistake."""
    values, errors = resolve(draft)
    stored, problem = _stored_or_problem(uploads)
    if problem:
        errors["evidence"] = problem
    if errors:
        raise Refusal("invalid", errors=errors)
    return values, stored


def check_complaint(draft: ComplaintDraft, uploads: list[Upload]) -> None:
    """Refuse, naming every field at fault, what `submit_complaint` would refuse; nothing is
    kept (a file stored meanwhile is removed at the end of the request). The web form asks
    this when its own shape checks failed, so that one send shows every mistake at once."""
    _checked(draft, uploads)


def store_files(uploads: list[Upload]) -> list[StoredFile]:
    """Validate and durably store every file; one bad file refuses the submission, naming it.
    The refusals are "invalid" (422), a file over its size limit too: the form shows them
    beside the files, as every other field's."""
    config = current_app.config
    if len(uploads) > config["CASEWORK_EVIDENCE_MAX_FILES"]:
        raise Refusal("invalid", _l("Send at most %(n)d files at once.",
                                    n=config["CASEWORK_EVIDENCE_MAX_FILES"]), field="evidence")
    stored, problems = [], []
    for upload in uploads:
        try:
            stored.append(store_upload(upload.stream, upload.filename,
                                       max_file_size=config["CASEWORK_EVIDENCE_MAX_FILE_SIZE"]))
        except EvidenceRejected as rejected:
            problems.append(str(rejected))
    if problems:
        raise Refusal("invalid", " ".join(problems), field="evidence")
    if sum(f.size for f in stored) > config["CASEWORK_EVIDENCE_MAX_TOTAL_SIZE"]:
        raise Refusal("invalid", _l("The files together are larger than %(mb)d MB.",
                                    mb=config["CASEWORK_EVIDENCE_MAX_TOTAL_SIZE"] // 2**20),
                      field="evidence")
    return stored


def submit_complaint(draft: ComplaintDraft, uploads: list[Upload], *, channel: Channel,
                     recorded_by=None) -> Submission:
    """Create the complaint, its new case (state received) and its evidence in one transaction."""
    key = draft.submission_key
    if not key or len(key) > 200:
        raise Refusal("missing", _l("The form is incomplete; reload it and try again."),
                      field="submission_key")
    existing = find_submission(key)
    if existing is not None:
        return replay(existing, key)
    values, stored = _checked(draft, uploads)
    case = new_case(election=draft.election, region=values["region"],
                    category=values["category"], station=values["station"],
                    accused=values["accused"])
    code = tracking_code_for(key)
    named = not draft.anonymous
    complaint = Complaint(
        case=case, channel=channel, submission_key=submission_key_hash(key),
        tracking_hash=tracking.code_hash(code), anonymous=not named,
        name=(draft.name or "").strip()[:200] if named else None,
        phone=to_e164(draft.phone) if named else None,  # one form, so look-ups match
        email=(draft.email or "").strip().lower()[:254] or None if named else None,
        complainant_role=values.get("role") if named else None,
        consent_to_contact=named and draft.consent_to_contact,
        language=draft.language if draft.language in LANGUAGES else "kk",
        category=values["category"], occurred_at=draft.occurred_at,
        learned_on=draft.learned_on or (to_local(draft.occurred_at, draft.election).date()
                                        if draft.occurred_at else None),
        region_id=values["region"].id if values["region"] else None,
        station_id=values["station"].id if values["station"] else None,
        source_platform=(draft.source_platform or "").strip()[:100] or None,
        source_author=(draft.source_author or "").strip()[:200] or None,
        published_at=draft.published_at,
        accused_other=(draft.accused_other or "").strip()[:500] or None,
        narrative=values["narrative"], links=values["links"],
        witnesses=(draft.witnesses or "").strip()[:5000] or None,
        recorded_by_id=getattr(recorded_by, "id", None),
    )
    complaint.evidence = [new_item(case, f, source=channel.value, actor=recorded_by)
                          for f in stored]
    # The first write, as late as it can be: on SQLite the write lock is held from here to
    # the commit. Then the rows (case, accused, complaint, files), each one INSERT without
    # the unit of work (core/rows.py), the pending mark and the audit entry: the commit has
    # nothing left to flush.
    write_case(case, draft.election)
    rows = [case, insert_new(complaint)]
    for item in complaint.evidence:
        rows.append(insert_new(item))
        if item.facts is not None:
            rows.append(insert_new(item.facts))
    keep(*rows)
    note_rows(complaint.evidence)
    mark_pending(case)  # its search document: built by the worker (cases/search_pending.py)
    _acknowledge(complaint, case, code)
    audit.record("complaint.received", actor=recorded_by, object_type="case",
                 object_id=case.reference, insert=True,
                 details={"channel": channel.value, "evidence": len(stored),
                          "anonymous": not named,
                          # What "evidence.added" said of each file before it was folded in.
                          "files": [added_facts(item, f)
                                    for item, f in zip(complaint.evidence, stored, strict=True)]})
    return Submission(complaint, case, code, complaint.evidence)


def replay(complaint: Complaint, key: str) -> Submission:
    evidence = list(db.session.scalars(select(EvidenceItem).where(
        EvidenceItem.complaint_id == complaint.id).order_by(EvidenceItem.id)))
    return Submission(complaint, complaint.case, tracking_code_for(key), evidence, replayed=True)


def _acknowledge(complaint: Complaint, case: Case, code: str) -> None:
    if not complaint.email:
        return
    from casework.notifications.services import enqueue_email

    enqueue_email(template="intake/acknowledgment", recipient=complaint.email,
                  language=complaint.language, dedupe_key=f"ack:{complaint.id}",
                  case_id=case.id, fresh=True,
                  context={"reference": case.reference, "tracking_code": tracking.grouped(code),
                           "track_url": tracking_url()})


def find_by_tracking_code(code: str) -> Complaint | None:
    """Look a complaint up by its code: the check symbol first, then the stored hash."""
    if not tracking.is_valid(code):
        return None
    digest = tracking.code_hash(code)
    complaint = db.session.scalar(select(Complaint).where(Complaint.tracking_hash == digest))
    if complaint is None or not hmac.compare_digest(complaint.tracking_hash, digest):
        return None
    return complaint


def add_reply(complaint: Complaint, body: str, uploads: list[Upload]) -> CaseMessage | None:
    """The complainant writes to the committee and/or adds evidence to their case."""
    body = (body or "").strip()
    if not body and not uploads:
        raise Refusal("missing", _l("Write a message or add a file."), field="body")
    errors: dict[str, object] = {}
    if len(body) > 10000:
        errors["body"] = _l("The message is too long (at most 10,000 characters).")
    stored, problem = _stored_or_problem(uploads)
    if problem:
        errors["evidence"] = problem
    if errors:
        raise Refusal("invalid", errors=errors)
    case = complaint.case
    message = None
    if body:
        message = CaseMessage(case_id=case.id, complaint_id=complaint.id,
                              author=MessageAuthor.COMPLAINANT, body=body, channel="web")
        db.session.add(message)
    for stored_file in stored:
        attach(case, stored_file, complaint=complaint, source="tracking")
    db.session.flush()
    audit.record("complaint.follow_up", object_type="case", object_id=case.reference,
                 details={"message": bool(body), "evidence": len(stored)})
    from casework.cases.transitions import complainant_replied

    index_case(case)
    complainant_replied(case)
    notices.complainant_wrote(case)
    return message


def public_messages(complaint: Complaint) -> list[CaseMessage]:
    """The thread one complainant sees: the committee's messages to everyone on the case or
    to this complaint, and this complainant's own replies — never another complainant's."""
    return list(db.session.scalars(
        select(CaseMessage).where(
            CaseMessage.case_id == complaint.case_id,
            or_(CaseMessage.complaint_id == complaint.id,
                (CaseMessage.complaint_id.is_(None))
                & (CaseMessage.author == MessageAuthor.COMMITTEE)))
        .order_by(CaseMessage.created_at, CaseMessage.id)))
