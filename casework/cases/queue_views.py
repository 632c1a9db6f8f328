"""The staff queue: GET /cases with filters, counts per state, search and keyset pages."""

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_login import current_user

from casework.accounts.roles import EXPORTS, QUEUE
from casework.cases.access import load_case_for
from casework.cases.models import CaseState
from casework.cases.queries import queue_page
from casework.cases.queue_conditions import QueueFilters, QueueScope
from casework.cases.queue_counts import kept_state_counts, register
from casework.cases.queue_filters import EACH, QueueFilterForm, fill_choices, filters_from_form
from casework.cases.queue_head import queue_head, render_head
from casework.cases.queue_lines import lines
from casework.cases.queue_rows import rows_html
from casework.core.web import require
from casework.elections.queries import current_election
from casework.notifications.inbox import unread_with_cases

bp = Blueprint("queue", __name__)
register(bp)


def _state_links(counts: dict | None, args: dict, filters: QueueFilters) -> list[dict]:
    """One link per state (the other filters kept), with its count when there is one."""
    return [{"state": s, "label": s.label, "count": None if counts is None else counts[s],
             "url": url_for("queue.queue", **{**args, "state": s.value}),
             "current": filters.state is s} for s in CaseState]


@bp.get("/cases")
def queue():
    require(QUEUE.can_open(current_user))
    form = QueueFilterForm(request.args)
    election = current_election()
    if election is None:
        return render_template("cases/queue.html", form=None, election=None)
    scope = QueueScope.load(current_user, election)
    locale = str(get_locale())
    choices_key = fill_choices(form, scope, locale)
    form.validate()
    filters = filters_from_form(form)
    filters.fold_groups = form.groups.data != EACH
    # A reference typed in full goes to its case; one the user may not see is a plain miss.
    target = load_case_for(current_user, filters.q) if filters.q else None
    if target is not None:
        return redirect(url_for("cases.case_page", reference=target.reference))
    page = queue_page(current_user, election, filters, after=request.args.get("after"),
                      scope=scope, load=lines)
    counts = kept_state_counts(current_user, election, filters, scope)
    args = {k: v for k, v in request.args.items() if k != "after" and v}
    # The header's inbox count and the rows' unread marks: one statement.
    inbox_unread, unread = unread_with_cases(current_user, [row.id for row in page.rows])
    head = queue_head(form, choices_key, args, counts, lambda shown: render_head(
        form=form, filters=filters, counted=counts is not None,
        state_links=_state_links(counts, shown, filters),
        all_url=url_for("queue.queue", **{k: v for k, v in shown.items() if k != "state"})))
    return render_template(
        "cases/queue.html", election=election, page=page, queue_head=head,
        next_url=url_for("queue.queue", **args, after=page.next_cursor)
        if page.next_cursor else None,
        first_url=url_for("queue.queue", **args) if request.args.get("after") else None,
        can_export=EXPORTS.can_open(current_user),
        unread_notifications=lambda _user: inbox_unread,
        rows_html=rows_html(page.rows, unread, locale))
