"""What inbound mail adds to cases (casework.cases.channels): its messages move on a merge
and appear on the timeline."""

import functools

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, select, update

from casework.cases import channels
from casework.cases.channels import CaseHooks, TimelineEntry
from casework.cases.models import Case
from casework.extensions import db
from casework.mailin.models import InboundMail


def move_mail(case: Case, target: Case) -> dict[str, int]:
    result = db.session.execute(update(InboundMail).where(InboundMail.case_id == case.id)
                                .values(case_id=target.id)
                                .execution_options(synchronize_session=False))
    return {InboundMail.__tablename__: result.rowcount}


def mail_entries(case: Case, locale: str | None) -> list[TimelineEntry]:
    mails = db.session.scalars(_mails_of_case(), {"case_id": case.id})
    return [TimelineEntry(mail.received_at, "mail", _l("Email received"), mail.subject or None,
                          {"id": mail.id, "sender": mail.sender, "status": mail.status.value,
                           "entered_by": mail.handled_by_id, "entered_at": mail.handled_at,
                           "complaint_id": mail.complaint_id})
            for mail in mails]


@functools.cache
def _mails_of_case():
    """Built once: composing it costs as much as running it (the case page asks each time)."""
    return (select(InboundMail).where(InboundMail.case_id == bindparam("case_id"))
            .order_by(InboundMail.received_at, InboundMail.id))


def connect() -> None:
    channels.register(CaseHooks(name="mailin", move_rows=move_mail, timeline=mail_entries,
                                timeline_table=InboundMail.__table__))
