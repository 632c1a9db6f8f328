"""What members write on a case: internal notes (never shown outside the committee) and
messages to the complainants (on their tracking page, and by email to those who gave one).

Never commits, never reads `request`; a refusal raises `Refusal` and changes nothing.
"""

from flask_babel import lazy_gettext as _l

from casework.accounts.models import User
from casework.cases.channels import complainants_of
from casework.cases.models import Case, CaseMessage, CaseNote, CaseState, MessageAuthor
from casework.cases.search import index_case
from casework.cases.workflow import TEXT_MAX
from casework.core import audit
from casework.core.db import utcnow
from casework.core.refusal import Refusal, required_text
from casework.core.urls import tracking_url
from casework.extensions import db
from casework.notifications.services import enqueue_email

FORBIDDEN = _l("You may not do this on this case.")


def add_note(case: Case, actor: User, body: str) -> CaseNote:
    """An internal note: kept apart from the complainant's thread, never shown publicly."""
    if not case.can_work(actor):
        raise Refusal("forbidden", FORBIDDEN)
    note = CaseNote(case_id=case.id, author_id=actor.id, created_at=utcnow(),
                    body=required_text(body, "body", _l("Write the note."), TEXT_MAX))
    db.session.add(note)
    db.session.flush()
    # The audit chain is read by auditors: it records that a note exists, not what it says.
    audit.record("case.note_added", actor=actor, object_type="case", object_id=case.reference,
                 details={"note_id": note.id, "length": len(note.body)})
    index_case(case)
    return note


def send_message(case: Case, actor: User, body: str) -> CaseMessage:
    """A message from the committee to every complainant of the case: shown on the tracking
    page, and emailed to those who gave an address. The case's state does not change."""
    if not case.can_work(actor):
        raise Refusal("forbidden", FORBIDDEN)
    if case.state is CaseState.MERGED:
        raise Refusal("not_allowed", _l("This case was merged into another one: write "
                                        "to the complainants there."))
    if not complainants_of([case.id]):
        raise Refusal("not_allowed", _l("This case has no complainant to write to: it is "
                                        "the committee's own finding."))
    message = CaseMessage(case_id=case.id, author=MessageAuthor.COMMITTEE,
                          author_user_id=actor.id, channel="web", created_at=utcnow(),
                          body=required_text(body, "body", _l("Write the message."), TEXT_MAX))
    db.session.add(message)
    db.session.flush()
    sent = 0
    for complainant in complainants_of([case.id], with_email=True):
        queued = enqueue_email(
            template="cases/message", recipient=complainant.email,
            language=complainant.language, case_id=case.id,
            dedupe_key=f"message:{message.id}:{complainant.complaint_id}",
            context={"reference": case.reference, "message": message.body,
                     "track_url": tracking_url()})
        sent += queued is not None
    audit.record("case.message_sent", actor=actor, object_type="case", object_id=case.reference,
                 details={"message_id": message.id, "emails": sent})
    index_case(case)
    return message
