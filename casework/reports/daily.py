"""The daily report: one day's figures (the election's local day) for the user's region scope.

Sections: new cases by region, by category and by channel; the workflow moves of the day;
sanctions proposed, enforced and reversed that day by type; the cases open now by state
(from the maintained counters: the figure is "now", which the report says for a past day);
the hotline calls of the day. Eight queries whatever the size of the day, each limited to
the day's range of an indexed time column (transitions and sanctions: see the report).

Hotline calls carry no region: staff of all regions get every call of the day, staff of
some regions only the calls linked to a case in their scope.
"""

from collections import Counter
from datetime import date, datetime
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, func, or_, select

from casework.accounts.models import User
from casework.cases.models import Case, CaseState, CaseStateCount, CaseTransition, Category
from casework.cases.queue_conditions import QueueScope, region_condition
from casework.cases.workflow import OPEN_STATES, InadmissibleReason, Outcome
from casework.core.db import utcnow
from casework.core.timezones import day_bounds, local_today
from casework.elections.models import Election
from casework.extensions import db
from casework.hotline.models import Call, CallPurpose
from casework.intake.models import Channel, Complaint
from casework.reports.export_writers import Table, local_cell
from casework.sanctions.models import Sanction, SanctionType

# The moves of the day, in the workflow's order: (action, label); reject is broken down by
# reason, decide and redecide by outcome.
ACTIONS = (
    ("start_screening", _l("Screening started")),
    ("admit", _l("Admitted for investigation")),
    ("reject", _l("Declared inadmissible")),
    ("merge", _l("Merged into another case")),
    ("request_cure", _l("Sent back for cure")),
    ("cure_received", _l("Cure received")),
    ("cure_lapsed", _l("Cure period expired")),
    ("request_info", _l("Information requested")),
    ("info_received", _l("Information received")),
    ("ready_findings", _l("Findings ready")),
    ("decide", _l("Decided")),
    ("appeal", _l("Appealed")),
    ("reopen", _l("Reopened on appeal")),
    ("redecide", _l("Decided on appeal")),
    ("close", _l("Closed")),
)


def _scoped(scope: QueueScope, *conditions) -> list:
    limit = region_condition(scope.selection(None))
    return [*conditions] + ([limit] if limit is not None else [])


def _about(user: User, election: Election, day: date, now: datetime, locale: str,
           scope: QueueScope) -> Table:
    if scope.region_ids is None:
        regions = _("All regions")
    else:
        regions = "; ".join(f"{r.code} {r.name(locale)}" for r in
                            sorted(user.regions, key=lambda r: r.code)
                            if r.election_id == election.id)
    rows: list[list[Any]] = [
        [_("Election"), f"{election.code} {election.name(locale)}"],
        [_("Day"), day.isoformat()],
        [_("Time zone"), election.timezone],
        [_("Regions"), regions],
        [_("Generated at"), local_cell(now, election)],
    ]
    if day != local_today(election, now):
        rows.append([_("Note"), _("Open cases are counted now, not at the end of %(day)s.",
                                  day=day.isoformat())])
    return Table(_("Daily report"), [_("Item"), _("Value")], rows)


def _new_cases(scope: QueueScope, start: datetime, end: datetime,
               locale: str) -> tuple[Table, Table]:
    counts = db.session.execute(
        select(Case.region_id, Case.category, func.count())
        .where(*_scoped(scope, Case.election_id == scope.election.id,
                        Case.created_at >= start, Case.created_at < end))
        .group_by(Case.region_id, Case.category)).all()
    by_region: Counter = Counter()
    by_category: Counter = Counter()
    for region_id, category, n in counts:
        by_region[region_id] += n
        by_category[Category(category)] += n
    regions = {r.id: r for r in scope.regions}
    region_rows = sorted(([regions[i].code, regions[i].name(locale), n]
                          for i, n in by_region.items() if i is not None and i in regions),
                         key=lambda row: row[0])
    if by_region.get(None):
        region_rows.append(["", _("Region not set yet"), by_region[None]])
    region_rows.append(["", _("Total"), sum(by_region.values())])
    category_rows = [[str(c.label), by_category.get(c, 0)] for c in Category]
    category_rows.append([_("Total"), sum(by_category.values())])
    return (Table(_("New cases by region"), [_("Region code"), _("Region"), _("New cases")],
                  region_rows),
            Table(_("New cases by category"), [_("Category"), _("New cases")], category_rows))


def _new_by_channel(scope: QueueScope, start: datetime, end: datetime) -> Table:
    counts = dict(db.session.execute(
        select(Complaint.channel, func.count(func.distinct(Case.id)))
        .join(Case, Case.id == Complaint.case_id)
        .where(*_scoped(scope, Case.election_id == scope.election.id,
                        Case.created_at >= start, Case.created_at < end))
        .group_by(Complaint.channel)).all())
    rows = [[str(c.label), counts.get(c, 0)] for c in Channel]
    return Table(_("New cases by channel"), [_("Channel"), _("New cases")], rows)


def _moves(scope: QueueScope, start: datetime, end: datetime) -> Table:
    counts: Counter = Counter()
    for action, reason, outcome, n in db.session.execute(
            select(CaseTransition.action, CaseTransition.reason_code, CaseTransition.outcome,
                   func.count())
            .join(Case, Case.id == CaseTransition.case_id)
            .where(*_scoped(scope, Case.election_id == scope.election.id,
                            CaseTransition.at >= start, CaseTransition.at < end))
            .group_by(CaseTransition.action, CaseTransition.reason_code,
                      CaseTransition.outcome)):
        if action == "reject":
            counts[(action, reason and InadmissibleReason(reason))] += n
        elif action in ("decide", "redecide"):
            counts[(action, outcome and Outcome(outcome))] += n
        else:
            counts[(action, None)] += n
    rows: list[list[Any]] = []
    for action, label in ACTIONS:
        if action == "reject":
            details = [(r, r.label) for r in InadmissibleReason]
        elif action in ("decide", "redecide"):
            details = [(o, o.label) for o in Outcome]
        else:
            details = [(None, "")]
        rows += [[str(label), str(detail), counts.get((action, key), 0)]
                 for key, detail in details]
    return Table(_("Workflow moves"), [_("Action"), _("Detail"), _("Count")], rows)


def _sanctions(scope: QueueScope, start: datetime, end: datetime) -> Table:
    def within(column):
        return and_(column >= start, column < end)

    counts = {SanctionType(kind): (int(p or 0), int(e or 0), int(r or 0))
              for kind, p, e, r in db.session.execute(
        select(Sanction.kind,
               func.sum(case((within(Sanction.proposed_at), 1), else_=0)),
               func.sum(case((within(Sanction.enforced_at), 1), else_=0)),
               func.sum(case((within(Sanction.reversed_at), 1), else_=0)))
        .join(Case, Case.id == Sanction.case_id)
        .where(*_scoped(scope, Case.election_id == scope.election.id,
                        or_(within(Sanction.proposed_at), within(Sanction.enforced_at),
                            within(Sanction.reversed_at))))
        .group_by(Sanction.kind))}
    rows = [[str(kind.label), *counts.get(kind, (0, 0, 0))] for kind in SanctionType]
    return Table(_("Sanctions"), [_("Type"), _("Proposed"), _("Enforced"), _("Reversed")],
                 rows)


def _open_now(scope: QueueScope) -> Table:
    statement = (select(CaseStateCount.state, func.sum(CaseStateCount.n))
                 .where(CaseStateCount.election_id == scope.election.id,
                        CaseStateCount.state.in_(sorted(OPEN_STATES)))
                 .group_by(CaseStateCount.state))
    selection = scope.selection(None)
    if selection is not None:
        statement = statement.where(CaseStateCount.region_key.in_(sorted(selection)))
    counts = {CaseState(s): int(n or 0) for s, n in db.session.execute(statement)}
    rows = [[str(s.label), counts.get(s, 0)] for s in CaseState if s in OPEN_STATES]
    rows.append([_("Total"), sum(counts.values())])
    return Table(_("Open cases now"), [_("State"), _("Cases")], rows)


def _calls(scope: QueueScope, start: datetime, end: datetime) -> Table:
    statement = (select(Call.purpose, func.count())
                 .where(Call.started_at >= start, Call.started_at < end)
                 .group_by(Call.purpose))
    if scope.region_ids is not None:
        statement = statement.join(Case, Case.id == Call.case_id).where(
            *_scoped(scope, Case.election_id == scope.election.id))
    counts = {CallPurpose(p): n for p, n in db.session.execute(statement)}
    rows = [[str(p.label), counts.get(p, 0)] for p in CallPurpose]
    rows.append([_("Total"), sum(counts.values())])
    return Table(_("Hotline calls"), [_("Purpose"), _("Calls")], rows)


def daily_report(user: User, election: Election, day: date, *, locale: str,
                 now: datetime | None = None) -> list[Table]:
    """The report's sections for `day` (a local day of the election) in the user's scope."""
    now = now or utcnow()
    scope = QueueScope.load(user, election)
    start, end = day_bounds(day, election)
    by_region, by_category = _new_cases(scope, start, end, locale)
    return [_about(user, election, day, now, locale, scope), by_region, by_category,
            _new_by_channel(scope, start, end), _moves(scope, start, end),
            _sanctions(scope, start, end), _open_now(scope), _calls(scope, start, end)]

