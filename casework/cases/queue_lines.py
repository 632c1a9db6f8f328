"""The queue page's rows read as plain values: two Core selects, no mapped objects.

Loading 50 cases with their region, deadline and assignee as mapped objects (identity map,
instance state, a selectinload of the accused) was a quarter of a queue page's cost; the page
shows a dozen values of each (issue 16). `lines` is the `load` of `queries.queue_page` for
the page: the same rows in the same order, each a `QueueLine` with only what a row shows and
its key needs. The staff API and the exports still read mapped objects (`queries.orm_rows`).
"""

import functools
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, bindparam, select

from casework.accounts.models import User
from casework.cases.deadlines import ReceivedDue
from casework.cases.models import Case, CaseDeadline, CaseState, Category, case_candidates
from casework.cases.queries import clock
from casework.cases.workflow import DeadlineKind
from casework.core.cache import app_cache
from casework.elections.models import Candidate, Localized, Region
from casework.extensions import db


@dataclass(frozen=True, slots=True)
class Names(Localized):
    """A region's or candidate's three names; `name(locale)` as on the model."""

    name_kk: str
    name_ru: str
    name_en: str


@dataclass(frozen=True, slots=True)
class QueueLine:
    id: int
    reference: str
    state: CaseState
    category: Category
    has_evidence: bool
    created_at: datetime
    state_changed_at: datetime
    region: Names | None
    accused: tuple[Names, ...]  # by candidate code, as Case.accused
    assignee_name: str | None
    due_at: datetime | None
    overdue: bool
    paused: bool
    kind: DeadlineKind | None = None  # the legal period running
    text_group_id: int | None = None  # a mass-complaint group (cases/queue_groups.py)
    group_size: int = 0  # folded: the members this row stands for

    def sort_value(self, name: str) -> datetime | None:
        return getattr(self, name)


@dataclass(frozen=True, slots=True)
class _Clock:  # what queries.clock reads of a deadline row
    due_at: datetime | None
    paused_at: datetime | None
    state: CaseState
    kind: DeadlineKind | None


@functools.cache
def _statement() -> Select:
    """Built once (composing it cost as much as running it); each page adds its ids."""
    return (select(Case.id, Case.reference, Case.state, Case.category, Case.has_evidence,
                   Case.created_at, Case.state_changed_at, Region.id.label("region_id"),
                   Region.name_kk, Region.name_ru, Region.name_en,
                   User.full_name.label("assignee_name"),
                   CaseDeadline.case_id.label("clock_id"), CaseDeadline.due_at,
                   CaseDeadline.paused_at, CaseDeadline.state.label("clock_state"),
                   CaseDeadline.kind.label("clock_kind"), Case.text_group_id)
            .select_from(Case)
            .outerjoin(Region, Region.id == Case.region_id)
            .outerjoin(CaseDeadline, CaseDeadline.case_id == Case.id)
            .outerjoin(User, User.id == Case.assignee_id))


@functools.cache
def _accused_statement() -> Select:
    return (select(case_candidates.c.case_id, Candidate.name_kk, Candidate.name_ru,
                   Candidate.name_en)
            .join(Candidate, Candidate.id == case_candidates.c.candidate_id)
            .where(case_candidates.c.case_id.in_(bindparam("ids", expanding=True)))
            .order_by(case_candidates.c.case_id, Candidate.code))


# A page's id subquery -> the statement joined to it, made once too for the first pages that
# queries.queue_page keeps: the same statement object again is neither composed, nor keyed,
# nor its result columns matched again by SQLAlchemy. Bounded and holding its keys: a weak
# map leaked every other page (its value refers to its key, so no key ever went; ~100 KB a
# search request, found by bench-peer's RSS).
KEPT_JOINED = 64


def lines(source, order_by: list, now: datetime, received_due: ReceivedDue,
          params: dict) -> list[QueueLine]:
    """The rows of an id subquery (joined, in `order_by`; `params`: the values it takes) or
    of a list of ids (any order)."""
    if isinstance(source, list):
        statement = _statement().where(Case.id.in_(source))
    else:
        statement = app_cache("cases.queue_joined", size=KEPT_JOINED).get_or_make(
            source, lambda: _statement().join(source, source.c.id == Case.id)
            .order_by(*order_by))
    # Core statements on the session's connection: the ORM's execution path adds a third.
    connection = db.session.connection()
    found = connection.execute(statement, params).all()
    if not found:
        return []
    accused: dict[int, list[Names]] = {}
    for case_id, kk, ru, en in connection.execute(
            _accused_statement(), {"ids": [row[0] for row in found]}):
        accused.setdefault(case_id, []).append(Names(kk, ru, en))
    result = []
    for (case_id, reference, state, category, has_evidence, created_at, changed_at,
         region_id, region_kk, region_ru, region_en, assignee_name,
         clock_id, due_at, paused_at, clock_state, clock_kind, text_group_id) in found:
        deadline = _Clock(due_at, paused_at, clock_state, clock_kind) if clock_id is not None else None
        result.append(QueueLine(
            case_id, reference, state, category, has_evidence, created_at, changed_at,
            Names(region_kk, region_ru, region_en) if region_id is not None else None,
            tuple(accused.get(case_id, ())), assignee_name,
            *clock(state, created_at, deadline, now, received_due), text_group_id))
    return result
