"""The staff member's sessions on /account: each is listed there (accounts/token_views.py
renders the page) and may be ended from here. Only one's own sessions: anyone else's is
never revealed (404)."""

from flask import Blueprint, abort, flash, redirect, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, logout_user

from casework.accounts import sessions
from casework.core.forms import Form
from casework.core.web import load_or_404, require
from casework.extensions import db

bp = Blueprint("account_sessions", __name__, url_prefix="/account/sessions")


class EndSessionForm(Form):
    """Only the CSRF token: the session to end is in the URL."""


def page_context() -> dict:
    """What /account shows of the sessions: the live ones, which is this one, the form."""
    return {"staff_sessions": sessions.sessions_of(current_user),
            "this_session": sessions.current_id_hash(), "end_session_form": EndSessionForm()}


@bp.post("/<int:session_id>/end")
def end(session_id: int):
    record = load_or_404(sessions.own_session(current_user, session_id))
    require(record.can_end(current_user))
    if not EndSessionForm().validate_on_submit():
        abort(400)
    this_one = record.id_hash == sessions.current_id_hash()
    sessions.end_session(record, current_user)
    db.session.commit()
    if this_one:
        logout_user()
        session.clear()
        flash(_("This session is ended: sign in again to continue."), "info")
        return redirect(url_for("accounts.login"))
    flash(_("The session is ended: its browser is signed out."), "info")
    return redirect(url_for("account.index"))
