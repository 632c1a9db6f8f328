"""The read side of SMS for the dashboard."""

from datetime import datetime, timedelta

from sqlalchemy import func, select

from casework.cases.models import Case
from casework.extensions import db
from casework.sms.models import Direction, SmsMessage


def over_limit_cases(election_id: int, region_ids: set[int] | None, now: datetime) -> int:
    """Cases in the user's regions with a message over the per-number limit in the last
    24 hours (filed, not answered): the committee's sign of a flood."""
    query = (select(func.count(func.distinct(SmsMessage.case_id)))
             .join(Case, Case.id == SmsMessage.case_id)
             .where(SmsMessage.direction == Direction.IN, SmsMessage.over_limit.is_(True),
                    SmsMessage.at >= now - timedelta(days=1), Case.election_id == election_id))
    if region_ids is not None:
        query = query.where(Case.region_id.in_(region_ids))
    return db.session.scalar(query) or 0
