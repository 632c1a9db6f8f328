"""The second factor's pages, on the accounts blueprint: the code step of the login, the
enrolment (QR code, grouped secret, recovery codes shown once), the step-up confirmation
(`accounts.confirm`), renewing one's own authenticator and an administrator's reset of
another account's second factor.

The code step and the enrolment are open without a login (core/public.py): they serve only
the half-signed-in state that the password step leaves in the session (accounts/signin.py).
"""

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, logout_user

from casework.accounts import factors, services, signin, stepup
from casework.accounts.forms import CodeForm, ConfirmForm, LoginForm, ResetFactorForm
from casework.accounts.models import User
from casework.accounts.passwords import check_password
from casework.accounts.roles import STAFF_ACCOUNTS
from casework.accounts.views import bp, landing_url
from casework.core import audit
from casework.core.ratelimit import signin_client_limit
from casework.core.urls import safe_next
from casework.core.web import load_or_404, require
from casework.extensions import db


@bp.app_context_processor
def _factor_globals():
    return {"step_up_fresh": stepup.has_fresh_proof,
            "needs_reenrolment": factors.needs_reenrolment,
            "recovery_codes_left": factors.recovery_codes_left,
            "reset_factor_form": ResetFactorForm}


def _no_store(body, status: int = 200):
    response = make_response(body, status)
    response.headers["Cache-Control"] = "no-store"
    return response


def _start_again():
    signin.clear_pending()
    flash(_("Your sign-in has expired. Start again."), "error")
    return redirect(url_for("accounts.login"), 303)


def _throttled(wait: int):
    db.session.commit()
    flash(_("Too many failed attempts for this account. Wait %(s)d seconds and try again.",
            s=wait), "error")
    return render_template("accounts/login.html", form=LoginForm()), 429


def _signed_in(user: User, method: str, next_url: str):
    signin.complete_sign_in(user, f"password+{method}")
    db.session.commit()
    if method == "recovery":
        flash(_("You signed in with a recovery code, which is now used up. Set up your "
                "authenticator app again on your account page."), "warning")
    return redirect(safe_next(next_url, landing_url(user)))


@bp.route("/login/code", methods=["GET", "POST"])
@signin_client_limit
def login_code():
    """The second step of the login: a code from the authenticator app, or a recovery code."""
    state = signin.pending()
    if state is None:
        return _start_again()
    form = CodeForm()
    if form.validate_on_submit():
        user = state.user
        if user is not None:
            wait = services.reauthentication_wait(user)
            if wait:
                return _throttled(wait)
            method = factors.check_second_factor(user, form.code.data)
            if method:
                return _signed_in(user, method, state.next_url)
        signin.clear_pending()
        db.session.commit()
        flash(_("Wrong email, password or code."), "error")
        return render_template("accounts/login.html", form=LoginForm(next=state.next_url)), 401
    return render_template("accounts/login_code.html", form=form)


@bp.route("/login/enrol", methods=["GET", "POST"])
@signin_client_limit
def enrol():
    """First sign-in: set up the authenticator app. The secret works only once a correct code
    is entered; then the ten recovery codes are shown, once."""
    state = signin.pending()
    if state is None or state.user is None:
        return _start_again()
    user = state.user
    if user.has_second_factor:
        return redirect(url_for("accounts.login_code"), 303)
    secret = factors.start_enrolment(user)
    form = CodeForm()
    status = 200
    if form.validate_on_submit():
        wait = services.reauthentication_wait(user)
        if wait:
            return _throttled(wait)
        codes = factors.confirm_enrolment(user, form.code.data)
        if codes:
            next_url = safe_next(state.next_url, "")
            signin.complete_sign_in(user, "password+totp")
            db.session.commit()
            return _no_store(render_template(
                "accounts/recovery_codes.html", codes=codes,
                continue_url=safe_next(next_url, landing_url(user))))
        flash(_("That code is not right: the authenticator app is not set up yet. Check the "
                "time on your phone and enter the current code."), "error")
        status = 422
    db.session.commit()
    uri = factors.provisioning_uri(user, secret)
    return _no_store(render_template("accounts/enrol.html", form=form, qr=factors.qr_svg(uri),
                                     secret=factors.grouped(secret), user=user), status)


@bp.route("/account/confirm", methods=["GET", "POST"])
@signin_client_limit
def confirm():
    """Step-up: password and code again before an act that changes outcomes; back to `next`."""
    form = ConfirmForm(next=request.args.get("next", ""))
    fallback = url_for("site.staff_home")
    if form.validate_on_submit():
        wait = services.reauthentication_wait(current_user)
        if wait:
            db.session.commit()
            flash(_("Too many failed attempts for this account. Wait %(s)d seconds and try "
                    "again.", s=wait), "error")
            return render_template("accounts/confirm.html", form=form), 429
        method = None
        if check_password(current_user.password_hash, form.password.data):
            method = factors.check_second_factor(current_user, form.code.data)
        else:
            services.record_reauthentication_failure(current_user)
        if method:
            stepup.record_proof()
            audit.record("user.step_up", actor=current_user, object_type="user",
                         object_id=current_user.id, details={"method": f"password+{method}"})
            db.session.commit()
            if method == "recovery":
                flash(_("You used a recovery code, which is now used up. Set up your "
                        "authenticator app again on your account page."), "warning")
            return redirect(safe_next(form.next.data, fallback), 303)
        audit.record("user.step_up_failed", actor=current_user, object_type="user",
                     object_id=current_user.id)
        db.session.commit()
        flash(_("Wrong password or code."), "error")
        return render_template("accounts/confirm.html", form=form), 401
    return render_template("accounts/confirm.html", form=form)


@bp.post("/account/second-factor/renew")
def renew_second_factor():
    """Set up the authenticator app again (after a recovery code was used, or a new phone):
    the current factor and codes are cleared, every session ends, and the next sign-in
    enrols again."""
    if not ResetFactorForm().validate_on_submit():
        abort(400)
    refused = stepup.require_fresh_proof(url_for("account.index"))
    if refused:
        return refused
    factors.reset_second_factor(current_user, current_user)
    db.session.commit()
    logout_user()
    signin.clear_pending()
    flash(_("Sign in again to set up your authenticator app."), "info")
    return redirect(url_for("accounts.login"), 303)


@bp.post("/admin/users/<int:user_id>/reset-second-factor")
def reset_second_factor(user_id: int):
    """An administrator resets the second factor of a non-privileged account (operator,
    reviewer, auditor); a privileged account's reset takes a second person."""
    user = load_or_404(db.session.get(User, user_id))
    require(STAFF_ACCOUNTS.can_open(current_user))
    require(user.can_reset_second_factor(current_user))
    if not ResetFactorForm().validate_on_submit():
        abort(400)
    refused = stepup.require_fresh_proof(url_for("accounts.user_edit", user_id=user.id))
    if refused:
        return refused
    factors.reset_second_factor(user, current_user)
    db.session.commit()
    flash(_("The second factor of %(email)s is reset: they set up an authenticator app again "
            "at their next sign-in, and all their sessions and API tokens have ended.",
            email=user.email), "info")
    return redirect(url_for("accounts.user_edit", user_id=user.id), 303)
