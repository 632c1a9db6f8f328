"""Public API v1: the current election, filing a complaint, and tracking it by code.

Errors are raised as application/problem+json (casework.core.problems); a refusal of the
intake services answers with its code's status and the fields it names.
"""

import secrets
from datetime import date, datetime

from flask import Blueprint, jsonify, request
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import HTTPException

from casework.api import openapi
from casework.core import jsontext, ratelimit, text
from casework.core.problems import http_problem, refuse, refused
from casework.core.ratelimit import everyone, limiter, submit_limit, track_global_limit, track_limit
from casework.core.refusal import Refusal
from casework.core.timezones import to_utc
from casework.elections.models import Election
from casework.elections.queries import current_election
from casework.extensions import db
from casework.intake import services
from casework.intake.models import Channel, Complaint
from casework.intake.serializers import election_document, submission_document, tracking_document

bp = Blueprint("api", __name__, url_prefix="/api/v1")
bp.register_error_handler(HTTPException, http_problem)


@bp.get("/openapi.json")
def openapi_document():
    return jsonify(openapi.document())


def _election() -> Election:
    election = current_election()
    if election is None:
        refuse(404, "No election", detail="No election has been set up yet.")
    return election


@bp.get("/elections/current")
def election_current():
    election = _election()
    response = jsonify(election_document(election))
    response.cache_control.public = True
    response.cache_control.max_age = 60
    return response


def _parse_complaint_part() -> tuple[dict, list[services.Upload]]:
    raw = request.form.get("complaint")
    if raw is None and "complaint" in request.files:
        raw = request.files["complaint"].read().decode("utf-8", errors="replace")
    if raw is None:
        raise Refusal("invalid", errors={"complaint": "a 'complaint' part with JSON is required"})
    try:
        data = jsontext.loads(raw)
    except ValueError:
        raise Refusal("invalid", errors={"complaint": "the 'complaint' part is not valid JSON"}) from None
    if not isinstance(data, dict):
        raise Refusal("invalid", errors={"complaint": "the 'complaint' part must be a JSON object"})
    unsafe = jsontext.unsafe_field(data)  # a lone surrogate or NUL cannot be stored
    if unsafe is not None:
        raise Refusal("invalid", errors={f"complaint.{unsafe}": text.MESSAGE})
    uploads = [services.Upload(f.stream, f.filename) for f in request.files.getlist("evidence")]
    return data, uploads


# Optional text fields of the complaint and of its contact: absent, null, or text.
OPTIONAL_TEXT = ("station", "occurred_at", "learned_on", "accused_other", "witnesses",
                 "language")
CONTACT_TEXT = ("name", "phone", "email", "role")


def _draft(data: dict, election) -> services.ComplaintDraft:
    errors: dict[str, object] = {}
    for name in ("category", "region", "narrative"):
        if not isinstance(data.get(name), str) or not data[name].strip():
            errors[name] = "required"
    if not isinstance(data.get("anonymous"), bool):
        errors["anonymous"] = "required: true or false"
    occurred_at = None
    if data.get("occurred_at"):
        try:
            occurred_at = to_utc(datetime.fromisoformat(str(data["occurred_at"])), election)
        except (ValueError, OverflowError):  # not a date, or too far to move to UTC
            errors["occurred_at"] = "not an ISO 8601 date and time"
    learned_on = None
    if data.get("learned_on"):
        try:
            learned_on = date.fromisoformat(str(data["learned_on"]))
        except ValueError:
            errors["learned_on"] = "not an ISO 8601 date"
    contact = data.get("contact") or {}
    accused = data.get("accused_candidates") or []
    links = data.get("links") or []
    if not isinstance(contact, dict):
        errors["contact"] = "must be an object"
        contact = {}
    for name in OPTIONAL_TEXT:
        if data.get(name) is not None and not isinstance(data[name], str):
            errors[name] = "must be text"
    for name in CONTACT_TEXT:
        if contact.get(name) is not None and not isinstance(contact[name], str):
            errors[f"contact.{name}"] = "must be text"
    if not isinstance(accused, list) or not all(isinstance(c, str) for c in accused):
        errors["accused_candidates"] = "must be a list of candidate codes"
    if not isinstance(links, list) or not all(isinstance(c, str) for c in links):
        errors["links"] = "must be a list of URLs"
    if errors:
        raise Refusal("invalid", errors=errors)
    return services.ComplaintDraft(
        election=election, category=data["category"], region_code=data["region"],
        station_code=data.get("station") or None, narrative=data["narrative"],
        anonymous=data["anonymous"], name=contact.get("name"), phone=contact.get("phone"),
        email=contact.get("email"), complainant_role=contact.get("role"),
        consent_to_contact=bool(contact.get("consent_to_contact")),
        accused_codes=accused, accused_other=data.get("accused_other"), links=links,
        witnesses=data.get("witnesses"), occurred_at=occurred_at, learned_on=learned_on,
        language=data.get("language") or "kk",
        submission_key=request.headers.get("Idempotency-Key") or secrets.token_urlsafe(24))


@bp.post("/complaints")
# Only accepted complaints count toward the submit limit; refused sends have their own,
# higher allowance (as on the web form), so a client fixing its fields is not locked out.
@limiter.limit(submit_limit, deduct_when=ratelimit.accepted)
@limiter.limit(ratelimit.submit_refused_limit, deduct_when=ratelimit.refused,
               scope="api-submit-refused")
def complaints_create():
    election = _election()
    try:
        data, uploads = _parse_complaint_part()
        draft = _draft(data, election)
        submission = services.submit_complaint(draft, uploads, channel=Channel.API)
        # From the rows in hand: after the commit they would be read again.
        document = submission_document(submission)
        db.session.commit()
    except Refusal as refusal:
        db.session.rollback()
        refused(refusal, "The complaint was not accepted",
                detail="Correct the fields named in 'errors' and send it again.")
    except IntegrityError:  # the same Idempotency-Key sent twice at once
        db.session.rollback()
        complaint = services.find_submission(draft.submission_key)
        submission = services.replay(complaint, draft.submission_key)
        document = submission_document(submission)
    return jsonify(document), 200 if submission.replayed else 201


def _tracked(code: str) -> Complaint:
    complaint = services.find_by_tracking_code(code)
    if complaint is None:
        refuse(404, "Unknown tracking code",
               detail="No complaint has this code; check it and try again.")
    return complaint


@bp.get("/track/<code>")
@limiter.limit(track_limit)
@limiter.limit(track_global_limit, key_func=everyone, scope="track-all")
def track(code: str):
    complaint = _tracked(code)
    return jsonify(tracking_document(complaint, services.public_messages(complaint)))


@bp.post("/track/<code>/messages")
@limiter.limit(track_limit)
@limiter.limit(track_global_limit, key_func=everyone, scope="track-all")
def track_message(code: str):
    complaint = _tracked(code)
    if request.is_json:
        payload = jsontext.request_json()
        body = payload.get("body") if isinstance(payload, dict) else None
        uploads = []
    else:
        body = request.form.get("body")
        uploads = [services.Upload(f.stream, f.filename) for f in request.files.getlist("evidence")]
    if body is not None and (not isinstance(body, str) or "\x00" in body):
        refuse(422, "The message was not accepted", errors={"body": "must be text"})
    try:
        services.add_reply(complaint, body or "", uploads)
        db.session.commit()
    except Refusal as refusal:
        db.session.rollback()
        refused(refusal, "The message was not accepted")
    return jsonify(tracking_document(complaint, services.public_messages(complaint))), 201


