"""Email intake: one inbound message ends exactly once where it belongs.

A new complaint (acknowledged through the outbox), a follow-up on an existing case, an
auto-reply or bounce (recorded, never answered), or the quarantine (kept with the reason
until staff release or discard it). The raw message is durably stored as evidence before
anything else, so nothing is lost; the same Message-ID is stored once. Nothing here
commits: the CLI command or the view does, once. Staff operations that cannot be done
raise a `Refusal`.
"""

import hashlib
import re
from dataclasses import dataclass
from email.utils import parseaddr
from typing import Any

from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from casework.cases import notices
from casework.cases.models import Case, CaseMessage, MessageAuthor
from casework.cases.search import index_case
from casework.cases.transitions import complainant_replied
from casework.core import audit
from casework.core.db import utcnow
from casework.core.refusal import Refusal
from casework.elections.queries import current_election
from casework.evidence.services import StoredFile, attach
from casework.extensions import db
from casework.intake.models import Channel
from casework.intake.services import EMAIL_RE, ComplaintDraft, submit_complaint
from casework.mailin import files, limits, parse
from casework.mailin.models import InboundMail, InboundStatus
from casework.mailin.routing import Target, find_target

NARRATIVE_MAX = 20000
FOLLOW_UP_MAX = 10000
NO_TEXT = "[email without text: see the attached files]"
EMPTY = "[email without text or usable attachments]"
CUT = "\n[… cut here: the whole message is kept as evidence]"


class _Unroutable(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class Received:
    mail: InboundMail
    duplicate: bool  # the same message was stored before: nothing new was done


def max_size() -> int:
    return int(current_app.config["CASEWORK_MAIL_MAX_SIZE"])


def _cut(value: str | None, length: int) -> str:
    return (value or "")[:length]


def _text(value: str, length: int) -> str:
    return value if len(value) <= length else value[:length - len(CUT)] + CUT


def message_key(message_id: str | None, raw: bytes) -> str:
    return message_id or "sha256:" + hashlib.sha256(raw).hexdigest()


def find_mail(key: str) -> InboundMail | None:
    return db.session.scalar(select(InboundMail).where(InboundMail.message_key == key))


def ingest(raw: bytes, *, source: str) -> InboundMail:
    """Store one raw RFC 5322 message and route it (see the module's docstring)."""
    return receive(raw, source=source).mail


def receive(raw: bytes, *, source: str) -> Received:
    raw = parse.strip_envelope_line(raw)
    envelope = parse.peek(raw)
    key = message_key(envelope.message_id, raw)
    existing = find_mail(key)
    if existing is not None:
        return Received(existing, True)
    stored = files.store_raw(raw)  # OSError here: the caller rolls back and the sender retries
    mail = InboundMail(message_key=key, raw_sha256=stored.sha256, size=len(raw),
                       sender=_cut(envelope.sender, 320), subject=_cut(envelope.subject, 500),
                       source=source[:20], status=InboundStatus.QUARANTINED, received_at=utcnow())
    db.session.add(mail)
    if len(raw) > max_size():
        _quarantine(mail, f"too large: {len(raw)} bytes, the limit is {max_size()} bytes")
    else:
        seconds = int(current_app.config.get("CASEWORK_MAIL_PARSE_SECONDS") or 0)
        try:
            with limits.time_budget(seconds):  # the caps bound it; this bounds the rest
                parsed = parse.parse_message(raw)
        except parse.MalformedMail as malformed:
            _quarantine(mail, malformed.reason)
        except limits.BudgetExceeded:
            _quarantine(mail, f"reading it took longer than {seconds} s")
        else:
            _route(mail, parsed, stored, actor=None, released=False)
    return Received(mail, False)


def _own_addresses() -> set[str]:
    config = current_app.config
    sender = config.get("MAIL_DEFAULT_SENDER") or ""
    sender = sender[1] if isinstance(sender, tuple | list) else parseaddr(str(sender))[1]
    return {a.lower() for a in (sender, config.get("CASEWORK_PUBLIC_EMAIL") or "") if a}


def _route(mail: InboundMail, parsed: parse.ParsedMail, raw: StoredFile, *, actor: Any,
           released: bool) -> None:
    mail.sender = _cut(parsed.sender, 320)
    mail.subject = _cut(parsed.subject, 500)
    loop = parsed.auto_reply or ("sent from our own address"
                                 if parsed.sender.lower() in _own_addresses() else None)
    if loop and not released:
        mail.status, mail.reason = InboundStatus.AUTO_REPLY, _cut(loop, 500)
        _record(mail, actor)
        return
    target = find_target(parsed)
    accepted, refused = files.store_attachments(parsed.attachments)
    text = parse.redact_tracking_codes(parsed.text.strip() or parsed.subject.strip())
    if not text and not accepted and not released:
        _quarantine(mail, "; ".join(["empty: no text and no usable attachments", *refused]))
        return
    try:
        if target is not None:
            _follow_up(mail, target, text, [*accepted, raw], actor)
        else:
            _new_complaint(mail, parsed, text or (NO_TEXT if accepted else EMPTY),
                           [*accepted, raw], actor, answer=not loop)
    except _Unroutable as problem:
        if released:
            raise Refusal("invalid", problem.reason) from None
        _quarantine(mail, problem.reason)
        return
    mail.reason = _cut("; ".join([*parsed.notes, *refused]), 500) or None
    if released:
        mail.status = InboundStatus.RELEASED
    else:
        mail.status = InboundStatus.FOLLOW_UP if target is not None else InboundStatus.COMPLAINT
    _record(mail, actor)


def _new_complaint(mail: InboundMail, parsed: parse.ParsedMail, narrative: str,
                   evidence: list[StoredFile], actor: Any, *, answer: bool) -> None:
    election = current_election()
    if election is None:
        raise _Unroutable("no current election to file the complaint in")
    contact = parsed.sender if answer and EMAIL_RE.match(parsed.sender or "") else None
    draft = ComplaintDraft(
        election=election, category="other", region_code="", narrative=_text(narrative, NARRATIVE_MAX),
        anonymous=contact is None, name=_cut(parsed.sender_name or contact, 200) if contact else None,
        email=contact, language=parsed.language, relaxed=True,
        submission_key=submission_key(mail.message_key))
    try:
        submission = submit_complaint(draft, [], channel=Channel.EMAIL)
    except Refusal as error:
        with force_locale("en"):
            raise _Unroutable("not accepted as a complaint: " + ("; ".join(
                f"{field}: {message}" for field, message in error.errors.items())
                or str(error))) from None
    if not submission.replayed:
        for stored in evidence:
            attach(submission.case, stored, complaint=submission.complaint,
                   source=Channel.EMAIL.value, actor=actor)
    mail.case_id, mail.complaint_id = submission.case.id, submission.complaint.id


def submission_key(key: str) -> str:
    """The complaint's idempotency key: the same message never opens two cases."""
    full = "mail:" + key
    return full if len(full) <= 200 else "mail:sha256:" + hashlib.sha256(key.encode()).hexdigest()


_ATTRIBUTION = re.compile(r"wrote|писал|писала|жазды", re.IGNORECASE)


def _without_quoted_tail(text: str) -> str:
    """A reply without the quoted message at its end (the "> " lines, and the "… wrote:"
    line above them), if anything is left. Line by line from the end: linear (a regular
    expression anchored at the end was quadratic in the quoted lines)."""
    lines = text.split("\n")
    end = len(lines)
    while end and not lines[end - 1].strip():
        end -= 1
    start = end
    while start and lines[start - 1].startswith(">"):
        start -= 1
    if start == end:
        return text
    above = start
    while above and not lines[above - 1].strip():
        above -= 1
    if above and lines[above - 1].rstrip().endswith(":") and _ATTRIBUTION.search(lines[above - 1]):
        start = above - 1
    trimmed = "\n".join(lines[:start]).strip()
    return trimmed or text


def _follow_up(mail: InboundMail, target: Target, text: str, evidence: list[StoredFile],
               actor: Any) -> None:
    body = _text(_without_quoted_tail(text), FOLLOW_UP_MAX) if text else ""
    complaint_id = target.complaint.id if target.complaint is not None else None
    if body:
        db.session.add(CaseMessage(case_id=target.case.id, complaint_id=complaint_id,
                                   author=MessageAuthor.COMPLAINANT, body=body, channel="email"))
    for stored in evidence:
        attach(target.case, stored, complaint=target.complaint, source=Channel.EMAIL.value,
               actor=actor)
    db.session.flush()
    audit.record("complaint.follow_up", actor=actor, object_type="case",
                 object_id=target.case.reference,
                 details={"channel": "email", "via": target.via, "message": bool(body),
                          "evidence": len(evidence), "inbound_id": mail.id})
    mail.case_id, mail.complaint_id = target.case.id, complaint_id
    index_case(target.case)
    complainant_replied(target.case)
    notices.complainant_wrote(target.case)


def _quarantine(mail: InboundMail, reason: str) -> None:
    mail.status, mail.reason = InboundStatus.QUARANTINED, _cut(reason, 500)
    _record(mail, None)


def _record(mail: InboundMail, actor: Any) -> None:
    """One audit entry per outcome: what happened, never what the message says."""
    db.session.flush()
    case = db.session.get(Case, mail.case_id) if mail.case_id else None
    audit.record(f"mail.{mail.status.value}", actor=actor, object_type="inbound_mail",
                 object_id=mail.id,
                 details={"source": mail.source, "size": mail.size, "raw_sha256": mail.raw_sha256,
                          "case": case.reference if case else None,
                          "complaint_id": mail.complaint_id,
                          "reason": mail.reason if case is None else None})


def _handled(mail: InboundMail, actor: Any) -> None:
    mail.handled_by_id = getattr(actor, "id", None)
    mail.handled_at = utcnow()


def release(mail: InboundMail, actor: Any) -> InboundMail:
    """Staff take a message out of quarantine: it is ingested from its stored bytes, without
    the size limit or the structure checks. A Refusal if that cannot be done (the audit entry
    of a failed integrity check is kept by the caller's commit)."""
    if mail.status is not InboundStatus.QUARANTINED:
        raise Refusal("not_allowed", _l("Only a message in quarantine can be released."))
    try:
        raw = files.read_raw(mail, actor=actor)
    except files.RawMessageMissing:
        raise Refusal("not_allowed", _l("The stored message is missing or damaged; it cannot "
                                        "be released. The failure has been recorded.")) from None
    quarantined_for = mail.reason
    _route(mail, parse.parse_message(raw, strict=False), files.raw_stored_file(mail),
           actor=actor, released=True)
    mail.reason = _cut("; ".join(filter(None, [f"released from quarantine ({quarantined_for})",
                                               mail.reason])), 500)
    _handled(mail, actor)
    db.session.flush()
    return mail


def discard(mail: InboundMail, actor: Any, reason: str) -> InboundMail:
    """Staff decide a quarantined message is not a complaint; it stays recorded and stored."""
    reason = " ".join((reason or "").split())
    if not reason:
        raise Refusal("missing", _l("Give the reason for discarding the message."),
                      field="reason")
    if mail.status is not InboundStatus.QUARANTINED:
        raise Refusal("not_allowed", _l("Only a message in quarantine can be discarded."))
    previous = mail.reason
    mail.status, mail.reason = InboundStatus.DISCARDED, _cut(reason, 500)
    _handled(mail, actor)
    db.session.flush()
    audit.record("mail.discarded", actor=actor, object_type="inbound_mail", object_id=mail.id,
                 details={"reason": mail.reason, "quarantine_reason": previous})
    return mail

