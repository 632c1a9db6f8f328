"""The quarantine: staff release or discard, nothing is lost; and the acknowledgment of an
email complaint really reaches the sender through SMTP, once."""

import pytest
from sqlalchemy import select

from casework.accounts.models import User
from casework.core.audit import AuditEntry
from casework.core.refusal import Refusal
from casework.evidence.models import EvidenceItem
from casework.extensions import db
from casework.intake.models import Complaint
from casework.mailin import services
from casework.mailin.models import InboundStatus
from casework.notifications.delivery import deliver_due
from casework.notifications.inbox_models import NotificationKind, StaffNotification
from casework.notifications.models import OutboxMessage
from tests.mailin import corpus
from tests.mailin.test_ingest import CODE_RE, ingest
from tests.plugin.data import count
from tests.plugin.evidence import stored_bytes


@pytest.fixture
def secretary(demo):
    return db.session.scalar(select(User).where(User.email == "secretary@example.kz"))


def last_audit(action: str) -> AuditEntry:
    return db.session.scalar(select(AuditEntry).where(AuditEntry.action == action)
                             .order_by(AuditEntry.id.desc()))


def test_release_files_an_oversized_message_as_a_complaint(secretary, mail_limit):
    mail_limit(corpus.OVERSIZE_LIMIT)
    sample = next(s for s in corpus.base_samples() if s.name == "oversized")
    mail = ingest(sample.raw).mail
    assert mail.status is InboundStatus.QUARANTINED and count(Complaint) == 0
    services.release(mail, secretary)
    db.session.commit()
    assert mail.status is InboundStatus.RELEASED and mail.case is not None
    assert mail.handled_by_id == secretary.id and mail.handled_at is not None
    labels = sorted(i.label for i in db.session.scalars(select(EvidenceItem)))
    assert labels == ["email-message.eml", "scan.pdf"]
    ack = db.session.scalar(select(OutboxMessage))
    assert ack.recipient == "big@example.kz" and ack.case_id == mail.case_id
    entry = last_audit("mail.released")
    assert entry.actor_id == secretary.id and entry.details["case"] == mail.case.reference
    with pytest.raises(Refusal):
        services.release(mail, secretary)  # once only


def test_release_of_a_malformed_message_keeps_what_can_be_read(secretary):
    mail = ingest(b"\x89\x00garbage: the money was handed out at station 7\r\n").mail
    assert mail.status is InboundStatus.QUARANTINED
    services.release(mail, secretary)
    db.session.commit()
    complaint = db.session.get(Complaint, mail.complaint_id)
    assert "money was handed out" in complaint.narrative and complaint.anonymous
    assert count(OutboxMessage) == 0  # nobody to answer


def test_a_released_bounce_is_filed_but_still_never_answered(secretary, mail_limit):
    mail_limit(100)  # everything is too large: even the bounce goes to quarantine
    sample = next(s for s in corpus.base_samples() if s.name == "dsn_bounce")
    mail = ingest(sample.raw).mail
    assert mail.status is InboundStatus.QUARANTINED
    services.release(mail, secretary)
    db.session.commit()
    assert mail.status is InboundStatus.RELEASED and count(OutboxMessage) == 0


def test_discard_needs_a_reason_and_keeps_the_message(secretary):
    raw = b"From: x@example.kz\r\nSubject: s\r\nnot a header\r\n\r\nbody\r\n"
    mail = ingest(raw).mail
    with pytest.raises(Refusal):
        services.discard(mail, secretary, "   ")
    services.discard(mail, secretary, "Spam, not about the election")
    db.session.commit()
    assert mail.status is InboundStatus.DISCARDED and mail.reason == "Spam, not about the election"
    assert stored_bytes(mail.raw_sha256) == raw  # never deleted
    entry = last_audit("mail.discarded")
    assert entry.details["quarantine_reason"].startswith("broken header section")
    with pytest.raises(Refusal):
        services.release(mail, secretary)


def test_release_refuses_when_the_stored_message_is_damaged(secretary, app):
    mail = ingest(b"\x00garbage").mail
    mail.raw_sha256 = "0" * 64  # points at nothing
    db.session.commit()
    with pytest.raises(Refusal):
        services.release(mail, secretary)
    assert last_audit("mail.integrity_failed").details["problem"] == "missing"
    assert mail.status is InboundStatus.QUARANTINED


def test_acknowledgment_reaches_the_sender_once_and_their_reply_is_a_follow_up(demo, smtp_server):
    mail = ingest(bytes(corpus.message("Шағым", corpus.NARRATIVE_KK))).mail
    assert deliver_due()["sent"] == 1
    assert deliver_due() == {"sent": 0, "retry": 0, "failed": 0}
    [sent] = smtp_server.messages
    assert sent["To"] == "aigul@example.kz" and sent["Auto-Submitted"] == "auto-generated"
    assert mail.case.reference in sent["Subject"] and CODE_RE.search(sent.get_content())
    reply = corpus.message("Re: " + sent["Subject"], "Тағы бір куә бар.\n\n> "
                           + sent.get_content().replace("\n", "\n> "),
                           In_Reply_To=sent["Message-ID"], References=sent["Message-ID"])
    member = db.session.scalar(select(User).where(User.email == "reviewer@example.kz"))
    mail.case.assignee_id = member.id
    db.session.commit()
    follow_up = ingest(bytes(reply)).mail
    assert follow_up.status is InboundStatus.FOLLOW_UP and follow_up.case_id == mail.case_id
    # The member the case is given to is told the complainant wrote.
    [notice] = db.session.scalars(select(StaffNotification))
    assert (notice.recipient_id, notice.kind) == (member.id, NotificationKind.COMPLAINANT_REPLIED)
    # Our own acknowledgment coming back (a forwarding loop) is recorded, never answered.
    echo = ingest(smtp_server.envelopes[0].original_content).mail
    assert echo.status is InboundStatus.AUTO_REPLY
    deliver_due()  # the member's notice goes out; the complainant gets nothing more
    assert [m["To"] for m in smtp_server.messages] == ["aigul@example.kz", "reviewer@example.kz"]
