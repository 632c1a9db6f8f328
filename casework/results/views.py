"""Staff pages of results: certification per region (with its guard) and the results import.

Each view: load or 404, check or 403, validate, one service call, commit."""

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from casework.accounts.models import Role, User
from casework.cases.workflow import STATE_LABELS
from casework.core.permissions import require_roles
from casework.core.refusal import Refusal
from casework.decisions.view_helpers import show_errors
from casework.elections.csvio import MAX_ERRORS_SHOWN, ImportFailed
from casework.elections.importers import IMPORTERS, run_import
from casework.elections.models import Election, Region, RegionCertification
from casework.elections.queries import current_election
from casework.elections.standings import standings
from casework.extensions import db
from casework.results import certification
from casework.results.forms import CertifyForm, ResultsImportForm, WithdrawForm

bp = Blueprint("results", __name__, url_prefix="/staff/results")

READERS = (Role.SECRETARY, Role.CHAIR, Role.ADMIN, Role.AUDITOR)
IMPORTERS_ROLES = (Role.SECRETARY, Role.CHAIR, Role.ADMIN)
# A refusal's HTTP status; the rest (open_cases, a missing or too long reason) is 422.
STATUS = {"forbidden": 403, "not_allowed": 409}


def _region_or_404(region_code: str) -> Region:
    """A top-level region of the current election within the user's scope, else 404."""
    election = current_election()
    region = None if election is None else db.session.scalar(select(Region).where(
        Region.election_id == election.id, Region.code == region_code.upper()))
    if region is None or region.parent_id is not None or not current_user.can_see_region(region):
        abort(404)
    return region


# -- overview ------------------------------------------------------------------------------

@bp.get("/")
@require_roles(*READERS)
def overview():
    election = current_election()
    rows = []
    if election is not None:
        regions = [r for r in db.session.scalars(select(Region).where(
            Region.election_id == election.id, Region.parent_id.is_(None)).order_by(Region.code))
            if current_user.can_see_region(r)]
        # Certifications and their certifiers: one query for every region.
        certified = {cert.region_id: (cert, user) for cert, user in db.session.execute(
            select(RegionCertification, User).join(User, User.id == RegionCertification.certified_by_id)
            .where(RegionCertification.region_id.in_([r.id for r in regions])))}
        # standings() and blockers() take a handful of queries per region each (about six in
        # all); with 17 regions, about a hundred small indexed queries: fine for a staff page.
        for region in regions:
            table = standings(region)
            found = certification.blockers(region)
            cert, by = certified.get(region.id, (None, None))
            rows.append({"region": region, "total": table.total_votes,
                         "annulled": table.annulled_votes, "certification": cert,
                         "certified_by": by,
                         "blockers": len(found.cases) + len(found.sanctions)})
    return render_template("results/overview.html", election=election, rows=rows,
                           may_import=current_user.role in IMPORTERS_ROLES)


# -- one region: standings, blockers, certification -----------------------------------------

def _region_page(region: Region, form: CertifyForm, errors: list[str] | None = None,
                 status: int = 200, withdraw_form: WithdrawForm | None = None):
    cert = certification.certification_of(region)
    return render_template(
        "results/region.html", region=region, form=form, errors=errors or [],
        withdraw_form=withdraw_form or WithdrawForm(formdata=None),
        table=standings(region), blockers=certification.blockers(region),
        state_labels=STATE_LABELS, certification=cert,
        certified_by=db.session.get(User, cert.certified_by_id) if cert else None,
        overridden=cert.overridden_cases.split(",") if cert and cert.overridden_cases else [],
        may_certify=certification.may_certify(current_user)), status


@bp.get("/<region_code>")
@require_roles(*READERS)
def region(region_code: str):
    return _region_page(_region_or_404(region_code), CertifyForm())


@bp.post("/<region_code>/certify")
@require_roles(*READERS)
def certify(region_code: str):
    area = _region_or_404(region_code)
    if not certification.may_certify(current_user):
        abort(403)
    form = CertifyForm()
    if not form.validate_on_submit():
        return _region_page(area, form, status=422)
    try:
        certification.certify(area, current_user, override_reason=form.override_reason.data)
    except Refusal as error:
        db.session.rollback()
        return _region_page(area, form, show_errors(form, error),
                            status=STATUS.get(error.code, 422))
    db.session.commit()
    flash(_("The results of %(region)s are certified.", region=area.name(str(get_locale()))),
          "info")
    return redirect(url_for("results.region", region_code=area.code))


@bp.post("/<region_code>/withdraw")
@require_roles(*READERS)
def withdraw(region_code: str):
    area = _region_or_404(region_code)
    if not certification.may_certify(current_user):
        abort(403)
    form = WithdrawForm()
    if not form.validate_on_submit():
        return _region_page(area, CertifyForm(formdata=None), status=422, withdraw_form=form)
    try:
        certification.withdraw(area, current_user, reason=form.reason.data)
    except Refusal as error:
        db.session.rollback()
        return _region_page(area, CertifyForm(formdata=None), show_errors(form, error),
                            status=STATUS.get(error.code, 422), withdraw_form=form)
    db.session.commit()
    flash(_("The certification of %(region)s is withdrawn.",
            region=area.name(str(get_locale()))), "info")
    return redirect(url_for("results.region", region_code=area.code))


# -- results import ------------------------------------------------------------------------

def _import_page(form: ResultsImportForm, election: Election | None,
                 failure: ImportFailed | None = None, status: int = 200):
    errors = failure.errors if failure else []
    return render_template(
        "results/import.html", form=form, election=election, columns=IMPORTERS["results"][1],
        errors=errors[:MAX_ERRORS_SHOWN], more=max(0, len(errors) - MAX_ERRORS_SHOWN)), status


@bp.route("/import", methods=["GET", "POST"])
@require_roles(*IMPORTERS_ROLES)
def import_results():
    # The import writes results of every region: only staff whose scope is the whole election.
    if not current_user.all_regions:
        abort(403)
    election = current_election()
    form = ResultsImportForm()
    if not form.validate_on_submit():
        return _import_page(form, election, status=422 if form.is_submitted() else 200)
    upload = form.file.data
    try:
        report = run_import("results", upload.read(), election=election, actor=current_user,
                            source=upload.filename or "")
    except ImportFailed as failure:
        db.session.rollback()  # all or nothing: the importer wrote nothing; drop what it read
        return _import_page(form, election, failure, status=422)
    db.session.commit()
    flash(_("Results imported: %(total)d rows, %(created)d created, %(updated)d updated, "
            "%(unchanged)d unchanged.", total=report.total, created=report.created,
            updated=report.updated, unchanged=report.unchanged), "info")
    return redirect(url_for("results.overview"))
