"""The staff API's request parsing: the queue's query parameters (filters, cursor, page
size) and a move's JSON body, each checked into values or into `errors` by parameter name.
"""

from enum import Enum
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from casework.cases.models import CaseState, Category
from casework.cases.queue_conditions import NO_REGION, SORTS, QueueFilters, QueueScope
from casework.cases.queue_paging import decode_cursor
from casework.cases.workflow import CHECKLIST_NAMES, TRANSITIONS, find
from casework.elections.models import Candidate
from casework.extensions import db
from casework.intake.models import Channel

# The moves the API takes: all but those taken only through a recorded decision (votes).
API_ACTIONS = tuple(t.action for t in TRANSITIONS if not t.by_decision)
PAYLOAD_FIELDS = {t.action: t.payload_fields for t in TRANSITIONS}
LIMIT_DEFAULT, LIMIT_MAX = 50, 100
QUERY_MAX = 200
BOOLEANS = {"true": True, "false": False}
INT_MAX = 2**31 - 1


def usable(text: str) -> bool:
    """Text the database can store and compare: no NUL, valid Unicode."""
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _choice(args: MultiDict, name: str, kind: type[Enum], errors: dict) -> Any:
    value = args.get(name)
    if value in (None, ""):
        return None
    try:
        return kind(value)
    except ValueError:
        errors[name] = _("Unknown value; one of: %(values)s",
                         values=", ".join(m.value for m in kind))
        return None


def _boolean(args: MultiDict, name: str, errors: dict) -> bool | None:
    value = args.get(name)
    if value in (None, ""):
        return None
    if value not in BOOLEANS:
        errors[name] = _("Use true or false.")
    return BOOLEANS.get(value)


def _region(args: MultiDict, scope: QueueScope, errors: dict) -> str | None:
    value = args.get("region") or None
    if value is None:
        return None
    known = {r.code for r in scope.visible_regions()}
    if value in known or (value == NO_REGION and scope.region_ids is None):
        return value
    errors["region"] = _("Unknown region, or outside your regions.")
    return None


def _candidate(args: MultiDict, scope: QueueScope, errors: dict) -> str | None:
    value = args.get("candidate") or None
    if value is None:
        return None
    if len(value) > 20 or not usable(value) or db.session.scalar(select(Candidate.id).where(
            Candidate.election_id == scope.election.id, Candidate.code == value)) is None:
        errors["candidate"] = _("Unknown candidate code.")
        return None
    return value


def _assignee(args: MultiDict, errors: dict) -> int | str | None:
    value = args.get("assignee") or None
    if value is None or value in ("me", "none"):
        return value
    if value.isascii() and value.isdigit() and 0 < int(value) <= INT_MAX:
        return int(value)
    errors["assignee"] = _("Use a user id, “me” or “none”.")
    return None


def _limit(args: MultiDict, errors: dict) -> int:
    value = args.get("limit")
    if value in (None, ""):
        return LIMIT_DEFAULT
    if value.isascii() and value.isdigit() and 1 <= int(value) <= LIMIT_MAX:
        return int(value)
    errors["limit"] = _("A whole number from 1 to %(n)d.", n=LIMIT_MAX)
    return LIMIT_DEFAULT


def queue_request(args: MultiDict, scope: QueueScope) -> tuple[QueueFilters, str | None, int,
                                                               dict[str, object]]:
    """The queue's filters, cursor and page size from the query string, or the errors."""
    errors: dict[str, object] = {}
    q = args.get("q") or ""
    if len(q) > QUERY_MAX or not usable(q):
        errors["q"] = _("At most %(n)d characters of text.", n=QUERY_MAX)
        q = ""
    sort = args.get("sort") or "newest"
    if sort not in SORTS:
        errors["sort"] = _("Unknown value; one of: %(values)s", values=", ".join(SORTS))
        sort = "newest"
    filters = QueueFilters(
        state=_choice(args, "state", CaseState, errors),
        region_code=_region(args, scope, errors),
        category=_choice(args, "category", Category, errors),
        channel=_choice(args, "channel", Channel, errors),
        candidate_code=_candidate(args, scope, errors),
        assignee_id=_assignee(args, errors),
        overdue=_boolean(args, "overdue", errors),
        has_evidence=_boolean(args, "has_evidence", errors),
        q=q.strip(), sort=sort)
    after = args.get("after") or None
    if after is not None and decode_cursor(after, sort) is None:
        errors["after"] = _("Not a cursor of this sort order: use “next” of the previous page.")
    return filters, after, _limit(args, errors), errors


SCREENING_ACTIONS = frozenset({"admit", "reject"})  # they rest on the checklist
CHECKLIST_FIELDS = ("checklist", "checklist_notes")


def _checklist_field(name: str, value: Any, payload: dict[str, Any],
                     errors: dict[str, object]) -> None:
    """`checklist`: {item: true / false / null}; `checklist_notes`: text."""
    if value is None:
        return
    if name == "checklist_notes":
        if isinstance(value, str) and usable(value):
            payload[name] = value
        else:
            errors[name] = _("Must be text.")
        return
    if not isinstance(value, dict) or set(value) - set(CHECKLIST_NAMES) or not all(
            item is None or isinstance(item, bool) for item in value.values()):
        errors[name] = _("An object of checklist items (%(values)s), each true, false or "
                         "null.", values=", ".join(CHECKLIST_NAMES))
        return
    payload[name] = dict(value)


def _by_decision(action: str) -> bool:
    try:
        return find(action).by_decision
    except KeyError:
        return False


def move_request(body: Any) -> tuple[str, CaseState, dict[str, str], dict[str, object]]:
    """(action, expected state, the action's payload, errors) from the JSON body."""
    if not isinstance(body, dict):
        return "", CaseState.RECEIVED, {}, {"body": _("Send a JSON object.")}
    errors: dict[str, object] = {}
    action = body.get("action")
    action = action if isinstance(action, str) else ""
    if _by_decision(action):
        errors["action"] = _("A decision needs the committee's votes: use the decision form.")
    elif action not in API_ACTIONS:
        errors["action"] = _("Unknown action; one of: %(values)s", values=", ".join(API_ACTIONS))
    expected = body.get("expected_state")
    try:
        state = CaseState(expected) if isinstance(expected, str) else None
    except ValueError:
        state = None
    if state is None:
        errors["expected_state"] = _("Give the state you saw the case in: one of %(values)s",
                                     values=", ".join(s.value for s in CaseState))
    fields = PAYLOAD_FIELDS.get(action, frozenset())
    payload: dict[str, Any] = {}
    for name, value in body.items():
        if name in ("action", "expected_state"):
            continue
        if name in CHECKLIST_FIELDS and action in SCREENING_ACTIONS:
            _checklist_field(name, value, payload, errors)
            continue
        if name not in fields:
            errors[name] = _("Not a field of this action.")
        elif value is None:
            continue
        elif not isinstance(value, str) or not usable(value):
            errors[name] = _("Must be text.")
        else:
            payload[name] = value
    return action, state or CaseState.RECEIVED, payload, errors
