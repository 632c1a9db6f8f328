"""A member claims an unassigned case of their regions, or releases the case they hold, with
no secretary in between. Audited as `case.claimed` / `case.released`; the same compare-and-set
as an assignment, so two members claiming at once cannot both win. No commits."""

from flask_babel import lazy_gettext as _l

from casework.accounts.models import User
from casework.cases.assignment import assignment_problem, set_assignee
from casework.cases.models import Case
from casework.core.refusal import Refusal


def claim(case: Case, user: User) -> None:
    if not case.can_claim(user):
        if case.assignee_id is not None and case.can_work(user):
            raise Refusal("conflict", _l("Someone has already taken this case."))
        raise Refusal("forbidden", _l("You may not do this on this case."))
    problem = assignment_problem(case, user)
    if problem is not None:
        raise Refusal("not_allowed", problem)
    set_assignee(case, user.id, user, action="case.claimed")


def release(case: Case, user: User) -> None:
    if not case.can_release(user):
        raise Refusal("forbidden", _l("You may not do this on this case."))
    set_assignee(case, None, user, action="case.released")
