"""Back-dated cases for retention: each with a named complainant, a call, a mail with its
stored raw message, outbox mail and evidence files really stored (tests/plugin/evidence.py's
folder)."""

import hashlib
import secrets
import tempfile
from dataclasses import dataclass
from datetime import datetime, timedelta

from casework.cases.models import Case, CaseState
from casework.core.db import utcnow
from casework.evidence.models import EvidenceItem, ScanStatus
from casework.evidence.storage import get_storage
from casework.extensions import db
from casework.hotline.models import Call, CallPurpose
from casework.intake.models import Channel, Complaint
from casework.mailin.models import InboundMail, InboundStatus
from casework.notifications.models import OutboxMessage, OutboxStatus

MARKER = "Qz9Retain"  # in every name, number, address and note: must be gone after erasure
SHARED_PHOTO = b"\x89PNG shared photo " + MARKER.encode()
LONG_AGO = timedelta(days=400)


def store(data: bytes) -> str:
    sha256 = hashlib.sha256(data).hexdigest()
    with tempfile.NamedTemporaryFile() as tmp:
        tmp.write(data)
        tmp.flush()
        get_storage().put_file(sha256, tmp.name)
    return sha256


def item(case: Case, data: bytes, label: str, content_type: str = "image/png",
         source: str = "web") -> EvidenceItem:
    made = EvidenceItem(case_id=case.id, sha256=store(data), size=len(data),
                        content_type=content_type, label=label, source=source,
                        scan_status=ScanStatus.CLEAN)
    db.session.add(made)
    db.session.flush()
    return made


@dataclass
class Personal:
    complaint: Complaint
    call: Call
    mail: InboundMail
    raw_item: EvidenceItem
    photo: EvidenceItem
    shared: EvidenceItem
    sent: OutboxMessage
    waiting: OutboxMessage


def personal_data(case: Case, operator, tag: str) -> Personal:
    """A named complaint, a call, a mail and its raw message, outbox mail and two photos
    (one whose bytes another case shares) on `case`. Committed."""
    complaint = Complaint(
        case_id=case.id, channel=Channel.EMAIL, submission_key=secrets.token_hex(16),
        tracking_hash=secrets.token_hex(32), anonymous=False, name=f"Zhanna {MARKER}",
        email=f"{MARKER.lower()}.{tag}@example.kz", phone="+77015550199",
        witnesses=f"Nurlan {MARKER}, +77015550100", language="ru", category=case.category,
        narrative="Money was handed out at the station door.", links=[])
    db.session.add(complaint)
    db.session.flush()
    call = Call(operator_id=operator.id, caller_number="+77015550199",
                started_at=utcnow() - LONG_AGO, language="ru", purpose=CallPurpose.FOLLOW_UP,
                note=f"Call back {MARKER} after six", case_id=case.id, complaint_id=complaint.id)
    raw = (f"From: Zhanna {MARKER} <{MARKER.lower()}.{tag}@example.kz>\r\n"
           f"Subject: {case.reference}\r\n\r\nMore about the case.\r\n").encode()
    raw_item = item(case, raw, "email-message.eml", "message/rfc822", "email")
    mail = InboundMail(message_key=f"<{tag}.{secrets.token_hex(4)}@example.kz>",
                       raw_sha256=raw_item.sha256, size=len(raw),
                       sender=f"{MARKER.lower()}.{tag}@example.kz", subject=case.reference,
                       source="pipe", status=InboundStatus.FOLLOW_UP, case_id=case.id,
                       complaint_id=complaint.id)
    photo = item(case, f"photo of {tag} {MARKER}".encode(), "photo.png")
    shared = item(case, SHARED_PHOTO, "shared.png")
    sent = _outbox(case, f"{MARKER.lower()}.{tag}@example.kz", OutboxStatus.SENT, tag + "-sent")
    waiting = _outbox(case, f"{MARKER.lower()}.{tag}@example.kz", OutboxStatus.PENDING,
                      tag + "-waiting")
    db.session.add_all([call, mail])
    db.session.commit()
    return Personal(complaint, call, mail, raw_item, photo, shared, sent, waiting)


def _outbox(case: Case, recipient: str, status: OutboxStatus, key: str) -> OutboxMessage:
    made = OutboxMessage(dedupe_key=key, template="cases/message", recipient=recipient,
                         language="ru", subject=f"Case {case.reference}",
                         body_text=f"Dear {MARKER}, the committee asks…",
                         message_id=f"<{key}@casework.local>", status=status,
                         case_id=case.id, sent_at=utcnow() if status is OutboxStatus.SENT
                         else None)
    db.session.add(made)
    db.session.flush()
    return made


def back_date(case: Case, when: datetime, state: CaseState | None = None) -> None:
    if state is not None:
        case.state = state
    case.state_changed_at = when
    db.session.commit()
