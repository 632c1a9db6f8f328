"""Passwords: my own change (/account/password), the administrator's reset link, and the
public page the link opens (/password/reset/<secret>).

Every act needs a fresh proof of both factors (stepup.has_fresh_proof()); without one the
form is refused with a message and submitted again after confirming. After my own change
every session of the account ends, this one too: I sign in again with the new password."""

from flask import Blueprint, abort, flash, make_response, redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, logout_user

from casework.accounts import password_services
from casework.accounts.forms import ChangePasswordForm, DecisionForm, ResetPasswordForm
from casework.accounts.models import User
from casework.accounts.passwords import MIN_PASSWORD_LENGTH, RECOMMENDED_PASSWORD_LENGTH
from casework.accounts.roles import STAFF_ACCOUNTS
from casework.accounts.services import record_reauthentication_failure
from casework.accounts.stepup import has_fresh_proof
from casework.core import audit
from casework.core.refusal import Refusal
from casework.core.web import load_or_404, require, submit
from casework.extensions import db

bp = Blueprint("passwords", __name__)

RULES = {"min_length": MIN_PASSWORD_LENGTH, "recommended_length": RECOMMENDED_PASSWORD_LENGTH}


def _private(response):
    """A page with a password form or a link's secret: kept by no cache, sent as no referrer."""
    response = make_response(response)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.route("/account/password", methods=["GET", "POST"])
def change():
    form = ChangePasswordForm()

    def page(status: int, errors: list[str]):
        return _private((render_template("account/password.html", form=form, errors=errors,
                                         **RULES), status))

    def act() -> None:
        user = current_user._get_current_object()
        try:
            password_services.change_password(
                user, current_password=form.current_password.data,
                new_password=form.new_password.data, proven=has_fresh_proof())
        except Refusal as refusal:
            if refusal.code == "password":  # a wrong password counts like a failed login
                db.session.rollback()
                record_reauthentication_failure(user)
                audit.record("user.password_change_failed", actor=user, object_type="user",
                             object_id=user.id)
                db.session.commit()
            raise
        # Every session of the account ends, this one too: sign in again.
        logout_user()
        session.clear()

    if form.is_submitted():
        return submit(form, act, page=page, done=url_for("accounts.login"),
                      flash_message=_("Your password is changed. Every session of your "
                                      "account has ended and your API tokens are revoked: "
                                      "sign in with the new password."))
    return page(200, [])


@bp.post("/admin/users/<int:user_id>/send-reset")
def send_reset(user_id: int):
    user = load_or_404(db.session.get(User, user_id))
    require(STAFF_ACCOUNTS.can_open(current_user))
    if not DecisionForm().validate_on_submit():
        abort(400)

    def refused(_status: int, errors: list[str]):
        for message in errors:
            flash(message, "error")
        return redirect(url_for("accounts.users"))

    return submit(None, lambda: password_services.send_reset_link(
        user, actor=current_user, proven=has_fresh_proof()),
        validate=False, page=refused, done=url_for("accounts.users"),
        flash_message=_("A link to set a new password was mailed to %(email)s. It works once, "
                        "for %(hours)d hours.", email=user.email,
                        hours=int(password_services.reset_lifetime().total_seconds() // 3600)))


def _invalid_link():
    return _private((render_template("accounts/reset_invalid.html"), 404))


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset(token: str):
    """Public (the link comes by mail): a used, expired or unknown link gets the same page."""
    link = password_services.find_reset(token)
    if link is None:
        return _invalid_link()
    form = ResetPasswordForm()

    def page(status: int, errors: list[str]):
        if status == 409:  # used meanwhile
            return _invalid_link()
        return _private((render_template("accounts/reset_password.html", form=form,
                                         errors=errors, email=link.user.email, **RULES),
                         status))

    if form.is_submitted():
        if current_user.is_authenticated:
            logout_user()
            session.clear()
        return submit(form, lambda: password_services.complete_reset(
            link, form.new_password.data), page=page, done=url_for("accounts.login"),
            flash_message=_("Your new password is set. Sign in with it."))
    return page(200, [])
