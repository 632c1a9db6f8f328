"""Every message of the corpus ends up exactly once where it belongs; nothing is lost,
nothing is answered twice, auto-replies and bounces are never answered."""

import hashlib
import re
from collections import Counter

from sqlalchemy import select

from casework.cases.models import CaseMessage, MessageAuthor
from casework.core.audit import AuditEntry
from casework.evidence.models import EvidenceItem
from casework.extensions import db
from casework.intake.models import Channel, Complaint
from casework.mailin import services
from casework.mailin.files import RAW_LABEL
from casework.mailin.models import InboundMail, InboundStatus
from casework.mailin.parse import parse_message
from casework.notifications.models import OutboxMessage
from tests.mailin import corpus
from tests.plugin.data import count
from tests.plugin.evidence import stored_bytes

CODE_RE = re.compile(r"\b[0-9A-Z]{4}(?:-[0-9A-Z]{4}){4}\b")
STATUS = {"complaint": InboundStatus.COMPLAINT, "follow_up": InboundStatus.FOLLOW_UP,
          "auto_reply": InboundStatus.AUTO_REPLY, "quarantined": InboundStatus.QUARANTINED}


def ingest(raw: bytes, source: str = "pipe") -> services.Received:
    received = services.receive(raw, source=source)
    db.session.commit()
    return received


def acknowledgment(case_id: int) -> OutboxMessage:
    return db.session.scalar(select(OutboxMessage).where(OutboxMessage.case_id == case_id))


def check_stored(sample: corpus.Sample, mail: InboundMail) -> None:
    assert mail.status is STATUS[sample.outcome], (sample.name, mail.status, mail.reason)
    assert mail.raw_sha256 == hashlib.sha256(sample.raw).hexdigest()
    assert stored_bytes(mail.raw_sha256) == sample.raw, sample.name  # kept, byte for byte
    assert mail.size == len(sample.raw)
    if sample.reason:
        assert sample.reason in (mail.reason or ""), (sample.name, mail.reason)
    if sample.outcome in ("auto_reply", "quarantined"):
        assert mail.case_id is None and mail.complaint_id is None


def check_complaint(sample: corpus.Sample, mail: InboundMail) -> None:
    complaint = db.session.get(Complaint, mail.complaint_id)
    assert complaint.case_id == mail.case_id and complaint.channel is Channel.EMAIL
    assert sample.text in complaint.narrative, (sample.name, complaint.narrative)
    assert "<" not in complaint.narrative or sample.name != "html_only"
    items = list(db.session.scalars(select(EvidenceItem).where(
        EvidenceItem.complaint_id == complaint.id)))
    raw_items = [i for i in items if i.label == RAW_LABEL]
    assert len(raw_items) == 1 and raw_items[0].sha256 == mail.raw_sha256, sample.name
    assert raw_items[0].content_type == "message/rfc822"
    assert len(items) == sample.evidence + 1, (sample.name, [i.label for i in items])
    assert set(sample.labels) <= {i.label for i in items}
    ack = acknowledgment(mail.case_id)
    if sample.ack:
        assert complaint.email == mail.sender and not complaint.anonymous
        assert ack is not None and ack.recipient == mail.sender
        assert ack.template == "intake/acknowledgment" and CODE_RE.search(ack.body_text)
        assert ack.language == complaint.language
    else:
        assert ack is None and complaint.anonymous and complaint.email is None


def test_every_message_ends_up_exactly_once_where_it_belongs(demo, mail_limit):
    mail_limit(corpus.OVERSIZE_LIMIT)
    samples = corpus.base_samples()
    received = {}
    for sample in samples:
        outbox_before = count(OutboxMessage)
        received[sample.name] = result = ingest(sample.raw)
        assert result.duplicate is (sample.outcome == "duplicate"), sample.name
        if sample.outcome == "duplicate":
            assert count(OutboxMessage) == outbox_before  # answered once
            continue
        check_stored(sample, result.mail)
        if sample.outcome == "complaint":
            check_complaint(sample, result.mail)
        else:
            assert count(OutboxMessage) == outbox_before, sample.name  # never answered
    assert {received[n].mail.id for n in ("plain_utf8_rfc2047_kazakh", "duplicate")} == {
        received["duplicate"].mail.id}
    languages = {n: db.session.get(Complaint, received[n].mail.complaint_id).language
                 for n in ("plain_utf8_rfc2047_kazakh", "html_only", "multipart_alternative")}
    assert languages == {"plain_utf8_rfc2047_kazakh": "kk", "html_only": "ru",
                         "multipart_alternative": "en"}
    html = db.session.get(Complaint, received["html_only"].mail.complaint_id).narrative
    assert "alert" not in html and "color:red" not in html and "& видео" in html

    first = received["plain_utf8_rfc2047_kazakh"].mail
    coded = received["nested_mixed"].mail
    referenced = received["multipart_alternative"].mail
    thread = received["html_only"].mail
    code = CODE_RE.search(acknowledgment(coded.case_id).body_text).group(0)
    follow_ups = corpus.follow_up_samples(
        outbox_message_id=acknowledgment(first.case_id).message_id, tracking_code=code,
        reference=referenced.case.reference, thread_id=thread.message_key,
        thread_sender=thread.sender)
    expected_target = {"reply_in_reply_to": (first, first.complaint_id),
                       "tracking_code": (coded, coded.complaint_id),
                       "case_reference": (referenced, None),
                       "own_thread": (thread, thread.complaint_id)}
    for sample in follow_ups:
        before = (count(OutboxMessage), count(EvidenceItem), count(CaseMessage))
        result = ingest(sample.raw)
        received[sample.name] = result
        assert result.duplicate is (sample.outcome == "duplicate"), sample.name
        if sample.outcome == "duplicate":
            assert (count(OutboxMessage), count(EvidenceItem), count(CaseMessage)) == before
            continue
        mail = result.mail
        check_stored(sample, mail)
        target, complaint_id = expected_target[sample.name]
        assert (mail.case_id, mail.complaint_id) == (target.case_id, complaint_id), sample.name
        assert count(OutboxMessage) == before[0]  # follow-ups are never answered
        assert count(EvidenceItem) == before[1] + sample.evidence + 1
        message = db.session.scalar(select(CaseMessage).order_by(CaseMessage.id.desc()))
        assert message.case_id == target.case_id and message.complaint_id == complaint_id
        assert message.author is MessageAuthor.COMPLAINANT and message.channel == "email"
        assert sample.text in message.body and code not in message.body
        assert not CODE_RE.search(message.body)  # tracking codes are never stored in clear
        raw_item = db.session.scalar(select(EvidenceItem).where(
            EvidenceItem.sha256 == mail.raw_sha256, EvidenceItem.case_id == target.case_id))
        assert raw_item is not None and raw_item.label == RAW_LABEL

    everything = samples + follow_ups
    stored = [s for s in everything if s.outcome != "duplicate"]
    statuses = Counter(m.status for m in db.session.scalars(select(InboundMail)))
    assert statuses == Counter(STATUS[s.outcome] for s in stored)
    assert count(InboundMail) == len(stored)
    complaints = [s for s in stored if s.outcome == "complaint"]
    assert count(Complaint) == len(complaints)
    assert count(OutboxMessage) == sum(1 for s in complaints if s.ack)
    assert count(CaseMessage) == sum(1 for s in stored if s.outcome == "follow_up")
    assert count(EvidenceItem) == sum(s.evidence + 1 for s in stored
                                      if s.outcome in ("complaint", "follow_up"))
    for entry in db.session.scalars(select(AuditEntry).where(AuditEntry.action.like("mail.%"))):
        details = str(entry.details)
        assert "раздавали" not in details and "ақша" not in details and "@" not in details


def test_the_same_message_arriving_by_another_route_is_stored_once(demo):
    raw = bytes(corpus.message("Шағым", corpus.NARRATIVE_KK))
    first = ingest(raw)
    again = ingest(b"Delivered-To: complaints@example.kz\r\n" + raw, source="imap")
    assert again.duplicate and again.mail.id == first.mail.id
    assert count(InboundMail) == 1 and count(OutboxMessage) == 1


def test_an_mbox_envelope_line_is_not_part_of_the_message(demo):
    raw = bytes(corpus.message("Шағым", corpus.NARRATIVE_KK))
    mail = ingest(b"From aigul@example.kz Mon May 25 10:30:00 2020\n" + raw).mail
    assert mail.status is InboundStatus.COMPLAINT and mail.raw_sha256 == hashlib.sha256(raw).hexdigest()


def test_mail_from_our_own_address_is_recorded_never_answered(demo, app):
    raw = bytes(corpus.message("Loop?", "text", sender=app.config["CASEWORK_PUBLIC_EMAIL"]))
    mail = ingest(raw).mail
    assert mail.status is InboundStatus.AUTO_REPLY and "our own address" in mail.reason
    assert count(OutboxMessage) == 0


def test_a_very_long_text_is_cut_in_the_narrative_but_kept_whole_as_evidence(demo):
    body = ("Мен көрдім. " * 3000).strip()
    mail = ingest(bytes(corpus.message("Ұзақ хат", body))).mail
    complaint = db.session.get(Complaint, mail.complaint_id)
    assert len(complaint.narrative) <= services.NARRATIVE_MAX
    assert complaint.narrative.endswith(services.CUT)
    assert parse_message(stored_bytes(mail.raw_sha256)).text == body


def test_without_an_election_the_message_waits_in_quarantine(app, tmp_path):
    app.config["CASEWORK_EVIDENCE_DIR"] = str(tmp_path / "evidence")
    app.extensions.pop("casework_storage", None)
    mail = ingest(bytes(corpus.message("Шағым", corpus.NARRATIVE_KK))).mail
    assert mail.status is InboundStatus.QUARANTINED and "no current election" in mail.reason
    assert count(Complaint) == 0
    app.extensions.pop("casework_storage", None)
