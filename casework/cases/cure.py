"""The cure period running out: the worker makes a case whose complainant did not cure the
defect in time inadmissible by itself (transition cure_lapsed, actor None), which records
the reason, the audit entry and the complainants' emails in their language (transitions)."""

import logging
from datetime import datetime

from sqlalchemy import select

from casework.cases.models import Case, CaseDeadline, CaseState
from casework.cases.transitions import apply
from casework.cases.workflow import DeadlineKind
from casework.core.db import utcnow
from casework.core.refusal import Refusal
from casework.extensions import db

log = logging.getLogger("casework.cases")
BATCH = 200


def lapse_expired_cures(now: datetime | None = None) -> int:
    """Every case whose cure period ended by `now`, each in its own commit. Two workers may
    run it at once: the move changes the case only if it is still waiting (transitions'
    optimistic update), so the loser's attempt is refused and rolled back."""
    now = now or utcnow()
    ids = list(db.session.scalars(
        select(Case.id).join(CaseDeadline, CaseDeadline.case_id == Case.id)
        .where(Case.state == CaseState.INFO_REQUESTED, CaseDeadline.state == Case.state,
               CaseDeadline.kind == DeadlineKind.CURE, CaseDeadline.due_at <= now)
        .order_by(CaseDeadline.due_at, Case.id).limit(BATCH)))
    db.session.rollback()
    lapsed = 0
    for case_id in ids:
        case = db.session.get(Case, case_id)
        try:
            apply(case, "cure_lapsed", actor=None, now=now)
            db.session.commit()
            lapsed += 1
        except Refusal:
            db.session.rollback()  # answered or lapsed by another worker meanwhile
    if lapsed:
        log.info("cure periods run out: %d case(s) inadmissible", lapsed)
    return lapsed
