"""Is an inbound message about a case we already have? Which case, and whose complaint.

In this order: a reply to one of our messages (In-Reply-To / References naming an outbox
Message-ID), a reply in the sender's own thread (naming an earlier message of theirs that
we filed), a valid tracking code in the subject or body, a case reference in the subject
or body. A reference alone is guessable: such a follow-up is filed on the case as a
message from the complainant but tied to no complaint, so it is shown to no complainant,
and nothing is ever sent back for a follow-up.
"""

from dataclasses import dataclass

from sqlalchemy import select

from casework.cases.models import Case
from casework.core.sealed import EMAIL, hashes_of
from casework.extensions import db
from casework.intake.models import Complaint
from casework.intake.services import find_by_tracking_code
from casework.mailin.models import InboundMail
from casework.mailin.parse import ParsedMail, find_references, find_tracking_codes
from casework.notifications.models import OutboxMessage

SEARCH_CHARS = 200_000  # codes and references are looked for in the first part of long texts


@dataclass
class Target:
    case: Case
    complaint: Complaint | None
    via: str  # reply, thread, tracking_code, reference


def _current(case: Case | None) -> Case | None:
    """Follow merges to the case the facts now live in."""
    for _ in range(10):
        if case is None or case.merged_into_id is None:
            break
        case = db.session.get(Case, case.merged_into_id)
    return case


def _complaint_by_email(case_ids: set[int], email: str) -> Complaint | None:
    return db.session.scalar(select(Complaint).where(
        Complaint.case_id.in_(case_ids), Complaint.email_hash.in_(hashes_of(EMAIL, email)))
        .order_by(Complaint.id).limit(1))


def _reply_to_outbox(references: list[str]) -> Target | None:
    row = db.session.scalar(select(OutboxMessage).where(
        OutboxMessage.message_id.in_(references), OutboxMessage.case_id.is_not(None))
        .order_by(OutboxMessage.id.desc()).limit(1))
    case = _current(db.session.get(Case, row.case_id)) if row is not None else None
    if case is None:
        return None
    return Target(case, _complaint_by_email({row.case_id, case.id}, row.recipient), "reply")


def _own_thread(references: list[str], sender: str) -> Target | None:
    if not sender:
        return None
    earlier = db.session.scalar(select(InboundMail).where(
        InboundMail.message_key.in_(references), InboundMail.case_id.is_not(None),
        InboundMail.sender_hash.in_(hashes_of(EMAIL, sender))).order_by(InboundMail.id.desc()).limit(1))
    case = _current(db.session.get(Case, earlier.case_id)) if earlier is not None else None
    if case is None:
        return None
    complaint = db.session.get(Complaint, earlier.complaint_id) if earlier.complaint_id else None
    return Target(case, complaint, "thread")


def find_target(parsed: ParsedMail) -> Target | None:
    if parsed.references:
        target = _reply_to_outbox(parsed.references) or _own_thread(parsed.references,
                                                                    parsed.sender)
        if target is not None:
            return target
    text = parsed.subject + "\n" + parsed.text[:SEARCH_CHARS]
    for code in find_tracking_codes(text):
        complaint = find_by_tracking_code(code)
        if complaint is not None:
            return Target(_current(complaint.case), complaint, "tracking_code")
    references = find_references(text)
    if references:
        case = db.session.scalar(select(Case).where(Case.reference.in_(references[:20]))
                                 .order_by(Case.id).limit(1))
        case = _current(case)
        if case is not None:
            return Target(case, None, "reference")
    return None
