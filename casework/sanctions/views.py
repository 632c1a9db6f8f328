"""Staff pages of sanctions: propose, review (four eyes), appeals.

Each view: load or 404 (the case through the user's region scope), check or 403, validate the
form, one service call, commit, flash, redirect. A failed password re-entry also counts as a
failed login of the account, so that guessing it here is throttled like guessing it at login.
"""


from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import or_, select

from casework.accounts.models import Role
from casework.accounts.services import record_reauthentication_failure
from casework.cases.models import Case
from casework.cases.staff_services import load_case_for
from casework.cases.workflow import STATE_LABELS
from casework.core import audit
from casework.core.db import utcnow
from casework.core.permissions import require_roles
from casework.core.refusal import Refusal
from casework.core.timezones import to_local, to_utc
from casework.decisions.view_helpers import show_errors
from casework.elections.models import (
    Candidate,
    PollingStation,
    Region,
    StationKind,
)
from casework.elections.queries import current_election, subtree_ids
from casework.extensions import db
from casework.sanctions import appeals, impact
from casework.sanctions import queries as sanction_queries
from casework.sanctions import services as sanctions
from casework.sanctions.forms import (
    NAMED_CANDIDATES,
    AppealForm,
    ApproveForm,
    DecideAppealForm,
    RejectForm,
    propose_form,
)
from casework.sanctions.models import (
    AppealOutcome,
    Sanction,
    SanctionStatus,
    SanctionType,
)
from casework.sanctions.scope import case_area

bp = Blueprint("sanctions", __name__)

READERS = (Role.REVIEWER, Role.SECRETARY, Role.CHAIR, Role.AUDITOR)
PROPOSERS = tuple(sanctions.PROPOSER_ROLES)
# A refusal's HTTP status; the rest (a field, the password) is 422.
STATUS = {"forbidden": 403, "self_approval": 403, "not_allowed": 409, "conflict": 409,
          "throttled": 429}
# The forms of the sanction page: name -> (form class, who may use it).
ACTIONS = {
    "approve": (ApproveForm, sanctions.may_review),
    "reject": (RejectForm, sanctions.may_review),
    "appeal": (AppealForm, appeals.may_record_appeal),
    "decide": (DecideAppealForm, appeals.may_decide_appeal),
}


# -- for the findings page and the case page ---------------------------------------------

@bp.app_template_global()
def may_propose_sanction(case: Case) -> bool:
    return current_user.is_authenticated and sanctions.may_propose(case, current_user)


@bp.app_template_global()
def case_sanctions(case: Case) -> list[Sanction]:
    return sanctions.sanctions_of(case)


# -- helpers -------------------------------------------------------------------------------

def _locale() -> str:
    return str(get_locale() or "en")


def _case_or_404(reference: str) -> Case:
    case = load_case_for(current_user, reference)
    if case is None:
        abort(404)
    return case


def _sanction_or_404(sanction_id: int) -> tuple[Sanction, Case]:
    """The sanction and its case, if the case is in the user's scope (else 404 alike)."""
    sanction = db.session.get(Sanction, sanction_id)
    if sanction is None:
        abort(404)
    return sanction, _case_or_404(sanction.case.reference)


# -- proposing -----------------------------------------------------------------------------

def _scope_choices(case: Case) -> dict:
    """What an annulment on this case may reach: the case's top region and its districts,
    their paper stations and the electronic vote, their candidates."""
    area = case_area(case)
    regions = select(Region).where(Region.election_id == case.election_id)
    stations = select(PollingStation).where(PollingStation.election_id == case.election_id)
    candidates = select(Candidate).where(Candidate.election_id == case.election_id)
    if area is not None:
        ids = subtree_ids(area)
        regions = regions.where(Region.id.in_(ids))
        stations = stations.where(or_(PollingStation.kind == StationKind.ELECTRONIC,
                                      PollingStation.region_id.in_(ids)))
        candidates = candidates.where(Candidate.region_id.in_(ids))
    return {
        "regions": list(db.session.scalars(regions.order_by(Region.parent_id.isnot(None),
                                                            Region.code))),
        "stations": list(db.session.scalars(stations.order_by(PollingStation.kind,
                                                              PollingStation.code))),
        "candidates": list(db.session.scalars(candidates.order_by(Candidate.code))),
    }


def _propose_page(case: Case, form, findings, errors: list[str] | None = None,
                  status: int = 200):
    return render_template(
        "sanctions/propose.html", case=case, form=form, findings=findings,
        findings_by_id={f.id: f for f in findings}, errors=errors or [],
        decision=sanctions.sanctioning_decision(case),
        state_label=STATE_LABELS[case.state]), status


@bp.route("/cases/<reference>/sanctions/new", methods=["GET", "POST"], endpoint="propose")
@require_roles(*PROPOSERS)
def propose(reference: str):
    case = _case_or_404(reference)
    if not sanctions.may_propose(case, current_user):
        abort(403)
    findings = sanctions.sanctioning_findings(case)
    form = propose_form(findings=findings, accused=case.accused, locale=_locale(),
                        **_scope_choices(case))
    if request.method == "GET" or not form.validate_on_submit():
        return _propose_page(case, form, findings,
                             status=200 if request.method == "GET" else 422)
    try:
        sanction = sanctions.propose_sanction(
            case, current_user, kind=form.kind.data, finding_ids=form.finding_ids.data or [],
            summary=form.summary.data, candidate_id=form.candidate_id.data or None,
            referred_to=form.referred_to.data, station_ids=form.station_ids.data or [],
            annul_region_id=form.annul_region_id.data or None,
            annul_electronic=bool(form.annul_electronic.data),
            annul_all_candidates=form.candidates.data != NAMED_CANDIDATES,
            candidate_ids=form.candidate_ids.data or [])
    except Refusal as error:
        db.session.rollback()
        return _propose_page(case, form, findings, show_errors(form, error),
                             STATUS.get(error.code, 422))
    db.session.commit()
    flash(_("The sanction is proposed. It takes effect once a chair approves it."), "info")
    return redirect(url_for("sanctions.sanction", sanction_id=sanction.id))


# -- the list ------------------------------------------------------------------------------

@bp.get("/sanctions", endpoint="sanction_list")
@require_roles(*READERS)
def sanction_list():
    election = current_election()
    try:
        status = SanctionStatus(request.args.get("status", ""))
    except ValueError:
        status = None
    case = None
    if request.args.get("case"):
        case = _case_or_404(request.args["case"])
    rows = [] if election is None else sanction_queries.sanction_list(
        current_user, election, status=status, case_id=case.id if case else None)
    return render_template("sanctions/list.html", rows=rows, status=status, case=case,
                           statuses=SanctionStatus, limit=sanction_queries.LIST_MAX)


# -- the sanction page ---------------------------------------------------------------------

def _forms(sanction: Sanction, case: Case, bound: dict | None = None) -> dict:
    """The forms the user may use on this sanction, fresh, or `bound` (the one just sent)."""
    forms = {}
    for name, (form_class, may) in ACTIONS.items():
        if bound and name in bound:
            forms[name] = bound[name]
        elif may(sanction, current_user):
            forms[name] = form_class(prefix=name, formdata=None)
    if "appeal" in forms and not (bound and "appeal" in bound):
        forms["appeal"].filed_at.data = to_local(utcnow(), case.election).replace(
            second=0, microsecond=0, tzinfo=None)
    return forms


def _sanction_page(sanction: Sanction, case: Case, bound: dict | None = None,
                   errors: dict | None = None, status: int = 200):
    appeal = sanction.appeal
    reversal = None
    if sanction.status is SanctionStatus.ENFORCED and appeal is not None \
            and appeal.outcome is None:
        reversal = impact.reversal_preview(sanction)
    return render_template(
        "sanctions/sanction.html", sanction=sanction, case=case, appeal=appeal,
        impact=impact.for_page(sanction), reversal=reversal, forms=_forms(sanction, case, bound),
        errors=errors or {}, deadline=appeals.appeal_deadline(sanction),
        area=case_area(case),
        state_label=STATE_LABELS[case.state], Status=SanctionStatus, Type=SanctionType), status


@bp.get("/sanctions/<int:sanction_id>", endpoint="sanction")
@require_roles(*READERS)
def sanction_page(sanction_id: int):
    sanction, case = _sanction_or_404(sanction_id)
    return _sanction_page(sanction, case)


def _check(sanction: Sanction, case: Case, name: str, ready: bool):
    """403 for who may not act; 409 (and the page) when the sanction is no longer in the
    state the action needs. None when the user may go on."""
    if ACTIONS[name][1](sanction, current_user):
        return None
    if not ready:
        return _sanction_page(sanction, case, errors={"page": [
            _("This sanction has changed meanwhile: this step is no longer possible.")]},
            status=409)
    abort(403)


def _refused(sanction_id: int, name: str, form, error: Refusal):
    """Roll back a refused step and show the page again with the refusal on the form."""
    db.session.rollback()
    if error.code == "password":
        record_reauthentication_failure(current_user)
        audit.record("sanction.password_failed", actor=current_user, object_type="sanction",
                     object_id=sanction_id)
        db.session.commit()
    sanction, case = _sanction_or_404(sanction_id)
    return _sanction_page(sanction, case, {name: form}, {name: show_errors(form, error)},
                          STATUS.get(error.code, 422))


@bp.post("/sanctions/<int:sanction_id>/approve", endpoint="approve")
@require_roles(*READERS)
def approve(sanction_id: int):
    sanction, case = _sanction_or_404(sanction_id)
    refused = _check(sanction, case, "approve", sanction.status is SanctionStatus.PROPOSED)
    if refused is not None:
        return refused
    form = ApproveForm(prefix="approve")
    if not form.validate_on_submit():
        return _sanction_page(sanction, case, {"approve": form}, status=422)
    try:
        sanctions.approve_sanction(sanction, current_user, password=form.password.data)
    except Refusal as error:
        return _refused(sanction_id, "approve", form, error)
    db.session.commit()
    flash(_("The sanction is approved and enforced."), "info")
    return redirect(url_for("sanctions.sanction", sanction_id=sanction_id))


@bp.post("/sanctions/<int:sanction_id>/reject", endpoint="reject")
@require_roles(*READERS)
def reject(sanction_id: int):
    sanction, case = _sanction_or_404(sanction_id)
    refused = _check(sanction, case, "reject", sanction.status is SanctionStatus.PROPOSED)
    if refused is not None:
        return refused
    form = RejectForm(prefix="reject")
    if not form.validate_on_submit():
        return _sanction_page(sanction, case, {"reject": form}, status=422)
    try:
        sanctions.reject_sanction(sanction, current_user, reason=form.reason.data,
                                  password=form.password.data)
    except Refusal as error:
        return _refused(sanction_id, "reject", form, error)
    db.session.commit()
    flash(_("The sanction is rejected."), "info")
    return redirect(url_for("sanctions.sanction", sanction_id=sanction_id))


@bp.post("/sanctions/<int:sanction_id>/appeal", endpoint="appeal")
@require_roles(*READERS)
def appeal(sanction_id: int):
    sanction, case = _sanction_or_404(sanction_id)
    refused = _check(sanction, case, "appeal", sanction.status is SanctionStatus.ENFORCED
                     and sanction.appeal is None)
    if refused is not None:
        return refused
    form = AppealForm(prefix="appeal")
    if not form.validate_on_submit():
        return _sanction_page(sanction, case, {"appeal": form}, status=422)
    try:
        appeals.record_appeal(sanction, current_user, filed_at=to_utc(form.filed_at.data, case.election),
                                grounds=form.grounds.data)
    except Refusal as error:
        return _refused(sanction_id, "appeal", form, error)
    db.session.commit()
    flash(_("The appeal is recorded."), "info")
    return redirect(url_for("sanctions.sanction", sanction_id=sanction_id))


@bp.post("/sanctions/<int:sanction_id>/appeal/decision", endpoint="decide_appeal")
@require_roles(*READERS)
def decide_appeal(sanction_id: int):
    sanction, case = _sanction_or_404(sanction_id)
    refused = _check(sanction, case, "decide", sanction.appeal is not None
                     and sanction.appeal.outcome is None)
    if refused is not None:
        return refused
    form = DecideAppealForm(prefix="decide")
    if not form.validate_on_submit():
        return _sanction_page(sanction, case, {"decide": form}, status=422)
    try:
        decided = appeals.decide_appeal(sanction, current_user, outcome=form.outcome.data,
                                          reasons=form.reasons.data, password=form.password.data)
    except Refusal as error:
        return _refused(sanction_id, "decide", form, error)
    reversed_ = decided.outcome is AppealOutcome.REVERSED
    db.session.commit()
    flash(_("The appeal is decided: the sanction is reversed and its effects undone.")
          if reversed_ else _("The appeal is decided: the sanction is upheld."), "info")
    return redirect(url_for("sanctions.sanction", sanction_id=sanction_id))
