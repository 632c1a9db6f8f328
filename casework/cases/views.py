"""The case page and what staff do on it; members' conflict-of-interest declarations.

Every view: the case in the user's scope or 404 (existence is never revealed) → the case's
`can_*` or 403 → the form → one service call → commit → flash → redirect back, through
core.web. A refusal shows the page again with what was typed, the message and its status.
"""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from werkzeug.datastructures import FileStorage
from wtforms import SelectChoice

from casework.accounts.models import User
from casework.accounts.roles import CONFLICTS
from casework.cases import accused, assignment, channels, notes, transitions
from casework.cases import page as pages
from casework.cases.access import case_or_404
from casework.cases.conflicts import conflicts_of
from casework.cases.forms import (
    AccusedReplyForm,
    AssignForm,
    ChecklistForm,
    ConflictForm,
    IdentityRequestForm,
    MessageForm,
    NoteForm,
    NotifyAccusedForm,
    action_form,
)
from casework.cases.models import AccusedNotice, Case, CaseState
from casework.cases.queries import candidate_by_code, registered_candidates
from casework.cases.similar import similar_cases
from casework.cases.workflow import CHECKLIST_ITEMS, find
from casework.core.i18n import page_locale
from casework.core.refusal import Refusal
from casework.core.web import Page, load_or_404, require, submit
from casework.elections.models import Candidate
from casework.elections.queries import current_election
from casework.extensions import db

bp = Blueprint("cases", __name__, url_prefix="/cases")



def _back(case: Case) -> str:
    return url_for("cases.case_page", reference=case.reference)


def _forms(page: pages.CasePage, given: dict) -> dict:
    """Every form the page shows to this user; `given` are the ones sent back with errors."""
    case, forms = page.case, {}
    if not page.can_work:
        return forms
    for transition in page.actions:
        if not transition.by_decision:  # those are a link to the decisions page
            forms[transition.action] = (given.get(transition.action)
                                        or action_form(transition.action))
    # Only the forms the page will show (each costs about as much as a statement).
    if page.can_screen:
        forms["checklist"] = given.get("checklist") or _checklist_form(page)
    forms["note"] = given.get("note") or NoteForm(prefix="note")
    if page.can_message:
        forms["message"] = given.get("message") or MessageForm(prefix="message")
    if page.can_request_identity:
        forms["identity"] = given.get("identity") or IdentityRequestForm(prefix="identity")
    if page.can_notify_accused:
        notify = given.get("notify") or NotifyAccusedForm(prefix="notify")
        notify.candidate.choices = [SelectChoice(str(c.id), c.name(page_locale()))
                                    for c in case.accused]
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


def _checklist_form(page: pages.CasePage) -> ChecklistForm:
    """The admissibility checklist as it was last saved."""
    form = ChecklistForm(prefix="checklist")
    if page.checklist is not None:
        for name, _label in CHECKLIST_ITEMS:
            value = getattr(page.checklist, name)
            getattr(form, name).data = None if value is None else ("yes" if value else "no")
        form.notes.data = page.checklist.notes
    return form


def _render(case: Case, status: int = 200, **given):
    page = pages.case_page(case, current_user, page_locale())
    # Possible duplicates are suggested while the case is being screened.
    similar = (similar_cases(case, user=current_user)
               if case.state in (CaseState.RECEIVED, CaseState.SCREENING) else [])
    html = render_template("cases/case.html", page=page, case=case,
                           forms=_forms(page, given), similar=similar)
    # The audit entry of an identity shown (a refused form was rolled back before this).
    db.session.commit()
    return html, status


def _again(case: Case, key: str, form) -> Page:
    """The case page again with `form` as it was sent; a refusal's loose messages on top."""
    def page(status: int, errors: list[str]):
        for message in errors:
            flash(message, "error")
        return _render(case, status, **{key: form})
    return page


@bp.get("/<reference>")
def case_page(reference: str):
    case = case_or_404(current_user, reference)
    require(case.can_view(current_user))
    return _render(case)


@bp.post("/<reference>/act/<action>")
def act(reference: str, action: str):
    case = case_or_404(current_user, reference)
    require(case.can_work(current_user))
    try:
        transition = find(action)
    except KeyError:
        abort(404)
    if transition.by_decision:
        return redirect(url_for("decisions.decide", reference=case.reference))
    form = action_form(action)
    return submit(
        form, lambda: transitions.take_action(case, action, current_user, **form.payload()),
        page=_again(case, action, form), done=_back(case),
        flash_message=_("Done: %(action)s.", action=transition.label))


@bp.post("/<reference>/checklist")
def checklist(reference: str):
    case = case_or_404(current_user, reference)
    require(case.can_work(current_user))
    form = ChecklistForm(prefix="checklist")
    return submit(
        form, lambda: transitions.save_checklist(case, actor=current_user,
                                                 notes=form.notes.data or "", **form.items()),
        page=_again(case, "checklist", form), done=_back(case),
        flash_message=_("The admissibility checklist is saved."))


@bp.post("/<reference>/notes")
def add_note(reference: str):
    case = case_or_404(current_user, reference)
    require(case.can_work(current_user))
    form = NoteForm(prefix="note")
    return submit(form, lambda: notes.add_note(case, current_user, form.body.data),
                  page=_again(case, "note", form), done=_back(case),
                  flash_message=_("The internal note is saved."))


@bp.post("/<reference>/messages")
def send_message(reference: str):
    case = case_or_404(current_user, reference)
    require(case.can_work(current_user))
    form = MessageForm(prefix="message")
    return submit(form, lambda: notes.send_message(case, current_user, form.body.data),
                  page=_again(case, "message", form), done=_back(case),
                  flash_message=_("The message is sent to the complainants."))


@bp.post("/<reference>/assign")
def assign(reference: str):
    case = case_or_404(current_user, reference)
    require(case.can_assign(current_user))
    form = AssignForm(prefix="assign")
    value = form.assignee.data or ""
    assignee = db.session.get(User, int(value)) if value.isdigit() else None

    def assign_chosen() -> None:
        if value and assignee is None:
            raise Refusal("invalid", _("Choose a member from the list."), field="assignee")
        assignment.assign(case, assignee, current_user)

    return submit(form, assign_chosen, page=_again(case, "assign", form), done=_back(case),
                  flash_message=_("Assigned to %(name)s.", name=assignee.full_name) if assignee
                  else _("The case is assigned to nobody."))


@bp.get("/<reference>/evidence/<int:item_id>")
def evidence(reference: str, item_id: int):
    case = case_or_404(current_user, reference)
    require(case.can_view(current_user))
    response = load_or_404(channels.download(case, item_id, current_user))
    db.session.commit()  # keeps the download's (or the failed check's) audit entry
    return response


@bp.post("/<reference>/accused/notify")
def notify_accused(reference: str):
    case = case_or_404(current_user, reference)
    require(case.can_work(current_user))
    form = NotifyAccusedForm(prefix="notify")
    value = form.candidate.data or ""
    candidate = db.session.get(Candidate, int(value)) if value.isdigit() else None

    def notify() -> None:
        if candidate is None:
            raise Refusal("missing", _("Choose the candidate."), field="candidate")
        accused.notify_accused(case, candidate, current_user, form.method.data or "")

    return submit(form, notify, page=_again(case, "notify", form), done=_back(case),
                  flash_message=_("The notice to %(name)s is recorded.",
                                  name=candidate.name(page_locale())) if candidate else None)


@bp.post("/<reference>/accused/<int:notice_id>/reply")
def accused_reply(reference: str, notice_id: int):
    case = case_or_404(current_user, reference)
    notice = db.session.get(AccusedNotice, notice_id)
    load_or_404(notice if notice is not None and notice.case_id == case.id else None)
    require(case.can_work(current_user))
    key = f"reply{notice.id}"
    form = AccusedReplyForm(prefix=key)
    uploads = [f for f in form.files.data or [] if isinstance(f, FileStorage) and f.filename]
    return submit(
        form, lambda: accused.record_accused_reply(notice, current_user, form.text.data, uploads),
        page=_again(case, key, form), done=_back(case),
        flash_message=_("The candidate's reply is recorded."))


# -- conflicts of interest ------------------------------------------------------------------

def _conflict_form() -> ConflictForm:
    form = ConflictForm()
    election, locale = current_election(), page_locale()
    form.candidate.choices = [SelectChoice("", _("Choose…")), *(
        SelectChoice(c.code, f"{c.name(locale)} ({c.region.name(locale)})")
        for c in (registered_candidates(election, locale) if election else []))]
    return form


def _conflicts_page(form: ConflictForm, status: int = 200, errors: list[str] | None = None):
    for message in errors or []:
        flash(message, "error")
    return render_template("cases/conflicts.html", form=form,
                           declarations=conflicts_of(current_user)), status


@bp.route("/conflicts", methods=["GET", "POST"])
def conflicts():
    require(CONFLICTS.can_open(current_user))
    form = _conflict_form()
    if request.method == "GET":
        return _conflicts_page(form)
    election = current_election()
    candidate = candidate_by_code(election, form.candidate.data) if election else None

    def declare() -> None:
        if candidate is None:
            raise Refusal("missing", _("Choose the candidate."), field="candidate")
        assignment.declare_conflict(current_user, candidate, form.reason.data)

    return submit(form, declare, page=lambda status, errors: _conflicts_page(form, status, errors),
                  done=url_for("cases.conflicts"),
                  flash_message=_("Your conflict of interest with %(name)s is recorded.",
                                  name=candidate.name(page_locale())) if candidate else None)
