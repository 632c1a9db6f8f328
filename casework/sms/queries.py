"""The read side of SMS for the dashboard."""

from datetime import datetime, timedelta

from sqlalchemy import exists, func, select

from casework.cases.models import Case
from casework.extensions import db
from casework.sms.models import Direction, SmsMessage


def over_limit_cases(election_id: int, region_ids: set[int] | None, now: datetime) -> int:
    """Cases in the user's regions with a message over the per-number limit in the last
    24 hours (filed, not answered): the committee's sign of a flood."""
    # The case as a correlated EXISTS, not a join: SQLite read every case of the election
    # and probed the messages for each (10 ms a dashboard at 100,000 cases); this reads the
    # messages and looks each one's case up by its key.
    of_case = [Case.id == SmsMessage.case_id, Case.election_id == election_id]
    if region_ids is not None:
        of_case.append(Case.region_id.in_(region_ids))
    query = (select(func.count(func.distinct(SmsMessage.case_id)))
             .where(SmsMessage.direction == Direction.IN, SmsMessage.over_limit.is_(True),
                    SmsMessage.at >= now - timedelta(days=1),
                    exists().where(*of_case)))
    return db.session.scalar(query) or 0
