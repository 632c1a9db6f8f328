"""Staff pages of results: certification per region (with its guard) and the results import.

Each view: load or 404, check or 403, then one service call through core.web.submit."""

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from casework.accounts import stepup
from casework.accounts.models import User
from casework.accounts.roles import RESULTS, RESULTS_IMPORT
from casework.core.i18n import page_locale
from casework.core.web import load_or_404, require, submit
from casework.elections.csvio import MAX_ERRORS_SHOWN, ImportFailed
from casework.elections.importers import IMPORTERS, run_import
from casework.elections.models import Election, Region
from casework.elections.queries import current_election
from casework.elections.standings import standings
from casework.extensions import db
from casework.results import certification, queries
from casework.results.forms import CertifyForm, ResultsImportForm, WithdrawForm

bp = Blueprint("results", __name__, url_prefix="/staff/results")


def _region_or_404(region_code: str) -> Region:
    """A top-level region of the current election within the user's scope, else 404."""
    election = current_election()
    region = None if election is None else db.session.scalar(select(Region).where(
        Region.election_id == election.id, Region.code == region_code.upper()))
    return load_or_404(region if region is not None and region.parent_id is None
                       and current_user.can_see_region(region) else None)


def _name(region: Region) -> str:
    return region.name(str(get_locale()))


# -- overview ------------------------------------------------------------------------------

@bp.get("/")
def overview():
    require(RESULTS.can_open(current_user))
    election = current_election()
    rows = queries.overview_rows(current_user, election, page_locale()) if election is not None else []
    return render_template("results/overview.html", election=election, rows=rows,
                           can_import=RESULTS_IMPORT.can_open(current_user))


# -- one region: standings, blockers, certification -----------------------------------------

def _region_page(region: Region, form: CertifyForm, errors: list[str] | None = None,
                 status: int = 200, withdraw_form: WithdrawForm | None = None):
    cert = certification.certification_of(region)
    return render_template(
        "results/region.html", region=region, form=form, errors=errors or [],
        withdraw_form=withdraw_form or WithdrawForm(formdata=None),
        table=standings(region), blockers=certification.blockers(region),
        certification=cert,
        certified_by=db.session.get(User, cert.certified_by_id) if cert else None,
        overridden=queries.overridden_cases(cert),
        can_certify=region.can_certify(current_user)), status


@bp.get("/<region_code>")
def region(region_code: str):
    area = _region_or_404(region_code)
    require(RESULTS.can_open(current_user))
    return _region_page(area, CertifyForm())


@bp.post("/<region_code>/certify")
def certify(region_code: str):
    area = _region_or_404(region_code)
    require(area.can_certify(current_user))
    refused = stepup.require_fresh_proof(url_for("results.region", region_code=area.code))
    if refused:
        return refused
    form = CertifyForm()
    return submit(
        form, lambda: certification.certify(area, current_user,
                                            override_reason=form.override_reason.data),
        page=lambda status, errors: _region_page(area, form, errors, status),
        done=url_for("results.region", region_code=area.code),
        flash_message=_("The results of %(region)s are certified.", region=_name(area)),
        flash_category="info")


@bp.post("/<region_code>/withdraw")
def withdraw(region_code: str):
    area = _region_or_404(region_code)
    require(area.can_certify(current_user))
    refused = stepup.require_fresh_proof(url_for("results.region", region_code=area.code))
    if refused:
        return refused
    form = WithdrawForm()
    return submit(
        form, lambda: certification.withdraw(area, current_user, reason=form.reason.data),
        page=lambda status, errors: _region_page(area, CertifyForm(formdata=None), errors,
                                                 status, withdraw_form=form),
        done=url_for("results.region", region_code=area.code),
        flash_message=_("The certification of %(region)s is withdrawn.", region=_name(area)),
        flash_category="info")


# -- results import ------------------------------------------------------------------------

def _import_page(form: ResultsImportForm, election: Election | None,
                 failure: ImportFailed | None = None, status: int = 200):
    errors = failure.errors if failure else []
    return render_template(
        "results/import.html", form=form, election=election, columns=IMPORTERS["results"][1],
        errors=errors[:MAX_ERRORS_SHOWN], more=max(0, len(errors) - MAX_ERRORS_SHOWN)), status


@bp.route("/import", methods=["GET", "POST"])
def import_results():
    # The import writes results of every region: the desk asks for a whole-election scope.
    require(RESULTS_IMPORT.can_open(current_user))
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
