"""Mass complaints in the queue: a group of near-identical narratives (Case.text_group_id)
shows as one row, its representative, with the number of its members.

Both are worked out in the query, from the page's own conditions (the filters and the
viewer's region scope), before any LIMIT: the representative of a group is its oldest member
(lowest id) that matches them, and the count is the number of members that match them. So a
reviewer of one region sees a group as the members of their regions, counted as such, and
every case the unfolded list would show stands behind exactly one row of the folded one:
keyset pages over the folded list stay exact, whatever the sort.
"""

import functools

from sqlalchemy import Alias, ColumnElement, Subquery, exists, func, or_, select
from sqlalchemy.sql.util import ClauseAdapter

from casework.cases.models import Case
from casework.extensions import db


@functools.cache
def _member() -> tuple[Alias, ClauseAdapter]:
    """The other member's alias, made once: an alias builds a proxy of each of the table's
    columns when first used, which cost more than the rest of the page's statement."""
    other = Case.__table__.alias("group_member")
    return other, ClauseAdapter(other)


def _fold(group_id: ColumnElement, case_id: ColumnElement,
          conditions: list[ColumnElement[bool]]) -> ColumnElement[bool]:
    other, adapter = _member()
    earlier = exists().where(other.c.text_group_id == group_id, other.c.id < case_id,
                             *(adapter.traverse(condition) for condition in conditions))
    return or_(group_id.is_(None), ~earlier)


def fold_condition(conditions: list[ColumnElement[bool]]) -> ColumnElement[bool]:
    """A case not in a group, or the first of its group's members matching `conditions`
    (conditions on Case, rewritten here onto the other member)."""
    return _fold(Case.text_group_id, Case.id, conditions)


def fold_over(rows: Subquery, conditions: list[ColumnElement[bool]]) -> ColumnElement[bool]:
    """fold_condition for the rows of a subquery of cases (its `id` and `text_group_id`)."""
    return _fold(rows.c.text_group_id, rows.c.id, conditions)


def group_counts(conditions: list[ColumnElement[bool]], groups: set[int],
                 params: dict | None = None) -> dict[int, int]:
    """Members matching `conditions` (taking `params`: a kept page's) per group, for the
    groups shown on a page."""
    if not groups:
        return {}
    return dict(db.session.execute(
        select(Case.text_group_id, func.count()).where(
            *conditions, Case.text_group_id.in_(sorted(groups)))
        .group_by(Case.text_group_id), params or {}).all())
