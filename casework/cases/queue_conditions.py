"""What a queue page asks for and what its reader may see: the filters (`QueueFilters`), the
user's region scope in one election (`QueueScope`), and both as SQL conditions on cases,
the search words included (casework.cases.search). The queue's pages (casework.cases.queries),
its exports, the staff API, the reports and the sanctions lists build on them.

A reviewer of one region never gets a case of another through a list, a count, a search or a
suggestion, and cases whose region is not set yet are seen only by staff of all regions.
"""

from dataclasses import dataclass, fields
from datetime import datetime

from sqlalchemy import ColumnElement, and_, bindparam, exists, false, not_, or_, select
from sqlalchemy.orm import aliased

from casework.accounts.models import User
from casework.accounts.queries import scope_region_ids
from casework.accounts.roles import COMPLAINANT_SEARCH
from casework.cases import channels, identity, search, search_pending
from casework.cases.deadlines import received_due_by
from casework.cases.models import Case, CaseDeadline, CaseState, Category, case_candidates
from casework.cases.models.search import NO_REGION as NO_REGION_KEY
from casework.elections.models import Candidate, Election, Region
from casework.elections.queries import descendants
from casework.extensions import db

SORTS = ("newest", "oldest", "due", "updated")
NO_REGION = "none"  # the region filter's value for "region not set yet"
PAGE_SIZE = 50
PAGE_MAX = 200
# sort -> (key column, descending)
SORT_KEYS = {"newest": (Case.created_at, True), "oldest": (Case.created_at, False),
             "updated": (Case.state_changed_at, True)}


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
    walking = matching.walking  # the same, case by case (PostgreSQL: search_window)
    if everyones_contacts and form is not None:  # PostgreSQL reads the contacts too
        form = f"{form}+contacts"
    also: list[ColumnElement[bool]] = []
    # Just filed: found by their texts until the worker builds their documents.
    pending = search_pending.pending_matches(filters.q, contacts=everyones_contacts)
    if pending:
        also.append(Case.id.in_(bindparam("q_pending", pending, expanding=True)))
        params["q_pending"] = pending
        if form is not None:  # (None: a statement not to keep stays one)
            form = f"{form}+pending"
    if not everyones_contacts:
        # A member holding a custodian's approval finds that case by its complainant's
        # name or phone too (cases.identity); no other complainant is searched.
        revealed = identity.revealed_case_ids(scope.user, now)
        if revealed:
            also.append(Case.id.in_(search.matching_case_ids(
                filters.q, contacts=True, among=revealed, param="q_revealed")))
            form = None
    if also:
        condition = or_(condition, *also)
        walking = or_(walking, *also) if walking is not None else None
    return search.Matching(condition, form, params, walking)
