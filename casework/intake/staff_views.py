"""Staff record complaints that were published elsewhere (social media, press)."""

import secrets

from flask import Blueprint, flash, redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from casework.accounts.roles import PUBLICATIONS
from casework.core.refusal import Refusal
from casework.core.web import load_or_404, require
from casework.elections.queries import current_election
from casework.extensions import db
from casework.intake import services, tracking
from casework.intake.choices import with_reference_options
from casework.intake.forms import PublishedComplaintForm
from casework.intake.models import Channel
from casework.intake.views import occurred_at_utc, refusal_on_form, uploads_from

bp = Blueprint("intake_staff", __name__, url_prefix="/staff/complaints")


@bp.route("/published", methods=["GET", "POST"])
def published():
    election = load_or_404(current_election())
    require(PUBLICATIONS.can_open(current_user))
    form = PublishedComplaintForm()
    with_reference_options(form, election, station=False)
    if not form.submission_key.data:
        form.submission_key.data = secrets.token_urlsafe(24)
    if not form.validate_on_submit():
        return render_template("intake/published.html", form=form), 200 if not form.errors else 422
    published_at = occurred_at_utc(election, form.published_on.data, form.published_time.data)
    draft = services.ComplaintDraft(
        election=election, category=form.category.data, region_code=form.region.data or "",
        narrative=form.narrative.data, anonymous=True, accused_codes=form.accused.data or [],
        links=[form.link.data], language=current_user.preferred_locale or "kk", relaxed=True,
        source_platform=form.platform.data, source_author=form.author.data,
        published_at=published_at, occurred_at=published_at,
        submission_key=form.submission_key.data)
    try:
        services.submit_complaint(draft, uploads_from(form.evidence.data or []),
                                  channel=Channel.SOCIAL_MEDIA, recorded_by=current_user)
        db.session.commit()
    except Refusal as refusal:
        db.session.rollback()
        refusal_on_form(form, refusal)
        return render_template("intake/published.html", form=form), refusal.status
    except IntegrityError:  # sent twice at once: the first one is kept
        db.session.rollback()
    session["recorded"] = form.submission_key.data
    flash(_("The publication is recorded as a complaint."), "info")
    return redirect(url_for("intake_staff.recorded"))


@bp.get("/recorded")
def recorded():
    key = session.get("recorded")
    complaint = load_or_404(services.find_submission(key) if key else None)
    require(PUBLICATIONS.can_open(current_user))
    submission = services.replay(complaint, key)
    return render_template("intake/recorded.html", submission=submission,
                           code=tracking.grouped(submission.tracking_code))
