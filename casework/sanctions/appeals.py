"""Appeals of enforced sanctions: recorded by staff for the sanctioned candidate within the
appeal window, decided by a chair who did not record them (the view asks for a fresh proof
of both factors): upheld, or
reversed, which undoes exactly what the sanction did and keeps its record. No commits."""

from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from casework.accounts.models import User
from casework.accounts.roles import LEADS
from casework.cases.workflow import TEXT_MAX
from casework.core import audit
from casework.core.db import utcnow
from casework.core.refusal import Refusal, required_text
from casework.elections.models import Result
from casework.extensions import db
from casework.sanctions import notices
from casework.sanctions.effects import reverse_effects
from casework.sanctions.models import (
    AppealOutcome,
    Sanction,
    SanctionAppeal,
    SanctionStatus,
)
from casework.sanctions.services import (
    check_not_certified,
    claim,
    forbidden,
)


def appeal_deadline(sanction: Sanction) -> datetime | None:
    if sanction.enforced_at is None:
        return None
    days = int(current_app.config["CASEWORK_SANCTION_APPEAL_DAYS"])
    return sanction.enforced_at + timedelta(days=days)


def record_appeal(sanction: Sanction, actor: User, *, filed_at: datetime, grounds: str,
                  now: datetime | None = None) -> SanctionAppeal:
    """Record the sanctioned candidate's appeal, filed at `filed_at` (UTC)."""
    if not sanction.in_charge(actor, LEADS):  # as Sanction.can_record_appeal, state apart
        raise forbidden()
    if not sanction.open_to_appeal:
        raise Refusal("not_allowed", _l("Only an enforced sanction can be appealed, "
                                        "once."))
    grounds = required_text(grounds, "grounds", _l("Give the grounds of the appeal."),
                            TEXT_MAX)
    now = now or utcnow()
    if not isinstance(filed_at, datetime):
        raise Refusal("missing", _l("Give the date and time the appeal was filed."),
                      field="filed_at")
    # Forms give the minute: an appeal filed in the minute of enforcement is not "before" it.
    enforced_minute = sanction.enforced_at.replace(second=0, microsecond=0)
    if filed_at > now + timedelta(minutes=5) or filed_at < enforced_minute:
        raise Refusal("invalid", _l("The appeal is filed after the sanction was enforced "
                                    "and not in the future."), field="filed_at")
    if filed_at > appeal_deadline(sanction):
        raise Refusal("invalid", _l("The time to appeal this sanction ran out."),
                      field="filed_at")
    hours = int(current_app.config["CASEWORK_SANCTION_APPEAL_DECISION_HOURS"])
    appeal = SanctionAppeal(sanction=sanction, filed_at=filed_at, grounds=grounds,
                            recorded_by_id=actor.id, recorded_at=now,
                            due_at=filed_at + timedelta(hours=hours))
    db.session.add(appeal)
    db.session.flush()
    audit.record("sanction.appealed", actor=actor, object_type="case",
                 object_id=sanction.case.reference,
                 details={"sanction_id": sanction.id, "appeal_id": appeal.id,
                          "filed_at": filed_at.isoformat()})
    notices.appeal_filed(sanction, actor)
    return appeal


def decide_appeal(sanction: Sanction, actor: User, *, outcome: AppealOutcome | str,
                  reasons: str,
                  now: datetime | None = None) -> SanctionAppeal:
    """Uphold the sanction, or reverse it: its effects are undone, its record stays."""
    appeal = sanction.appeal
    if not sanction.appeal_pending:
        raise Refusal("not_allowed", _l("There is no appeal waiting for a decision."))
    if actor.id == appeal.recorded_by_id:
        raise Refusal("self_approval", _l("The appeal is decided by someone other than "
                                          "who recorded it."))
    if not sanction.can_decide_appeal(actor):
        raise forbidden()
    try:
        chosen = AppealOutcome(outcome)
    except ValueError:
        raise Refusal("missing", _l("Choose: uphold or reverse."), field="outcome") from None
    reasons = required_text(reasons, "reasons", _l("Give the reasons for the decision on the "
                                                   "appeal."), TEXT_MAX)
    now = now or utcnow()
    appeal.outcome, appeal.reasons = chosen, reasons
    appeal.decided_by_id, appeal.decided_at = actor.id, now
    effects: dict[str, Any] = {}
    if chosen is AppealOutcome.REVERSED:
        held = list(db.session.scalars(select(Result).where(
            Result.annulled_by_sanction_id == sanction.id)))
        check_not_certified(sanction, held)
        claim(sanction, SanctionStatus.ENFORCED, {"status": SanctionStatus.REVERSED,
                                                   "reversed_at": now})
        effects = reverse_effects(sanction, now)
    db.session.flush()
    audit.record(f"sanction.appeal_{chosen.value}", actor=actor, object_type="case",
                 object_id=sanction.case.reference,
                 details={"sanction_id": sanction.id, "appeal_id": appeal.id, **effects})
    return appeal
