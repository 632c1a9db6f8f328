"""Findings and decisions of a case: the findings page, the decision form, the printable
decision document. Each view: load or 404, check or 403, then one service call through
core.web.submit."""

from babel.dates import format_date, format_datetime
from flask import Blueprint, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user

from casework.cases.access import case_or_404
from casework.cases.models import Case
from casework.core.db import utcnow
from casework.core.timezones import to_local, to_utc
from casework.core.web import load_or_404, require, submit
from casework.decisions import queries, services
from casework.decisions.forms import DecisionForm, FindingForm, decision_form, evidence_choices
from casework.decisions.models import Finding
from casework.sanctions import services as sanctions

bp = Blueprint("decisions", __name__, url_prefix="/cases/<reference>")


def _case_or_404(reference: str) -> Case:
    return case_or_404(current_user, reference)


# -- findings ----------------------------------------------------------------------------

def _finding_form(case: Case, finding: Finding | None = None) -> FindingForm:
    form = FindingForm(obj=finding if request.method == "GET" else None)
    form.evidence_ids.choices = evidence_choices(queries.case_evidence(case))
    if finding is not None and request.method == "GET":
        form.evidence_ids.data = [item.id for item in finding.evidence]
    return form


def _finding_values(form: FindingForm) -> dict:
    return {"allegation": form.allegation.data, "conclusion": form.conclusion.data,
            "reasoning": form.reasoning.data, "evidence_ids": form.evidence_ids.data or []}


def _findings_page(case: Case, form: FindingForm, errors: list[str] | None = None,
                   editing: Finding | None = None, status: int = 200):
    move = services.decision_action(case)
    return render_template(
        "decisions/findings.html", case=case, form=form, errors=errors or [], editing=editing,
        findings=queries.findings_of(case), decisions=queries.decisions_of(case),
        evidence_by_id={item.id: item for item in queries.case_evidence(case)},
        state_label=case.state.label,
        can_write=case.can_write_findings(current_user),
        can_decide=move is not None and case.can_take(move[0], current_user),
        sanctions=sanctions.sanctions_of(case),
        can_propose=sanctions.proposal_refusal(case, current_user) is None), status


@bp.route("/findings", methods=["GET", "POST"])
def findings(reference: str):
    case = _case_or_404(reference)
    require(case.can_view(current_user))
    form = _finding_form(case)
    if request.method == "GET":
        return _findings_page(case, form)
    require(case.can_write_findings(current_user))
    return submit(
        form, lambda: services.add_finding(case, current_user, **_finding_values(form)),
        page=lambda status, errors: _findings_page(case, form, errors, status=status),
        done=url_for("decisions.findings", reference=case.reference),
        flash_message=_("The finding is recorded."), flash_category="info")


@bp.route("/findings/<int:finding_id>", methods=["GET", "POST"])
def edit_finding(reference: str, finding_id: int):
    case = _case_or_404(reference)
    finding = load_or_404(queries.finding_of(case, finding_id))
    require(case.can_write_findings(current_user))
    form = _finding_form(case, finding)
    if request.method == "GET":
        return _findings_page(case, form, editing=finding)
    return submit(
        form, lambda: services.update_finding(finding, current_user, **_finding_values(form)),
        page=lambda status, errors: _findings_page(case, form, errors, finding, status),
        done=url_for("decisions.findings", reference=case.reference),
        flash_message=_("The finding is updated."), flash_category="info")


# -- the decision ------------------------------------------------------------------------

def _decide_page(case: Case, form: DecisionForm, members, conflicted: set[int],
                 errors: list[str] | None = None, status: int = 200):
    move = services.decision_action(case)
    return render_template(
        "decisions/decide.html", case=case, form=form, members=members, conflicted=conflicted,
        errors=errors or [], kind=move[1] if move else None, quorum=services.quorum(),
        findings=queries.findings_of(case), state_label=case.state.label), status


@bp.route("/decide", methods=["GET", "POST"])
def decide(reference: str):
    case = _case_or_404(reference)
    move = services.decision_action(case)
    # The leads see the page in any state (it says when a decision can be taken); the form
    # is for whoever may take the state's decision move.
    require(case.can_decide(current_user)
            and (move is None or case.can_take(move[0], current_user)))
    members = queries.committee_members(case)
    conflicted = queries.conflicted_ids(case, members)
    form = decision_form(members, meeting_at=to_local(utcnow(), case.election).replace(
        second=0, microsecond=0, tzinfo=None))
    if request.method == "GET":
        return _decide_page(case, form, members, conflicted)
    return submit(
        form, lambda: services.record_decision(
            case, current_user, meeting_at=to_utc(form.meeting_at.data, case.election),
            present_ids=form.present_ids.data or [], votes=form.votes(),
            outcome=form.outcome.data, reasons=form.reasons.data,
            chair_id=form.chair_id.data or None),
        page=lambda status, errors: _decide_page(case, form, members, conflicted, errors, status),
        done=lambda decision: url_for("decisions.document", reference=case.reference,
                                      decision_id=decision.id),
        flash_message=_("The decision is recorded."), flash_category="info")


# -- the printable document ---------------------------------------------------------------

@bp.get("/decisions/<int:decision_id>/document")
def document(reference: str, decision_id: int):
    case = _case_or_404(reference)
    decision = load_or_404(queries.decision_of(case, decision_id))
    require(case.can_view(current_user))
    language = decision.language
    with force_locale(language):
        return render_template(
            "decisions/document.html", case=case, decision=decision, language=language,
            findings=queries.findings_of(case), present=decision.present,
            tally=decision.tally(),
            decided_on=format_date(decision.decided_on, "long", locale=language),
            meeting_at=format_datetime(to_local(decision.meeting_at, case.election),
                                       "d MMMM y, HH:mm", locale=language))
