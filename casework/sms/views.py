"""The endpoint Kannel's sms-service posts to, and the staff's SMS answer on a case.

Kannel (`post-url`) POSTs the text as the body (Content-Type with its charset: UTF-16BE for
UCS-2 unless converted) and the sender, receiver, coding and time as X-Kannel-* headers, so
no number or text appears in a URL or an access log; the shared secret is the HTTP Basic
password. We answer 200 with an empty body (with `omit-empty = true` Kannel sends nothing):
the reply goes through sendsms from the outbox, after the commit, retried and deduplicated,
which an HTTP answer could not be (it would be lost if Kannel dropped it, and it would be sent
even when our transaction failed)."""

import hmac
import logging

from flask import Blueprint, Response, abort, current_app, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from casework.cases.access import case_or_404
from casework.core.ratelimit import limiter
from casework.core.web import require, submit
from casework.extensions import db
from casework.sms import services
from casework.sms.forms import SmsReplyForm

log = logging.getLogger("casework.sms")
bp = Blueprint("sms", __name__, url_prefix="/sms")


def _rate() -> str:
    return current_app.config["CASEWORK_SMS_RATE_LIMIT"]


def _allowed() -> bool:
    config = current_app.config
    secret = config["CASEWORK_SMS_SECRET"]
    if not secret:
        return False
    auth = request.authorization
    given = (auth.password or "") if auth is not None and auth.type == "basic" else ""
    if not hmac.compare_digest(given.encode(), secret.encode()):
        return False
    allowed = [ip.strip() for ip in (config["CASEWORK_SMS_ALLOWED_IPS"] or "").split(",")
               if ip.strip()]
    return not allowed or request.remote_addr in allowed


def _coding() -> int:
    try:
        return int(request.headers.get("X-Kannel-Coding", "0"))
    except ValueError:
        return 0


@bp.post("/kannel")
@limiter.limit(_rate)
def kannel():
    if not current_app.config["CASEWORK_SMS_SECRET"]:
        abort(404)  # the channel is off
    if not _allowed():
        abort(403)
    sender = request.headers.get("X-Kannel-From", "").strip()
    if not sender:
        # For whoever configures Kannel, not a visitor: not translated.
        return Response("X-Kannel-From is missing: set send-sender = true.", 400,
                        mimetype="text/plain")
    coding = _coding()
    body = services.smstext.decode_body(request.get_data(cache=False),
                                        request.mimetype_params.get("charset"), coding)
    message = services.receive(sender, body, coding=coding,
                               gateway_id=request.args.get("id") or None)
    db.session.commit()  # stored: from here on nothing is lost
    if message is not None:
        try:
            services.process(message)
            db.session.commit()
        except Exception:  # filed later by the worker (services.process_received)
            db.session.rollback()
            log.exception("sms %s: stored, filing it failed; the worker tries again", message.id)
    return Response(b"", 200, mimetype="text/plain")


def _page(case, form, status: int = 200, errors=()):
    return render_template("sms/reply.html", case=case, form=form, errors=list(errors)), status


@bp.route("/cases/<reference>/reply", methods=["GET", "POST"])
def reply(reference: str):
    case = case_or_404(current_user, reference)
    require(case.can_work(current_user))
    if services.case_number(case) is None:
        abort(404)
    form = SmsReplyForm()
    if request.method == "GET":
        return _page(case, form)
    return submit(form, lambda: services.reply_to_case(case, current_user, form.body.data),
                  page=lambda status, errors: _page(case, form, status, errors),
                  done=url_for("cases.case_page", reference=case.reference),
                  flash_message=_("The SMS is queued and will be sent to the complainant."))
