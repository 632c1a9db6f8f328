"""The CTI hook's HTTP interface: POST /api/cti/v1/events, called by the telephone system.

No session and no CSRF token (a machine calls it, with no cookie): it is authenticated by
the shared secret CASEWORK_CTI_SECRET, sent as it is (`X-CTI-Secret`) or as the HMAC-SHA256
of the body (`X-CTI-Signature: sha256=<hex>`), both compared in constant time; while the
secret is unset every event is refused. CASEWORK_CTI_ALLOWED_IPS narrows the callers'
addresses. JSON or form-encoded, at most CASEWORK_CTI_MAX_BODY bytes; every refusal is
application/problem+json. The README ("Hotline: caller pop-ups") shows the calls.
"""

import hashlib
import hmac
import ipaddress

from flask import Blueprint, current_app, jsonify, request
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import HTTPException

from casework.core.problems import http_problem, refuse
from casework.core.refusal import Refusal, status_of
from casework.extensions import db
from casework.hotline import cti

bp = Blueprint("cti", __name__, url_prefix="/api/cti/v1")
bp.register_error_handler(HTTPException, http_problem)


def _allowed_networks() -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    text = current_app.config.get("CASEWORK_CTI_ALLOWED_IPS") or ""
    return [ipaddress.ip_network(part.strip(), strict=False)
            for part in text.split(",") if part.strip()]


def _check_source() -> None:
    networks = _allowed_networks()
    if not networks:
        return
    try:
        address = ipaddress.ip_address(request.remote_addr or "")
    except ValueError:
        address = None
    if address is None or not any(address in network for network in networks):
        refuse(403, _("Not allowed"),
               detail=_("This address may not send telephone events (CASEWORK_CTI_ALLOWED_IPS)."))


def _check_secret(body: bytes) -> None:
    secret = current_app.config.get("CASEWORK_CTI_SECRET") or ""
    if not secret:
        refuse(403, _("The telephone hook is off"),
               detail=_("Set CASEWORK_CTI_SECRET to accept telephone events."))
    given = request.headers.get("X-CTI-Secret", "")
    signature = request.headers.get("X-CTI-Signature", "")
    if given:
        good = hmac.compare_digest(given.encode(), secret.encode())
    elif signature:
        expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        good = hmac.compare_digest(signature.strip().lower().encode(), expected.encode())
    else:
        good = False
    if not good:
        response_detail = (_("The secret or the signature is wrong.") if given or signature
                           else _("Send the shared secret in X-CTI-Secret, or the body's "
                                  "HMAC-SHA256 in X-CTI-Signature: sha256=<hex>."))
        refuse(401, _("Authentication required"), detail=response_detail)


def _body() -> bytes:
    cap = int(current_app.config["CASEWORK_CTI_MAX_BODY"])
    if (request.content_length or 0) > cap:
        refuse(413, _("Too large"), detail=_("An event is at most %(n)d bytes.", n=cap))
    body = request.get_data(cache=True)
    if len(body) > cap:
        refuse(413, _("Too large"), detail=_("An event is at most %(n)d bytes.", n=cap))
    return body


def _fields() -> dict[str, object]:
    if request.is_json:
        data = request.get_json(silent=True)
        if not isinstance(data, dict):
            refuse(400, _("The event was not accepted"),
                   detail=_("The body is not a JSON object."))
        return data
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        if request.files:
            refuse(400, _("The event was not accepted"), detail=_("An event carries no files."))
        return request.form.to_dict()
    refuse(415, _("Unsupported body"),
           detail=_("Send the event as JSON or as form fields (application/x-www-form-urlencoded)."))


@bp.post("/events")
def event():
    _check_source()
    body = _body()
    _check_secret(body)
    try:
        parsed = cti.parse_event(_fields())
    except Refusal as refusal:
        refuse(400, str(refusal), errors=refusal.errors)
    try:
        try:
            outcome = cti.receive(parsed)
            db.session.commit()
        except IntegrityError:  # the same event twice at once: the other request recorded it
            db.session.rollback()
            outcome = cti.receive(parsed)
            db.session.commit()
    except Refusal as refusal:
        db.session.rollback()
        refuse(status_of(refusal), str(refusal), errors=refusal.errors)
    return jsonify(event=parsed.event, call_id=parsed.call_id, result=outcome.result,
                   calls=outcome.calls)
