"""Login, logout and staff administration."""

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user
from wtforms import SelectChoice

from casework.accounts import privileged, services, signin, stepup
from casework.accounts.forms import (
    DecisionForm,
    DisableForm,
    ExtensionForm,
    LoginForm,
    LogoutForm,
    UserForm,
)
from casework.accounts.models import Role, User
from casework.accounts.passwords import MIN_PASSWORD_LENGTH, RECOMMENDED_PASSWORD_LENGTH
from casework.accounts.privileged_models import PendingChange
from casework.accounts.queries import staff_list
from casework.accounts.roles import (
    AUDIT_LOG,
    COMMITTEE,
    HOTLINE_CONSOLE,
    PRIVILEGED,
    STAFF_ACCOUNTS,
    has_role,
)
from casework.accounts.stepup import has_fresh_proof
from casework.core.ratelimit import signin_client_limit
from casework.core.urls import safe_next
from casework.core.web import load_or_404, require, submit
from casework.elections.queries import current_election, regions_for_choices
from casework.extensions import db

bp = Blueprint("accounts", __name__)

# Where a user who is not on the committee starts: the first of these desks they may open.
LANDING_DESKS = ((STAFF_ACCOUNTS, "accounts.users"), (HOTLINE_CONSOLE, "hotline.console"),
                 (AUDIT_LOG, "site.audit_log"))


def landing_url(user: User) -> str:
    """The committee starts at the staff home; the administrator at the staff accounts, an
    operator at the hotline console, an auditor at the audit log."""
    if not has_role(user, COMMITTEE):
        for desk, endpoint in LANDING_DESKS:
            if desk.can_open(user):
                return url_for(endpoint)
    return url_for("site.staff_home")


def signin_refused_page(message: str):
    """The login page with `message` (a sign-in step refused by the per-client limit)."""
    flash(message, "error")
    return render_template("accounts/login.html", form=LoginForm(next=request.args.get("next", "")))


@bp.route("/login", methods=["GET", "POST"])
@signin_client_limit
def login():
    """The password step. Right or wrong, the code step follows (the answer never says which
    factor failed), except for an account without a second factor yet, which enrols first."""
    if current_user.is_authenticated:
        return redirect(landing_url(current_user))
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        outcome = services.authenticate(form.email.data, form.password.data,
                                        remote_addr=request.remote_addr)
        if outcome.retry_after:
            db.session.commit()
            flash(_("Too many failed attempts for this account. Wait %(s)d seconds and try again.",
                    s=outcome.retry_after), "error")
            return render_template("accounts/login.html", form=form), 429
        signin.start_pending(form.email.data, outcome.user, safe_next(form.next.data, ""))
        db.session.commit()
        if outcome.ok and not outcome.user.has_second_factor:
            return redirect(url_for("accounts.enrol"), 303)
        return redirect(url_for("accounts.login_code"), 303)
    return render_template("accounts/login.html", form=form)


@bp.post("/logout")
@login_required
def logout():
    if LogoutForm().validate_on_submit():
        services.record_logout(current_user)
        db.session.commit()
        logout_user()
        # The server-side row goes: a copy of the cookie opens nothing afterwards.
        session.clear()
        flash(_("You have logged out."), "info")
    return redirect(url_for("site.home"))


@bp.get("/admin/users")
def users():
    require(STAFF_ACCOUNTS.can_open(current_user))
    return render_template("accounts/users.html", users=staff_list(), disable_form=DisableForm(),
                           changes=privileged.pending_changes(), decision_form=DecisionForm(),
                           privileged_roles=PRIVILEGED)


def _user_form(user: User | None = None) -> UserForm:
    form = UserForm(obj=user) if user else UserForm()
    election = current_election()
    form.regions.choices = [SelectChoice(r.code, f"{r.code} — {r.name(str(get_locale()))}")
                          for r in regions_for_choices(election)]
    if user and request.method == "GET":
        form.role.data = user.role.value
        form.regions.data = [r.code for r in user.regions]
    return form


def _form_page(form: UserForm, user: User | None):
    """The account form again; a refusal is flashed above it (the page answers 200, as the
    form has always done)."""
    def page(_status: int, errors: list[str]):
        for message in errors:
            flash(message, "error")
        return render_template("accounts/user_form.html", form=form, user=user,
                               disable_form=DisableForm(),
                               extension_form=ExtensionForm(extension=user.phone_extension)
                               if user else None, min_length=MIN_PASSWORD_LENGTH,
                               recommended_length=RECOMMENDED_PASSWORD_LENGTH)
    return page


def _election_id() -> int | None:
    election = current_election()
    return election.id if election else None


def _done(message: str):
    """Where to go after the form: the account was changed (`message`), or, for a privileged
    role, the change waits for a second person's approval."""
    def done(result: User | PendingChange) -> str:
        if isinstance(result, PendingChange):
            flash(_("Proposed: the change to %(email)s takes effect when another administrator "
                    "or the chair approves it.", email=result.payload.get("email", "")), "info")
        else:
            flash(message, "success")
        return url_for("accounts.users")
    return done


@bp.route("/admin/users/new", methods=["GET", "POST"])
def user_new():
    require(STAFF_ACCOUNTS.can_open(current_user))
    refused = stepup.require_fresh_proof(url_for("accounts.user_new"))
    if refused:
        return refused
    form = _user_form()
    page = _form_page(form, None)
    if request.method == "GET":
        return page(200, [])
    return submit(form, lambda: privileged.create_account(
        actor=current_user, proven=has_fresh_proof(), email=form.email.data,
        full_name=form.full_name.data, role=Role(form.role.data),
        password=form.password.data or "", all_regions=form.all_regions.data,
        region_codes=form.regions.data, election_id=_election_id()),
        page=page, done=_done(_("Account %(email)s created.",
                                email=services.normalize_email(form.email.data))))


@bp.route("/admin/users/<int:user_id>", methods=["GET", "POST"])
def user_edit(user_id: int):
    user = load_or_404(db.session.get(User, user_id))
    require(STAFF_ACCOUNTS.can_open(current_user))
    refused = stepup.require_fresh_proof(url_for("accounts.user_edit", user_id=user.id))
    if refused:
        return refused
    form = _user_form(user)
    form.email.render_kw = {"readonly": True}
    page = _form_page(form, user)
    if request.method == "GET":
        return page(200, [])
    return submit(form, lambda: privileged.update_account(
        user, actor=current_user, proven=has_fresh_proof(), full_name=form.full_name.data,
        role=Role(form.role.data), all_regions=form.all_regions.data,
        region_codes=form.regions.data, new_password=form.password.data or None,
        election_id=_election_id()),
        page=page, done=_done(_("Account %(email)s saved.", email=user.email)))


@bp.post("/admin/users/<int:user_id>/extension")
def user_extension(user_id: int):
    user = load_or_404(db.session.get(User, user_id))
    require(STAFF_ACCOUNTS.can_open(current_user))
    form = ExtensionForm()
    back = url_for("accounts.user_edit", user_id=user.id)

    def page(_status: int, errors: list[str]):
        for message in [*errors, *(m for ms in form.errors.values() for m in ms)]:
            flash(str(message), "error")
        return redirect(back)

    return submit(form, lambda: services.set_extension(user, actor=current_user,
                                                       extension=form.extension.data),
                  page=page, done=back, flash_message=_("Extension saved."))


@bp.post("/admin/users/<int:user_id>/<any(disable, enable):action>")
def user_toggle(user_id: int, action: str):
    user = load_or_404(db.session.get(User, user_id))
    require(STAFF_ACCOUNTS.can_open(current_user))
    if not DisableForm().validate_on_submit():
        abort(400)
    refused = stepup.require_fresh_proof(url_for("accounts.users"))
    if refused:
        return refused
    disable = action == "disable"

    def back_to_list(_status: int, errors: list[str]):
        for message in errors:
            flash(message, "error")
        return redirect(url_for("accounts.users"))

    return submit(None, lambda: services.set_disabled(user, actor=current_user, disabled=disable),
                  validate=False, page=back_to_list, done=url_for("accounts.users"),
                  flash_message=_("Account %(email)s disabled.", email=user.email) if disable
                  else _("Account %(email)s enabled.", email=user.email))
