"""Staff pages of sanctions: propose, the list, and the sanction page with its steps (the
chair's review with four eyes, the appeal and its decision).

Each view: load or 404 (the case through the user's region scope), check or 403, then one
service call through core.web.submit. Approving, rejecting and deciding an appeal need a
fresh proof of both factors (accounts/stepup.py): without it, the confirmation page first.
"""

from collections.abc import Callable
from dataclasses import dataclass
from operator import attrgetter
from typing import Any

from flask import Blueprint, flash, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

from casework.accounts import stepup
from casework.accounts.roles import SANCTIONS
from casework.cases.access import case_or_404
from casework.cases.models import Case
from casework.core.db import utcnow
from casework.core.i18n import page_locale
from casework.core.timezones import to_local, to_utc
from casework.core.web import load_or_404, require, submit
from casework.elections.queries import current_election
from casework.sanctions import appeals, impact, queries
from casework.sanctions import services as sanctions
from casework.sanctions.forms import (
    NAMED_CANDIDATES,
    AppealForm,
    ApproveForm,
    DecideAppealForm,
    ProposeForm,
    RejectForm,
    preselect,
    propose_form,
)
from casework.sanctions.models import AppealOutcome, Sanction, SanctionStatus, SanctionType
from casework.sanctions.scope import case_area

bp = Blueprint("sanctions", __name__)


@dataclass(frozen=True)
class Step:
    """A step on the sanction page: its form, who may take it (a Sanction.can_* method),
    and the state it needs (sent after the sanction left that state, it gets 409, not 403)."""

    form: type[FlaskForm]
    allowed: Callable[[Sanction, Any], bool]
    ready: Callable[[Sanction], bool]


ACTIONS = {
    "approve": Step(ApproveForm, Sanction.can_review, attrgetter("awaiting_review")),
    "reject": Step(RejectForm, Sanction.can_review, attrgetter("awaiting_review")),
    "appeal": Step(AppealForm, Sanction.can_record_appeal, attrgetter("open_to_appeal")),
    "decide": Step(DecideAppealForm, Sanction.can_decide_appeal, attrgetter("appeal_pending")),
}



def _sanction_or_404(sanction_id: int) -> Sanction:
    sanction = load_or_404(queries.sanction_in_scope(current_user, sanction_id))
    require(sanction.can_view(current_user))
    return sanction


# -- proposing -----------------------------------------------------------------------------

def _propose_page(case: Case, form: ProposeForm, findings, errors: list[str] | None = None,
                  status: int = 200):
    return render_template(
        "sanctions/propose.html", case=case, form=form, findings=findings,
        findings_by_id={f.id: f for f in findings}, errors=errors or [],
        decision=sanctions.sanctioning_decision(case),
        state_label=case.state.label), status


def _proposal(form: ProposeForm) -> dict[str, Any]:
    return {"kind": form.kind.data, "finding_ids": form.finding_ids.data or [],
            "summary": form.summary.data, "candidate_id": form.candidate_id.data or None,
            "referred_to": form.referred_to.data, "station_ids": form.station_ids.data or [],
            "annul_region_id": form.annul_region_id.data or None,
            "annul_electronic": bool(form.annul_electronic.data),
            "annul_all_candidates": form.candidates.data != NAMED_CANDIDATES,
            "candidate_ids": form.candidate_ids.data or []}


@bp.route("/cases/<reference>/sanctions/new", methods=["GET", "POST"], endpoint="propose")
def propose(reference: str):
    case = case_or_404(current_user, reference)
    require(sanctions.proposal_refusal(case, current_user) is None)
    findings = sanctions.sanctioning_findings(case)
    named_stations, named_candidates = queries.named_in_complaints(case)
    form = propose_form(findings=findings, accused=case.accused, locale=page_locale(),
                        named_stations=named_stations, **queries.annulment_choices(case))
    if request.method == "GET":
        preselect(form, named_stations, named_candidates)
        return _propose_page(case, form, findings)
    return submit(
        form, lambda: sanctions.propose_sanction(case, current_user, **_proposal(form)),
        page=lambda status, errors: _propose_page(case, form, findings, errors, status),
        done=lambda sanction: url_for("sanctions.sanction", sanction_id=sanction.id),
        flash_message=_("The sanction is proposed. It takes effect once a chair approves it."),
        flash_category="info")


# -- the list ------------------------------------------------------------------------------

@bp.get("/sanctions", endpoint="sanction_list")
def sanction_list():
    reference = request.args.get("case")
    case = case_or_404(current_user, reference) if reference else None
    require(SANCTIONS.can_open(current_user))
    election = current_election()
    try:
        status = SanctionStatus(request.args.get("status", ""))
    except ValueError:
        status = None
    rows = [] if election is None else queries.sanction_list(
        current_user, election, status=status, case_id=case.id if case else None)
    return render_template(
        "sanctions/list.html", rows=rows, status=status, case=case, statuses=SanctionStatus,
        limit=queries.LIST_MAX,
        can_propose=case is not None and sanctions.proposal_refusal(case, current_user) is None)


# -- the sanction page ---------------------------------------------------------------------

def _forms(sanction: Sanction, bound: dict | None = None) -> dict:
    """The forms of the steps the user may take, fresh, or `bound` (the one just sent)."""
    forms = {}
    for name, step in ACTIONS.items():
        if bound and name in bound:
            forms[name] = bound[name]
        elif step.allowed(sanction, current_user):
            forms[name] = step.form(prefix=name, formdata=None)
    if "appeal" in forms and not (bound and "appeal" in bound):
        forms["appeal"].filed_at.data = to_local(utcnow(), sanction.case.election).replace(
            second=0, microsecond=0, tzinfo=None)
    return forms


def _sanction_page(sanction: Sanction, bound: dict | None = None,
                   errors: dict | None = None, status: int = 200):
    case = sanction.case
    reversal = impact.reversal_preview(sanction) if (
        sanction.status is SanctionStatus.ENFORCED and sanction.appeal_pending) else None
    return render_template(
        "sanctions/sanction.html", sanction=sanction, case=case, appeal=sanction.appeal,
        impact=impact.for_page(sanction), reversal=reversal, forms=_forms(sanction, bound),
        errors=errors or {}, deadline=appeals.appeal_deadline(sanction),
        area=case_area(case), state_label=case.state.label, Status=SanctionStatus,
        Type=SanctionType), status


@bp.get("/sanctions/<int:sanction_id>", endpoint="sanction")
def sanction_page(sanction_id: int):
    return _sanction_page(_sanction_or_404(sanction_id))


def _take(sanction_id: int, name: str, call: Callable[[Sanction, Any], Any],
          message: str | Callable[[Any], str], step_up: bool = False):
    """One step on the sanction page: 403 for who may not take it, 409 and the page when the
    sanction has left the state the step needs; for the acts that change outcomes
    (`step_up`), a fresh proof of both factors or the confirmation page first; then the
    service call. `message` is what to flash, or a function of the service's result that
    says it."""
    sanction = _sanction_or_404(sanction_id)
    step = ACTIONS[name]
    if not step.allowed(sanction, current_user):
        require(not step.ready(sanction))
        return _sanction_page(sanction, errors={"page": [
            _("This sanction has changed meanwhile: this step is no longer possible.")]},
            status=409)
    if step_up:
        refused = stepup.require_fresh_proof(url_for("sanctions.sanction",
                                                     sanction_id=sanction_id))
        if refused:
            return refused
    form = step.form(prefix=name)

    def done(result: Any) -> str:
        if callable(message):
            flash(message(result), "info")
        return url_for("sanctions.sanction", sanction_id=sanction_id)

    return submit(
        form, lambda: call(sanction, form),
        page=lambda status, errors: _sanction_page(sanction, {name: form}, {name: errors},
                                                   status),
        done=done, flash_message=None if callable(message) else message,
        flash_category="info")


@bp.post("/sanctions/<int:sanction_id>/approve", endpoint="approve")
def approve(sanction_id: int):
    return _take(sanction_id, "approve", lambda sanction, form: sanctions.approve_sanction(
        sanction, current_user),
        _("The sanction is approved and enforced."), step_up=True)


@bp.post("/sanctions/<int:sanction_id>/reject", endpoint="reject")
def reject(sanction_id: int):
    return _take(sanction_id, "reject", lambda sanction, form: sanctions.reject_sanction(
        sanction, current_user, reason=form.reason.data),
        _("The sanction is rejected."), step_up=True)


@bp.post("/sanctions/<int:sanction_id>/appeal", endpoint="appeal")
def appeal(sanction_id: int):
    return _take(sanction_id, "appeal", lambda sanction, form: appeals.record_appeal(
        sanction, current_user, filed_at=to_utc(form.filed_at.data, sanction.case.election),
        grounds=form.grounds.data), _("The appeal is recorded."))


def _appeal_decided(appeal) -> str:
    if appeal.outcome is AppealOutcome.REVERSED:
        return _("The appeal is decided: the sanction is reversed and its effects undone.")
    return _("The appeal is decided: the sanction is upheld.")


@bp.post("/sanctions/<int:sanction_id>/appeal/decision", endpoint="decide_appeal")
def decide_appeal(sanction_id: int):
    return _take(sanction_id, "decide", lambda sanction, form: appeals.decide_appeal(
        sanction, current_user, outcome=form.outcome.data, reasons=form.reasons.data),
        _appeal_decided, step_up=True)
