"""What a scan's verdict changes on an evidence item: its status, the retry schedule, the
audit chain, and, for a virus, the notice to the people working the case. Never commits."""

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from casework.accounts.models import User
from casework.accounts.roles import Role
from casework.core import audit
from casework.core.urls import public_url
from casework.evidence.models import EvidenceItem, ScanStatus
from casework.extensions import db
from casework.notifications.services import enqueue_email, message_language

log = logging.getLogger("casework.evidence")

EMAIL_TEMPLATE = "evidence/infected"


def _audit(action: str, item: EvidenceItem, **details: Any) -> None:
    audit.record(action, object_type="case", object_id=item.case.reference,
                 details={"evidence_id": item.id, "sha256": item.sha256, **details})


def record_verdict(item: EvidenceItem, verdict: Any, now: datetime,
                   delay: Callable[[int], timedelta], max_attempts: int) -> str:
    """Apply a Verdict, or a ClamdUnavailable (try again later, up to max_attempts);
    returns what happened: clean, infected, failed or retry."""
    status = getattr(verdict, "status", None)
    if status is None:  # clamd away: the item stays pending until its attempts run out
        item.scan_attempts += 1
        reason = getattr(verdict, "reason", "unreachable")
        if item.scan_attempts < max_attempts:
            item.scan_due_at = now + delay(item.scan_attempts)
            log.warning("evidence %s: virus scan attempt %d failed (%s), next at %s",
                        item.id, item.scan_attempts, reason, item.scan_due_at)
            return "retry"
        status, detail = ScanStatus.FAILED, reason
    else:
        detail = verdict.detail
    item.scan_status, item.scan_detail = status, detail
    item.scan_due_at, item.scanned_at = None, now
    if status is ScanStatus.CLEAN:
        _audit("evidence.scanned_clean", item)
    elif status is ScanStatus.INFECTED:
        _audit("evidence.infected", item, signature=detail, label=item.label)
        notify_infected(item)
    else:
        log.error("evidence %s of case %s: virus scan failed (%s)", item.id,
                  item.case.reference, detail)
        _audit("evidence.scan_failed", item, reason=detail, attempts=item.scan_attempts)
    db.session.flush()
    return status.value


def recipients(item: EvidenceItem) -> list[User]:
    """The case's assignee and the active secretaries whose regions cover it."""
    case = item.case
    users = list(db.session.scalars(
        select(User).options(selectinload(User.regions))
        .where(User.role == Role.SECRETARY, User.disabled_at.is_(None)).order_by(User.id)))
    chosen = [u for u in users if u.can_see_region(case.region)]
    if case.assignee_id is not None and all(u.id != case.assignee_id for u in chosen):
        assignee = db.session.get(User, case.assignee_id)
        if assignee is not None and assignee.disabled_at is None:
            chosen.append(assignee)
    return chosen


def notify_infected(item: EvidenceItem) -> int:
    """One email per recipient through the outbox: which case, which file, which signature."""
    case = item.case
    sent = 0
    for user in recipients(item):
        language = message_language(user.preferred_locale or case.election.default_locale)
        queued = enqueue_email(
            template=EMAIL_TEMPLATE, recipient=user.email, language=language, case_id=case.id,
            dedupe_key=f"evidence-infected:{item.id}:{user.id}",
            context={"reference": case.reference, "label": item.label,
                     "signature": item.scan_detail,
                     "case_url": public_url(f"/cases/{case.reference}")})
        sent += queued is not None
    return sent
