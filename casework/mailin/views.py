"""Staff pages for inbound mail: the list, one message, and the quarantine decisions."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from casework.extensions import db
from casework.mailin import files, queries, services
from casework.mailin.access import can_manage, can_view
from casework.mailin.forms import DiscardForm, ReleaseForm
from casework.mailin.models import InboundMail, InboundStatus

bp = Blueprint("mailin", __name__)


def _status_filter() -> InboundStatus | None:
    try:
        return InboundStatus(request.args.get("status", ""))
    except ValueError:
        return None


@bp.get("/staff/mail")
def inbound_list():
    if not can_view(current_user):
        abort(403)
    status = _status_filter()
    rows, next_before = queries.inbound_page(current_user, status=status,
                                             before=request.args.get("before", type=int))
    return render_template("mailin/list.html", rows=rows, status=status, statuses=list(InboundStatus),
                           next_before=next_before, quarantined=queries.quarantine_count())


def _load(mail_id: int, check) -> InboundMail:
    mail = db.get_or_404(InboundMail, mail_id)
    if not check(current_user, mail):
        abort(403)
    return mail


@bp.get("/staff/mail/<int:mail_id>")
def inbound_detail(mail_id: int):
    mail = _load(mail_id, can_view)
    return render_template("mailin/detail.html", mail=mail,
                           headers=files.header_summary(mail), can_manage=can_manage(current_user, mail),
                           release_form=ReleaseForm(), discard_form=DiscardForm())


@bp.get("/staff/mail/<int:mail_id>/raw")
def inbound_raw(mail_id: int):
    mail = _load(mail_id, can_view)
    response = files.raw_download_response(mail, current_user)
    db.session.commit()  # the download (or the failed integrity check) is audited
    return response


@bp.post("/staff/mail/<int:mail_id>/release")
def inbound_release(mail_id: int):
    mail = _load(mail_id, can_manage)
    if not ReleaseForm().validate_on_submit():
        abort(400)
    try:
        services.release(mail, current_user)
    except services.MailinError as error:
        db.session.commit()  # keeps the audit entry of a failed integrity check, changes nothing else
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(_("The message was released and filed on case %(reference)s.",
                reference=mail.case.reference if mail.case else "—"), "info")
    return redirect(url_for("mailin.inbound_detail", mail_id=mail_id))


@bp.post("/staff/mail/<int:mail_id>/discard")
def inbound_discard(mail_id: int):
    mail = _load(mail_id, can_manage)
    form = DiscardForm()
    if not form.validate_on_submit():
        flash(_("Give the reason for discarding the message."), "error")
        return redirect(url_for("mailin.inbound_detail", mail_id=mail_id))
    try:
        services.discard(mail, current_user, form.reason.data)
    except services.MailinError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(_("The message was discarded. It stays recorded with your reason."), "info")
    return redirect(url_for("mailin.inbound_detail", mail_id=mail_id))
