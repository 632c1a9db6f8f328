"""What SMS adds to cases (casework.cases.channels): the thread on the timeline (the number
masked like a caller's, by cases/identity_mask.py) and its rows moving on a merge."""

import functools

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, select, update

from casework.cases import channels
from casework.cases.channels import CaseHooks, TimelineEntry
from casework.cases.models import Case
from casework.extensions import db
from casework.sms.models import Direction, SmsMessage


def move_sms(case: Case, target: Case) -> dict[str, int]:
    result = db.session.execute(update(SmsMessage).where(SmsMessage.case_id == case.id)
                                .values(case_id=target.id)
                                .execution_options(synchronize_session=False))
    return {SmsMessage.__tablename__: result.rowcount}


def sms_entries(case: Case, locale: str | None) -> list[TimelineEntry]:
    rows = db.session.scalars(_sms_of_case(), {"case_id": case.id})
    return [TimelineEntry(row.at, "sms",
                          _l("SMS received") if row.direction is Direction.IN else _l("SMS sent"),
                          row.body, {"id": row.id, "number": row.number,
                                     "direction": row.direction.value, "state": row.state.label,
                                     "over_limit": row.over_limit,
                                     "entered_by": row.sent_by_id, "entered_at": row.at})
            for row in rows]


@functools.cache
def _sms_of_case():
    """Built once: composing it costs as much as running it (the case page asks each time)."""
    return (select(SmsMessage).where(SmsMessage.case_id == bindparam("case_id"))
            .order_by(SmsMessage.at, SmsMessage.id))


def connect() -> None:
    channels.register(CaseHooks(name="sms", move_rows=move_sms, timeline=sms_entries,
                                timeline_table=SmsMessage.__table__))
