"""Exports of case lists, the daily report and the sanctions register (CSV, XLSX).

Each export: load the election (404 without one) -> the exports desk (403) -> validate the filters
(400 with the message on the filter) -> one service call, which records the audit entry ->
commit -> send. The audit entry is committed before a byte of the file is sent.
"""

from itertools import chain
from types import SimpleNamespace

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    render_template,
    request,
    send_file,
    stream_with_context,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import DateField, Form, SelectChoice, SelectField
from wtforms.validators import Optional

from casework.accounts.roles import EXPORT_CONTACTS, EXPORTS
from casework.cases.queue_conditions import QueueScope
from casework.cases.queue_filters import (
    QueueFilterForm,
    fill_choices,
    filters_from_form,
    known_choice,
)
from casework.core.i18n import page_locale
from casework.core.refusal import Refusal, on_form
from casework.core.timezones import local_today
from casework.core.web import require
from casework.elections.models import Election
from casework.elections.queries import current_election
from casework.extensions import db
from casework.reports import exports, sanction_export
from casework.reports.export_writers import FORMATS, Export
from casework.sanctions.models import SanctionStatus, SanctionType

bp = Blueprint("exports", __name__, url_prefix="/staff/exports")

QUEUE_FILTERS = ("state", "region", "category", "channel", "candidate", "assignee", "overdue",
                 "evidence", "sort")
VALUE_SHOWN = 40  # characters of a bad filter value repeated in the message


class DailyForm(Form):
    """GET form: no CSRF."""

    date = DateField(_l("Day"), validators=[Optional()])


class SanctionExportForm(Form):
    """GET form: no CSRF."""

    status = SelectField(_l("Status"), validate_choice=False)
    kind = SelectField(_l("Type"), validate_choice=False, name="type")
    date_from = DateField(_l("Proposed from"), validators=[Optional()], name="from")
    date_to = DateField(_l("Proposed until"), validators=[Optional()], name="to")



def _election_or_404(fmt: str) -> Election:
    """The current election, for a known format (csv, xlsx); 404 otherwise."""
    election = current_election() if fmt in FORMATS else None
    if election is None:
        abort(404)
    return election


def _forms(election: Election, scope: QueueScope, sent: str | None = None) -> dict:
    """The three forms; the one named `sent` filled from the query string."""
    args = request.args

    cases = QueueFilterForm(args if sent == "cases" else None)
    fill_choices(cases, scope, page_locale())
    daily = DailyForm(args if sent == "daily" else None,
                      date=local_today(election))
    sanctions = SanctionExportForm(args if sent == "sanctions" else None)
    every = SelectChoice("", _("All"))
    sanctions.status.choices = [every] + [SelectChoice(s.value, str(s.label))
                                          for s in SanctionStatus]
    sanctions.kind.choices = [every] + [SelectChoice(k.value, str(k.label)) for k in SanctionType]
    return {"cases": cases, "daily": daily, "sanctions": sanctions}


def _page(election: Election | None, forms: dict | None, status: int = 200,
          errors: dict | None = None):
    return render_template(
        "reports/exports.html", election=election, forms=forms, errors=errors or {},
        contacts=EXPORT_CONTACTS.can_open(current_user),
        max_rows=_max_rows()), status


def _check_queue_filters(form: QueueFilterForm) -> bool:
    """Every filter given names one of its choices (the queue ignores others; an export
    says so rather than export another list than the one asked for)."""
    form.validate()
    good = not form.q.errors
    for name in QUEUE_FILTERS:
        field = getattr(form, name)
        raw = request.args.get(name, "")
        if raw and known_choice(raw, field.choices) is None:
            field.errors = [_("“%(value)s” is not one of the choices of “%(filter)s”.",
                              value=raw[:VALUE_SHOWN], filter=field.label.text)]
            good = False
    return good


def _refused(election: Election, forms: dict, sent: str, refusal: Refusal):
    """Put a refusal on its filter, or at the top of the form; the page with its status.
    A refusal names the query parameter (`from`, `type`), which is the field's name."""
    db.session.rollback()
    by_parameter = SimpleNamespace(_fields={field.name: field for field in forms[sent]})
    loose = on_form(by_parameter, refusal)
    return _page(election, forms, refusal.status, {sent: loose} if loose else None)


def _commit_audit() -> None:
    """Commit the export's audit entry before a byte is sent. A streamed body is read after
    this request's session has closed, so this commit keeps the objects it loaded readable
    (not expired); the body's own queries run in a session of their own."""
    session = db.session()  # the request's Session itself, not the scoped proxy
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = True


def _send(export: Export) -> Response:
    if hasattr(export.body, "read"):
        response = send_file(export.body, mimetype=export.mimetype, as_attachment=True,
                             download_name=export.filename, max_age=0)
    else:
        # The first chunk (its first batch of rows) is read here, in the request: a fault
        # there is the app's own 500 page with its headers, not the server's bare one.
        first = next(export.body, "")
        response = Response(stream_with_context(chain([first], export.body)),
                            content_type=export.mimetype)
        response.headers["Content-Disposition"] = f'attachment; filename="{export.filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


def _max_rows() -> int:
    return int(current_app.config["CASEWORK_EXPORT_XLSX_MAX_ROWS"])


@bp.get("/")
def index():
    require(EXPORTS.can_open(current_user))
    election = current_election()
    if election is None:
        return _page(None, None)
    return _page(election, _forms(election, QueueScope.load(current_user, election)))


@bp.get("/cases.<fmt>")
def cases(fmt: str):
    election = _election_or_404(fmt)
    require(EXPORTS.can_open(current_user))
    scope = QueueScope.load(current_user, election)
    forms = _forms(election, scope, "cases")
    if not _check_queue_filters(forms["cases"]):
        return _page(election, forms, 400)
    try:
        export = exports.export_cases(current_user, scope, filters_from_form(forms["cases"]), fmt,
                                      locale=page_locale(), max_rows=_max_rows())
    except Refusal as error:
        return _refused(election, forms, "cases", error)
    _commit_audit()
    return _send(export)


@bp.get("/daily.<fmt>")
def daily(fmt: str):
    election = _election_or_404(fmt)
    require(EXPORTS.can_open(current_user))
    try:
        export = exports.export_daily(current_user, election, request.args.get("date"), fmt,
                                      locale=page_locale())
    except Refusal as error:
        forms = _forms(election, QueueScope.load(current_user, election), "daily")
        return _refused(election, forms, "daily", error)
    _commit_audit()
    return _send(export)


@bp.get("/sanctions.<fmt>")
def sanctions(fmt: str):
    election = _election_or_404(fmt)
    require(EXPORTS.can_open(current_user))
    try:
        export = sanction_export.export_sanctions(current_user, election, request.args, fmt,
                                                  locale=page_locale(), max_rows=_max_rows())
    except Refusal as error:
        forms = _forms(election, QueueScope.load(current_user, election), "sanctions")
        return _refused(election, forms, "sanctions", error)
    _commit_audit()
    return _send(export)
