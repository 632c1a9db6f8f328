"""The identity custodian's pages: asking for a case's complainant identity (on the case
page), the requests page (one's own requests; the ones a custodian decides, with step-up),
and the designation of custodians per election (administrators and the chair)."""

from flask import Blueprint, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from casework.accounts import stepup
from casework.accounts.models import User
from casework.accounts.roles import CUSTODIAN_DESIGNATION, IDENTITY_REQUESTS
from casework.cases import identity
from casework.cases.access import case_or_404
from casework.cases.forms import CustodianForm, IdentityDecisionForm, IdentityRequestForm
from casework.cases.models import IdentityCustodian, IdentityRequest
from casework.cases.views import _again, _back
from casework.cases.views import bp as cases_bp
from casework.core.web import load_or_404, require, submit
from casework.elections.queries import current_election
from casework.extensions import db

bp = Blueprint("identity", __name__, url_prefix="/staff/identity")


@cases_bp.post("/<reference>/identity")
def request_identity(reference: str):
    case = case_or_404(current_user, reference)
    require(case.can_request_identity(current_user))
    form = IdentityRequestForm(prefix="identity")
    return submit(form, lambda: identity.request_identity(case, current_user, form.reason.data),
                  page=_again(case, "identity", form), done=_back(case),
                  flash_message=_("Your request is sent to the custodians."))


def _page(status: int = 200, forms: dict | None = None, errors: list[str] | None = None):
    election = load_or_404(current_election())
    forms = forms or {}
    waiting = identity.waiting_for(current_user, election)
    decide = {r.id: forms.get(r.id) or IdentityDecisionForm(prefix=f"r{r.id}") for r in waiting}
    designate = None
    if CUSTODIAN_DESIGNATION.can_open(current_user):
        designate = forms.get("designate") or CustodianForm(prefix="designate")
        designate.user.choices = [SelectChoice(str(u.id), u.full_name)
                                  for u in identity.candidates(election)]
    return render_template(
        "cases/identity_requests.html", election=election, waiting=waiting, decide=decide,
        own=identity.own_requests(current_user, election),
        custodians=identity.designated(election) if designate is not None else [],
        designate=designate, remove_form=CustodianForm(prefix="remove"),
        reveal_days=identity.reveal_days(), errors=errors or []), status


@bp.get("")
def requests_page():
    require(IDENTITY_REQUESTS.can_open(current_user))
    return _page()


def _decide(request_id: int, approve: bool):
    require(IDENTITY_REQUESTS.can_open(current_user))
    election = load_or_404(current_election())
    found = load_or_404(db.session.get(IdentityRequest, request_id))
    load_or_404(found if found.election_id == election.id
                and current_user.can_see_region(found.case.region) else None)
    require(found.can_decide(current_user) or not found.pending)
    refused = stepup.require_fresh_proof(url_for("identity.requests_page"))
    if refused:
        return refused
    form = IdentityDecisionForm(prefix=f"r{found.id}")
    proven = stepup.has_fresh_proof()
    message = (_("Approved: the requester sees this identity for %(days)s days.",
                 days=identity.reveal_days()) if approve else _("The request is refused."))

    def call():
        decide = identity.approve if approve else identity.refuse
        return decide(found, current_user, proven=proven, note=form.note.data or "")

    return submit(form, call, done=url_for("identity.requests_page"), flash_message=message,
                  page=lambda status, errors: _page(status, {found.id: form}, errors))


@bp.post("/requests/<int:request_id>/approve")
def approve(request_id: int):
    return _decide(request_id, approve=True)


@bp.post("/requests/<int:request_id>/refuse")
def refuse(request_id: int):
    return _decide(request_id, approve=False)


@bp.post("/custodians")
def designate():
    require(CUSTODIAN_DESIGNATION.can_open(current_user))
    election = load_or_404(current_election())
    form = CustodianForm(prefix="designate")
    value = form.user.data or ""
    member = db.session.get(User, int(value)) if value.isdigit() else None
    return submit(form, lambda: identity.designate(election, member, current_user),
                  done=url_for("identity.requests_page"),
                  flash_message=_("The member is now a custodian of this election."),
                  page=lambda status, errors: _page(status, {"designate": form}, errors))


@bp.post("/custodians/<int:row_id>/remove")
def withdraw(row_id: int):
    require(CUSTODIAN_DESIGNATION.can_open(current_user))
    election = load_or_404(current_election())
    row = load_or_404(db.session.get(IdentityCustodian, row_id))
    load_or_404(row if row.election_id == election.id else None)
    form = CustodianForm(prefix="remove")
    return submit(form, lambda: identity.withdraw(row, current_user, election),
                  done=url_for("identity.requests_page"),
                  flash_message=_("The member is no longer a custodian."),
                  page=lambda status, errors: _page(status, {}, errors))
