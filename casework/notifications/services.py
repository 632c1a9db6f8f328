"""Putting messages in the outbox: rendered now, in the recipient's language, sent later.

An outgoing email is a row written in the caller's transaction, so it exists exactly
when the change that caused it was committed; the worker (delivery.py) sends it.
"""

import hashlib
from email.utils import make_msgid
from typing import Any

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select, update

from casework.core import audit
from casework.core.db import utcnow
from casework.core.i18n import LANGUAGES
from casework.core.redaction import mask
from casework.core.refusal import Refusal
from casework.core.rows import insert_new, keep
from casework.extensions import db
from casework.notifications.models import RETRYABLE, OutboxMessage, OutboxStatus

FALLBACK_LANGUAGE = "kk"
SUBJECT_MAX = 300


def message_language(language: str | None) -> str:
    """One of the three interface languages; anything else gets Kazakh."""
    return language if language in LANGUAGES else FALLBACK_LANGUAGE


def render_email(template: str, language: str, context: dict[str, Any]) -> tuple[str, str]:
    """(subject, body) of templates/emails/<template>.subject.txt and .txt in `language`.

    Needs an app context only: force_locale works without a request (Flask-Babel 4
    keeps the locale on `g`), so the CLI and workers can render too.
    """
    with force_locale(message_language(language)):
        subject = render_template(f"emails/{template}.subject.txt", **context)
        body = render_template(f"emails/{template}.txt", **context)
    # One header line: no newline can reach the Subject header.
    subject = " ".join(subject.split())[:SUBJECT_MAX]
    return subject, body.strip() + "\n"


def enqueue_email(
    *,
    template: str,
    recipient: str,
    language: str,
    context: dict[str, Any],
    dedupe_key: str,
    case_id: int | None = None,
    fresh: bool = False,
) -> OutboxMessage | None:
    """Add one outgoing email to the caller's transaction; None if `dedupe_key` was used.

    Flushes, never commits: the message is stored if and only if the caller commits
    the change that caused it. Two concurrent transactions enqueueing the same key
    are stopped by the unique constraint on commit (the second one rolls back).
    `fresh`: the key names a row this transaction has just created (intake's
    acknowledgment), so it cannot have been used: no look-up, and the row is written with
    one INSERT (core/rows.py) rather than a flush.
    """
    if not fresh and db.session.scalar(
            select(OutboxMessage.id).where(OutboxMessage.dedupe_key == dedupe_key).limit(1)):
        return None
    language = message_language(language)
    subject, body = render_email(template, language, context)
    domain = current_app.config["CASEWORK_MAIL_DOMAIN"]
    message = OutboxMessage(
        dedupe_key=dedupe_key,
        template=template,
        recipient=recipient.strip(),
        language=language,
        subject=subject,
        body_text=body,
        message_id=make_msgid(domain=domain),
        status=OutboxStatus.PENDING,
        attempts=0,
        case_id=case_id,
    )
    if fresh:
        keep(insert_new(message))
    else:
        db.session.add(message)
        db.session.flush()
    return message


def sent_digest(subject: str, body: str) -> str:
    return hashlib.sha256(f"{subject}\n\n{body}".encode()).hexdigest()


def redact_sent(message_id: int) -> None:
    """After delivery the row keeps no secret: a tracking code (the complaint keeps only its
    hash) or a reset link's token is masked in subject and body, and the SHA-256 of what was
    sent is kept instead. In the caller's transaction; a row not yet sent is left alone (a
    retry needs its text)."""
    row = db.session.execute(
        select(OutboxMessage.subject, OutboxMessage.body_text, OutboxMessage.sent_sha256)
        .where(OutboxMessage.id == message_id, OutboxMessage.status == OutboxStatus.SENT)
    ).one_or_none()
    if row is None or row.sent_sha256 is not None:
        return
    db.session.execute(
        update(OutboxMessage).where(OutboxMessage.id == message_id)
        .values(subject=mask(row.subject), body_text=mask(row.body_text),
                sent_sha256=sent_digest(row.subject, row.body_text)))


def retry_now(message: OutboxMessage, actor: Any) -> None:
    """Make a waiting or failed message due at once (one more attempt for a failed one; its
    attempts are kept). One conditional UPDATE, so a message a worker claimed meanwhile is
    refused rather than sent twice. In the caller's transaction; audited."""
    if not message.can_retry(actor):
        raise Refusal("not_allowed", _("This message cannot be sent again now."))
    before = message.status
    changed = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message.id, OutboxMessage.status.in_(RETRYABLE))
        .values(status=OutboxStatus.PENDING, next_attempt_at=utcnow(), claimed_at=None),
        execution_options={"synchronize_session": False}).rowcount
    if not changed:
        raise Refusal("conflict", _("A worker is sending this message now. Reload the page."))
    db.session.refresh(message)
    audit.record("outbox.retry", actor=actor, object_type="outbox_message", object_id=message.id,
                 details={"status": before.value, "attempts": message.attempts})
