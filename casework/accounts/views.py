"""Login, logout and staff administration."""

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from wtforms import SelectChoice

from casework.accounts import services
from casework.accounts.forms import ROLE_LABELS, DisableForm, LoginForm, LogoutForm, UserForm
from casework.accounts.models import Role, User
from casework.accounts.queries import staff_list
from casework.core.permissions import require_roles
from casework.core.urls import safe_next
from casework.elections.queries import current_election, regions_for_choices
from casework.extensions import db

bp = Blueprint("accounts", __name__)

LANDING = {Role.ADMIN: "accounts.users", Role.AUDITOR: "site.audit_log",
           Role.OPERATOR: "hotline.console"}


def landing_url(user: User) -> str:
    return url_for(LANDING.get(user.role, "site.staff_home"))


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(landing_url(current_user))
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        outcome = services.authenticate(form.email.data, form.password.data,
                                        remote_addr=request.remote_addr)
        db.session.commit()
        if outcome.ok:
            session.clear()  # a fresh session at login: nothing carries over from before
            login_user(outcome.user)
            return redirect(safe_next(form.next.data, landing_url(outcome.user)))
        if outcome.retry_after:
            flash(_("Too many failed attempts for this account. Wait %(s)d seconds and try again.",
                    s=outcome.retry_after), "error")
            return render_template("accounts/login.html", form=form), 429
        flash(_("Wrong email or password."), "error")
        return render_template("accounts/login.html", form=form), 401
    return render_template("accounts/login.html", form=form)


@bp.post("/logout")
@login_required
def logout():
    if LogoutForm().validate_on_submit():
        services.record_logout(current_user)
        db.session.commit()
        logout_user()
        session.clear()
        flash(_("You have logged out."), "info")
    return redirect(url_for("site.home"))


@bp.get("/admin/users")
@require_roles(Role.ADMIN)
def users():
    return render_template("accounts/users.html", users=staff_list(), roles=ROLE_LABELS,
                           disable_form=DisableForm())


def _user_form(user: User | None = None) -> UserForm:
    form = UserForm(obj=user) if user else UserForm()
    election = current_election()
    form.regions.choices = [SelectChoice(r.code, f"{r.code} — {r.name(str(get_locale()))}")
                          for r in regions_for_choices(election)]
    if user and request.method == "GET":
        form.role.data = user.role.value
        form.regions.data = [r.code for r in user.regions]
    return form


def _save(change, success: str) -> bool:
    """Run one account service; commit and flash success, or roll back and flash its refusal."""
    try:
        change()
    except services.AccountError as error:
        db.session.rollback()
        flash(str(error), "error")
        return False
    db.session.commit()
    flash(success, "info")
    return True


def _election_id() -> int | None:
    election = current_election()
    return election.id if election else None


@bp.route("/admin/users/new", methods=["GET", "POST"])
@require_roles(Role.ADMIN)
def user_new():
    form = _user_form()
    if form.validate_on_submit() and _save(
        lambda: services.create_user(
            actor=current_user, email=form.email.data, full_name=form.full_name.data,
            role=Role(form.role.data), password=form.password.data or "",
            all_regions=form.all_regions.data, region_codes=form.regions.data,
            election_id=_election_id()),
        _("Account %(email)s created.", email=services.normalize_email(form.email.data)),
    ):
        return redirect(url_for("accounts.users"))
    return render_template("accounts/user_form.html", form=form, user=None)


@bp.route("/admin/users/<int:user_id>", methods=["GET", "POST"])
@require_roles(Role.ADMIN)
def user_edit(user_id: int):
    user = db.get_or_404(User, user_id)
    form = _user_form(user)
    form.email.render_kw = {"readonly": True}
    if form.validate_on_submit() and _save(
        lambda: services.update_user(
            user, actor=current_user, full_name=form.full_name.data,
            role=Role(form.role.data), all_regions=form.all_regions.data,
            region_codes=form.regions.data, new_password=form.password.data or None,
            election_id=_election_id()),
        _("Account %(email)s saved.", email=user.email),
    ):
        return redirect(url_for("accounts.users"))
    return render_template("accounts/user_form.html", form=form, user=user,
                           disable_form=DisableForm())


@bp.post("/admin/users/<int:user_id>/<any(disable, enable):action>")
@require_roles(Role.ADMIN)
def user_toggle(user_id: int, action: str):
    user = db.get_or_404(User, user_id)
    if not DisableForm().validate_on_submit():
        abort(400)
    disable = action == "disable"
    _save(lambda: services.set_disabled(user, actor=current_user, disabled=disable),
          _("Account %(email)s disabled.", email=user.email) if disable
          else _("Account %(email)s enabled.", email=user.email))
    return redirect(url_for("accounts.users"))
