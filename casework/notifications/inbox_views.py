"""The staff inbox (/staff/inbox): newest notices first, opened or marked read by POST;
the email choices of /account; the unread figure every staff page shows in its header.

Every staff member has an inbox (the login gate guards it); a notice is only ever its own
recipient's (someone else's answers 404)."""

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectMultipleField

from casework.core.forms import Form
from casework.core.web import load_or_404, require
from casework.extensions import db
from casework.notifications import inbox
from casework.notifications.inbox_models import NotificationKind

bp = Blueprint("inbox", __name__)


class InboxForm(Form):
    """Only the CSRF token: what to mark is in the URL."""


class EmailChoicesForm(Form):
    """The kinds that also come by email (the others: the inbox only)."""

    email = SelectMultipleField(choices=NotificationKind.choices())


@bp.app_context_processor
def _unread():
    # Called by the header only for a signed-in user: one COUNT per page.
    return {"unread_notifications": inbox.unread_count}


@bp.get("/staff/inbox")
def inbox_page():
    notices = inbox.newest(current_user)
    return render_template("notifications/inbox.html", notices=notices, form=InboxForm(),
                           links={n.id: inbox.link_of(n) for n in notices},
                           unread=sum(n.read_at is None for n in notices))


@bp.post("/staff/inbox/<int:notice_id>/open")
def open_notice(notice_id: int):
    """Read it and go where it leads."""
    notice = load_or_404(inbox.own_notice(current_user, notice_id))
    require(notice.can_mark_read(current_user))
    if not InboxForm().validate_on_submit():
        abort(400)
    inbox.mark_read(notice, current_user)
    db.session.commit()
    return redirect(inbox.link_of(notice))


@bp.post("/staff/inbox/<int:notice_id>/read")
def mark_read(notice_id: int):
    notice = load_or_404(inbox.own_notice(current_user, notice_id))
    require(notice.can_mark_read(current_user))
    if not InboxForm().validate_on_submit():
        abort(400)
    inbox.mark_read(notice, current_user)
    db.session.commit()
    return redirect(url_for("inbox.inbox_page"))


@bp.post("/staff/inbox/read-all")
def mark_all_read():
    if not InboxForm().validate_on_submit():
        abort(400)
    inbox.mark_all_read(current_user)
    db.session.commit()
    flash(_("Every notification is marked read."), "info")
    return redirect(url_for("inbox.inbox_page"))


@bp.post("/account/notifications")
def email_choices():
    form = EmailChoicesForm()
    if not form.validate_on_submit():
        abort(400)
    inbox.set_email_choices(current_user, form.email.data or [])
    db.session.commit()
    flash(_("Your email choices are saved."), "success")
    return redirect(url_for("account.index") + "#notifications-title")
