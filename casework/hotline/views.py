"""The hotline console: one screen per call, keyboard first; the call log with each operator's day."""

import secrets

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import get_locale, get_timezone
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError
from wtforms import SelectChoice

from casework.accounts.roles import CALL_LOG, HOTLINE_CONSOLE
from casework.cases.identity_mask import Entered, record_list_view, visible_on_list
from casework.cases.models import Case
from casework.core.db import utcnow
from casework.core.i18n import LANGUAGES
from casework.core.refusal import Refusal, on_form
from casework.core.timezones import local_today
from casework.core.web import load_or_404, require, submit
from casework.elections.queries import current_election
from casework.extensions import db
from casework.hotline import services
from casework.hotline.forms import (
    PURPOSE_KEYS,
    CallLogFilters,
    FinishCallForm,
    FollowUpForm,
    StartCallForm,
    purpose_choices,
)
from casework.hotline.history import caller_history
from casework.hotline.models import Call, CallPurpose
from casework.intake import tracking
from casework.intake.choices import with_reference_options
from casework.intake.forms import ComplaintForm
from casework.intake.models import Complaint
from casework.intake.services import find_submission, tracking_code_for

# The public form's request-to-draft helpers, so both forms stay one form.
from casework.intake.views import draft_from, refusal_on_form, uploads_from

bp = Blueprint("hotline", __name__, url_prefix="/hotline")

RECEIPT_KEY = "hotline_receipt"


@bp.app_template_filter("hotline_duration")
def duration(seconds) -> str:
    if seconds is None:
        return "—"
    seconds = int(seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


@bp.app_template_filter("hotline_phone")
def phone(number) -> str:
    return services.display_number(number)


def _tz() -> str:
    return str(get_timezone())


def _today():
    return local_today(_tz())


def _flash_all(messages: list[str]) -> None:
    """A refusal's messages that belong to no field of the form, shown above it."""
    for message in messages:
        flash(message, "error")


def _call_or_404(call_id: int) -> Call:
    call = load_or_404(db.session.get(Call, call_id))
    require(call.can_handle(current_user))
    return call


def _open_call_or_back(call_id: int) -> Call:
    call = _call_or_404(call_id)
    if call.ended_at is not None:
        flash(_("This call is already finished. Start a new call."), "error")
        abort(redirect(url_for("hotline.console")))
    return call


def _elapsed(call: Call) -> int:
    """The timer's seconds: on the line since the answer (a reported call) or the start;
    stopped at the hang-up; 0 while it rings."""
    return call_timer(call)[1]


@bp.app_template_global("hotline_timer")
def call_timer(call: Call) -> tuple[str, int]:
    """(state, seconds): "ringing", "talking" (the timer runs) or "ended" (stopped)."""
    if call.hung_up_at is not None:
        return "ended", call.talk_seconds or 0
    if call.ringing:
        return "ringing", 0
    since = call.answered_at or call.started_at
    return "talking", max(0, int((utcnow() - since).total_seconds()))


def _console(start: StartCallForm | None = None, finish: FinishCallForm | None = None,
             status: int = 200, loose: list[str] | None = None):
    _flash_all(loose or [])
    call = services.open_call(current_user)
    start = start or StartCallForm(language=str(get_locale()))
    if finish is None:
        finish = FinishCallForm()
        if call is not None and call.complaint_id is not None:
            finish.purpose.data = CallPurpose.COMPLAINT.value
        elif call is not None and call.case_id is not None:
            finish.purpose.data = CallPurpose.FOLLOW_UP.value
    return render_template(
        "hotline/console.html", call=call, start=start, finish=finish,
        elapsed=_elapsed(call) if call else 0,
        timer_state=call_timer(call)[0] if call else None,
        history=caller_history(call, current_user) if call else None,
        stats=services.operator_day(current_user, _today(), _tz()),
        purpose_keys=PURPOSE_KEYS), status


@bp.get("/")
def console():
    require(HOTLINE_CONSOLE.can_open(current_user))
    return _console()


@bp.post("/calls")
def start():
    require(HOTLINE_CONSOLE.can_open(current_user))
    form = StartCallForm()
    return submit(form, lambda: services.start_call(current_user, number=form.number.data,
                                                    language=form.language.data),
                  page=lambda status, loose: _console(start=form, status=status, loose=loose),
                  done=url_for("hotline.console"))


def _logged(call: Call) -> str:
    """After a call is logged: the console again, with what was logged."""
    session.pop(RECEIPT_KEY, None)
    flash(_("Call logged: %(purpose)s, %(time)s.", purpose=call.purpose.label,
            time=duration(call.handling_seconds)), "info")
    return url_for("hotline.console")


@bp.post("/calls/<int:call_id>/finish")
def finish(call_id: int):
    call = _open_call_or_back(call_id)
    form = FinishCallForm()
    return submit(form, lambda: services.finish_call(call, current_user,
                                                     purpose=form.purpose.data,
                                                     note=form.note.data),
                  page=lambda status, loose: _console(finish=form, status=status, loose=loose),
                  done=_logged)


def _complaint_form(election, call: Call) -> ComplaintForm:
    form = ComplaintForm()
    with_reference_options(form, election)
    if request.method == "GET":  # the caller is the complainant unless they ask otherwise
        form.identity.data = "named"
        form.phone.data = services.display_number(call.caller_number)
    if not form.submission_key.data:
        form.submission_key.data = secrets.token_urlsafe(24)
    return form


def _render_complaint(call: Call, form: ComplaintForm, status: int = 200):
    return render_template("hotline/complaint.html", call=call, form=form,
                           elapsed=_elapsed(call)), status


@bp.route("/calls/<int:call_id>/complaint", methods=["GET", "POST"])
def complaint(call_id: int):
    call = _open_call_or_back(call_id)
    election = load_or_404(current_election())
    form = _complaint_form(election, call)
    if request.method == "GET":
        return _render_complaint(call, form)
    # One round, as on the public form: the shape, the rules and the files are checked on
    # every send, so the operator hears of every mistake while the caller is on the line.
    shaped = form.validate_on_submit()
    uploads = uploads_from(form.evidence.data or [])
    if not uploads and not form.confirm_no_evidence.data:
        form.confirm_no_evidence.errors = [_("Attach the files the caller sent, or tick that "
                                             "there is no evidence.")]
    ready = shaped and not form.confirm_no_evidence.errors
    draft = draft_from(form, election)
    try:
        if ready:
            services.record_complaint(call, current_user, draft, uploads)
            db.session.commit()
        else:
            services.check_recorded(call, current_user, draft, uploads)
    except Refusal as refusal:
        db.session.rollback()
        refusal_on_form(form, refusal)
        return _render_complaint(call, form, refusal.status)
    except IntegrityError:  # the same form sent twice at once: the first one won
        db.session.rollback()
    if not ready:
        return _render_complaint(call, form, 422)
    session[RECEIPT_KEY] = {"call": call.id, "key": form.submission_key.data}
    return redirect(url_for("hotline.complaint_done", call_id=call.id))


@bp.get("/calls/<int:call_id>/complaint/done")
def complaint_done(call_id: int):
    call = _call_or_404(call_id)
    info = session.get(RECEIPT_KEY) or {}
    key = info.get("key") if info.get("call") == call.id else None
    complaint = find_submission(key) if key else None
    if complaint is None or complaint.id != call.complaint_id:
        return redirect(url_for("hotline.console"))
    code = tracking_code_for(key)
    languages = [call.language] + [lang for lang in LANGUAGES if lang != call.language]
    spoken = {lang: _groups(services.spoken_code(code, lang)) for lang in languages}
    return render_template("hotline/complaint_done.html", call=call, complaint=complaint,
                           reference=complaint.case.reference, code=tracking.grouped(code),
                           spoken=spoken, languages=languages)


def _groups(spoken: list[tuple[str, str]]) -> list[list[tuple[str, str]]]:
    groups: list[list[tuple[str, str]]] = [[]]
    for char, word in spoken:
        if char == "-":
            groups.append([])
        else:
            groups[-1].append((char, word))
    return groups


@bp.route("/calls/<int:call_id>/follow-up", methods=["GET", "POST"])
def follow_up(call_id: int):
    call = _open_call_or_back(call_id)
    form = FollowUpForm()
    if request.method == "GET":
        form.q.data = services.display_number(call.caller_number)
    elif not form.validate_on_submit():
        return _render_follow_up(call, form, [], 422)
    matches = services.find_cases(form.q.data or "", current_user)
    form.target.choices = [SelectChoice(m.key, m.reference) for m in matches]
    if request.method == "POST" and form.add.data:
        chosen = next((m for m in matches if m.key == form.target.data), None)
        if chosen is None:
            form.target.errors = [_("Find the caller's case and choose it first.")]
            return _render_follow_up(call, form, matches, 422)
        case = db.session.get(Case, chosen.case_id)
        complaint = db.session.get(Complaint, chosen.complaint_id) if chosen.complaint_id else None
        return submit(form, lambda: services.log_follow_up(call, current_user, case,
                                                           form.message.data or "",
                                                           complaint=complaint),
                      validate=False, done=url_for("hotline.console"),
                      page=lambda status, loose: _render_follow_up(call, form, matches, status,
                                                                   loose),
                      flash_message=_("The call was added to case %(reference)s.",
                                      reference=chosen.reference))
    if matches and form.target.data not in {m.key for m in matches}:
        form.target.data = matches[0].key
    return _render_follow_up(call, form, matches)


def _render_follow_up(call: Call, form: FollowUpForm, matches: list, status: int = 200,
                      loose: list[str] | None = None):
    _flash_all(loose or [])
    return render_template("hotline/follow_up.html", call=call, form=form, matches=matches,
                           searched=bool((form.q.data or "").strip()),
                           elapsed=_elapsed(call)), status


@bp.get("/log")
def call_log():
    require(CALL_LOG.can_open(current_user))
    console_open = HOTLINE_CONSOLE.can_open(current_user)
    filters = CallLogFilters(request.args)
    filters.operator.choices = [SelectChoice("", _("All operators"))] + [
        SelectChoice(str(u.id), u.full_name) for u in services.console_staff()]
    filters.purpose.choices = [SelectChoice("", _("All purposes")), *purpose_choices()]
    if "date" not in request.args:
        filters.date.data = _today()
    filters.validate()
    day = filters.date.data if not filters.date.errors else None
    query = services.LogFilters(
        operator_id=int(filters.operator.data) if (filters.operator.data or "").isdigit() else None,
        purpose=CallPurpose(filters.purpose.data) if filters.purpose.data in set(CallPurpose)
        else None, day=day, tz=_tz(), before_id=request.args.get("before", type=int),
        limit=services.LOG_PAGE_SIZE)
    calls: list[Call] = []
    try:
        # Finding calls by number is the console's look-up: only for those who have it.
        query.number = services.normalize_number(filters.number.data) if console_open else None
    except Refusal as refusal:
        on_form(filters, refusal)
    else:
        calls = services.call_log(query)
    more = len(calls) > query.limit
    calls = calls[:query.limit]
    args = {k: v for k, v in request.args.items() if k != "before"}
    next_url = url_for("hotline.call_log", **args, before=calls[-1].id) if more else None
    stats_day = day or _today()
    # Callers' numbers as on the case page: shown to whoever took the call, for a while,
    # and to a member with a live approval for the call's case.
    shown = visible_on_list([Entered(f"call:{c.id}", c.case, c.operator_id, c.started_at)
                             for c in calls if c.caller_number], current_user)
    record_list_view(current_user, shown, "call_log")
    db.session.commit()  # the audit entry of what was shown
    return render_template("hotline/log.html", filters=filters, calls=calls, next_url=next_url,
                           day=stats_day, operators=services.operators_day(stats_day, _tz()),
                           console_open=console_open, shown=shown)
