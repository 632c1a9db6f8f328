"""Loading a case for a user: the one place that turns a reference into a case.

A case outside the user's regions is answered exactly like an unknown reference, so that
its existence is never revealed. What the user may then do with it is the case's own
`can_view` / `can_work` / `can_assign` / `can_take`. Every view that takes a reference does

    case = case_or_404(current_user, reference)    # unknown or out of scope: 404
    require(case.can_view(current_user))           # core.web: 403
"""

import functools
import re
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload, selectinload

from casework.accounts.roles import is_active_staff
from casework.cases.models import Case
from casework.core.web import load_or_404
from casework.elections.models import Region
from casework.extensions import db

REFERENCE_MAX = 40
# What services.reference_for makes (<ELECTION>-<REGION>-<NNNNN>): words typed in the
# queue's search box that cannot be one are not looked up.
REFERENCE_SHAPE = re.compile(r"\S+-\d+")


def case_in_scope(user: Any, reference: str | None) -> Case | None:
    """The case with this reference (any case, spaces around it ignored) if its region is in
    `user`'s scope; None for an unknown or malformed reference and for a case outside the
    scope alike. Says nothing of what the user may do with it."""
    reference = (reference or "").strip().upper()
    if len(reference) > REFERENCE_MAX or not REFERENCE_SHAPE.fullmatch(reference) \
            or not is_active_staff(user):
        return None
    case = db.session.scalar(_case_by_reference(), {"reference": reference})
    if case is None or not user.can_see_region(case.region):
        return None
    return case


@functools.cache
def _case_by_reference():
    """Built once (every case page and action asks it). The region and its parent joined in
    (two fewer statements than selectin loads), and the station the complaint names (one
    fewer). Not the accused: SQLite runs a joined many-to-many as a scan of every candidate
    (16 ms here at 100,000 cases), so they come with one selectin load."""
    return (select(Case).where(Case.reference == bindparam("reference"))
            .options(joinedload(Case.region).joinedload(Region.parent),
                     joinedload(Case.election), joinedload(Case.station),
                     selectinload(Case.accused)))


def load_case_for(user: Any, reference: str | None) -> Case | None:
    """The case with this reference if `user` may see it; None for an unknown reference, for
    one outside the user's scope and for a user who reads no case alike (the API, a merge
    target, the decisions and sanctions services)."""
    case = case_in_scope(user, reference)
    return case if case is not None and case.can_view(user) else None


def case_or_404(user: Any, reference: str | None) -> Case:
    """The case for a view: 404 when unknown or outside the user's scope. The view then asks
    the case's `can_*` (403)."""
    return load_or_404(case_in_scope(user, reference))
