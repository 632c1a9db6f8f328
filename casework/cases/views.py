"""The case page and what staff do on it; members' conflict-of-interest declarations.

Every view: roles or 403 → the case in the user's scope or 404 (existence is never
revealed) → the form → one service call → commit → flash → redirect back. A refusal
re-renders the page with the message: 409 conflict, 403 forbidden, 422 missing/invalid.
"""

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from wtforms import SelectChoice

from casework.accounts.models import User
from casework.cases import accused, actions
from casework.cases import case_page as pages
from casework.cases import staff_services as services
from casework.cases.conflicts import conflicts_of, declare_conflict
from casework.cases.forms import (
    AccusedReplyForm,
    AssignForm,
    ChecklistForm,
    ConflictForm,
    MessageForm,
    NoteForm,
    NotifyAccusedForm,
    action_form,
)
from casework.cases.models import Case, CaseState
from casework.cases.queries import similar_cases
from casework.cases.staff_models import METHOD_LABELS, AccusedNotice
from casework.cases.staff_services import LEAD_ROLES, MEMBER_ROLES, VIEW_ROLES, StaffError
from casework.cases.timeline import SOURCE_LABELS
from casework.cases.transitions import TransitionError, save_checklist
from casework.cases.workflow import CHECKLIST_ITEMS, INADMISSIBLE_LABELS, OUTCOME_LABELS, STATE_LABELS, find
from casework.core.permissions import require_roles
from casework.elections.models import Candidate
from casework.elections.queries import current_election
from casework.evidence.models import EvidenceItem
from casework.evidence.services import download_response
from casework.extensions import db
from casework.intake.choices import candidate_choices
from casework.intake.forms import CATEGORY_LABELS
from casework.intake.services import Upload

bp = Blueprint("cases", __name__, url_prefix="/cases")

STATUS = {"conflict": 409, "not_allowed": 409, "forbidden": 403, "missing": 422, "invalid": 422}
DECISIONS_ENDPOINT = "decisions.decide"
DECISION_ACTIONS = frozenset({"decide", "redecide"})


def _decisions_page() -> bool:
    return DECISIONS_ENDPOINT in current_app.view_functions


def _case_or_404(reference: str) -> Case:
    case = services.load_case_for(current_user, reference)
    if case is None:
        abort(404)
    return case


def _back(case: Case):
    return redirect(url_for("cases.case_page", reference=case.reference))


def _locale() -> str:
    return str(get_locale())


def _forms(page: pages.CasePage, given: dict) -> dict:
    """Every form the page shows to this user; `given` are the ones sent back with errors."""
    case, forms = page.case, {}
    if not page.can_work:
        return forms
    for transition in page.actions:
        forms[transition.action] = given.get(transition.action) or action_form(transition.action)
    checklist = given.get("checklist")
    if checklist is None:
        checklist = ChecklistForm(prefix="checklist")
        if page.checklist is not None:
            for name, _label in CHECKLIST_ITEMS:
                value = getattr(page.checklist, name)
                getattr(checklist, name).data = None if value is None else ("yes" if value else "no")
            checklist.notes.data = page.checklist.notes
    forms["checklist"] = checklist
    forms["note"] = given.get("note") or NoteForm(prefix="note")
    forms["message"] = given.get("message") or MessageForm(prefix="message")
    notify = given.get("notify") or NotifyAccusedForm(prefix="notify")
    notify.candidate.choices = [SelectChoice(str(c.id), c.name(_locale())) for c in case.accused]
    forms["notify"] = notify
    for notice in page.records.notices:
        if notice.replied_at is None:
            key = f"reply{notice.id}"
            forms[key] = given.get(key) or AccusedReplyForm(prefix=key)
    if page.can_assign:
        assign = given.get("assign") or AssignForm(prefix="assign")
        assign.assignee.choices = [SelectChoice("", _("— nobody —"))] + [
            SelectChoice(str(user.id), _("%(name)s (%(load)s)", name=user.full_name,
                                         load=ngettext("%(num)d open case", "%(num)d open cases",
                                                       load)))
            for user, load in page.assignees]
        if "assign" not in given:
            assign.assignee.data = str(page.case.assignee_id or "")
        forms["assign"] = assign
    return forms


def _render(case: Case, status: int = 200, **given):
    page = pages.case_page(case, current_user, _locale())
    # Possible duplicates are suggested while the case is being screened.
    similar = (similar_cases(case, user=current_user)
               if case.state in (CaseState.RECEIVED, CaseState.SCREENING) else [])
    return render_template(
        "cases/case.html", page=page, case=case, forms=_forms(page, given),
        state_labels=STATE_LABELS, category_labels=CATEGORY_LABELS,
        reason_labels=INADMISSIBLE_LABELS, outcome_labels=OUTCOME_LABELS,
        source_labels=SOURCE_LABELS, method_labels=METHOD_LABELS,
        decisions_page=_decisions_page(), decision_actions=DECISION_ACTIONS,
        similar=similar), status


def _refused(case: Case, error: TransitionError | StaffError, key: str, form):
    """Undo, say why, and show the page again with what was typed."""
    db.session.rollback()
    field = getattr(form, error.field, None) if error.field else None
    if field is not None and hasattr(field, "errors"):
        field.errors = [*field.errors, str(error)]
    flash(str(error), "error")
    return _render(case, STATUS.get(error.code, 422), **{key: form})


@bp.get("/<reference>")
@require_roles(*VIEW_ROLES)
def case_page(reference: str):
    return _render(_case_or_404(reference))


@bp.post("/<reference>/act/<action>")
@require_roles(*MEMBER_ROLES)
def act(reference: str, action: str):
    case = _case_or_404(reference)
    try:
        transition = find(action)
    except KeyError:
        abort(404)
    if action in DECISION_ACTIONS and _decisions_page():
        return redirect(url_for(DECISIONS_ENDPOINT, reference=case.reference))
    form = action_form(action)
    if not form.validate_on_submit():
        return _render(case, 422, **{action: form})
    try:
        actions.take_action(case, action, current_user, **form.payload())
    except (TransitionError, StaffError) as error:
        return _refused(case, error, action, form)
    db.session.commit()
    flash(_("Done: %(action)s.", action=transition.label), "info")
    return _back(case)


@bp.post("/<reference>/checklist")
@require_roles(*MEMBER_ROLES)
def checklist(reference: str):
    case = _case_or_404(reference)
    form = ChecklistForm(prefix="checklist")
    if not form.validate_on_submit():
        return _render(case, 422, checklist=form)
    try:
        save_checklist(case, actor=current_user, notes=form.notes.data or "", **form.items())
    except TransitionError as error:
        return _refused(case, error, "checklist", form)
    db.session.commit()
    flash(_("The admissibility checklist is saved."), "info")
    return _back(case)


@bp.post("/<reference>/notes")
@require_roles(*MEMBER_ROLES)
def add_note(reference: str):
    case = _case_or_404(reference)
    form = NoteForm(prefix="note")
    if not form.validate_on_submit():
        return _render(case, 422, note=form)
    try:
        services.add_note(case, current_user, form.body.data)
    except StaffError as error:
        return _refused(case, error, "note", form)
    db.session.commit()
    flash(_("The internal note is saved."), "info")
    return _back(case)


@bp.post("/<reference>/messages")
@require_roles(*MEMBER_ROLES)
def send_message(reference: str):
    case = _case_or_404(reference)
    form = MessageForm(prefix="message")
    if not form.validate_on_submit():
        return _render(case, 422, message=form)
    try:
        services.send_message(case, current_user, form.body.data)
    except StaffError as error:
        return _refused(case, error, "message", form)
    db.session.commit()
    flash(_("The message is sent to the complainants."), "info")
    return _back(case)


@bp.post("/<reference>/assign")
@require_roles(*LEAD_ROLES)
def assign(reference: str):
    case = _case_or_404(reference)
    form = AssignForm(prefix="assign")
    if not form.validate_on_submit():
        return _render(case, 422, assign=form)
    value = form.assignee.data or ""
    assignee = db.session.get(User, int(value)) if value.isdigit() else None
    try:
        if value and assignee is None:
            raise StaffError("invalid", _("Choose a member from the list."), field="assignee")
        services.assign(case, assignee, current_user)
    except StaffError as error:
        return _refused(case, error, "assign", form)
    db.session.commit()
    flash(_("Assigned to %(name)s.", name=assignee.full_name) if assignee
          else _("The case is assigned to nobody."), "info")
    return _back(case)


@bp.get("/<reference>/evidence/<int:item_id>")
@require_roles(*VIEW_ROLES)
def evidence(reference: str, item_id: int):
    case = _case_or_404(reference)
    item = db.session.get(EvidenceItem, item_id)
    if item is None or item.case_id != case.id:
        abort(404)
    response = download_response(item, current_user)
    db.session.commit()  # keeps the download's (or the failed check's) audit entry
    return response


@bp.post("/<reference>/accused/notify")
@require_roles(*MEMBER_ROLES)
def notify_accused(reference: str):
    case = _case_or_404(reference)
    form = NotifyAccusedForm(prefix="notify")
    if not form.validate_on_submit():
        return _render(case, 422, notify=form)
    value = form.candidate.data or ""
    candidate = db.session.get(Candidate, int(value)) if value.isdigit() else None
    try:
        if candidate is None:
            raise StaffError("missing", _("Choose the candidate."), field="candidate")
        accused.notify_accused(case, candidate, current_user, form.method.data or "")
    except StaffError as error:
        return _refused(case, error, "notify", form)
    db.session.commit()
    flash(_("The notice to %(name)s is recorded.", name=candidate.name(_locale())), "info")
    return _back(case)


@bp.post("/<reference>/accused/<int:notice_id>/reply")
@require_roles(*MEMBER_ROLES)
def accused_reply(reference: str, notice_id: int):
    case = _case_or_404(reference)
    notice = db.session.get(AccusedNotice, notice_id)
    if notice is None or notice.case_id != case.id:
        abort(404)
    key = f"reply{notice.id}"
    form = AccusedReplyForm(prefix=key)
    if not form.validate_on_submit():
        return _render(case, 422, **{key: form})
    uploads = [Upload(f.stream, f.filename) for f in form.files.data or [] if f and f.filename]
    try:
        accused.record_accused_reply(notice, current_user, form.text.data, uploads)
    except StaffError as error:
        return _refused(case, error, key, form)
    db.session.commit()
    flash(_("The candidate's reply is recorded."), "info")
    return _back(case)


def _conflict_form() -> ConflictForm:
    form = ConflictForm()
    election = current_election()
    form.candidate.choices = [SelectChoice("", _("Choose…")),
                              *(candidate_choices(election) if election else [])]
    return form


def _candidate_by_code(code: str | None) -> Candidate | None:
    election = current_election()
    if election is None or not code:
        return None
    return db.session.scalar(select(Candidate).where(Candidate.election_id == election.id,
                                                     Candidate.code == code))


def _conflicts_page(form: ConflictForm, status: int = 200):
    return render_template("cases/conflicts.html", form=form,
                           declarations=conflicts_of(current_user)), status


@bp.route("/conflicts", methods=["GET", "POST"])
@require_roles(*MEMBER_ROLES)
def conflicts():
    form = _conflict_form()
    if request.method == "GET" or not form.validate_on_submit():
        return _conflicts_page(form, 200 if request.method == "GET" else 422)
    candidate = _candidate_by_code(form.candidate.data)
    try:
        if candidate is None:
            raise StaffError("missing", _("Choose the candidate."), field="candidate")
        declare_conflict(current_user, candidate, form.reason.data)
    except StaffError as error:
        db.session.rollback()
        field = getattr(form, error.field or "reason")
        field.errors = [*field.errors, str(error)]
        return _conflicts_page(form, STATUS.get(error.code, 422))
    db.session.commit()
    flash(_("Your conflict of interest with %(name)s is recorded.",
            name=candidate.name(_locale())), "info")
    return redirect(url_for("cases.conflicts"))
