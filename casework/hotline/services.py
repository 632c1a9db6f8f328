"""Hotline operations: log a call, record a complaint or a follow-up for the caller, day figures.

Plain functions taking model objects and the acting operator; they validate, change state,
flush and audit, and refuse with a `Refusal` naming the field at fault. They never commit and
never read the request: the view commits once.
"""

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

import phonenumbers
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import joinedload

from casework.accounts.models import User
from casework.accounts.roles import HOTLINE
from casework.cases import notices
from casework.cases.models import (
    PUBLIC_STATUS,
    Case,
    CaseMessage,
    CaseState,
    MessageAuthor,
    PublicStatus,
)
from casework.cases.search import index_case
from casework.cases.transitions import complainant_replied
from casework.core import audit
from casework.core.db import utcnow
from casework.core.i18n import LANGUAGES
from casework.core.phones import to_e164
from casework.core.refusal import Refusal
from casework.core.sealed import PHONE, hashes_of
from casework.core.timezones import day_bounds
from casework.extensions import db
from casework.hotline.models import Call, CallPurpose, FoundBy
from casework.intake import tracking
from casework.intake.models import Channel, Complaint
from casework.intake.services import (
    ComplaintDraft,
    Submission,
    Upload,
    check_complaint,
    find_by_tracking_code,
    find_submission,
    submit_complaint,
)

NOTE_MAX = 1000
MESSAGE_MAX = 10000
SEARCH_LIMIT = 20
LOG_PAGE_SIZE = 50
DEFAULT_REGION = "KZ"


# --- numbers -----------------------------------------------------------------------------

def normalize_number(text: str | None, field: str = "number") -> str | None:
    """A caller's number in E.164 (+77011234567); None when withheld (empty). A Refusal on
    `field` when it is no phone number.

    Kazakhstan is the default region, so 8 701 123 45 67 and 701 123 45 67 are understood."""
    text = (text or "").strip()
    if not text:
        return None
    e164 = to_e164(text)
    if e164 is None:
        raise Refusal("invalid", _l("This is not a valid phone number. Type it as the caller "
                                    "says it, e.g. 8 701 123 45 67 or +7 701 123 45 67, or "
                                    "leave it empty if withheld."), field=field)
    return e164


def display_number(e164: str | None) -> str:
    """+77011234567 -> +7 701 123 4567, for reading; '' for a withheld number."""
    if not e164:
        return ""
    try:
        number = phonenumbers.parse(e164, DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


# --- calls -------------------------------------------------------------------------------

def open_call(operator: User) -> Call | None:
    """The operator's call in progress, if any (the newest one), with its case (the console
    shows its reference)."""
    return db.session.scalar(
        select(Call).options(joinedload(Call.case))
        .where(Call.operator_id == operator.id, Call.ended_at.is_(None))
        .order_by(Call.started_at.desc(), Call.id.desc()).limit(1))


def start_call(operator: User, *, number: str | None, language: str,
               now: datetime | None = None) -> Call:
    """Open a call record; the clock starts now (UTC, server time)."""
    if language not in LANGUAGES:
        raise Refusal("invalid", _l("Choose the caller's language."), field="language")
    caller = normalize_number(number)
    if open_call(operator) is not None:
        raise Refusal("invalid", _l("Finish the current call first."), field="call")
    # The purpose is chosen when the call ends; the column cannot be empty meanwhile.
    call = Call(operator_id=operator.id, caller_number=caller, started_at=now or utcnow(),
                language=language, purpose=CallPurpose.OTHER, note="")
    db.session.add(call)
    db.session.flush()
    return call


def _check_open(call: Call, operator) -> None:
    if not call.can_handle(operator):
        raise Refusal("forbidden", _l("Only the operator who took this call can change it."),
                      field="call")
    if call.ended_at is not None:
        raise Refusal("not_allowed", _l("This call is already finished. Start a new call."),
                      field="call")


def finish_call(call: Call, operator: User, *, purpose: str | CallPurpose | None, note: str,
                ended_at: datetime | None = None) -> Call:
    """Close the call with its purpose and a short note; audited without the note or number."""
    _check_open(call, operator)
    errors: dict[str, object] = {}
    try:
        chosen = CallPurpose(purpose) if purpose else None
    except ValueError:
        chosen = None
    if chosen is None:
        errors["purpose"] = _l("Choose what the call was about.")
    elif call.complaint_id is not None and chosen is not CallPurpose.COMPLAINT:
        errors["purpose"] = _l("A complaint was recorded during this call: its purpose is "
                               "“complaint”.")
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        errors["note"] = _l("The note is too long (at most %(n)d characters).", n=NOTE_MAX)
    if errors:
        raise Refusal("invalid", errors=errors)
    call.purpose = chosen
    call.note = note
    call.ended_at = max(ended_at or utcnow(), call.started_at)
    db.session.flush()
    audit.record("hotline.call_logged", actor=operator, object_type="call", object_id=call.id,
                 details={"purpose": chosen.value, "seconds": call.handling_seconds,
                          "language": call.language, "case_id": call.case_id,
                          "complaint_id": call.complaint_id})
    return call


# --- complaints and follow-ups -----------------------------------------------------------

def record_complaint(call: Call, operator: User, draft: ComplaintDraft,
                     uploads: list[Upload]) -> Submission:
    """Record a complaint the caller dictates: channel hotline, recorded by the operator.

    A named caller's phone is the number they called from unless the operator typed another;
    an anonymous caller leaves no number at all, not even on the call record."""
    _check_open(call, operator)
    if call.complaint_id is not None:
        earlier = find_submission(draft.submission_key) if draft.submission_key else None
        if earlier is not None and earlier.id == call.complaint_id:  # the same form again
            return submit_complaint(draft, uploads, channel=Channel.HOTLINE, recorded_by=operator)
        raise Refusal("invalid", _l("A complaint has already been recorded during this call. "
                                    "For another complaint, start a new call record."),
                      field="call")
    _as_the_caller(call, draft)
    submission = submit_complaint(draft, uploads, channel=Channel.HOTLINE, recorded_by=operator)
    call.case_id = submission.case.id
    call.complaint_id = submission.complaint.id
    call.purpose = CallPurpose.COMPLAINT
    if submission.complaint.anonymous:
        call.caller_number = None
    db.session.flush()
    return submission


def _as_the_caller(call: Call, draft: ComplaintDraft) -> None:
    if not draft.anonymous:
        draft.phone = normalize_number(draft.phone, field="phone") or call.caller_number
    else:
        draft.phone = None
    draft.language = call.language


def check_recorded(call: Call, operator: User, draft: ComplaintDraft,
                   uploads: list[Upload]) -> None:
    """Refuse, naming every field at fault, what `record_complaint` would refuse; nothing is
    kept. Asked when the form's own checks failed, so that one send names every mistake."""
    _check_open(call, operator)
    _as_the_caller(call, draft)
    check_complaint(draft, uploads)


@dataclass(frozen=True)
class CaseMatch:
    """A case found for a caller, with what the caller may hear: the public status only."""

    case_id: int
    reference: str
    public_status: PublicStatus
    received_at: datetime
    complaint_id: int | None  # the caller's own complaint on the case, when we know it
    found_by: FoundBy

    @property
    def key(self) -> str:
        return f"{self.case_id}:{self.complaint_id or ''}"


def _match(case_id: int, reference: str, state: CaseState, received_at: datetime,
           complaint_id: int | None, found_by: FoundBy) -> CaseMatch:
    return CaseMatch(case_id, reference, PUBLIC_STATUS[state], received_at, complaint_id,
                     found_by)


def find_cases(query: str, operator: User | None = None) -> list[CaseMatch]:
    """Cases for a caller by tracking code, case reference (exact) or phone number.

    Only the public status comes back, as the complainant sees it online, so the lookup is not
    limited to the operator's regions. A case found by its reference alone is not tied to any
    complaint: a message added to it is not shown in anyone's thread as their own."""
    text = (query or "").strip()
    if not text:
        return []
    if tracking.is_valid(text):
        complaint = find_by_tracking_code(text)
        if complaint is None:
            return []
        case = complaint.case
        return [_match(case.id, case.reference, case.state, complaint.received_at, complaint.id,
                       FoundBy.CODE)]
    reference = text.upper()
    row = db.session.execute(select(Case.id, Case.reference, Case.state, Case.created_at)
                             .where(Case.reference == reference)).first()
    if row is not None:
        return [_match(row.id, row.reference, row.state, row.created_at, None, FoundBy.REFERENCE)]
    try:
        number = normalize_number(text)
    except Refusal:
        return []
    return _by_number(number) if number else []


def from_number(number: str):
    """The calls from this E.164 number: the one look-up of calls by number (by its keyed
    hash: the number itself is encrypted)."""
    return Call.caller_hash.in_(hashes_of(PHONE, number))


def _by_number(number: str) -> list[CaseMatch]:
    found: dict[int, CaseMatch] = {}
    complaints = db.session.execute(
        select(Complaint.id, Complaint.received_at, Case.id.label("case_id"), Case.reference,
               Case.state)
        .join(Case, Complaint.case_id == Case.id)
        .where(Complaint.phone_hash.in_(hashes_of(PHONE, number)), Complaint.anonymous.is_(False))
        .order_by(Complaint.received_at.desc()).limit(SEARCH_LIMIT))
    for row in complaints:
        found.setdefault(row.case_id, _match(row.case_id, row.reference, row.state,
                                             row.received_at, row.id, FoundBy.NUMBER))
    calls = db.session.execute(
        select(Call.case_id, Call.complaint_id, Call.started_at, Case.reference, Case.state)
        .join(Case, Call.case_id == Case.id)
        .where(from_number(number))
        .order_by(Call.started_at.desc()).limit(SEARCH_LIMIT))
    for row in calls:
        known = found.get(row.case_id)
        if known is None or (known.complaint_id is None and row.complaint_id is not None):
            found[row.case_id] = _match(row.case_id, row.reference, row.state, row.started_at,
                                        row.complaint_id, FoundBy.NUMBER)
    return sorted(found.values(), key=lambda m: (m.received_at, m.case_id),
                  reverse=True)[:SEARCH_LIMIT]


def log_follow_up(call: Call, operator: User, case: Case, message: str, *,
                  complaint: Complaint | None = None) -> CaseMessage | None:
    """Tie the call to the caller's case and add what the caller said as their message.

    The message is written by the operator on the caller's behalf: author complainant,
    channel hotline. With no message the call is only linked (the caller asked the status)."""
    _check_open(call, operator)
    if call.case_id is not None and call.case_id != case.id:
        raise Refusal("invalid", _l("This call is already linked to another case. For a "
                                    "second case, start a new call record."), field="case")
    if complaint is not None and complaint.case_id != case.id:
        raise Refusal("invalid", _l("This complaint is not part of the case."), field="case")
    body = (message or "").strip()
    if len(body) > MESSAGE_MAX:
        raise Refusal("invalid", _l("The message is too long (at most %(n)d characters).",
                                    n=MESSAGE_MAX), field="message")
    entry = None
    if body:
        entry = CaseMessage(case_id=case.id, complaint_id=complaint.id if complaint else None,
                            author=MessageAuthor.COMPLAINANT, author_user_id=operator.id,
                            channel=Channel.HOTLINE.value, body=body)
        db.session.add(entry)
        db.session.flush()
        index_case(case)
        complainant_replied(case)
        notices.complainant_wrote(case)
    call.case_id = case.id
    if call.complaint_id is None:
        call.purpose = CallPurpose.FOLLOW_UP
    if complaint is not None and complaint.anonymous:
        call.caller_number = None  # an anonymous complainant's number is not kept with the case
    db.session.flush()
    audit.record("hotline.follow_up", actor=operator, object_type="case", object_id=case.reference,
                 details={"call_id": call.id, "message": entry is not None})
    return entry


# --- reading the code aloud --------------------------------------------------------------

DIGITS = {
    "kk": ["нөл", "бір", "екі", "үш", "төрт", "бес", "алты", "жеті", "сегіз", "тоғыз"],
    "ru": ["ноль", "один", "два", "три", "четыре", "пять", "шесть", "семь", "восемь", "девять"],
    "en": ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"],
}
# The Latin letters of the code (Crockford: no I, L, O, U), named as people say them.
LETTERS = {
    # Kazakh speakers name Latin letters the same way as Russian speakers (school maths).
    "kk": {"A": "а", "B": "бэ", "C": "цэ", "D": "дэ", "E": "е", "F": "эф", "G": "гэ", "H": "ха",
           "J": "йот", "K": "ка", "M": "эм", "N": "эн", "P": "пэ", "Q": "ку", "R": "эр", "S": "эс",
           "T": "тэ", "V": "вэ", "W": "дубль-вэ", "X": "икс", "Y": "игрек", "Z": "зэт"},
    "ru": {"A": "а", "B": "бэ", "C": "цэ", "D": "дэ", "E": "е", "F": "эф", "G": "гэ", "H": "ха",
           "J": "йот", "K": "ка", "M": "эм", "N": "эн", "P": "пэ", "Q": "ку", "R": "эр", "S": "эс",
           "T": "тэ", "V": "вэ", "W": "дубль-вэ", "X": "икс", "Y": "игрек", "Z": "зэт"},
    "en": {"A": "Alfa", "B": "Bravo", "C": "Charlie", "D": "Delta", "E": "Echo", "F": "Foxtrot",
           "G": "Golf", "H": "Hotel", "J": "Juliett", "K": "Kilo", "M": "Mike",
           "N": "November", "P": "Papa", "Q": "Quebec", "R": "Romeo", "S": "Sierra",
           "T": "Tango", "V": "Victor", "W": "Whiskey", "X": "X-ray", "Y": "Yankee", "Z": "Zulu"},
}
SEPARATOR = "—"


def spoken_code(code: str, language: str) -> list[tuple[str, str]]:
    """Each character of the grouped code with the word to say; groups apart as ("-", "—")."""
    words = language if language in LANGUAGES else "kk"
    normalized = tracking.normalize(code) or ""
    spoken = []
    for char in tracking.grouped(normalized):
        if char == "-":
            spoken.append(("-", SEPARATOR))
        elif char.isdigit():
            spoken.append((char, DIGITS[words][int(char)]))
        else:
            spoken.append((char, LETTERS[words][char]))
    return spoken


# --- figures and the log -----------------------------------------------------------------

def _seconds(ended, started):
    if db.session.get_bind().dialect.name == "postgresql":
        return func.extract("epoch", ended - started)
    return (func.julianday(ended) - func.julianday(started)) * 86400.0


def _day_figures(day: date, tz: str | ZoneInfo, operator_id: int | None = None):
    start, end = day_bounds(day, tz)
    query = (select(Call.operator_id, func.count(Call.id).label("calls"),
                    func.count(Call.complaint_id).label("complaints"),
                    func.avg(_seconds(Call.ended_at, Call.started_at)).label("avg"))
             .where(Call.started_at >= start, Call.started_at < end)
             .group_by(Call.operator_id))
    if operator_id is not None:
        query = query.where(Call.operator_id == operator_id)
    return db.session.execute(query).all()


def _figures(row) -> dict:
    average = None if row is None or row.avg is None else round(float(row.avg))
    return {"calls": row.calls if row else 0, "complaints": row.complaints if row else 0,
            "avg_handling_seconds": average}


def operator_day(operator: User, day: date, tz: str | ZoneInfo) -> dict:
    """Calls taken, complaints created and the average handling time of finished calls."""
    rows = _day_figures(day, tz, operator.id)
    return _figures(rows[0] if rows else None)


def operators_day(day: date, tz: str | ZoneInfo) -> list[dict]:
    """Every operator's figures for the day, with the operator, busiest first (two queries)."""
    rows = _day_figures(day, tz)
    users = {u.id: u for u in db.session.scalars(
        select(User).where(User.id.in_([r.operator_id for r in rows])))} if rows else {}
    figures = [{"operator": users[r.operator_id], **_figures(r)} for r in rows]
    return sorted(figures, key=lambda f: (-f["calls"], f["operator"].full_name))


def console_staff() -> list[User]:
    """Everyone who may take calls at the console, by name (the call log's operator filter)."""
    return list(db.session.scalars(select(User).where(User.role.in_(HOTLINE))
                                   .order_by(User.full_name)))


@dataclass
class LogFilters:
    operator_id: int | None = None
    purpose: CallPurpose | None = None
    day: date | None = None
    tz: str | ZoneInfo = "UTC"
    number: str | None = None  # E.164
    before_id: int | None = None  # keyset: calls after (older than) this one
    limit: int = LOG_PAGE_SIZE


def call_log(filters: LogFilters) -> list[Call]:
    """Calls newest first (started_at desc, id desc), one query with operators and cases joined.

    Ask for limit + 1 rows to know whether there is a next page."""
    query = (select(Call).options(joinedload(Call.operator), joinedload(Call.case))
             .order_by(Call.started_at.desc(), Call.id.desc()).limit(filters.limit + 1))
    if filters.operator_id is not None:
        query = query.where(Call.operator_id == filters.operator_id)
    if filters.purpose is not None:
        query = query.where(Call.purpose == filters.purpose)
    if filters.day is not None:
        start, end = day_bounds(filters.day, filters.tz)
        query = query.where(Call.started_at >= start, Call.started_at < end)
    if filters.number:
        query = query.where(from_number(filters.number))
    if filters.before_id is not None:
        last = (select(Call.started_at).where(Call.id == filters.before_id)
                .scalar_subquery())
        query = query.where(or_(Call.started_at < last,
                                and_(Call.started_at == last, Call.id < filters.before_id)))
    return list(db.session.scalars(query).unique())

