"""The accused candidate's right of reply: the committee records that it told the
candidate of the case (notify_accused), then the candidate's answer (record_accused_reply).

Never commits, never reads `request`; a refusal raises `Refusal` and changes nothing.
"""

from collections.abc import Sequence
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import update
from sqlalchemy.orm.attributes import set_committed_value

from casework.accounts.models import User
from casework.cases.channels import attach_files
from casework.cases.models import AccusedNotice, Case, CaseState, NoticeMethod
from casework.cases.workflow import TEXT_MAX
from casework.core import audit
from casework.core.db import utcnow
from casework.core.refusal import Refusal
from casework.elections.models import Candidate
from casework.extensions import db

FORBIDDEN = _l("You may not do this on this case.")

# The accused is told of the case, and answers, while the facts are examined.
REPLY_STATES = frozenset({CaseState.INVESTIGATION, CaseState.INFO_REQUESTED,
                          CaseState.FINDINGS_READY, CaseState.APPEALED})
ACCUSED_REPLY_SOURCE = "accused_reply"


def notify_accused(case: Case, candidate: Candidate, actor: User,
                   method: NoticeMethod | str) -> AccusedNotice:
    """Record that the accused candidate was told of the case, and how."""
    if not case.can_work(actor):
        raise Refusal("forbidden", FORBIDDEN)
    if case.state not in REPLY_STATES:
        raise Refusal("not_allowed", _l("The accused is notified while the case is being "
                                        "investigated."))
    if candidate not in case.accused:
        raise Refusal("invalid", _l("This candidate is not accused in the case."),
                      field="candidate")
    try:
        method = NoticeMethod(method)
    except ValueError:
        raise Refusal("invalid", _l("Choose how the candidate was notified."),
                      field="method") from None
    notice = AccusedNotice(case_id=case.id, candidate_id=candidate.id, notified_at=utcnow(),
                           notified_by_id=actor.id, method=method)
    db.session.add(notice)
    db.session.flush()
    audit.record("case.accused_notified", actor=actor, object_type="case",
                 object_id=case.reference, details={"notice_id": notice.id,
                                                    "candidate": candidate.code,
                                                    "method": method.value})
    return notice


def record_accused_reply(notice: AccusedNotice, actor: User, text: str | None,
                         uploads: Sequence[Any]) -> AccusedNotice:
    """The accused's answer: text and/or files (each with .stream and .filename), kept as
    evidence of the case with source "accused_reply"."""
    case = notice.case
    if not case.can_work(actor):
        raise Refusal("forbidden", FORBIDDEN)
    if notice.replied_at is not None:
        raise Refusal("conflict", _l("The reply to this notice is already recorded."))
    text = (text or "").strip()
    if not text and not uploads:
        raise Refusal("missing", _l("Write the reply or add the files the candidate sent."),
                      field="text")
    if len(text) > TEXT_MAX:
        raise Refusal("invalid", _l("The text is too long (at most %(n)d characters).",
                                    n=TEXT_MAX), field="text")
    now = utcnow()
    result = db.session.execute(
        update(AccusedNotice).where(AccusedNotice.id == notice.id,
                                    AccusedNotice.replied_at.is_(None))
        .values(reply_text=text or None, replied_at=now)
        .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise Refusal("conflict", _l("The reply to this notice is already recorded."))
    set_committed_value(notice, "reply_text", text or None)
    set_committed_value(notice, "replied_at", now)
    evidence_ids = attach_files(case, list(uploads), ACCUSED_REPLY_SOURCE, actor)
    audit.record("case.accused_replied", actor=actor, object_type="case",
                 object_id=case.reference,
                 details={"notice_id": notice.id, "candidate_id": notice.candidate_id,
                          "evidence_ids": evidence_ids})
    return notice
