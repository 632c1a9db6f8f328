"""The SMS conversation: store what Kannel posts first, then file it (a complaint, a piece
of one, a status query, STOP/START), and answer through the outbox.

Functions flush and audit; the caller (the view, the worker) commits. `receive` is its own
transaction so that an acknowledged message is never lost if filing it fails: the worker
files what is left unprocessed (`process_received`)."""

from datetime import datetime, timedelta
from email.utils import make_msgid
from typing import Any

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import func, select

from casework.cases import notices
from casework.cases.models import Case
from casework.cases.search import index_case
from casework.core import audit
from casework.core.db import utcnow
from casework.core.phones import to_e164
from casework.core.redaction import mask
from casework.core.refusal import Refusal
from casework.core.text import UNSAFE
from casework.elections.queries import current_election
from casework.extensions import db
from casework.intake import tracking
from casework.intake.models import Channel, Complaint
from casework.intake.services import ComplaintDraft, find_by_tracking_code, submit_complaint
from casework.notifications.models import MailKind, OutboxMessage, OutboxStatus, Transport
from casework.sms import text as smstext
from casework.sms.models import Direction, SmsMessage, SmsOptOut, SmsState, number_is

BODY_MAX = 5000
STATUS_WORDS = frozenset({"STATUS", "СТАТУС", "КҮЙІ"})
STOP_WORDS = frozenset({"STOP", "СТОП", "ТОҚТА"})
START_WORDS = frozenset({"START", "СТАРТ", "БАСТА"})
NARRATIVE_MAX = 20000


def clean(text: str) -> str:
    """The text as stored: characters nobody types replaced, never refused."""
    return UNSAFE.sub("\N{REPLACEMENT CHARACTER}", text)[:BODY_MAX]


def receive(sender: str, body: str, *, coding: int = 0, gateway_id: str | None = None
            ) -> SmsMessage | None:
    """Store one incoming message as it came (state received); None if the gateway posted
    this id before. The number is kept in E.164 when it reads as a phone number, as sent
    otherwise (a short code or an alphanumeric sender)."""
    if gateway_id:
        seen = db.session.scalar(select(SmsMessage.id).where(SmsMessage.gateway_id == gateway_id))
        if seen is not None:
            return None
    body = clean(body)
    number = to_e164(sender) or clean(sender.strip())[:32]
    if not number:
        raise Refusal("invalid", "no sender")
    message = SmsMessage(direction=Direction.IN, number=number, body=body, coding=coding,
                         gateway_id=(gateway_id or None) and gateway_id[:64],
                         language=smstext.language_of(body), state=SmsState.RECEIVED,
                         at=utcnow())
    db.session.add(message)
    db.session.flush()
    return message


def _words(body: str) -> list[str]:
    return body.strip().upper().split()


def process(message: SmsMessage) -> None:
    """File one received message and queue its answer (unless over the limit or stopped)."""
    if message.state is not SmsState.RECEIVED:
        return
    words = _words(message.body)
    command = words[0] if words else ""
    message.over_limit = _over_limit(message)
    if command in STOP_WORDS:
        _stop(message)
    elif command in START_WORDS:
        _start(message)
    elif command in STATUS_WORDS:
        _status(message, "".join(words[1:]))
    else:
        _file(message)
    db.session.flush()


def _count_since(number: str, since: datetime, before_id: int) -> int:
    return db.session.scalar(select(func.count(SmsMessage.id)).where(
        number_is(SmsMessage, number), SmsMessage.direction == Direction.IN,
        SmsMessage.at >= since, SmsMessage.id < before_id)) or 0


def _over_limit(message: SmsMessage) -> bool:
    """More messages from this number in the last hour, or day, than the limits allow."""
    config = current_app.config
    now = message.at
    return (_count_since(message.number, now - timedelta(hours=1), message.id)
            >= int(config["CASEWORK_SMS_LIMIT_HOUR"])
            or _count_since(message.number, now - timedelta(days=1), message.id)
            >= int(config["CASEWORK_SMS_LIMIT_DAY"]))


def _stop(message: SmsMessage) -> None:
    message.state = SmsState.STOP
    if not is_stopped(message.number):
        db.session.add(SmsOptOut(number=message.number, at=utcnow()))
    audit.record("sms.stop", object_type="sms_message", object_id=message.id, flush=False)


def _start(message: SmsMessage) -> None:
    message.state = SmsState.START
    stopped = db.session.scalar(select(SmsOptOut).where(number_is(SmsOptOut, message.number)))
    if stopped is not None:
        db.session.delete(stopped)
    audit.record("sms.start", object_type="sms_message", object_id=message.id, flush=False)
    db.session.flush()
    _reply(message, _text(message.language, "start"), key="start")


def _status(message: SmsMessage, code: str) -> None:
    message.state = SmsState.STATUS
    complaint = find_by_tracking_code(code) if code else None
    message.body = mask(message.body)  # the code is the complainant's credential: not kept
    if complaint is None:
        _reply(message, _text(message.language, "unknown_code"), key="status")
        return
    case = complaint.case
    _reply(message, _text(message.language, "status", reference=case.reference,
                          status=case.public_status.label), key="status")


def thread_of(number: str, now: datetime) -> SmsMessage | None:
    """The newest message of this number's complaint, if within CASEWORK_SMS_THREAD_HOURS."""
    hours = int(current_app.config["CASEWORK_SMS_THREAD_HOURS"])
    return db.session.scalar(
        select(SmsMessage).where(number_is(SmsMessage, number),
                                 SmsMessage.direction == Direction.IN,
                                 SmsMessage.complaint_id.is_not(None),
                                 SmsMessage.at >= now - timedelta(hours=hours))
        .order_by(SmsMessage.at.desc(), SmsMessage.id.desc()).limit(1))


def _file(message: SmsMessage) -> None:
    last = thread_of(message.number, message.at)
    if last is not None:
        complaint = db.session.get(Complaint, last.complaint_id)
        if complaint is not None:
            _add_to(message, complaint)
            return
    election = current_election()
    if election is None:
        message.state = SmsState.UNROUTED  # kept; filed by hand or when an election opens
        return
    draft = ComplaintDraft(election=election, category="other", region_code="",
                           narrative=message.body or "…", anonymous=True,
                           language=message.language, relaxed=True,
                           submission_key=f"sms:{message.id}")
    submission = submit_complaint(draft, [], channel=Channel.SMS)
    message.state = SmsState.COMPLAINT
    message.case_id, message.complaint_id = submission.case.id, submission.complaint.id
    _reply(message, _text(message.language, "received", reference=submission.case.reference,
                          code=tracking.grouped(submission.tracking_code)), key="ack")


def _add_to(message: SmsMessage, complaint: Complaint) -> None:
    """A further piece of the story: appended to the complaint's narrative."""
    case = db.session.get(Case, complaint.case_id)
    complaint.narrative = (complaint.narrative + "\n" + message.body)[:NARRATIVE_MAX]
    message.state = SmsState.FOLLOW_UP
    message.case_id, message.complaint_id = complaint.case_id, complaint.id
    index_case(case)  # as a reply on the tracking page does
    audit.record("complaint.follow_up", object_type="case", object_id=case.reference,
                 details={"channel": Channel.SMS.value, "message": True, "evidence": 0},
                 flush=False)
    from casework.cases.transitions import complainant_replied

    complainant_replied(case)
    notices.complainant_wrote(case)
    _reply(message, _text(message.language, "added", reference=case.reference), key="added")


def is_stopped(number: str) -> bool:
    return db.session.scalar(select(SmsOptOut.id).where(number_is(SmsOptOut, number))) is not None


def _text(language: str, kind: str, **values: Any) -> str:
    with force_locale(language):
        if kind == "received":
            text = _("Complaint %(reference)s received. Tracking code: %(code)s. "
                     "For its status send STATUS and the code.", **values)
        elif kind == "added":
            text = _("Added to complaint %(reference)s.", **values)
        elif kind == "status":
            text = _("Complaint %(reference)s: %(status)s.", reference=values["reference"],
                     status=str(values["status"]))
        elif kind == "unknown_code":
            text = _("No complaint has this tracking code. Check the code and send again.")
        else:
            text = _("SMS replies are on again.")
    return smstext.fit(text)


def _reply(message: SmsMessage, body: str, *, key: str) -> None:
    """Answer an incoming message, unless the number is over its limit or sent STOP."""
    if message.over_limit or is_stopped(message.number):
        return
    enqueue_sms(message.number, body, language=message.language, kind=MailKind.SMS_REPLY,
                dedupe_key=f"sms:{key}:{message.id}", case_id=message.case_id)


def enqueue_sms(number: str, body: str, *, language: str, kind: MailKind, dedupe_key: str,
                case_id: int | None, sent_by: Any = None) -> SmsMessage | None:
    """One outgoing SMS: an outbox row (sent by the worker through Kannel) and its line in
    the thread; None if the dedupe key was used."""
    if db.session.scalar(select(OutboxMessage.id).where(OutboxMessage.dedupe_key == dedupe_key)):
        return None
    outbox = OutboxMessage(
        transport=Transport.SMS, dedupe_key=dedupe_key, template=kind.value, recipient=number,
        language=language, subject="", body_text=body,
        message_id=make_msgid(domain=current_app.config["CASEWORK_MAIL_DOMAIN"]),
        status=OutboxStatus.PENDING, attempts=0, case_id=case_id)
    db.session.add(outbox)
    db.session.flush()
    # The thread keeps the text without the tracking code (the staff see it on the case);
    # the outbox row keeps it until it is sent (notifications.services.redact_sent).
    line = SmsMessage(direction=Direction.OUT, number=number, body=mask(body), language=language,
                      coding=0 if smstext.is_gsm(body) else 2, state=SmsState.REPLY,
                      case_id=case_id, outbox_id=outbox.id, at=utcnow(),
                      sent_by_id=getattr(sent_by, "id", None))
    db.session.add(line)
    db.session.flush()
    return line


def process_received(limit: int = 100, older_than: timedelta = timedelta(minutes=1)) -> int:
    """The worker's pass: file messages stored but not processed (the request failed after
    storing them). One commit per message; how many were filed."""
    ids = db.session.scalars(select(SmsMessage.id).where(
        SmsMessage.state == SmsState.RECEIVED, SmsMessage.direction == Direction.IN,
        SmsMessage.at <= utcnow() - older_than).order_by(SmsMessage.id).limit(limit)).all()
    db.session.rollback()
    done = 0
    for message_id in ids:
        message = db.session.get(SmsMessage, message_id)
        if message is None:
            continue
        try:
            process(message)
            db.session.commit()
            done += 1
        except Exception:
            db.session.rollback()
            raise
    return done


def case_number(case: Case) -> str | None:
    """The number the case's newest incoming SMS came from (None: no SMS on the case)."""
    return db.session.scalar(select(SmsMessage.number).where(
        SmsMessage.case_id == case.id, SmsMessage.direction == Direction.IN)
        .order_by(SmsMessage.at.desc(), SmsMessage.id.desc()).limit(1))


def reply_to_case(case: Case, actor: Any, body: str) -> SmsMessage:
    """A member answers the case's SMS complainant; the number is never shown to them.
    The view has checked `case.can_work(actor)`."""
    body = (body or "").strip()
    number = case_number(case)
    if number is None:
        raise Refusal("invalid", _("This case has no SMS to answer."))
    if not body:
        raise Refusal("missing", _("Write the text of the SMS."), field="body")
    if smstext.parts(body) > smstext.MAX_PARTS:
        raise Refusal("invalid", _("The text is longer than two SMS. Shorten it."), field="body")
    if is_stopped(number):
        raise Refusal("invalid", _("This number sent STOP: no SMS can be sent to it until it "
                                   "sends START."))
    count = db.session.scalar(select(func.count(SmsMessage.id)).where(
        SmsMessage.case_id == case.id, SmsMessage.direction == Direction.OUT)) or 0
    line = enqueue_sms(number, body, language=smstext.language_of(body),
                       kind=MailKind.SMS_MESSAGE, dedupe_key=f"sms:staff:{case.id}:{count + 1}",
                       case_id=case.id, sent_by=actor)
    if line is None:
        raise Refusal("conflict", _("Another SMS was just sent on this case. Reload the page."))
    audit.record("sms.sent", actor=actor, object_type="case", object_id=case.reference,
                 details={"sms": line.id, "parts": smstext.parts(body)})
    return line
