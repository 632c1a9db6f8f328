"""Staff pages for inbound mail: the list, one message, and the quarantine decisions."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from casework.accounts.roles import INBOUND_MAIL
from casework.cases.identity_mask import PROTECTED, Entered, record_list_view, visible_on_list
from casework.core.refusal import Refusal
from casework.core.web import load_or_404, require, submit
from casework.extensions import db
from casework.mailin import files, queries, services
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
    require(INBOUND_MAIL.can_open(current_user))
    status = _status_filter()
    rows, next_before = queries.inbound_page(current_user, status=status,
                                             before=request.args.get("before", type=int))
    shown = _senders_shown(rows)
    record_list_view(current_user, shown, "inbound_mail")
    db.session.commit()  # the audit entry of what was shown
    return render_template("mailin/list.html", rows=rows, status=status,
                           statuses=list(InboundStatus), next_before=next_before,
                           quarantined=queries.quarantine_count(), shown=shown)


def _senders_shown(mails: list[InboundMail]) -> set[str]:
    """The senders shown as on the case page: to the member who released the message, for a
    while, and to a member with a live approval for its case; "mail:<id>" keys."""
    return visible_on_list([Entered(f"mail:{m.id}", m.case, m.handled_by_id, m.handled_at)
                            for m in mails if m.sender], current_user)


def _mail_or_404(mail_id: int) -> InboundMail:
    return load_or_404(db.session.get(InboundMail, mail_id))


def _detail_url(mail: InboundMail) -> str:
    return url_for("mailin.inbound_detail", mail_id=mail.id)


def _raw_allowed(mail: InboundMail, shown: set[str] | None = None) -> bool:
    """The raw message names its sender: downloaded only by whoever may see the sender (or
    once retention erased it, to be told so)."""
    if mail.case is not None and mail.case.personal_data_erased_at is not None:
        return True
    return bool(shown if shown is not None else _senders_shown([mail]))


@bp.get("/staff/mail/<int:mail_id>")
def inbound_detail(mail_id: int):
    mail = _mail_or_404(mail_id)
    require(mail.can_view(current_user))
    shown = _senders_shown([mail])
    record_list_view(current_user, shown, "inbound_mail")
    db.session.commit()  # the audit entry of what was shown
    headers = [(name, value if shown or name not in files.IDENTITY_HEADERS else str(PROTECTED))
               for name, value in files.header_summary(mail)]
    return render_template("mailin/detail.html", mail=mail, headers=headers, shown=shown,
                           raw_allowed=_raw_allowed(mail, shown),
                           release_form=ReleaseForm(), discard_form=DiscardForm())


@bp.get("/staff/mail/<int:mail_id>/raw")
def inbound_raw(mail_id: int):
    mail = _mail_or_404(mail_id)
    require(mail.can_view(current_user))
    require(_raw_allowed(mail))
    response = files.raw_download_response(mail, current_user)
    db.session.commit()  # the download (or the failed integrity check) is audited
    return response


@bp.post("/staff/mail/<int:mail_id>/release")
def inbound_release(mail_id: int):
    mail = _mail_or_404(mail_id)
    require(mail.can_manage(current_user))
    if not ReleaseForm().validate_on_submit():
        abort(400)
    try:
        services.release(mail, current_user)
    except Refusal as refusal:
        # Not submit(): a refused release changed nothing, but the audit entry of a failed
        # integrity check must be kept.
        db.session.commit()
        flash(str(refusal), "error")
    else:
        db.session.commit()
        flash(_("The message was released and filed on case %(reference)s.",
                reference=mail.case.reference if mail.case else "—"), "info")
    return redirect(_detail_url(mail))


@bp.post("/staff/mail/<int:mail_id>/discard")
def inbound_discard(mail_id: int):
    mail = _mail_or_404(mail_id)
    require(mail.can_manage(current_user))
    form = DiscardForm()

    def back_with_errors(_status: int, loose: list[str]):
        for message in [*loose, *(m for errors in form.errors.values() for m in errors)]:
            flash(str(message), "error")
        return redirect(_detail_url(mail))

    return submit(form, lambda: services.discard(mail, current_user, form.reason.data),
                  page=back_with_errors, done=_detail_url(mail),
                  flash_message=_("The message was discarded. It stays recorded with your reason."))
