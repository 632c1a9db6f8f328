"""The public side: the complaint form, its receipt, and tracking a complaint by its code."""

import secrets
from datetime import datetime, time

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError
from werkzeug.datastructures import FileStorage

from casework.core import outages
from casework.core.ratelimit import everyone, limiter, submit_limit, track_global_limit, track_limit
from casework.core.refusal import Refusal, on_form
from casework.core.timezones import to_utc
from casework.core.web import load_or_404, submit
from casework.elections.queries import current_election
from casework.extensions import db
from casework.intake import queries, services, tracking
from casework.intake.choices import candidate_choices, region_choices, station_choices
from casework.intake.forms import ComplaintForm, ReplyForm, TrackForm
from casework.intake.models import Channel, Complaint

bp = Blueprint("intake", __name__)
TRACK_SESSION_MINUTES = 30


def _complaint_form(election) -> ComplaintForm:
    form = ComplaintForm()
    form.region.choices = region_choices(election)
    form.station.choices = station_choices(election)
    form.accused.choices = candidate_choices(election)
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
        submission_key=form.submission_key.data or "")


# The submit operation names two errors by what they concern; the complaint forms show them
# on the field where the complainant types it.
FORM_FIELDS = {"contact": "phone", "occurred_at": "occurred_on"}


def refusal_on_form(form, refusal: Refusal) -> None:
    """Put a refusal of the submit operation on a complaint form (the public one, the
    hotline's, the publications'); what belongs to no field of the form is flashed above it."""
    for name, message in (refusal.errors or {"": refusal.message}).items():
        one = Refusal(refusal.code, message, field=FORM_FIELDS.get(name, name) or None)
        for loose in on_form(form, one):
            flash(loose, "error")


@bp.route("/complaints/new", methods=["GET", "POST"])
@limiter.limit(submit_limit, methods=["POST"])
def new_complaint():
    election = load_or_404(current_election())
    form = _complaint_form(election)
    if request.method == "GET" or not form.validate_on_submit():
        return render_template("intake/new.html", form=form), 200 if request.method == "GET" else 422
    if form.website.data:  # the honeypot: a person never sees this field
        abort(400)
    uploads = uploads_from(form.evidence.data or [])
    if not uploads and not form.confirm_no_evidence.data:
        return render_template("intake/new.html", form=form, ask_no_evidence=True), 422
    try:
        services.submit_complaint(draft_from(form, election), uploads, channel=Channel.WEB)
        db.session.commit()
    except Refusal as refusal:
        db.session.rollback()
        refusal_on_form(form, refusal)
        return render_template("intake/new.html", form=form), refusal.status
    except IntegrityError:  # the same form sent twice at once: the first one won
        db.session.rollback()
    session["receipt"] = form.submission_key.data
    return redirect(url_for("intake.receipt"))


def _form_again(message: str):
    """The complaint form after an outage (core/outages): what was typed, and the same
    submission key, so that sending it again cannot file it twice; files must be chosen
    again (a browser never sends them back)."""
    form = _complaint_form(load_or_404(current_election()))
    return render_template("intake/new.html", form=form, outage=message)


bp.record_once(lambda _state: outages.set_page("intake.new_complaint", _form_again))


@bp.get("/complaints/receipt")
def receipt():
    key = session.get("receipt")
    complaint = services.find_submission(key) if key else None
    if complaint is None:
        return redirect(url_for("intake.track"))
    submission = services.replay(complaint, key)
    return render_template("intake/receipt.html", submission=submission,
                           code=tracking.grouped(submission.tracking_code))


@bp.route("/track", methods=["GET", "POST"])
@limiter.limit(track_limit, methods=["POST"])
@limiter.limit(track_global_limit, methods=["POST"], key_func=everyone, scope="track-all")
def track():
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


@bp.get("/track/case")
def tracked_case():
    complaint = _tracked_complaint()
    return render_template("intake/tracked.html", complaint=complaint, case=complaint.case,
                           messages=services.public_messages(complaint),
                           files=queries.citizen_files(complaint), form=ReplyForm())


@bp.post("/track/case/reply")
@limiter.limit(submit_limit)
def tracked_reply():
    complaint = _tracked_complaint()
    form = ReplyForm()
    back = url_for("intake.tracked_case")

    def back_with_errors(_status: int, loose: list[str]):
        for message in [*loose, *(m for errors in form.errors.values() for m in errors)]:
            flash(str(message), "error")
        return redirect(back)

    return submit(form, lambda: services.add_reply(complaint, form.body.data,
                                                   uploads_from(form.evidence.data or [])),
                  page=back_with_errors, done=back,
                  flash_message=_("Thank you. The committee has received your message."))


@bp.post("/track/forget")
def forget():
    session.pop("track", None)
    session.pop("receipt", None)
    return redirect(url_for("site.home"))
