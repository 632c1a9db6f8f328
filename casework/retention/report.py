"""What retention will erase and when: per election and (UTC) day, how many cases and rows.
Counts only, never a name, number or address."""

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import and_, func, or_, select

from casework.core.db import utcnow
from casework.elections.models import Election
from casework.evidence.models import EvidenceItem
from casework.extensions import db
from casework.hotline.models import Call
from casework.intake.models import Complaint
from casework.mailin.models import InboundMail
from casework.notifications.models import OutboxMessage
from casework.retention.erasure import COMPLAINANT_MAIL
from casework.retention.jobs import candidates
from casework.retention.policy import Policy, policy_of

# What a case still holds, counted per case (table, condition).
_HOLDINGS = {
    "complaints": (Complaint.case_id, or_(
        Complaint.name.is_not(None), Complaint.phone.is_not(None), Complaint.email.is_not(None),
        Complaint.witnesses.is_not(None), Complaint.source_author.is_not(None))),
    "calls": (Call.case_id, or_(Call.caller_number.is_not(None), Call.note != "")),
    "mails": (InboundMail.case_id, InboundMail.sender != ""),
    "outbox": (OutboxMessage.case_id, and_(OutboxMessage.template.in_(COMPLAINANT_MAIL), or_(
        OutboxMessage.recipient != "", OutboxMessage.body_text != ""))),
}
_FILES = (EvidenceItem.case_id, EvidenceItem.erased_at.is_(None))
PAGE = 500


@dataclass
class ElectionReport:
    election: Election
    policy: Policy
    # (day, "personal" or "evidence") -> counts: cases, and rows of each kind
    days: dict[tuple[date, str], Counter] = field(default_factory=lambda: defaultdict(Counter))
    waiting: int = 0  # settled cases not final: an appeal or a sanction still open


def _held(column, condition, case_ids: list[int]) -> dict[int, int]:
    return dict(db.session.execute(select(column, func.count()).where(
        column.in_(case_ids), condition).group_by(column)).all())


def election_report(election: Election, now: datetime | None = None) -> ElectionReport:
    now = now or utcnow()
    policy = policy_of(election)
    report = ElectionReport(election, policy)
    page: list = []

    def count(entries: list) -> None:
        ids = [case.id for case, _due in entries]
        held = {kind: _held(column, condition, ids)
                for kind, (column, condition) in _HOLDINGS.items()}
        files = _held(*_FILES, ids)
        for case, due in entries:
            if due.personal_at is not None:
                row = report.days[(max(due.personal_at, now).date(), "personal")]
                row["cases"] += 1
                for kind in _HOLDINGS:
                    row[kind] += held[kind].get(case.id, 0)
            if due.evidence_at is not None:
                row = report.days[(max(due.evidence_at, now).date(), "evidence")]
                row["cases"] += 1
                row["evidence_files"] += files.get(case.id, 0)

    for case, due in candidates(election, policy, before=None, batch=PAGE):
        if due is None:
            report.waiting += 1
            continue
        page.append((case, due))
        if len(page) >= PAGE:
            count(page)
            page = []
    if page:
        count(page)
    return report


def full_report(now: datetime | None = None) -> list[ElectionReport]:
    return [election_report(election, now)
            for election in db.session.scalars(select(Election).order_by(Election.id))]
