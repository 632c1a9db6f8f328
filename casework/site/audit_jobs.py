"""The worker's periodic job: sign the audit chain's head when a checkpoint is due, and mail
each signed checkpoint to the chair, so a copy lives outside the database."""

import logging

from sqlalchemy import select

from casework.accounts.models import User
from casework.accounts.roles import CHAIRS
from casework.core.audit_checkpoints import AuditCheckpoint, make_checkpoint, public_key_b64
from casework.core.urls import public_url
from casework.extensions import db
from casework.notifications.services import enqueue_email, message_language

log = logging.getLogger("casework.audit")

EMAIL_TEMPLATE = "site/audit_checkpoint"
TRANSPARENCY_PATH = "/transparency/audit"


def mail_checkpoint(checkpoint: AuditCheckpoint) -> int:
    """Queue the checkpoint to every active chair; returns how many messages were queued."""
    chairs = db.session.scalars(select(User).where(User.role.in_(CHAIRS),
                                                   User.disabled_at.is_(None)).order_by(User.id))
    queued = 0
    for chair in chairs:
        context = {**checkpoint.published(), "public_key": public_key_b64(),
                   "link": public_url(TRANSPARENCY_PATH)}
        message = enqueue_email(template=EMAIL_TEMPLATE, recipient=chair.email,
                                language=message_language(chair.preferred_locale),
                                dedupe_key=f"audit-checkpoint:{checkpoint.id}:{chair.id}",
                                context=context)
        queued += message is not None
    return queued


def checkpoint_audit_if_due() -> bool:
    """Make, mail and commit a checkpoint when one is due; True if it did. A failure is logged
    and rolled back: the next round tries again."""
    try:
        checkpoint = make_checkpoint()
        if checkpoint is not None:
            mail_checkpoint(checkpoint)
        db.session.commit()
        return checkpoint is not None
    except Exception:
        db.session.rollback()
        log.exception("audit: signing a checkpoint failed; the next round tries again")
        return False
