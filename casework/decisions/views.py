"""Findings and decisions of a case: the findings page, the decision form, the printable
decision document. Each view: load or 404, check or 403, validate, one service call, commit."""

from babel.dates import format_date, format_datetime
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from casework.accounts.models import Role
from casework.cases.models import Case
from casework.cases.workflow import STATE_LABELS
from casework.core.db import utcnow
from casework.core.permissions import require_roles
from casework.core.refusal import Refusal
from casework.core.timezones import to_local, to_utc
from casework.decisions import services
from casework.decisions.forms import DecisionForm, FindingForm, decision_form, evidence_choices
from casework.decisions.models import Decision, Finding
from casework.decisions.view_helpers import show_errors
from casework.extensions import db

bp = Blueprint("decisions", __name__, url_prefix="/cases/<reference>")

READERS = (Role.REVIEWER, Role.SECRETARY, Role.CHAIR, Role.AUDITOR)
DECIDERS = (Role.SECRETARY, Role.CHAIR)
# A refusal's HTTP status; the rest (a field or a rule of the decision) is 422.
STATUS = {"forbidden": 403, "not_allowed": 409, "conflict": 409}


def _case_or_404(reference: str) -> Case:
    case = services.load_case(current_user, reference)
    if case is None:
        abort(404)
    return case


# -- findings ----------------------------------------------------------------------------

def _finding_form(case: Case, finding: Finding | None = None) -> FindingForm:
    form = FindingForm(obj=finding if request.method == "GET" else None)
    form.evidence_ids.choices = evidence_choices(services.case_evidence(case))
    if finding is not None and request.method == "GET":
        form.evidence_ids.data = [item.id for item in finding.evidence]
    return form


def _findings_page(case: Case, form: FindingForm, errors: list[str] | None = None,
                   editing: Finding | None = None, status: int = 200):
    evidence = services.case_evidence(case)
    return render_template(
        "decisions/findings.html", case=case, form=form, errors=errors or [], editing=editing,
        findings=services.findings_of(case), decisions=services.decisions_of(case),
        evidence_by_id={item.id: item for item in evidence}, state_label=STATE_LABELS[case.state],
        may_write=services.may_write_findings(case, current_user),
        may_decide=services.may_decide(case, current_user)), status


@bp.route("/findings", methods=["GET", "POST"])
@require_roles(*READERS)
def findings(reference: str):
    case = _case_or_404(reference)
    form = _finding_form(case)
    if request.method == "GET":
        return _findings_page(case, form)
    if not services.may_write_findings(case, current_user):
        abort(403)
    if not form.validate_on_submit():
        return _findings_page(case, form, status=422)
    try:
        services.add_finding(case, current_user, allegation=form.allegation.data,
                             conclusion=form.conclusion.data, reasoning=form.reasoning.data,
                             evidence_ids=form.evidence_ids.data or [])
    except Refusal as error:
        db.session.rollback()
        return _findings_page(case, form, show_errors(form, error),
                              status=STATUS.get(error.code, 422))
    db.session.commit()
    flash(_("The finding is recorded."), "info")
    return redirect(url_for("decisions.findings", reference=case.reference))


@bp.route("/findings/<int:finding_id>", methods=["GET", "POST"])
@require_roles(*services.FINDING_ROLES)
def edit_finding(reference: str, finding_id: int):
    case = _case_or_404(reference)
    finding = db.session.get(Finding, finding_id)
    if finding is None or finding.case_id != case.id:
        abort(404)
    if not services.may_write_findings(case, current_user):
        abort(403)
    form = _finding_form(case, finding)
    if request.method == "GET" or not form.validate_on_submit():
        return _findings_page(case, form, editing=finding,
                              status=200 if request.method == "GET" else 422)
    try:
        services.update_finding(finding, current_user, allegation=form.allegation.data,
                                conclusion=form.conclusion.data, reasoning=form.reasoning.data,
                                evidence_ids=form.evidence_ids.data or [])
    except Refusal as error:
        db.session.rollback()
        return _findings_page(case, form, show_errors(form, error), editing=finding,
                              status=STATUS.get(error.code, 422))
    db.session.commit()
    flash(_("The finding is updated."), "info")
    return redirect(url_for("decisions.findings", reference=case.reference))


# -- the decision ------------------------------------------------------------------------

def _decide_page(case: Case, form: DecisionForm, members, conflicted: set[int],
                 errors: list[str] | None = None, status: int = 200):
    move = services.decision_action(case)
    return render_template(
        "decisions/decide.html", case=case, form=form, members=members, conflicted=conflicted,
        errors=errors or [], kind=move[1] if move else None, quorum=services.quorum(),
        findings=services.findings_of(case), state_label=STATE_LABELS[case.state]), status


@bp.route("/decide", methods=["GET", "POST"])
@require_roles(*DECIDERS)
def decide(reference: str):
    case = _case_or_404(reference)
    if services.decision_action(case) is not None and not services.may_decide(case, current_user):
        abort(403)
    members = services.committee_members(case)
    conflicted = services.conflicted_ids(case, members)
    form = decision_form(members, meeting_at=to_local(utcnow(), case.election).replace(
        second=0, microsecond=0, tzinfo=None))
    if request.method == "GET" or not form.validate_on_submit():
        return _decide_page(case, form, members, conflicted,
                            status=200 if request.method == "GET" else 422)
    try:
        decision = services.record_decision(
            case, current_user, meeting_at=to_utc(form.meeting_at.data, case.election),
            present_ids=form.present_ids.data or [], votes=form.votes(),
            outcome=form.outcome.data, reasons=form.reasons.data,
            chair_id=form.chair_id.data or None)
    except Refusal as error:
        db.session.rollback()
        return _decide_page(case, form, members, conflicted, show_errors(form, error),
                            STATUS.get(error.code, 422))
    db.session.commit()
    flash(_("The decision is recorded."), "info")
    return redirect(url_for("decisions.document", reference=case.reference,
                            decision_id=decision.id))


# -- the printable document ---------------------------------------------------------------

@bp.get("/decisions/<int:decision_id>/document")
@require_roles(*READERS)
def document(reference: str, decision_id: int):
    case = _case_or_404(reference)
    decision = db.session.scalar(select(Decision).where(Decision.id == decision_id,
                                                        Decision.case_id == case.id))
    if decision is None:
        abort(404)
    language = decision.language
    with force_locale(language):
        return render_template(
            "decisions/document.html", case=case, decision=decision, language=language,
            findings=services.findings_of(case), present=decision.present,
            tally=decision.tally(),
            decided_on=format_date(decision.decided_on, "long", locale=language),
            meeting_at=format_datetime(to_local(decision.meeting_at, case.election),
                                       "d MMMM y, HH:mm", locale=language))
