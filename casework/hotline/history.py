"""What the console shows of a caller the moment the call opens: their cases (found by the
number, as when the operator types it: the public status only) and their earlier calls."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from casework.accounts.models import User
from casework.cases.models import PUBLIC_STATUS, Case, PublicStatus
from casework.extensions import db
from casework.hotline.models import Call, CallPurpose
from casework.hotline.services import CaseMatch, find_cases, from_number

EARLIER_CALLS = 10


@dataclass(frozen=True)
class EarlierCall:
    id: int
    started_at: datetime
    purpose: CallPurpose
    finished: bool
    reference: str | None
    public_status: PublicStatus | None


@dataclass(frozen=True)
class CallerHistory:
    cases: list[CaseMatch]
    calls: list[EarlierCall]


def earlier_calls(call: Call, limit: int = EARLIER_CALLS) -> list[EarlierCall]:
    """The caller's earlier calls, newest first (none for a withheld number)."""
    if not call.caller_number:
        return []
    rows = db.session.execute(
        select(Call.id, Call.started_at, Call.purpose, Call.ended_at, Case.reference,
               Case.state)
        .outerjoin(Case, Call.case_id == Case.id)
        .where(from_number(call.caller_number), Call.id != call.id)
        .order_by(Call.started_at.desc(), Call.id.desc()).limit(limit))
    return [EarlierCall(r.id, r.started_at, r.purpose, r.ended_at is not None, r.reference,
                        PUBLIC_STATUS[r.state] if r.state is not None else None) for r in rows]


def caller_history(call: Call, operator: User) -> CallerHistory | None:
    """None for a withheld number: nothing is looked up."""
    if not call.caller_number:
        return None
    return CallerHistory(find_cases(call.caller_number, operator), earlier_calls(call))
