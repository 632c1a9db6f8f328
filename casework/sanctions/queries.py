"""Read-side queries of the sanctions list: one statement, limited to the user's region scope."""

from sqlalchemy import select
from sqlalchemy.orm import contains_eager, joinedload

from casework.accounts.models import User
from casework.cases.models import Case
from casework.cases.queries import scope_condition
from casework.elections.models import Election
from casework.extensions import db
from casework.sanctions.models import Sanction, SanctionStatus

LIST_MAX = 200


def sanction_list(user: User, election: Election, *, status: SanctionStatus | None = None,
                  case_id: int | None = None, limit: int = LIST_MAX) -> list[Sanction]:
    """The sanctions of cases the user may see, newest first, with what the rows show."""
    query = (select(Sanction).join(Case, Case.id == Sanction.case_id)
             .where(Case.election_id == election.id)
             .options(contains_eager(Sanction.case), joinedload(Sanction.candidate),
                      joinedload(Sanction.proposed_by), joinedload(Sanction.reviewed_by))
             .order_by(Sanction.id.desc()).limit(min(limit, LIST_MAX)))
    scope = scope_condition(user, election.id)
    if scope is not None:
        query = query.where(scope)
    if status is not None:
        query = query.where(Sanction.status == status)
    if case_id is not None:
        query = query.where(Sanction.case_id == case_id)
    return list(db.session.scalars(query).unique())
