"""The staff JSON API (/api/v1/cases..., /api/v1/statistics): personal API tokens only.

Every request authenticates with `Authorization: Bearer cw_...` (casework.api.tokens); a
session cookie is never enough. The rules are the pages': the same roles, the same region
scope (a case outside it is 404, as on the case page), the same queue query and the same
workflow function. Errors are application/problem+json: 401 no valid token, 403 a role
that may not use the endpoint, 404 unknown or out of scope, 409 a move refused for the
case's state or a concurrent change, 422 a missing or invalid parameter or field (named in
`errors`).
"""

from datetime import datetime
from enum import Enum
from typing import Any

from flask import Blueprint, Response, jsonify, request
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel.speaklater import LazyString
from flask_login import current_user
from sqlalchemy import select
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import HTTPException

from casework.accounts.models import Role, User
from casework.accounts.queries import scope_region_ids
from casework.api.problems import problem
from casework.api.tokens import require_token
from casework.cases import deadlines
from casework.cases import staff_services as services
from casework.cases.models import Case, CaseState, Category
from casework.cases.queries import (
    NO_REGION,
    SORTS,
    QueueFilters,
    QueueRow,
    QueueScope,
    decode_cursor,
    queue_page,
)
from casework.cases.review_models import CaseDeadline
from casework.cases.transitions import TransitionError
from casework.cases.workflow import TRANSITIONS, allowed_actions
from casework.core.db import utcnow
from casework.elections.models import Candidate, PollingStation
from casework.elections.queries import current_election
from casework.extensions import db
from casework.intake.models import Channel
from casework.reports import figures

bp = Blueprint("staff_api", __name__, url_prefix="/api/v1")
bp.before_request(require_token)  # also first of all through casework.api.tokens.init_app

VIEW_ROLES = services.VIEW_ROLES  # reviewer, secretary, chair, auditor: the queue's roles
MEMBER_ROLES = services.MEMBER_ROLES  # the roles that move cases
STATUS = {"conflict": 409, "not_allowed": 409, "forbidden": 403, "missing": 422, "invalid": 422}
DECISION_ACTIONS = frozenset({"decide", "redecide"})  # need the decision form (votes)
API_ACTIONS = tuple(t.action for t in TRANSITIONS if t.action not in DECISION_ACTIONS)
PAYLOAD_FIELDS = {t.action: t.payload_fields for t in TRANSITIONS}
LIMIT_DEFAULT, LIMIT_MAX = 50, 100
QUERY_MAX = 200
REFERENCE_MAX = 40
BOOLEANS = {"true": True, "false": False}
INT_MAX = 2**31 - 1


@bp.errorhandler(HTTPException)
def _http_problem(error: HTTPException):
    if error.response is not None:
        return error.response
    return problem(error.code or 500, error.name, detail=error.description)


# -- helpers ----------------------------------------------------------------------------

def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat(timespec="seconds") + "Z" if moment else None


def _plain(value: Any) -> Any:
    """A JSON-ready copy: translated labels as text, times in ISO 8601 UTC."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, datetime):
        return _iso(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, LazyString):
        return str(value)
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


def _usable(text: str) -> bool:
    """Text the database can store and compare: no NUL, valid Unicode."""
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _forbidden() -> Response:
    return problem(403, _("Not allowed"),
                   detail=_("Your role may not use this part of the API."))


def _not_found() -> Response:
    return problem(404, _("Unknown case"),
                   detail=_("No case with this reference in your regions."))


def _invalid(errors: dict[str, object]) -> Response:
    return problem(422, _("Invalid request"), errors=errors,
                   detail=_("Correct the parameters or fields named in “errors”."))


def _role_refused(*roles: Role) -> Response | None:
    return None if current_user.role in roles else _forbidden()


def _case(reference: str) -> Case | None:
    if len(reference) > REFERENCE_MAX or not _usable(reference):
        return None
    return services.load_case_for(current_user, reference)


def _no_election() -> Response:
    return problem(404, _("No election"), detail=_("No election has been set up yet."))


# -- the queue --------------------------------------------------------------------------

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
    if len(value) > 20 or not _usable(value) or db.session.scalar(select(Candidate.id).where(
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


def _queue_request(args: MultiDict, scope: QueueScope) -> tuple[QueueFilters, str | None, int,
                                                                dict[str, object]]:
    """The queue's filters, cursor and page size from the query string, or the errors."""
    errors: dict[str, object] = {}
    q = args.get("q") or ""
    if len(q) > QUERY_MAX or not _usable(q):
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


def _assignee_doc(user: User | None) -> dict | None:
    return {"id": user.id, "name": user.full_name} if user is not None else None


def _summary(case: Case, station: str | None, assignee: User | None, due_at: datetime | None,
             overdue: bool) -> dict:
    return {
        "reference": case.reference,
        "state": case.state.value,
        "public_status": case.public_status.value,
        "category": case.category.value,
        "region": case.region.code if case.region is not None else None,
        "station": station,
        "created_at": _iso(case.created_at),
        "state_changed_at": _iso(case.state_changed_at),
        "assignee": _assignee_doc(assignee),
        "due_at": _iso(due_at),
        "overdue": overdue,
    }


def _station_codes(rows: list[QueueRow]) -> dict[int, str]:
    ids = sorted({r.case.station_id for r in rows if r.case.station_id is not None})
    if not ids:
        return {}
    return dict(db.session.execute(select(PollingStation.id, PollingStation.code)
                                   .where(PollingStation.id.in_(ids))).all())


@bp.get("/cases")
def case_list():
    denied = _role_refused(*VIEW_ROLES)
    if denied:
        return denied
    election = current_election()
    if election is None:
        return _no_election()
    scope = QueueScope.load(current_user, election)
    filters, after, limit, errors = _queue_request(request.args, scope)
    if errors:
        return _invalid(errors)
    page = queue_page(current_user, election, filters, after=after, limit=limit, scope=scope)
    stations = _station_codes(page.rows)
    return jsonify({
        "items": [_summary(r.case, stations.get(r.case.station_id), r.assignee, r.due_at,
                           r.overdue) for r in page.rows],
        "next": page.next_cursor,
    })


# -- one case ---------------------------------------------------------------------------

def _timeline_doc(case: Case) -> list[dict]:
    records = services.load_records(case)
    moves = {record.id: record for record, _name in records.transitions}
    entries = []
    for entry in services.build_timeline(records, str(get_locale())):
        meta = dict(entry.meta)
        actor = meta.pop("actor", None) or meta.get("author") or meta.get("operator")
        if entry.kind == "transition":
            record = moves[meta["id"]]
            meta.update(action=record.action, from_state=record.from_state.value,
                        to_state=record.to_state.value,
                        reason_code=record.reason_code.value if record.reason_code else None,
                        outcome_code=record.outcome.value if record.outcome else None)
        entries.append({"kind": entry.kind, "at": _iso(entry.at), "title": str(entry.title),
                        "body": entry.body, "actor": _plain(actor), "details": _plain(meta)})
    return entries


def _actions_doc(case: Case, user: User) -> list[dict]:
    """The moves the case page offers this user (members whose regions cover the case)."""
    if not services.can_work(user, case):
        return []
    return [{"action": t.action, "label": str(t.label), "to_state": t.target.value,
             "fields": sorted(t.payload_fields), "api": t.action not in DECISION_ACTIONS}
            for t in allowed_actions(case.state, user.role)]


def _case_doc(case: Case, user: User) -> dict:
    now = utcnow()
    deadline = db.session.get(CaseDeadline, case.id)
    due = deadlines.due_at(case, deadline)
    paused = deadlines.is_paused(deadline)
    assignee = db.session.get(User, case.assignee_id) if case.assignee_id else None
    locale = str(get_locale())
    return {
        **_summary(case, case.station.code if case.station is not None else None, assignee,
                   due, due is not None and not paused and due <= now),
        "paused": paused,
        "has_evidence": case.has_evidence,
        "outcome": case.outcome,
        "public_reason": case.public_reason,
        "accused": [{"code": c.code, "name": c.name(locale),
                     "names": {"kk": c.name_kk, "ru": c.name_ru, "en": c.name_en}}
                    for c in case.accused],
        "actions": _actions_doc(case, user),
        "timeline": _timeline_doc(case),
    }


@bp.get("/cases/<reference>")
def case_detail(reference: str):
    denied = _role_refused(*VIEW_ROLES)
    if denied:
        return denied
    case = _case(reference)
    if case is None:
        return _not_found()
    return jsonify(_case_doc(case, current_user))


# -- moving a case ----------------------------------------------------------------------

def _move_request(body: Any) -> tuple[str, CaseState, dict[str, str], dict[str, object]]:
    """(action, expected state, the action's payload, errors) from the JSON body."""
    if not isinstance(body, dict):
        return "", CaseState.RECEIVED, {}, {"body": _("Send a JSON object.")}
    errors: dict[str, object] = {}
    action = body.get("action")
    action = action if isinstance(action, str) else ""
    if action in DECISION_ACTIONS:
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
    payload: dict[str, str] = {}
    for name, value in body.items():
        if name in ("action", "expected_state"):
            continue
        if name not in fields:
            errors[name] = _("Not a field of this action.")
        elif value is None:
            continue
        elif not isinstance(value, str) or not _usable(value):
            errors[name] = _("Must be text.")
        else:
            payload[name] = value
    return action, state or CaseState.RECEIVED, payload, errors


@bp.post("/cases/<reference>/transitions")
def case_transition(reference: str):
    denied = _role_refused(*MEMBER_ROLES)
    if denied:
        return denied
    case = _case(reference)
    if case is None:
        return _not_found()
    action, expected, payload, errors = _move_request(request.get_json(silent=True))
    if errors:
        return _invalid(errors)
    if case.state is not expected:
        return problem(409, _("The case is not in the expected state"),
                       detail=_("The case is now “%(state)s”: reload it and try again.",
                                state=case.state.value))
    try:
        record = services.take_action(case, action, current_user, **payload)
    except (TransitionError, services.StaffError) as error:
        db.session.rollback()
        return problem(STATUS.get(error.code, 422), str(error),
                       errors={error.field: str(error)} if error.field else None)
    db.session.commit()
    return jsonify({
        "reference": case.reference, "state": case.state.value,
        "public_status": case.public_status.value,
        "transition": {"id": record.id, "action": record.action,
                       "from_state": record.from_state.value, "to_state": record.to_state.value,
                       "at": _iso(record.at)},
    })


# -- statistics -------------------------------------------------------------------------

@bp.get("/statistics")
def statistics():
    denied = _role_refused(*VIEW_ROLES)
    if denied:
        return denied
    election = current_election()
    if election is None:
        return _no_election()
    dashboard = figures.dashboard(election, scope_region_ids(current_user, election.id),
                                  utcnow())
    return jsonify(_plain(dashboard.to_dict()))
