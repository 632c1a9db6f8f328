"""The queue's filters as a GET form, shared by the queue page, the exports and the staff
API: the same choices, the same validation (unknown values ignored), the same QueueFilters."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from wtforms import Form, SearchField, SelectChoice, SelectField
from wtforms.validators import Length, Optional

from casework.accounts.models import User
from casework.accounts.queries import active_committee_member
from casework.cases import queue_choices
from casework.cases.channels import channel_choices
from casework.cases.models import CaseState, Category
from casework.cases.queue_conditions import NO_REGION, SORTS, QueueFilters, QueueScope
from casework.core.i18n import sorted_by_name
from casework.elections.models import Candidate, Election
from casework.elections.queries import in_tree_order
from casework.extensions import db

SORT_LABELS = {"newest": _l("Newest first"), "oldest": _l("Oldest first"),
               "due": _l("Due soonest"), "updated": _l("Recently changed")}
YES_NO = {"yes": True, "no": False}
PREPARED = queue_choices.PreparedSelect()


class QueueFilterForm(Form):
    """Read from the query string: a GET form, no CSRF."""

    q = SearchField(_l("Search: words or reference"), validators=[Optional(), Length(max=200)])
    state = SelectField(_l("State"), validate_choice=False, widget=PREPARED)
    region = SelectField(_l("Region"), validate_choice=False, widget=PREPARED)
    category = SelectField(_l("Category"), validate_choice=False, widget=PREPARED)
    channel = SelectField(_l("Channel"), validate_choice=False, widget=PREPARED)
    candidate = SelectField(_l("Accused candidate"), validate_choice=False, widget=PREPARED)
    assignee = SelectField(_l("Assignee"), validate_choice=False, widget=PREPARED)
    overdue = SelectField(_l("Deadline"), validate_choice=False, widget=PREPARED)
    evidence = SelectField(_l("Evidence"), validate_choice=False, widget=PREPARED)
    sort = SelectField(_l("Sort"), validate_choice=False, widget=PREPARED)
    groups = SelectField(_l("Mass complaints"), validate_choice=False, widget=PREPARED)


FIELDS = ("state", "region", "category", "channel", "candidate", "assignee", "overdue",
          "evidence", "sort", "groups")
EACH = "each"  # the groups filter's value for "show each complaint" (queue_groups)


def _make_choices(scope: QueueScope, locale: str) -> dict[str, list[SelectChoice]]:
    """The filters' options, translated once."""
    every = SelectChoice("", _("All"))
    return {
        "state": [every] + [SelectChoice(s.value, str(s.label)) for s in CaseState],
        "region": [every] + [
            SelectChoice(r.code, ("— " if r.parent_id else "") + r.name(locale))
            for r in in_tree_order(scope.visible_regions(), locale)] + (
            [SelectChoice(NO_REGION, _("Region not set yet"))] if scope.region_ids is None
            else []),
        "category": [every] + [SelectChoice(c.value, str(c.label)) for c in Category],
        "channel": [every] + [SelectChoice(value, str(label))
                              for value, label in channel_choices()],
        "candidate": [every] + [SelectChoice(code, f"{name} ({code})") for code, name
                                in candidates_for_filter(scope.election, locale)],
        "assignee": [every, SelectChoice("me", _("Assigned to me")),
                     SelectChoice("none", _("Not assigned"))] + [
            SelectChoice(str(user_id), name) for user_id, name in assignees_for_filter()],
        "overdue": [every, SelectChoice("yes", _("Overdue")),
                    SelectChoice("no", _("Not overdue"))],
        "evidence": [every, SelectChoice("yes", _("With evidence")),
                     SelectChoice("no", _("Without evidence")),
                     SelectChoice("reused", _("Evidence also in other cases"))],
        "sort": [SelectChoice(key, str(SORT_LABELS[key])) for key in SORTS],
        "groups": [SelectChoice("", _("One row per group")),
                   SelectChoice(EACH, _("Show each complaint"))],
    }


def fill_choices(form: QueueFilterForm, scope: QueueScope, locale: str) -> tuple:
    """The filters' options (a page renders about 150 of them): made and rendered once per
    election data, language and region scope (casework.cases.queue_choices); returns that
    key."""
    regions = None if scope.region_ids is None else tuple(sorted(scope.region_ids))
    key = (scope.election.id, queue_choices.fingerprint(scope.election), locale, regions)
    prepared = queue_choices.cached(key, lambda: {
        name: queue_choices.rendered(choices)
        for name, choices in _make_choices(scope, locale).items()})
    for name in FIELDS:
        field = getattr(form, name)
        field.choices = prepared[name].choices
        field.prepared = prepared[name]
    return key


def known_choice(value: str | None, choices) -> str | None:
    """The submitted value if it is one of the field's choices, else None (ignored)."""
    return value if value and any(c.value == value for c in choices) else None


def filters_from_form(form: QueueFilterForm) -> QueueFilters:
    value = {name: known_choice(getattr(form, name).data, getattr(form, name).choices)
             for name in FIELDS}
    return QueueFilters(
        state=CaseState(value["state"]) if value["state"] else None,
        region_code=value["region"],
        category=Category(value["category"]) if value["category"] else None,
        channel=value["channel"],
        candidate_code=value["candidate"], assignee_id=value["assignee"],
        overdue=YES_NO.get(value["overdue"] or ""), has_evidence=YES_NO.get(value["evidence"] or ""),
        evidence_reused=True if value["evidence"] == "reused" else None,
        q=(form.q.data or "").strip() if not form.q.errors else "",
        sort=value["sort"] or "newest")


def candidates_for_filter(election: Election, locale: str) -> list[tuple[str, str]]:
    """(code, name in `locale`) of the election's candidates, in `locale`'s alphabet."""
    rows = db.session.execute(select(Candidate.code, Candidate.name_kk, Candidate.name_ru,
                                     Candidate.name_en)
                              .where(Candidate.election_id == election.id)
                              .order_by(Candidate.code))
    index = {"kk": 1, "ru": 2, "en": 3}.get(locale, 1)
    return sorted_by_name([(row[0], row[index] or row[1]) for row in rows], locale,
                          lambda pair: pair[1])


def assignees_for_filter() -> list[tuple[int, str]]:
    """(id, name) of the active committee members a case can be assigned to."""
    return [tuple(row) for row in db.session.execute(
        select(User.id, User.full_name).where(active_committee_member())
        .order_by(User.full_name, User.id))]
