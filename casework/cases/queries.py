"""The staff queue's pages (and the candidates of the conflicts page). What a page asks for and
the reader's scope: casework.cases.queue_conditions; the cursors and the "due soonest" page:
queue_paging; the counts per state: queue_counts; possible duplicates: casework.cases.similar.

A page is one statement: the keyset-limited ids in an inner query (index-ordered, LIMIT n+1),
joined back to the region, deadline and assignee the rows show; the accused come in one
selectinload. Counts per state come from the maintained counters (case_state_counts), for
the filters they can answer (region and category); under other filters the page shows no
counts rather than count a large share of a million rows on every page.
"""

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Select,
    select,
    tuple_,
)
from sqlalchemy.orm import contains_eager, load_only, selectinload
from sqlalchemy.sql.elements import False_
from sqlalchemy.sql.util import ClauseAdapter

from casework.accounts.models import User
from casework.cases import queue_groups, search, search_window
from casework.cases.deadlines import ReceivedDue, received_clock
from casework.cases.models import (
    Case,
    CaseDeadline,
    CaseState,
)
from casework.cases.queue_conditions import (
    PAGE_MAX,
    PAGE_SIZE,
    SORT_KEYS,
    SORTS,
    QueueFilters,
    QueueScope,
    conditions_searched,
    filter_conditions,
)
from casework.cases.queue_paging import (
    Page,
    decode_cursor,
    due_page,
    encode_cursor,
    read_in_order,
)
from casework.cases.workflow import DeadlineKind
from casework.core.cache import app_cache
from casework.core.db import utcnow
from casework.core.i18n import sorted_by_name
from casework.elections.models import Candidate, CandidateStatus, Election, Region
from casework.extensions import db

# -- the page -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class QueueRow:
    case: Case
    assignee: User | None
    due_at: datetime | None
    overdue: bool
    paused: bool
    kind: DeadlineKind | None = None  # the legal period running
    group_size: int = 0  # folded mass complaints: the members this row stands for

    @property
    def id(self) -> int:
        return self.case.id

    @property
    def text_group_id(self) -> int | None:
        return self.case.text_group_id

    def sort_value(self, name: str) -> datetime | None:
        return getattr(self.case, name)




# (an id subquery or a list of ids, the order, now, how a case that never moved is due, the
# values a kept statement takes) -> rows having `id` and `sort_value`
RowLoader = Callable[[Any, list, datetime, ReceivedDue, dict], list]




def clock(state: CaseState, created_at: datetime, deadline: CaseDeadline | None,
          now: datetime, received_due: ReceivedDue
          ) -> tuple[datetime | None, bool, bool, DeadlineKind | None]:
    """(due, overdue, paused, the legal period running) of a case and its deadline row (None:
    it never moved: due its election's screening period, `received_due`); the row may be any
    object with the row's due_at, paused_at, state and kind."""
    if deadline is None:
        due = received_due(created_at) if state is CaseState.RECEIVED else None
        paused, current = False, True
    else:
        due, paused = deadline.due_at, deadline.paused_at is not None
        current = deadline.state == state
    kind = (deadline.kind if deadline is not None and current else DeadlineKind.SCREENING
            if due is not None else None)
    return due, bool(due and current and not paused and due <= now), paused, kind


def queue_row(case: Case, deadline: CaseDeadline | None, assignee: User | None,
              now: datetime, received_due: ReceivedDue) -> QueueRow:
    return QueueRow(case, assignee,
                    *clock(case.state, case.created_at, deadline, now, received_due))


def orm_rows(source, order_by: list, now: datetime, received_due: ReceivedDue,
             params: dict) -> list[QueueRow]:
    """The page's rows as mapped objects (the staff API's documents read more of them)."""
    return [queue_row(case, deadline, assignee, now, received_due) for case, deadline, assignee
            in db.session.execute(rows_query(source, order_by), params)]


def rows_query(ids_or_page, order_by: list) -> Select:
    """The rows the page shows, for an id subquery (joined) or a list of ids."""
    names = (Region.code, Region.parent_id, Region.name_kk, Region.name_ru, Region.name_en)
    statement = (select(Case, CaseDeadline, User)
                 .outerjoin(Case.region)
                 .outerjoin(CaseDeadline, CaseDeadline.case_id == Case.id)
                 .outerjoin(User, User.id == Case.assignee_id)
                 .options(contains_eager(Case.region).load_only(*names),
                          selectinload(Case.accused).load_only(
                              Candidate.code, Candidate.name_kk, Candidate.name_ru,
                              Candidate.name_en),
                          load_only(User.id, User.full_name)))
    if isinstance(ids_or_page, list):
        return statement.where(Case.id.in_(ids_or_page))
    return statement.join(ids_or_page, ids_or_page.c.id == Case.id).order_by(*order_by)


def queue_page(user: User, election: Election, filters: QueueFilters, after: str | None = None,
               limit: int = PAGE_SIZE, *, scope: QueueScope | None = None,
               now: datetime | None = None, load: RowLoader | None = None) -> Page:
    """One page of the queue after the cursor `after` (None or unusable: the first page).
    `load` reads the rows of the page's ids (default: mapped objects, `orm_rows`)."""
    load = load or orm_rows
    scope = scope or QueueScope.load(user, election)
    now = now or utcnow()
    clocks: list[ReceivedDue] = []

    def received_due(created_at: datetime) -> datetime:
        if not clocks:  # read on the first row that needs it: an empty page reads none
            clocks.append(received_clock(scope.election)[1])
        return clocks[0](created_at)

    def read(source, order: list, params: dict) -> list:
        return load(source, order, now, received_due, params)
    limit = max(1, min(limit, PAGE_MAX))
    sort = filters.sort if filters.sort in SORTS else "newest"
    kept = app_cache("cases.queue_pages", size=KEPT_PAGES)
    shape = _shape(scope, filters, sort, after, limit)
    params: dict = {}
    if shape is not None:  # the first pages staff open most: their statement built once
        matching, statement = kept.get_or_make(
            shape, lambda: _first_page(scope, filters, sort, limit, now))
        page = _run(statement, limit, read, params)
    else:
        matching, searched = conditions_searched(scope, filters, now)
        if any(isinstance(condition, False_) for condition in matching):
            return Page([], None)  # nothing can match (a search's miss): no case is read
        params = searched.params if searched is not None else {}
        walked = _walked_page(filters.q, matching, searched, sort, after, limit, read,
                              bool(filters.fold_groups))
        if walked is not None:
            page, matching = walked  # the groups are counted case by case too
            if not filters.fold_groups:
                return page
        elif (shape := _shape(scope, filters, sort, after, limit, searched)) is not None:
            # A first page of words: its statement kept for the next search of this form,
            # which gives its own words as `params` (search.Matching).
            fresh = matching
            matching, statement = kept.get_or_make(
                shape, lambda: _first_statement(fresh, filters, sort, limit))
            page = _run(statement, limit, read, params)
        elif not filters.fold_groups:
            return _page(scope.election, sort, list(matching), after, limit, read)
        else:
            page = _page(scope.election, sort, list(matching), after, limit, read,
                         fold=matching)
    if filters.fold_groups:
        counts = queue_groups.group_counts(matching, {row.text_group_id for row in page.rows
                                                      if row.text_group_id is not None}, params)
        page.rows = [replace(row, group_size=counts.get(row.text_group_id, 0))
                     if row.text_group_id is not None else row for row in page.rows]
    return page


KEPT_PAGES = 64  # elections × scopes × the counted filters × sorts: a statement each


def _shape(scope: QueueScope, filters: QueueFilters, sort: str, after: str | None,
           limit: int, searched: search.Matching | None = None) -> tuple | None:
    """All a first page's statement depends on when its filters are those the counters
    answer (no time, no user's own value) and no words, or words whose search took a form
    (`searched`) that a kept statement can take (their values are its parameters); None:
    built for this page only."""
    form = searched.form if searched is not None else None
    if after or sort not in SORT_KEYS or (filters.q and form is None) \
            or not filters.counted(words=form is not None):
        return None
    selection = scope.selection(filters.region_code)
    return (scope.election.id, None if selection is None else tuple(sorted(selection)),
            filters.state, filters.category, bool(filters.fold_groups), sort, limit, form)


def _first_page(scope: QueueScope, filters: QueueFilters, sort: str, limit: int,
                now: datetime) -> tuple[list, tuple]:
    return _first_statement(filter_conditions(scope, filters, now), filters, sort, limit)


def _first_statement(matching: list, filters: QueueFilters, sort: str,
                     limit: int) -> tuple[list, tuple]:
    """(the conditions, the first page's statement under them), as queue_page keeps them."""
    return matching, _statement(sort, list(matching), None, limit,
                                matching if filters.fold_groups else None)


def _page(election: Election, sort: str, conditions: list, after: str | None, limit: int,
          read: Callable[[Any, list, dict], list], fold: list | None = None) -> Page:
    """A page of the cases matching `conditions`; `fold`: the groups folded under them."""
    cursor = decode_cursor(after, sort)
    if sort == "due":
        if fold is not None:
            conditions.append(queue_groups.fold_condition(fold))
        return due_page(election, conditions, cursor, limit, read)
    return _run(_statement(sort, conditions, cursor, limit, fold), limit, read, {})


def _walked_page(query: str | None, conditions: list, searched: search.Matching | None,
                 sort: str, after: str | None, limit: int,
                 read: Callable[[Any, list, dict], list], fold: bool
                 ) -> tuple[Page, list] | None:
    """(the page, its conditions with the search tested case by case) of a search of common
    words (PostgreSQL), found among the first cases of its order, each tested against its
    own document; None when the search is not one to walk for, or the walk did not fill the
    page (search_window). `fold`: a group shows as its first member matching."""
    if searched is None or searched.walking is None or sort not in SORT_KEYS:
        return None
    window = search_window.window(query, limit)
    if window is None:
        return None
    column, descending = SORT_KEYS[sort]
    case_by_case = [searched.walking if c is searched.condition else c for c in conditions]
    before = [c for c in conditions if c is not searched.condition]
    _after_cursor(before, column, descending, decode_cursor(after, sort))
    walked = (select(Case.id.label("id"), Case.text_group_id.label("text_group_id"),
                     column.label("k"))
              .where(*before).order_by(*_order(column, descending)).limit(window)
              .subquery("walked"))
    # The LIMIT keeps the walk a subquery of its own: the test is not moved inside it.
    tested = [ClauseAdapter(walked).traverse(searched.walking)]
    if fold:
        tested.append(queue_groups.fold_over(walked, case_by_case))
    # The ids first: joined to the rows, the planner (expecting almost no match of a test
    # it cannot estimate) read every case for each of them.
    found = db.session.execute(
        select(walked.c.id, walked.c.k).where(*tested)
        .order_by(*_order(walked.c.k, descending, walked.c.id)).limit(limit + 1),
        searched.params).all()
    if len(found) <= limit:
        return None
    rows = read_in_order(read, [case_id for case_id, _key in found[:limit]], searched.params)
    last_id, last_key = found[limit - 1]
    return Page(rows, encode_cursor(sort, 0, last_key, last_id)), case_by_case


def _order(key, descending: bool, case_id=Case.id) -> list:
    return [key.desc(), case_id.desc()] if descending else [key.asc(), case_id.asc()]


def _after_cursor(conditions: list, column, descending: bool, cursor) -> None:
    if cursor is not None and cursor[1] is not None:
        position = tuple_(column, Case.id)
        conditions.append(position < tuple_(cursor[1], cursor[2]) if descending
                          else position > tuple_(cursor[1], cursor[2]))


def _statement(sort: str, conditions: list, cursor, limit: int,
               fold: list | None = None) -> tuple:
    """The page's id subquery (keyset-limited, LIMIT n+1), its order outside, its sort;
    `fold`: the groups folded under those conditions."""
    column, descending = SORT_KEYS[sort]
    _after_cursor(conditions, column, descending, cursor)
    order = _order(column, descending)
    if fold is not None and db.session.get_bind().dialect.name == "postgresql":
        # The fold asks after each earlier member of a case's group; PostgreSQL tested it
        # on every grouped case its walk passed, before the costlier conditions (a search,
        # a channel): 0.4-0.8 s at 200,000-1,000,000 cases. OFFSET 0 keeps the matches a
        # subquery of their own (no condition is moved into it), so only matches are
        # folded; with no ORDER BY outside, the LIMIT still reaches in and stops the walk.
        matches = (select(Case.id.label("id"), Case.text_group_id.label("text_group_id"),
                          column.label("k"))
                   .where(*conditions).order_by(*order).offset(0).subquery("matches"))
        page = (select(matches.c.id, matches.c.k)
                .where(queue_groups.fold_over(matches, fold)).limit(limit + 1)
                .subquery("page"))
    else:
        if fold is not None:
            conditions.append(queue_groups.fold_condition(fold))
        page = (select(Case.id.label("id"), column.label("k")).where(*conditions)
                .order_by(*order).limit(limit + 1).subquery("page"))
    return page, _order(page.c.k, descending, page.c.id), sort, column


def _run(statement: tuple, limit: int, read: Callable[[Any, list, dict], list],
         params: dict) -> Page:
    page, outer, sort, column = statement
    rows = read(page, outer, params)
    more = len(rows) > limit
    rows = rows[:limit]
    last = rows[-1] if rows else None
    next_cursor = (encode_cursor(sort, 0, last.sort_value(column.key), last.id)
                   if more and last is not None else None)
    return Page(rows, next_cursor)


# -- the conflicts page -------------------------------------------------------------------------

def registered_candidates(election: Election, locale: str) -> list[Candidate]:
    """The election's registered candidates, with their regions, by name in `locale`."""
    return sorted_by_name(db.session.scalars(
        select(Candidate).options(selectinload(Candidate.region))
        .where(Candidate.election_id == election.id,
               Candidate.status == CandidateStatus.REGISTERED)), locale, lambda c: c.name(locale))


def candidate_by_code(election: Election, code: str | None) -> Candidate | None:
    if not code:
        return None
    return db.session.scalar(select(Candidate).where(Candidate.election_id == election.id,
                                                     Candidate.code == code))
