"""The staff member's own account page: personal API tokens (create, revoke)."""

from flask import Blueprint, abort, flash, make_response, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import Length, Optional

from casework.accounts import tokens
from casework.accounts.forms import ROLE_LABELS
from casework.accounts.models import Role
from casework.core.db import utcnow
from casework.core.permissions import require_roles
from casework.extensions import db

bp = Blueprint("account", __name__, url_prefix="/account")

STATUS = {"forbidden": 403, "missing": 422, "invalid": 422}
STAFF = tuple(Role)


class TokenForm(FlaskForm):
    name = StringField(_l("Name of the new token"),
                       validators=[Optional(), Length(max=tokens.NAME_MAX)],
                       description=_l("What will use it, e.g. “weekly report script”."),
                       render_kw={"autocomplete": "off"})


class RevokeForm(FlaskForm):
    """Only the CSRF token: the token to revoke is in the URL."""


def _page(form: TokenForm, status: int = 200):
    return render_template("account/index.html", form=form, revoke_form=RevokeForm(),
                           tokens=tokens.tokens_of(current_user), now=utcnow(),
                           role_label=ROLE_LABELS[current_user.role],
                           max_active=tokens.MAX_ACTIVE), status


@bp.get("")
@require_roles(*STAFF)
def index():
    return _page(TokenForm())


@bp.post("/tokens")
@require_roles(*STAFF)
def create_token():
    form = TokenForm()
    if not form.validate_on_submit():
        return _page(form, 422)
    try:
        token, plain = tokens.create_token(current_user, form.name.data)
    except tokens.TokenError as error:
        db.session.rollback()
        form.name.errors = [*form.name.errors, str(error)]
        return _page(form, STATUS.get(error.code, 422))
    db.session.commit()
    # Shown once, now: the page must not be kept by the browser or any cache.
    response = make_response(render_template("account/token_created.html", token=token,
                                             plain=plain))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/tokens/<int:token_id>/revoke")
@require_roles(*STAFF)
def revoke_token(token_id: int):
    token = tokens.own_token(current_user, token_id)
    if token is None:
        abort(404)
    if not RevokeForm().validate_on_submit():
        abort(400)
    tokens.revoke_token(token, current_user)
    db.session.commit()
    flash(_("The token “%(name)s” is revoked: it no longer works.", name=token.name), "info")
    return redirect(url_for("account.index"))
