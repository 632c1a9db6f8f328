"""The staff queue: GET /cases with filters, counts per state, search and keyset pages."""

from flask import Blueprint, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import Form, SearchField, SelectChoice, SelectField
from wtforms.validators import Length, Optional

from casework.accounts.models import Role
from casework.cases.models import CaseState, Category
from casework.cases.queries import (
    NO_REGION,
    SORTS,
    QueueFilters,
    QueueScope,
    assignees_for_filter,
    candidates_for_filter,
    queue_page,
    state_counts,
)
from casework.cases.workflow import STATE_LABELS
from casework.core.permissions import require_roles
from casework.elections.queries import current_election
from casework.intake.forms import CATEGORY_LABELS
from casework.intake.models import Channel

bp = Blueprint("queue", __name__)

QUEUE_ROLES = (Role.REVIEWER, Role.SECRETARY, Role.CHAIR, Role.AUDITOR)

CHANNEL_LABELS = {
    Channel.WEB: _l("Web form"),
    Channel.API: _l("API"),
    Channel.HOTLINE: _l("Hotline"),
    Channel.EMAIL: _l("Email"),
    Channel.SOCIAL_MEDIA: _l("Social media or press"),
    Channel.LETTER: _l("Letter"),
    Channel.WALK_IN: _l("Walk-in"),
}
SORT_LABELS = {"newest": _l("Newest first"), "oldest": _l("Oldest first"),
               "due": _l("Due soonest"), "updated": _l("Recently changed")}
YES_NO = {"yes": True, "no": False}


class QueueFilterForm(Form):
    """Read from the query string: a GET form, no CSRF."""

    q = SearchField(_l("Search in texts"), validators=[Optional(), Length(max=200)])
    state = SelectField(_l("State"), validate_choice=False)
    region = SelectField(_l("Region"), validate_choice=False)
    category = SelectField(_l("Category"), validate_choice=False)
    channel = SelectField(_l("Channel"), validate_choice=False)
    candidate = SelectField(_l("Accused candidate"), validate_choice=False)
    assignee = SelectField(_l("Assignee"), validate_choice=False)
    overdue = SelectField(_l("Deadline"), validate_choice=False)
    evidence = SelectField(_l("Evidence"), validate_choice=False)
    sort = SelectField(_l("Sort"), validate_choice=False)


def _choices(form: QueueFilterForm, scope: QueueScope, locale: str) -> None:
    """The filters' options, translated once (a page renders about 180 of them)."""
    every = SelectChoice("", _("All"))
    form.state.choices = [every] + [SelectChoice(s.value, str(STATE_LABELS[s])) for s in CaseState]
    form.region.choices = [every] + [
        SelectChoice(r.code, ("— " if r.parent_id else "") + r.name(locale))
        for r in scope.visible_regions()] + (
        [SelectChoice(NO_REGION, _("Region not set yet"))] if scope.region_ids is None else [])
    form.category.choices = [every] + [SelectChoice(c.value, str(label))
                                       for c, label in CATEGORY_LABELS.items()]
    form.channel.choices = [every] + [SelectChoice(c.value, str(label))
                                      for c, label in CHANNEL_LABELS.items()]
    form.candidate.choices = [every] + [SelectChoice(code, f"{name} ({code})") for code, name
                                        in candidates_for_filter(scope.election, locale)]
    form.assignee.choices = [every, SelectChoice("me", _("Assigned to me")),
                             SelectChoice("none", _("Not assigned"))] + [
        SelectChoice(str(user_id), name) for user_id, name in assignees_for_filter()]
    form.overdue.choices = [every, SelectChoice("yes", _("Overdue")),
                            SelectChoice("no", _("Not overdue"))]
    form.evidence.choices = [every, SelectChoice("yes", _("With evidence")),
                             SelectChoice("no", _("Without evidence"))]
    form.sort.choices = [SelectChoice(key, str(SORT_LABELS[key])) for key in SORTS]


def _known(value: str | None, choices) -> str | None:
    """The submitted value if it is one of the field's choices, else None (ignored)."""
    return value if value and any(c.value == value for c in choices) else None


def _filters(form: QueueFilterForm) -> QueueFilters:
    value = {name: _known(getattr(form, name).data, getattr(form, name).choices)
             for name in ("state", "region", "category", "channel", "candidate", "assignee",
                          "overdue", "evidence", "sort")}
    return QueueFilters(
        state=CaseState(value["state"]) if value["state"] else None,
        region_code=value["region"],
        category=Category(value["category"]) if value["category"] else None,
        channel=Channel(value["channel"]) if value["channel"] else None,
        candidate_code=value["candidate"], assignee_id=value["assignee"],
        overdue=YES_NO.get(value["overdue"] or ""), has_evidence=YES_NO.get(value["evidence"] or ""),
        q=(form.q.data or "").strip() if not form.q.errors else "",
        sort=value["sort"] or "newest")


def _state_links(counts: dict | None, args: dict, filters: QueueFilters) -> list[dict]:
    """One link per state (the other filters kept), with its count when there is one."""
    return [{"state": s, "label": STATE_LABELS[s], "count": None if counts is None else counts[s],
             "url": url_for("queue.queue", **{**args, "state": s.value}),
             "current": filters.state is s} for s in CaseState]


@bp.get("/cases")
@require_roles(*QUEUE_ROLES)
def queue():
    form = QueueFilterForm(request.args)
    election = current_election()
    if election is None:
        return render_template("cases/queue.html", form=None, election=None)
    scope = QueueScope.load(current_user, election)
    locale = str(get_locale())
    _choices(form, scope, locale)
    form.validate()
    filters = _filters(form)
    page = queue_page(current_user, election, filters, after=request.args.get("after"),
                      scope=scope)
    counts = state_counts(current_user, election, filters, scope=scope)
    args = {k: v for k, v in request.args.items() if k != "after" and v}
    return render_template(
        "cases/queue.html", form=form, election=election, page=page, filters=filters,
        counted=counts is not None, state_links=_state_links(counts, args, filters),
        all_url=url_for("queue.queue", **{k: v for k, v in args.items() if k != "state"}),
        next_url=url_for("queue.queue", **args, after=page.next_cursor)
        if page.next_cursor else None,
        first_url=url_for("queue.queue", **args) if request.args.get("after") else None,
        locale=locale, category_labels={k: str(v) for k, v in CATEGORY_LABELS.items()},
        state_labels={k: str(v) for k, v in STATE_LABELS.items()})
