"""The queue's filters as a GET form, shared by the queue page, the exports and the staff
API: the same choices, the same validation (unknown values ignored), the same QueueFilters."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import Form, SearchField, SelectChoice, SelectField
from wtforms.validators import Length, Optional

from casework.cases.channels import channel_choices
from casework.cases.models import CaseState, Category
from casework.cases.queries import (
    NO_REGION,
    SORTS,
    QueueFilters,
    QueueScope,
    assignees_for_filter,
    candidates_for_filter,
)
from casework.elections.queries import in_tree_order

SORT_LABELS = {"newest": _l("Newest first"), "oldest": _l("Oldest first"),
               "due": _l("Due soonest"), "updated": _l("Recently changed")}
YES_NO = {"yes": True, "no": False}


class QueueFilterForm(Form):
    """Read from the query string: a GET form, no CSRF."""

    q = SearchField(_l("Search: words or reference"), validators=[Optional(), Length(max=200)])
    state = SelectField(_l("State"), validate_choice=False)
    region = SelectField(_l("Region"), validate_choice=False)
    category = SelectField(_l("Category"), validate_choice=False)
    channel = SelectField(_l("Channel"), validate_choice=False)
    candidate = SelectField(_l("Accused candidate"), validate_choice=False)
    assignee = SelectField(_l("Assignee"), validate_choice=False)
    overdue = SelectField(_l("Deadline"), validate_choice=False)
    evidence = SelectField(_l("Evidence"), validate_choice=False)
    sort = SelectField(_l("Sort"), validate_choice=False)


def fill_choices(form: QueueFilterForm, scope: QueueScope, locale: str) -> None:
    """The filters' options, translated once (a page renders about 180 of them)."""
    every = SelectChoice("", _("All"))
    form.state.choices = [every] + [SelectChoice(s.value, str(s.label)) for s in CaseState]
    form.region.choices = [every] + [
        SelectChoice(r.code, ("— " if r.parent_id else "") + r.name(locale))
        for r in in_tree_order(scope.visible_regions(), locale)] + (
        [SelectChoice(NO_REGION, _("Region not set yet"))] if scope.region_ids is None else [])
    form.category.choices = [every] + [SelectChoice(c.value, str(c.label)) for c in Category]
    form.channel.choices = [every] + [SelectChoice(value, str(label))
                                      for value, label in channel_choices()]
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


def known_choice(value: str | None, choices) -> str | None:
    """The submitted value if it is one of the field's choices, else None (ignored)."""
    return value if value and any(c.value == value for c in choices) else None


def filters_from_form(form: QueueFilterForm) -> QueueFilters:
    value = {name: known_choice(getattr(form, name).data, getattr(form, name).choices)
             for name in ("state", "region", "category", "channel", "candidate", "assignee",
                          "overdue", "evidence", "sort")}
    return QueueFilters(
        state=CaseState(value["state"]) if value["state"] else None,
        region_code=value["region"],
        category=Category(value["category"]) if value["category"] else None,
        channel=value["channel"],
        candidate_code=value["candidate"], assignee_id=value["assignee"],
        overdue=YES_NO.get(value["overdue"] or ""), has_evidence=YES_NO.get(value["evidence"] or ""),
        q=(form.q.data or "").strip() if not form.q.errors else "",
        sort=value["sort"] or "newest")
