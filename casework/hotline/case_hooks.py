"""What the hotline adds to cases (casework.cases.channels): its calls move on a merge and
appear on the timeline."""

import functools

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import joinedload

from casework.cases import channels
from casework.cases.channels import CaseHooks, TimelineEntry
from casework.cases.models import Case
from casework.extensions import db
from casework.hotline.models import Call


def move_calls(case: Case, target: Case) -> dict[str, int]:
    result = db.session.execute(update(Call).where(Call.case_id == case.id)
                                .values(case_id=target.id)
                                .execution_options(synchronize_session=False))
    return {Call.__tablename__: result.rowcount}


def call_entries(case: Case, locale: str | None) -> list[TimelineEntry]:
    calls = db.session.scalars(_calls_of_case(), {"case_id": case.id})
    return [TimelineEntry(call.started_at, "call",
                          _l("Hotline call: %(purpose)s", purpose=call.purpose.label),
                          call.note or None, {"id": call.id, "operator": call.operator.full_name,
                                              "number": call.caller_number,
                                              "entered_by": call.operator_id,
                                              "seconds": call.handling_seconds})
            for call in calls]


@functools.cache
def _calls_of_case():
    """Built once: composing it costs as much as running it (the case page asks each time)."""
    return (select(Call).options(joinedload(Call.operator))
            .where(Call.case_id == bindparam("case_id")).order_by(Call.started_at, Call.id))


def connect() -> None:
    channels.register(CaseHooks(name="hotline", move_rows=move_calls, timeline=call_entries,
                                timeline_table=Call.__table__))
