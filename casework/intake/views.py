"""The public side: the complaint form, its receipt, and tracking a complaint by its code."""

import secrets
from datetime import datetime, time

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup, escape
from sqlalchemy.exc import IntegrityError
from werkzeug.datastructures import FileStorage

from casework.core import outages
from casework.core.cache import app_cache
from casework.core.pages import kept_page
from casework.core.ratelimit import (
    accepted,
    everyone,
    limiter,
    refused,
    set_limited_page,
    submit_limit,
    submit_refused_limit,
    track_global_limit,
    track_limit,
)
from casework.core.refusal import Refusal, on_form
from casework.core.timezones import to_utc
from casework.core.web import load_or_404, submit
from casework.elections.queries import current_election
from casework.extensions import db
from casework.intake import queries, services, tracking
from casework.intake.choices import with_reference_options
from casework.intake.forms import ComplaintForm, ReplyForm, TrackForm
from casework.intake.models import Channel, Complaint

bp = Blueprint("intake", __name__)
TRACK_SESSION_MINUTES = 30


def _complaint_form(election) -> ComplaintForm:
    form = ComplaintForm()
    with_reference_options(form, election)
    if not form.submission_key.data:
        form.submission_key.data = secrets.token_urlsafe(24)
    return form


def uploads_from(files) -> list[services.Upload]:
    # A text part under a file field's name is no file (the field keeps it as a string).
    return [services.Upload(f.stream, f.filename) for f in files
            if isinstance(f, FileStorage) and f.filename]


def occurred_at_utc(election, day, moment) -> datetime | None:
    if day is None:
        return None
    return to_utc(datetime.combine(day, moment or time()), election)


def draft_from(form: ComplaintForm, election) -> services.ComplaintDraft:
    return services.ComplaintDraft(
        election=election, category=form.category.data or "", region_code=form.region.data or "",
        station_code=form.station.data or None, narrative=form.narrative.data or "",
        anonymous=form.identity.data != "named", name=form.name.data, phone=form.phone.data,
        email=form.email.data, complainant_role=form.complainant_role.data,
        consent_to_contact=form.consent_to_contact.data, accused_codes=form.accused.data or [],
        accused_other=form.accused_other.data, witnesses=form.witnesses.data,
        links=(form.links.data or "").splitlines(), language=str(get_locale()),
        occurred_at=occurred_at_utc(election, form.occurred_on.data, form.occurred_time.data),
        learned_on=form.learned_on.data,
        submission_key=form.submission_key.data or "")


# The submit operation names two errors by what they concern; the complaint forms show them
# on the field where the complainant types it.
FORM_FIELDS = {"contact": "phone", "occurred_at": "occurred_on"}


def refusal_on_form(form, refusal: Refusal, *, flash_loose: bool = True) -> list[str]:
    """Put a refusal of the submit operation on a complaint form (the public one, the
    hotline's, the publications'). A field that already failed its shape check keeps that
    one message. What belongs to no field is flashed above the form (or returned)."""
    loose: list[str] = []
    for name, message in (refusal.errors or {"": refusal.message}).items():
        target = FORM_FIELDS.get(name, name)
        if target and getattr(form, target, None) is not None and form[target].errors:
            continue
        loose += on_form(form, Refusal(refusal.code, message, field=target or None))
    if flash_loose:
        for message in loose:
            flash(message, "error")
    return loose


def _complaint_page(form, election, status: int = 200, **context):
    return render_template("intake/new.html", form=form, election=election, **context), status


# Where a fresh visitor's CSRF token and submission key go in the form rendered once; random
# per process, so no reference data can spell them.
_MARK = secrets.token_hex(12)
CSRF_MARK, KEY_MARK = f"csrf-{_MARK}", f"key-{_MARK}"


def _blank_form_body(election) -> str:
    """The form as a fresh visitor sees it, with marks for the visitor's part."""
    form = with_reference_options(ComplaintForm(formdata=None), election)
    form.csrf_token.current_token = CSRF_MARK
    form.submission_key.data = KEY_MARK
    return render_template("intake/_form.html", form=form, election=election)


def _fresh_complaint_page(election):
    """The form for a new visitor: rendered once per election stamp and language (the
    lists, the labels, the defaults are the same for everyone); only the CSRF token (kept
    in the visitor's session, as the form's own) and a new submission key are the
    visitor's. The page's frame (language switch, flashes, the staff bar) is rendered as on
    any page, or kept with the form when it is the same for everyone."""
    key = (election.id, election.reference_stamp, str(get_locale()))
    body = app_cache("intake.complaint_form", size=16).get_or_make(
        key, lambda: _blank_form_body(election))

    def whole_page() -> str:
        return render_template("intake/new.html", election=election,
                               body=Markup(body))  # noqa: S704 - our own template

    page = kept_page("intake.complaint_page", key, whole_page)
    return page.replace(CSRF_MARK, escape(generate_csrf())).replace(
        KEY_MARK, secrets.token_urlsafe(24))


@bp.route("/complaints/new", methods=["GET", "POST"])
@limiter.limit(submit_limit, methods=["POST"], deduct_when=accepted)
@limiter.limit(submit_refused_limit, methods=["POST"], deduct_when=refused,
               scope="submit-refused")
def new_complaint():
    election = load_or_404(current_election())
    if request.method == "GET":
        return _fresh_complaint_page(election)
    form = _complaint_form(election)
    if form.website.data:  # the honeypot: a person never sees this field
        abort(400)
    # One round: the shape checks, the rules and the files are all checked on every send,
    # so a send with three mistakes names all three.
    shaped = form.validate_on_submit()
    uploads = uploads_from(form.evidence.data or [])
    ask_no_evidence = not uploads and not form.confirm_no_evidence.data
    ready = shaped and not ask_no_evidence
    draft = draft_from(form, election)
    try:
        if ready:
            services.submit_complaint(draft, uploads, channel=Channel.WEB)
        else:
            services.check_complaint(draft, uploads)
    except Refusal as refusal:
        db.session.rollback()
        loose = refusal_on_form(form, refusal, flash_loose=False)
        return _complaint_page(form, election, refusal.status, loose=loose, ask_no_evidence=ask_no_evidence)
    if not ready:
        return _complaint_page(form, election, 422, ask_no_evidence=ask_no_evidence)
    try:
        db.session.commit()
    except IntegrityError:  # the same form sent twice at once: the first one won
        db.session.rollback()
    session["receipt"] = form.submission_key.data
    return redirect(url_for("intake.receipt"))


def _form_again(message: str):
    """The complaint form after an outage (core/outages): what was typed, and the same
    submission key, so that sending it again cannot file it twice; files must be chosen
    again (a browser never sends them back)."""
    election = load_or_404(current_election())
    return _complaint_page(_complaint_form(election), election, outage=message)[0]


def _form_limited(message: str):
    """The complaint form when the send limit is hit (core/ratelimit): everything typed
    comes back, with the hotline and the mailbox as other ways to complain."""
    election = load_or_404(current_election())
    return _complaint_page(_complaint_form(election), election, limited=message)[0]


bp.record_once(lambda _state: outages.set_page("intake.new_complaint", _form_again))
bp.record_once(lambda _state: set_limited_page("intake.new_complaint", _form_limited))


@bp.get("/complaints/receipt")
def receipt():
    key = session.get("receipt")
    complaint = services.find_submission(key) if key else None
    if complaint is None:
        return redirect(url_for("intake.track"))
    submission = services.replay(complaint, key)
    return render_template("intake/receipt.html", submission=submission,
                           code=tracking.grouped(submission.tracking_code))


def _fresh_track_page() -> str:
    """The tracking form, kept whole per language like the complaint form's page."""
    def render() -> str:
        form = TrackForm(formdata=None)
        form.csrf_token.current_token = CSRF_MARK
        return render_template("intake/track.html", form=form)

    page = kept_page("intake.track_page", str(get_locale()), render)
    return page.replace(CSRF_MARK, escape(generate_csrf()))


@bp.route("/track", methods=["GET", "POST"])
@limiter.limit(track_limit, methods=["POST"])
@limiter.limit(track_global_limit, methods=["POST"], key_func=everyone, scope="track-all")
def track():
    if request.method == "GET":
        return _fresh_track_page()
    form = TrackForm()
    if form.validate_on_submit():
        complaint = services.find_by_tracking_code(form.code.data)
        if complaint is not None:
            session["track"] = {"id": complaint.id, "h": complaint.tracking_hash,
                                "t": datetime.now().timestamp()}
            return redirect(url_for("intake.tracked_case"))
        form.code.errors = [_("No complaint has this code. Check it and try again: the last "
                              "character is a check that catches most typing mistakes.")]
        return render_template("intake/track.html", form=form), 404
    return render_template("intake/track.html", form=form)


def _tracked_complaint() -> Complaint:
    info = session.get("track") or {}
    fresh = datetime.now().timestamp() - info.get("t", 0) < TRACK_SESSION_MINUTES * 60
    complaint = db.session.get(Complaint, info.get("id", 0)) if fresh else None
    if complaint is None or complaint.tracking_hash != info.get("h"):
        session.pop("track", None)
        abort(redirect(url_for("intake.track")))
    return complaint


def _tracked_page(complaint: Complaint, form: ReplyForm, status: int = 200, loose=()):
    return render_template("intake/tracked.html", complaint=complaint, case=complaint.case,
                           messages=services.public_messages(complaint), form=form,
                           files=queries.citizen_files(complaint), loose=list(loose),
                           disclosures=queries.disclosures(complaint)), status


@bp.get("/track/case")
def tracked_case():
    return _tracked_page(_tracked_complaint(), ReplyForm())


@bp.post("/track/case/reply")
@limiter.limit(submit_limit, deduct_when=accepted)
@limiter.limit(submit_refused_limit, deduct_when=refused, scope="submit-refused")
def tracked_reply():
    complaint = _tracked_complaint()
    form = ReplyForm()
    # A refused reply comes back on the page with what was typed and every problem named.
    return submit(form, lambda: services.add_reply(complaint, form.body.data,
                                                   uploads_from(form.evidence.data or [])),
                  page=lambda status, loose: _tracked_page(complaint, form, status, loose),
                  done=url_for("intake.tracked_case"),
                  flash_message=_("Thank you. The committee has received your message."))


@bp.post("/track/forget")
def forget():
    session.pop("track", None)
    session.pop("receipt", None)
    return redirect(url_for("site.home"))
