"""Read-side queries of the staff queue: filters, keyset pages, counts per state, the filters'
choices (and the candidates of the conflicts page). Possible duplicates: casework.cases.similar.

Every query is limited to the user's region scope (`QueueScope`): a reviewer of one region
never gets a case of another through a list, a count, a search or a suggestion, and cases
whose region is not set yet are seen only by staff of all regions.

A page is one statement: the keyset-limited ids in an inner query (index-ordered, LIMIT n+1),
joined back to the region, deadline and assignee the rows show; the accused come in one
selectinload. Counts per state come from the maintained counters (case_state_counts), for
the filters they can answer (region and category); under other filters the page shows no
counts rather than count a large share of a million rows on every page.
"""

import base64
import binascii
import json
from collections.abc import Callable
from dataclasses import dataclass, fields, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    bindparam,
    exists,
    false,
    func,
    literal,
    not_,
    or_,
    select,
    tuple_,
    union_all,
)
from sqlalchemy.orm import aliased, contains_eager, load_only, selectinload
from sqlalchemy.sql.elements import False_

from casework.accounts.models import User
from casework.accounts.queries import scope_region_ids
from casework.accounts.roles import COMMITTEE, COMPLAINANT_SEARCH
from casework.cases import channels, identity, queue_groups, search, search_pending
from casework.cases.deadlines import ReceivedDue, received_clock, received_due_by
from casework.cases.models import (
    Case,
    CaseDeadline,
    CaseState,
    CaseStateCount,
    Category,
    case_candidates,
)
from casework.cases.models.search import NO_REGION as NO_REGION_KEY
from casework.cases.workflow import DeadlineKind
from casework.core.cache import app_cache
from casework.core.db import utcnow
from casework.core.i18n import sorted_by_name
from casework.elections.models import Candidate, CandidateStatus, Election, Region
from casework.elections.queries import descendants
from casework.extensions import db

SORTS = ("newest", "oldest", "due", "updated")
NO_REGION = "none"  # the region filter's value for "region not set yet"
PAGE_SIZE = 50
PAGE_MAX = 200


@dataclass
class QueueFilters:
    state: CaseState | None = None
    region_code: str | None = None  # a region and everything below it; NO_REGION: not set
    category: Category | None = None
    channel: str | None = None  # a complaint of the case came by this channel (its value)
    candidate_code: str | None = None  # accused
    assignee_id: int | str | None = None  # a user id, "me" or "none"
    overdue: bool | None = None
    has_evidence: bool | None = None
    evidence_reused: bool | None = None  # a picture or file also evidence in another case
    q: str = ""
    sort: str = "newest"
    # The queue page folds each group of mass complaints into one row (queue_groups); the
    # exports and the API list every case (None: not asked, left out of the export's audit).
    fold_groups: bool | None = None

    def counted(self, *, words: bool = False) -> bool:
        """No filter but state, region, category and sort (and words, if `words`): the
        counters can answer (a kept first page, queries.queue_page)."""
        return all(getattr(self, f.name) in (None, "") for f in fields(self)
                   if f.name not in ("state", "region_code", "category", "sort", "q", "fold_groups")) \
            and (words or not search.terms(self.q))


# -- scope --------------------------------------------------------------------------------------

@dataclass
class QueueScope:
    """The user's regions in one election (None: all regions, and the cases with none) and the
    election's regions, loaded once per page (two queries at most; the election's regions
    only when asked for: a page without a region filter needs none of them)."""

    user: User
    election: Election
    region_ids: set[int] | None
    loaded_regions: list[Region] | None = None

    @classmethod
    def load(cls, user: User, election: Election) -> "QueueScope":
        return cls(user, election, scope_region_ids(user, election.id))

    @property
    def regions(self) -> list[Region]:
        if self.loaded_regions is None:
            self.loaded_regions = list(db.session.scalars(select(Region).where(
                Region.election_id == self.election.id).order_by(Region.code)))
        return self.loaded_regions

    def visible_regions(self) -> list[Region]:
        return [r for r in self.regions if self.region_ids is None or r.id in self.region_ids]

    def selection(self, region_code: str | None) -> set[int] | None:
        """Region keys a query may return (NO_REGION_KEY: the cases with no region);
        None: every case of the election."""
        if region_code == NO_REGION:
            return {NO_REGION_KEY} if self.region_ids is None else set()
        if not region_code:
            return None if self.region_ids is None else set(self.region_ids)
        chosen = descendants(((r.id, r.parent_id) for r in self.regions),
                             [r.id for r in self.regions if r.code == region_code])
        return chosen if self.region_ids is None else chosen & self.region_ids


def region_condition(selection: set[int] | None) -> ColumnElement[bool] | None:
    if selection is None:
        return None
    ids = sorted(selection - {NO_REGION_KEY})
    parts = ([Case.region_id.in_(ids)] if ids else []) + (
        [Case.region_id.is_(None)] if NO_REGION_KEY in selection else [])
    return or_(*parts) if parts else false()


def scope_condition(user: User, election_id: int) -> ColumnElement[bool] | None:
    """The scope as a WHERE condition on Case (None: no limit), for other lists and the API."""
    ids = scope_region_ids(user, election_id)
    return region_condition(None if ids is None else set(ids))


# -- filters ------------------------------------------------------------------------------------

def overdue_condition(election: Election, now: datetime) -> ColumnElement[bool]:
    """Overdue as casework.cases.deadlines counts it: a running clock of the current state past
    its due time, or a case still `received` (no clock row) past its legal screening period
    (received_due_by). An alias: the "soonest due" sort joins case_deadlines itself, and its
    subquery must not be correlated away."""
    deadline = aliased(CaseDeadline)
    return or_(
        exists().where(deadline.case_id == Case.id, deadline.state == Case.state,
                       deadline.paused_at.is_(None), deadline.due_at <= now),
        and_(Case.state == CaseState.RECEIVED,
             Case.created_at < received_due_by(election, now),
             ~exists().where(deadline.case_id == Case.id)))


def filter_conditions(scope: QueueScope, filters: QueueFilters,
                      now: datetime) -> list[ColumnElement[bool]]:
    return conditions_searched(scope, filters, now)[0]


def conditions_searched(scope: QueueScope, filters: QueueFilters, now: datetime
                        ) -> tuple[list[ColumnElement[bool]], search.Matching | None]:
    """The filters' conditions and, for words, what the search found: its form and values
    (a form of None: this search's statement is not one to keep)."""
    conditions: list[ColumnElement[bool]] = [Case.election_id == scope.election.id]
    regions = region_condition(scope.selection(filters.region_code))
    if regions is not None:
        conditions.append(regions)
    if filters.state is not None:
        conditions.append(Case.state == filters.state)
    if filters.category is not None:
        conditions.append(Case.category == filters.category)
    if filters.channel is not None:
        came_by = channels.came_by(filters.channel)
        conditions.append(came_by if came_by is not None else false())
    if filters.candidate_code:
        conditions.append(exists().where(
            case_candidates.c.case_id == Case.id, case_candidates.c.candidate_id == Candidate.id,
            Candidate.election_id == scope.election.id, Candidate.code == filters.candidate_code))
    if filters.assignee_id == "none":
        conditions.append(Case.assignee_id.is_(None))
    elif filters.assignee_id == "me":
        conditions.append(Case.assignee_id == scope.user.id)
    elif filters.assignee_id not in (None, ""):
        conditions.append(Case.assignee_id == int(filters.assignee_id))
    if filters.overdue is not None:
        overdue = overdue_condition(scope.election, now)
        conditions.append(overdue if filters.overdue else not_(overdue))
    if filters.has_evidence is not None:
        conditions.append(Case.has_evidence.is_(filters.has_evidence))
    if filters.evidence_reused is not None:
        conditions.append(Case.evidence_reused.is_(filters.evidence_reused))
    matching = _searched(scope, filters, now, walk=len(conditions) == 1)
    if matching is not None:
        conditions.append(matching.condition)
    return conditions, matching


def _searched(scope: QueueScope, filters: QueueFilters, now: datetime,
              walk: bool) -> search.Matching | None:
    everyones_contacts = COMPLAINANT_SEARCH.can_open(scope.user)
    # SQLite: with no condition but the election, the page walks its ordering index
    # (search.matching_condition).
    matching = search.matching_condition(filters.q, contacts=everyones_contacts,
                                         walk=walk and filters.sort in SORT_KEYS)
    if matching is None:
        return None
    condition, form, params = matching.condition, matching.form, dict(matching.params)
    if everyones_contacts:  # PostgreSQL reads the contacts too: another statement
        form = f"{form}+contacts"
    # Just filed: found by their texts until the worker builds their documents.
    pending = search_pending.pending_matches(filters.q, contacts=everyones_contacts)
    if pending:
        condition = or_(condition, Case.id.in_(bindparam("q_pending", pending, expanding=True)))
        form, params["q_pending"] = f"{form}+pending", pending
    if not everyones_contacts:
        # A member holding a custodian's approval finds that case by its complainant's
        # name or phone too (cases.identity); no other complainant is searched.
        revealed = identity.revealed_case_ids(scope.user, now)
        if revealed:
            by_contact = search.matching_case_ids(filters.q, contacts=True, among=revealed,
                                                  param="q_revealed")
            condition, form = or_(condition, Case.id.in_(by_contact)), None
    return search.Matching(condition, form, params)


# -- cursors ------------------------------------------------------------------------------------

def encode_cursor(sort: str, phase: int, key: datetime | None, case_id: int) -> str:
    raw = json.dumps([sort, phase, key.isoformat() if key else None, case_id],
                     separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None, sort: str) -> tuple[int, datetime | None, int] | None:
    """(phase, key, id) of a cursor made for `sort`; None for no cursor or a foreign one."""
    if not cursor or len(cursor) > 200:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        made_for, phase, key, case_id = json.loads(raw)
        if made_for != sort or phase not in (0, 1, 2) or not isinstance(case_id, int):
            return None
        return phase, datetime.fromisoformat(key) if key else None, case_id
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        return None


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


@dataclass
class Page:
    rows: list  # QueueRow, or what the page's `load` gives (cases/queue_lines.py)
    next_cursor: str | None


# (an id subquery or a list of ids, the order, now, how a case that never moved is due, the
# values a kept statement takes) -> rows having `id` and `sort_value`
RowLoader = Callable[[Any, list, datetime, ReceivedDue, dict], list]


# sort -> (key column, descending)
SORT_KEYS = {"newest": (Case.created_at, True), "oldest": (Case.created_at, False),
         "updated": (Case.state_changed_at, True)}


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
        shape = _shape(scope, filters, sort, after, limit, searched)
        if shape is not None:
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
        return _due_page(election, conditions, cursor, limit, read)
    return _run(_statement(sort, conditions, cursor, limit, fold), limit, read, {})


def _statement(sort: str, conditions: list, cursor, limit: int,
               fold: list | None = None) -> tuple:
    """The page's id subquery (keyset-limited, LIMIT n+1), its order outside, its sort;
    `fold`: the groups folded under those conditions."""
    column, descending = SORT_KEYS[sort]
    if cursor is not None and cursor[1] is not None:
        position = tuple_(column, Case.id)
        conditions.append(position < tuple_(cursor[1], cursor[2]) if descending
                          else position > tuple_(cursor[1], cursor[2]))
    order = [column.desc(), Case.id.desc()] if descending else [column.asc(), Case.id.asc()]
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
    outer = ([page.c.k.desc(), page.c.id.desc()] if descending
             else [page.c.k.asc(), page.c.id.asc()])
    return page, outer, sort, column


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


# The "due" sort's cursor phases: after a case with a clock row (key: its due time), after a
# case with no clock yet (key: its receipt), after the cases with no due time (key: none).
CLOCKED, UNTIMED, WAITING = 0, 1, 2


def _due_page(election: Election, conditions: list, cursor, limit: int,
              read: Callable[[Any, list], list]) -> Page:
    """Soonest due first: cases with a clock (their deadline row's due time, or `received`
    with no row yet: their legal screening period, received_clock), then the cases with none,
    newest first. At equal due times clock rows come first, then waiting cases by receipt.

    Three index-ordered branches, each LIMIT n+1, in one statement; merged here. A waiting
    case's due time grows with its receipt, so its branch walks `created_at`."""
    deadline = CaseDeadline
    received_due = received_clock(election)[1]
    no_row = ~exists().where(deadline.case_id == Case.id)
    fresh = and_(Case.state == CaseState.RECEIVED, no_row)
    usable = cursor is not None and (cursor[0] == UNTIMED or cursor[1] is not None)
    phase, key, after_id = cursor if usable else (CLOCKED, None, None)
    branches = []
    if phase in (CLOCKED, WAITING):
        clocked = (select(literal(CLOCKED).label("p"), deadline.due_at.label("k"),
                          Case.id.label("id"))
                   .join(deadline, deadline.case_id == Case.id)
                   .where(*conditions, deadline.due_at.is_not(None)))
        waiting = (select(literal(WAITING).label("p"), Case.created_at.label("k"),
                          Case.id.label("id"))
                   .where(*conditions, fresh))
        if phase == CLOCKED and key is not None:
            clocked = clocked.where(tuple_(deadline.due_at, Case.id) > tuple_(key, after_id))
            # due >= key: not due by the instant before it
            waiting = waiting.where(Case.created_at >= received_due_by(
                election, key - timedelta(microseconds=1)))
        elif phase == WAITING:
            clocked = clocked.where(deadline.due_at > received_due(key))
            waiting = waiting.where(tuple_(Case.created_at, Case.id) > tuple_(key, after_id))
        branches += [clocked.order_by(deadline.due_at, Case.id).limit(limit + 1),
                     waiting.order_by(Case.created_at, Case.id).limit(limit + 1)]
    # No due time: no clock row, or one without a due time (a case has one row at most),
    # and not waiting. As an outer join: PostgreSQL hashed the whole clock table for a
    # NOT EXISTS under OR (75 ms at 200,000 cases) where this branch reads ~50 rows.
    rest = (select(literal(UNTIMED).label("p"), Case.created_at.label("k"), Case.id.label("id"))
            .outerjoin(deadline, deadline.case_id == Case.id)
            .where(*conditions, deadline.due_at.is_(None),
                   or_(deadline.case_id.is_not(None), Case.state != CaseState.RECEIVED)))
    if phase == UNTIMED:
        rest = rest.where(Case.id < after_id)
    branches.append(rest.order_by(Case.id.desc()).limit(limit + 1))
    subqueries = [b.subquery() for b in branches]
    found = db.session.execute(union_all(*[select(s.c.p, s.c.k, s.c.id) for s in subqueries]))
    timed, untimed = [], []
    for branch, value, case_id in found:
        if branch == UNTIMED:
            untimed.append(case_id)
        elif branch == CLOCKED:
            timed.append((value, CLOCKED, value, case_id))
        else:
            timed.append((received_due(value), WAITING, value, case_id))
    # (phase, cursor key, id) in page order
    ordered = [(branch, value, case_id) for _, branch, value, case_id in sorted(timed)] + \
              [(UNTIMED, None, case_id) for case_id in sorted(untimed, reverse=True)]
    ordered = ordered[:limit + 1]
    ids = [case_id for _, _, case_id in ordered[:limit]]
    loaded = {row.id: row for row in read(ids, [], {})} if ids else {}
    rows = [loaded[i] for i in ids if i in loaded]
    next_cursor = None
    if len(ordered) > limit:
        next_cursor = encode_cursor("due", *ordered[limit - 1])
    return Page(rows, next_cursor)


# -- counts per state ---------------------------------------------------------------------------

def state_counts(user: User, election: Election, filters: QueueFilters, *,
                 scope: QueueScope | None = None) -> dict[CaseState, int] | None:
    """Cases per state (every state) in the user's scope under the region and category
    filters, from the counters: one query summing a few hundred rows at most. None when
    other filters are set: counting those would read every matching case, and a filter
    matching a large share of a million cases would cost more than the page itself."""
    if not filters.counted():
        return None
    scope = scope or QueueScope.load(user, election)
    counts = dict.fromkeys(CaseState, 0)
    selection = scope.selection(filters.region_code)
    statement = (select(CaseStateCount.state, func.sum(CaseStateCount.n))
                 .where(CaseStateCount.election_id == election.id)
                 .group_by(CaseStateCount.state))
    if selection is not None:
        statement = statement.where(CaseStateCount.region_key.in_(sorted(selection)))
    if filters.category is not None:
        statement = statement.where(CaseStateCount.category == filters.category)
    for state, n in db.session.connection().execute(statement):  # Core: no ORM path
        counts[state] = int(n or 0)
    return counts


# -- choices for the filter form ----------------------------------------------------------------

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
        select(User.id, User.full_name).where(User.role.in_(COMMITTEE),
                                              User.disabled_at.is_(None))
        .order_by(User.full_name, User.id))]


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
