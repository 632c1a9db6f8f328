"""The telephone system's events (a PBX-neutral CTI hook): a call rings at an operator's
extension, is answered, ends. Each event changes the operator's call record, which the
console shows by itself (views: `console_state`).

The PBX retries, so every event is idempotent per (call id, event): a second `ringing` for
the same call and extension, a second `answered` or `ended` changes nothing and says so.
A ring group rings several extensions with one call id: each operator gets a record; the
answer removes the others' records that nobody took (they held nothing but the ring).
A call that ends unanswered stays open on the console as a missed call, for the operator
to log (and call back). Services: no commits, no request.
"""

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select

from casework.accounts.models import User
from casework.accounts.roles import HOTLINE, has_role
from casework.core.db import utcnow
from casework.core.i18n import LANGUAGES
from casework.core.phones import to_e164
from casework.core.refusal import Refusal
from casework.extensions import db
from casework.hotline.models import Call, CallPurpose

log = logging.getLogger(__name__)

EVENTS = ("ringing", "answered", "ended")
CALL_ID_RE = re.compile(r"^[A-Za-z0-9._:@+-]{1,120}$")
EXTENSION_RE = re.compile(r"^[A-Za-z0-9*#+._-]{1,32}$")
NUMBER_RE = re.compile(r"^\+?[0-9 ().-]{1,32}$")
CAUSE_RE = re.compile(r"^[A-Za-z0-9_ .-]{1,40}$")
# What PBXs send for a number the caller withheld (Asterisk, FreeSWITCH, 3CX, SIP).
WITHHELD = frozenset({"", "anonymous", "withheld", "unknown", "restricted", "private",
                      "unavailable", "clip_no_screening"})


@dataclass(frozen=True)
class PbxEvent:
    event: str
    call_id: str
    caller: str | None  # E.164; None: withheld or not a phone number
    dialled: str | None
    extension: str | None
    cause: str | None


@dataclass(frozen=True)
class Outcome:
    """What an event did: "recorded" or "duplicate" (already known: nothing changed)."""

    result: str
    calls: list[int]


def _field(data: Mapping[str, str], name: str) -> str:
    value = data.get(name)
    return value.strip() if isinstance(value, str) else ""


def parse_event(data: Mapping[str, object]) -> PbxEvent:
    """The event from a JSON object or form fields; a Refusal naming every field at fault."""
    text = {name: value for name, value in data.items() if isinstance(value, str)}
    wrong_type = [name for name, value in data.items()
                  if name in ("event", "call_id", "from", "to", "extension", "cause")
                  and value is not None and not isinstance(value, str)]
    errors: dict[str, object] = {name: _l("Send this field as a string.") for name in wrong_type}
    event = _field(text, "event").lower()
    if event not in EVENTS:
        errors.setdefault("event", _l("The event must be one of: ringing, answered, ended."))
    call_id = _field(text, "call_id")
    if not CALL_ID_RE.match(call_id):
        errors.setdefault("call_id", _l("The call id is required: 1 to 120 letters, digits "
                                        "or . _ : @ + -"))
    extension = _field(text, "extension") or None
    if extension is not None and not EXTENSION_RE.match(extension):
        errors.setdefault("extension", _l("The extension is 1 to 32 letters, digits or * # + . "
                                          "_ -"))
    elif extension is None and event == "ringing":
        errors.setdefault("extension", _l("Say which extension is ringing."))
    numbers = {}
    for name in ("from", "to"):
        raw = _field(text, name)
        if raw.lower() in WITHHELD:
            numbers[name] = None
        elif not NUMBER_RE.match(raw):
            errors.setdefault(name, _l("Send a phone number (digits, optionally with +), or "
                                       "“anonymous” when it is withheld."))
        else:
            numbers[name] = to_e164(raw)  # not a valid number (an internal one): no look-up
    cause = _field(text, "cause") or None
    if cause is not None and not CAUSE_RE.match(cause):
        errors.setdefault("cause", _l("The hang-up cause is up to 40 letters, digits or _ . -"))
    if errors:
        raise Refusal("invalid", _l("The event was not accepted."), errors=errors)
    return PbxEvent(event, call_id, numbers.get("from"), numbers.get("to"), extension,
                    cause.lower() if cause else None)


def operator_at(extension: str) -> User:
    """The active hotline operator with this extension, or a Refusal (404)."""
    user = db.session.scalar(select(User).where(User.phone_extension == extension))
    if user is None or not has_role(user, HOTLINE):
        raise Refusal("not_found", _l("No hotline operator has this extension."),
                      field="extension")
    return user


def _calls_of(call_id: str) -> list[Call]:
    return list(db.session.scalars(select(Call).where(Call.pbx_call_id == call_id)
                                   .order_by(Call.id)))


def _ring(event: PbxEvent, operator: User, now: datetime) -> Call:
    language = operator.preferred_locale if operator.preferred_locale in LANGUAGES else "kk"
    # The purpose is chosen when the operator finishes the call (as for a typed-in call).
    call = Call(operator_id=operator.id, caller_number=event.caller, started_at=now,
                language=language, purpose=CallPurpose.OTHER, note="",
                pbx_call_id=event.call_id)
    db.session.add(call)
    db.session.flush()
    return call


def _ringing(event: PbxEvent, now: datetime) -> Outcome:
    operator = operator_at(event.extension or "")
    known = next((c for c in _calls_of(event.call_id) if c.operator_id == operator.id), None)
    if known is not None:
        return Outcome("duplicate", [known.id])
    return Outcome("recorded", [_ring(event, operator, now).id])


def _answered(event: PbxEvent, now: datetime) -> Outcome:
    calls = _calls_of(event.call_id)
    if event.extension is not None:
        operator = operator_at(event.extension)
        call = next((c for c in calls if c.operator_id == operator.id), None)
        if call is None:  # the ringing event never came: the answer opens the record
            call = _ring(event, operator, now)
    elif len(calls) == 1:
        call = calls[0]
    elif not calls:
        raise Refusal("not_found", _l("No ringing call has this id: send its extension."),
                      field="call_id")
    else:
        raise Refusal("invalid", _l("This call rang at several extensions: say which one "
                                    "answered."), field="extension")
    if call.answered_at is not None or call.hung_up_at is not None:
        return Outcome("duplicate", [call.id])
    call.answered_at = max(now, call.started_at)
    # The ring group's other extensions did not take it: their records held only the ring.
    others = [c.id for c in calls if c.id != call.id and c.answered_at is None
              and c.case_id is None and c.complaint_id is None and c.ended_at is None]
    if others:
        db.session.execute(delete(Call).where(Call.id.in_(others))
                           .execution_options(synchronize_session="fetch"))
    db.session.flush()
    return Outcome("recorded", [call.id])


def _ended(event: PbxEvent, now: datetime) -> Outcome:
    calls = _calls_of(event.call_id)
    if event.extension is not None:
        calls = [c for c in calls if c.operator_id == operator_at(event.extension).id]
    if not calls:
        raise Refusal("not_found", _l("No call has this id."), field="call_id")
    open_lines = [c for c in calls if c.hung_up_at is None]
    for call in open_lines:
        call.hung_up_at = max(now, call.answered_at or call.started_at)
        call.hangup_cause = event.cause
    db.session.flush()
    return Outcome("recorded" if open_lines else "duplicate", [c.id for c in calls])


def receive(event: PbxEvent, now: datetime | None = None) -> Outcome:
    """Apply one event of the telephone system (see the module's docstring)."""
    handler = {"ringing": _ringing, "answered": _answered, "ended": _ended}[event.event]
    outcome = handler(event, now or utcnow())
    # Never the number: only what the PBX calls the call and what became of the event.
    log.info("cti %s %s: %s", event.event, event.call_id, outcome.result)
    return outcome
