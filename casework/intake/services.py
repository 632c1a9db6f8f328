"""The one submit operation every channel ends in, and the complainant's follow-ups.

Functions flush, audit and queue mail; the caller commits once. Evidence files are
durably stored before that commit (see casework/evidence/services.py). A submission that
breaks a rule is refused with a `Refusal` naming every field at fault (`errors`).
"""

import hashlib
import hmac
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import BinaryIO

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from casework.cases import notices
from casework.cases.models import Case, CaseMessage, Category, MessageAuthor
from casework.cases.search import index_case
from casework.cases.services import open_case
from casework.core import audit
from casework.core.db import utcnow
from casework.core.i18n import LANGUAGES
from casework.core.phones import to_e164
from casework.core.refusal import Refusal
from casework.core.urls import tracking_url
from casework.elections.models import Candidate, Election, PollingStation, Region, StationKind
from casework.evidence.models import EvidenceItem
from casework.evidence.services import StoredFile, attach, store_upload
from casework.evidence.validation import EvidenceRejected
from casework.extensions import db
from casework.intake import tracking
from casework.intake.models import Channel, ComplainantRole, Complaint

URL_RE = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)
PHONE_RE = re.compile(r"^\+?[0-9 ()-]{6,20}$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass
class Upload:
    stream: BinaryIO
    filename: str | None


@dataclass
class ComplaintDraft:
    election: Election
    category: str
    region_code: str
    narrative: str
    anonymous: bool = True
    station_code: str | None = None
    occurred_at: datetime | None = None  # UTC
    name: str | None = None
    phone: str | None = None
    email: str | None = None
    complainant_role: str | None = None
    consent_to_contact: bool = False
    accused_codes: list[str] = field(default_factory=list)
    accused_other: str | None = None
    links: list[str] = field(default_factory=list)
    witnesses: str | None = None
    language: str = "kk"
    submission_key: str = ""
    # Mail and other free-form channels: region and category may be unknown until screening,
    # and a short text is accepted when files carry the facts.
    relaxed: bool = False
    source_platform: str | None = None
    source_author: str | None = None
    published_at: datetime | None = None


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


def find_submission(key: str) -> Complaint | None:
    return db.session.scalar(select(Complaint).where(
        Complaint.submission_key == submission_key_hash(key)))


def _resolve(draft: ComplaintDraft) -> dict:
    """Check the business rules; collect every problem, field by field."""
    errors: dict[str, object] = {}
    election = draft.election
    config = current_app.config
    values: dict = {}
    try:
        values["category"] = Category(draft.category)
    except ValueError:
        errors["category"] = _l("Choose what happened.")
    region = None
    if draft.region_code or not draft.relaxed:
        region = db.session.scalar(select(Region).where(
            Region.election_id == election.id, Region.code == (draft.region_code or "").upper()))
        if region is None:
            errors["region"] = _l("Choose the region where it happened.")
    values["region"] = region
    station = None
    if draft.station_code:
        station = db.session.scalar(select(PollingStation).where(
            PollingStation.election_id == election.id,
            PollingStation.code == draft.station_code.upper()))
        if station is None:
            errors["station"] = _l("This polling station is not in the list.")
        elif station.kind is StationKind.PAPER and region is None:
            region = station.region
        elif station.kind is StationKind.PAPER and not station.region.lies_within(region.id):
            errors["station"] = _l("This polling station is not in the chosen region.")
    values["station"] = station
    values["region"] = region  # a relaxed draft may have learnt it from the station
    codes = sorted({c.upper() for c in draft.accused_codes if c})
    accused = list(db.session.scalars(select(Candidate).where(
        Candidate.election_id == election.id, Candidate.code.in_(codes)))) if codes else []
    if len(accused) != len(codes):
        errors["accused"] = _l("One of the chosen candidates is not in the registry.")
    values["accused"] = accused
    narrative = (draft.narrative or "").strip()
    minimum = 1 if draft.relaxed else config["CASEWORK_NARRATIVE_MIN_LENGTH"]
    if len(narrative) < minimum:
        errors["narrative"] = _l("Describe what happened in at least %(n)d characters: what, "
                                 "where, when and who.", n=minimum)
    elif len(narrative) > 20000:
        errors["narrative"] = _l("The description is too long (at most 20,000 characters).")
    values["narrative"] = narrative
    links = [link.strip() for link in draft.links if link and link.strip()]
    if len(links) > 10 or any(not URL_RE.match(link) or len(link) > 1000 for link in links):
        errors["links"] = _l("Give up to 10 links, each starting with http:// or https://.")
    values["links"] = links
    if draft.occurred_at and draft.occurred_at > utcnow() + timedelta(minutes=10):
        errors["occurred_at"] = _l("The date and time cannot be in the future.")
    if not draft.anonymous:
        if not (draft.name or "").strip():
            errors["name"] = _l("Give your name, or choose to complain anonymously.")
        if not (draft.phone or draft.email):
            errors["contact"] = _l("Give a phone number or an email address so that we can "
                                   "reach you.")
        if draft.phone and (not PHONE_RE.match(draft.phone.strip()) or not to_e164(draft.phone)):
            errors["phone"] = _l("The phone number does not look right.")
        if draft.email and not EMAIL_RE.match(draft.email.strip()):
            errors["email"] = _l("The email address does not look right.")
        try:
            values["role"] = ComplainantRole(draft.complainant_role or "other")
        except ValueError:
            errors["complainant_role"] = _l("Choose who you are.")
    if errors:
        raise Refusal("invalid", errors=errors)
    return values


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
    values = _resolve(draft)
    stored = store_files(uploads)
    case = open_case(election=draft.election, region=values["region"],
                     category=values["category"], station=values["station"],
                     accused=values["accused"])
    code = tracking_code_for(key)
    named = not draft.anonymous
    complaint = Complaint(
        case_id=case.id, channel=channel, submission_key=submission_key_hash(key),
        tracking_hash=tracking.code_hash(code), anonymous=not named,
        name=(draft.name or "").strip()[:200] if named else None,
        phone=to_e164(draft.phone) if named else None,  # one form, so look-ups match
        email=(draft.email or "").strip().lower()[:254] or None if named else None,
        complainant_role=values.get("role") if named else None,
        consent_to_contact=named and draft.consent_to_contact,
        language=draft.language if draft.language in LANGUAGES else "kk",
        category=values["category"], occurred_at=draft.occurred_at,
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
    db.session.add(complaint)
    db.session.flush()
    evidence = [attach(case, f, complaint=complaint, source=channel.value, actor=recorded_by)
                for f in stored]
    index_case(case)
    audit.record("complaint.received", actor=recorded_by, object_type="case",
                 object_id=case.reference,
                 details={"channel": channel.value, "evidence": len(evidence),
                          "anonymous": not named})
    _acknowledge(complaint, case, code)
    return Submission(complaint, case, code, evidence)


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
                  case_id=case.id,
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
    if len(body) > 10000:
        raise Refusal("invalid", _l("The message is too long (at most 10,000 characters)."),
                      field="body")
    stored = store_files(uploads)
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
