"""The staff JSON API (/api/v1/cases..., /api/v1/statistics): personal API tokens only.

Every request authenticates with `Authorization: Bearer cw_...` (casework.api.tokens); a
session cookie is never enough. The rules are the pages': the same permission methods
(`Case.can_view`, `can_work`, `can_take`, the QUEUE desk), the same region scope (a case
outside it is 404, as on the case page), the same queue query and the same workflow
function. Errors are raised as application/problem+json (casework.core.problems): 401 no
valid token, 403 a role that may not use the endpoint, 404 unknown or out of scope, 409 a
move refused for the case's state or a concurrent change, 422 a missing or invalid
parameter or field (named in `errors`); a service's refusal with its code's status.
"""

from typing import NoReturn

from flask import Blueprint, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.exceptions import HTTPException

from casework.accounts.queries import scope_region_ids
from casework.accounts.roles import QUEUE
from casework.api.staff_documents import case_doc, iso, plain, station_codes, summary
from casework.api.staff_params import move_request, queue_request, usable
from casework.api.tokens import require_token
from casework.cases.models import Case
from casework.cases.queries import queue_page
from casework.cases.queue_conditions import QueueScope
from casework.cases.transitions import take_action
from casework.core import jsontext
from casework.core.db import utcnow
from casework.core.problems import http_problem, refuse, refused
from casework.core.refusal import Refusal
from casework.elections.models import Election, Region
from casework.elections.queries import current_election
from casework.extensions import db
from casework.reports import figures

bp = Blueprint("staff_api", __name__, url_prefix="/api/v1")
bp.before_request(require_token)  # also first of all through casework.api.tokens.init_app
bp.register_error_handler(HTTPException, http_problem)

REFERENCE_MAX = 40


# -- helpers ----------------------------------------------------------------------------

def _forbidden() -> NoReturn:
    refuse(403, _("Not allowed"), detail=_("Your role may not use this part of the API."))


def _not_found() -> NoReturn:
    refuse(404, _("Unknown case"), detail=_("No case with this reference in your regions."))


def _invalid(errors: dict[str, object]) -> NoReturn:
    refuse(422, _("Invalid request"), errors=errors,
           detail=_("Correct the parameters or fields named in “errors”."))


def _election_for_readers() -> Election:
    """The current election (404 without one), for those who may read the queue (else 403).
    The statistics are the figures of those same cases, so they share the QUEUE desk."""
    election = current_election()
    if election is None:
        refuse(404, _("No election"), detail=_("No election has been set up yet."))
    if not QUEUE.can_open(current_user):
        _forbidden()
    return election


def _case_or_404(reference: str) -> Case:
    """The case named by `reference`, or 404. A case outside a reader's regions is 404 too,
    so that its existence is never revealed; a role that reads no case at all gets 403."""
    reference = reference.strip().upper()
    case = db.session.scalar(
        select(Case).where(Case.reference == reference)
        .options(selectinload(Case.region).selectinload(Region.parent),
                 selectinload(Case.accused), selectinload(Case.election))
    ) if 0 < len(reference) <= REFERENCE_MAX and usable(reference) else None
    if case is None:
        _not_found()
    if not case.can_view(current_user):
        if QUEUE.can_open(current_user):  # a reader, outside their regions
            _not_found()
        _forbidden()
    return case


# -- the queue --------------------------------------------------------------------------

@bp.get("/cases")
def case_list():
    election = _election_for_readers()
    scope = QueueScope.load(current_user, election)
    filters, after, limit, errors = queue_request(request.args, scope)
    if errors:
        _invalid(errors)
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
    case = _case_or_404(reference)
    document = case_doc(case, current_user)
    db.session.commit()  # the audit entry of an identity shown
    return jsonify(document)


# -- moving a case ----------------------------------------------------------------------

@bp.post("/cases/<reference>/transitions")
def case_transition(reference: str):
    case = _case_or_404(reference)
    if not case.can_work(current_user):  # auditors read cases, they do not move them
        _forbidden()
    action, expected, payload, errors = move_request(jsontext.request_json())
    if errors:
        _invalid(errors)
    if case.state is not expected:
        refuse(409, _("The case is not in the expected state"),
               detail=_("The case is now “%(state)s”: reload it and try again.",
                        state=case.state.value))
    try:
        record = take_action(case, action, current_user, **payload)
    except Refusal as refusal:
        db.session.rollback()
        refused(refusal)
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
    election = _election_for_readers()
    dashboard = figures.dashboard(election, scope_region_ids(current_user, election.id),
                                  utcnow())
    return jsonify(plain(dashboard.to_dict()))
