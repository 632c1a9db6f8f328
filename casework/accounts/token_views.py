"""The staff member's own account page: personal API tokens (create, revoke).

Every signed-in staff member has this page (the login gate guards it); a token is revoked
only by its own user, and someone else's token is never revealed (404)."""

from flask import Blueprint, abort, flash, make_response, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import StringField
from wtforms.validators import Length, Optional

from casework.accounts import stepup, tokens
from casework.accounts.session_views import page_context as sessions_context
from casework.core.db import utcnow
from casework.core.forms import Form
from casework.core.refusal import Refusal, on_form
from casework.core.web import load_or_404, require
from casework.extensions import db
from casework.notifications.inbox import email_choices

bp = Blueprint("account", __name__, url_prefix="/account")


class TokenForm(Form):
    name = StringField(_l("Name of the new token"),
                       validators=[Optional(), Length(max=tokens.NAME_MAX)],
                       description=_l("What will use it, e.g. “weekly report script”."),
                       render_kw={"autocomplete": "off"})


class RevokeForm(Form):
    """Only the CSRF token: the token to revoke is in the URL."""


def _page(form: TokenForm, status: int = 200, errors: list[str] | None = None):
    return render_template("account/index.html", form=form, revoke_form=RevokeForm(),
                           tokens=tokens.tokens_of(current_user), now=utcnow(),
                           errors=errors or [], max_active=tokens.MAX_ACTIVE,
                           email_choices=email_choices(current_user.id),
                           **sessions_context()), status


@bp.get("")
def index():
    return _page(TokenForm())


@bp.post("/tokens")
def create_token():
    refused = stepup.require_fresh_proof(url_for("account.index"))
    if refused:
        return refused
    form = TokenForm()
    if not form.validate_on_submit():
        return _page(form, 422)
    try:
        token, plain = tokens.create_token(current_user, form.name.data)
    except Refusal as refusal:
        db.session.rollback()
        return _page(form, refusal.status, on_form(form, refusal))
    db.session.commit()
    # Shown once, now (not a redirect): the page must not be kept by the browser or any cache.
    response = make_response(render_template("account/token_created.html", token=token,
                                             plain=plain))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/tokens/<int:token_id>/revoke")
def revoke_token(token_id: int):
    token = load_or_404(tokens.own_token(current_user, token_id))
    require(token.can_revoke(current_user))
    if not RevokeForm().validate_on_submit():
        abort(400)
    tokens.revoke_token(token, current_user)
    db.session.commit()
    flash(_("The token “%(name)s” is revoked: it no longer works.", name=token.name), "info")
    return redirect(url_for("account.index"))
