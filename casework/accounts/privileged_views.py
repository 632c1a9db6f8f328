"""Two people for privileged accounts: the changes waiting for approval, approve, reject,
and the proposal to reset the second factor of a privileged account. Every act needs a fresh
proof of both factors (refused with a message otherwise; submit again after confirming)."""

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from casework.accounts import privileged
from casework.accounts.forms import DecisionForm
from casework.accounts.models import User
from casework.accounts.privileged_models import PendingChange
from casework.accounts.roles import ACCOUNT_APPROVALS, STAFF_ACCOUNTS
from casework.accounts.stepup import has_fresh_proof
from casework.core.web import load_or_404, require, submit
from casework.elections.queries import current_election
from casework.extensions import db

bp = Blueprint("account_changes", __name__)


def _back() -> str:
    return url_for("accounts.users") if STAFF_ACCOUNTS.can_open(current_user) \
        else url_for("account_changes.changes")


def _refused(_status: int, errors: list[str]):
    for message in errors:
        flash(message, "error")
    return redirect(_back())


@bp.get("/admin/changes")
def changes():
    require(ACCOUNT_APPROVALS.can_open(current_user))
    return render_template("accounts/changes.html", changes=privileged.pending_changes(),
                           decision_form=DecisionForm())


def _decide(change_id: int, action):
    change = load_or_404(db.session.get(PendingChange, change_id))
    require(ACCOUNT_APPROVALS.can_open(current_user))
    if not DecisionForm().validate_on_submit():
        abort(400)
    return action(change)


@bp.post("/admin/changes/<int:change_id>/approve")
def approve(change_id: int):
    election = current_election()
    return _decide(change_id, lambda change: submit(
        None, lambda: privileged.approve(change, approver=current_user, proven=has_fresh_proof(),
                                         election_id=election.id if election else None),
        validate=False, page=_refused, done=_back(),
        flash_message=_("Approved: the change to %(email)s has taken effect.",
                        email=change.payload.get("email", ""))))


@bp.post("/admin/changes/<int:change_id>/reject")
def reject(change_id: int):
    return _decide(change_id, lambda change: submit(
        None, lambda: privileged.reject(change, actor=current_user, proven=has_fresh_proof()),
        validate=False, page=_refused, done=_back(),
        flash_message=_("Rejected: the change to %(email)s will not take effect.",
                        email=change.payload.get("email", ""))))


@bp.post("/admin/users/<int:user_id>/propose-factor-reset")
def propose_factor_reset(user_id: int):
    user = load_or_404(db.session.get(User, user_id))
    require(STAFF_ACCOUNTS.can_open(current_user))
    if not DecisionForm().validate_on_submit():
        abort(400)
    return submit(None, lambda: privileged.propose_factor_reset(
        user, actor=current_user, proven=has_fresh_proof()),
        validate=False, page=_refused, done=url_for("accounts.users"),
        flash_message=_("Proposed: the second factor of %(email)s is reset when another "
                        "administrator or the chair approves.", email=user.email))
