"""The outbox page: what the application sent, is sending or could not send, for the
administrators; "retry now" for a waiting or failed message. Never a body."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_login import current_user

from casework.accounts.roles import OUTBOX
from casework.core.web import load_or_404, require, submit
from casework.extensions import db
from casework.notifications import queries, services
from casework.notifications.forms import RetryForm
from casework.notifications.models import OutboxMessage, OutboxStatus

bp = Blueprint("outbox", __name__)


def _status_filter() -> OutboxStatus | None:
    try:
        return OutboxStatus(request.args.get("status", ""))
    except ValueError:
        return None


def _list_url() -> str:
    status = _status_filter()
    return url_for("outbox.outbox_list", status=status.value if status else None)


@bp.get("/staff/outbox")
def outbox_list():
    require(OUTBOX.can_open(current_user))
    status = _status_filter()
    rows, next_before = queries.outbox_page(status=status,
                                            before=request.args.get("before", type=int))
    counts = queries.status_counts()
    return render_template("notifications/outbox.html", rows=rows, status=status,
                           counts=counts, failed=counts[OutboxStatus.FAILED],
                           next_before=next_before, retry_form=RetryForm(), number=format_decimal)


@bp.post("/staff/outbox/<int:message_id>/retry")
def outbox_retry(message_id: int):
    message = load_or_404(db.session.get(OutboxMessage, message_id))
    require(OUTBOX.can_open(current_user))

    def back_with_errors(_status: int, loose: list[str]):
        for text in loose:
            flash(str(text), "error")
        return redirect(_list_url())

    return submit(RetryForm(), lambda: services.retry_now(message, current_user),
                  page=back_with_errors, done=_list_url(),
                  flash_message=_("The message will be sent in the mail worker's next round."))
