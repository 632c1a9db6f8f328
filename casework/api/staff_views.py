"""The staff JSON API (/api/v1/cases..., /api/v1/statistics): personal API tokens only.

Every request authenticates with `Authorization: Bearer cw_...` (casework.api.tokens); a
session cookie is never enough. The rules are the pages': the same roles, the same region
scope (a case outside it is 404, as on the case page), the same queue query and the same
workflow function. Errors are application/problem+json: 401 no valid token, 403 a role
that may not use the endpoint, 404 unknown or out of scope, 409 a move refused for the
case's state or a concurrent change, 422 a missing or invalid parameter or field (named in
`errors`).
"""

from flask import Blueprint, Response, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.exceptions import HTTPException

from casework.accounts.models import Role
from casework.accounts.queries import scope_region_ids
from casework.accounts.roles import CASE_READERS, COMMITTEE
from casework.api.problems import problem
from casework.api.staff_documents import case_doc, iso, plain, station_codes, summary
from casework.api.staff_params import move_request, queue_request, usable
from casework.api.tokens import require_token
from casework.cases.access import load_case_for
from casework.cases.models import Case
from casework.cases.queries import QueueScope, queue_page
from casework.cases.transitions import take_action
from casework.core.db import utcnow
from casework.core.refusal import Refusal
from casework.elections.models import Election
from casework.elections.queries import current_election
from casework.extensions import db
from casework.reports import figures

bp = Blueprint("staff_api", __name__, url_prefix="/api/v1")
bp.before_request(require_token)  # also first of all through casework.api.tokens.init_app

VIEW_ROLES = CASE_READERS  # reviewer, secretary, chair, auditor: the queue's roles
MEMBER_ROLES = COMMITTEE  # the roles that move cases
STATUS = {"conflict": 409, "not_allowed": 409, "forbidden": 403, "missing": 422, "invalid": 422}
REFERENCE_MAX = 40


@bp.errorhandler(HTTPException)
def _http_problem(error: HTTPException):
    if error.response is not None:
        return error.response
    return problem(error.code or 500, error.name, detail=error.description)


# -- helpers ----------------------------------------------------------------------------

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
    if len(reference) > REFERENCE_MAX or not usable(reference):
        return None
    return load_case_for(current_user, reference)


def _no_election() -> Response:
    return problem(404, _("No election"), detail=_("No election has been set up yet."))


def _election_for(*roles: Role) -> Election | Response:
    """The current election for a user with one of `roles`, else the problem to answer."""
    if current_user.role not in roles:
        return _forbidden()
    election = current_election()
    return election if election is not None else _no_election()


# -- the queue --------------------------------------------------------------------------

@bp.get("/cases")
def case_list():
    election = _election_for(*VIEW_ROLES)
    if isinstance(election, Response):
        return election
    scope = QueueScope.load(current_user, election)
    filters, after, limit, errors = queue_request(request.args, scope)
    if errors:
        return _invalid(errors)
    page = queue_page(current_user, election, filters, after=after, limit=limit, scope=scope)
    stations = station_codes(page.rows)
    return jsonify({
        "items": [summary(r.case, stations.get(r.case.station_id), r.assignee, r.due_at,
                          r.overdue) for r in page.rows],
        "next": page.next_cursor,
    })


# -- one case ---------------------------------------------------------------------------

@bp.get("/cases/<reference>")
def case_detail(reference: str):
    denied = _role_refused(*VIEW_ROLES)
    if denied:
        return denied
    case = _case(reference)
    if case is None:
        return _not_found()
    return jsonify(case_doc(case, current_user))


# -- moving a case ----------------------------------------------------------------------

@bp.post("/cases/<reference>/transitions")
def case_transition(reference: str):
    denied = _role_refused(*MEMBER_ROLES)
    if denied:
        return denied
    case = _case(reference)
    if case is None:
        return _not_found()
    action, expected, payload, errors = move_request(request.get_json(silent=True))
    if errors:
        return _invalid(errors)
    if case.state is not expected:
        return problem(409, _("The case is not in the expected state"),
                       detail=_("The case is now “%(state)s”: reload it and try again.",
                                state=case.state.value))
    try:
        record = take_action(case, action, current_user, **payload)
    except Refusal as error:
        db.session.rollback()
        return problem(STATUS.get(error.code, 422), str(error),
                       errors={error.field: str(error)} if error.field else None)
    db.session.commit()
    return jsonify({
        "reference": case.reference, "state": case.state.value,
        "public_status": case.public_status.value,
        "transition": {"id": record.id, "action": record.action,
                       "from_state": record.from_state.value, "to_state": record.to_state.value,
                       "at": iso(record.at)},
    })


# -- statistics -------------------------------------------------------------------------

@bp.get("/statistics")
def statistics():
    election = _election_for(*VIEW_ROLES)
    if isinstance(election, Response):
        return election
    dashboard = figures.dashboard(election, scope_region_ids(current_user, election.id),
                                  utcnow())
    return jsonify(plain(dashboard.to_dict()))
