"""JSON shapes of the public API (kept in one place, matching casework/api/openapi.py)."""

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from casework.cases.models import Case, CaseMessage
from casework.core.i18n import LANGUAGES
from casework.elections.models import Candidate, CandidateStatus, Election, PollingStation, Region
from casework.extensions import db
from casework.intake import tracking
from casework.intake.models import Complaint
from casework.intake.services import Submission


def _names(obj) -> dict[str, str]:
    """The name in every language (name_kk, name_ru, name_en)."""
    return {lang: getattr(obj, f"name_{lang}") for lang in LANGUAGES}


def _iso(moment) -> str | None:
    return moment.isoformat(timespec="seconds") + "Z" if moment else None


def election_document(election: Election) -> dict:
    regions = db.session.scalars(select(Region).options(selectinload(Region.parent))
                                 .where(Region.election_id == election.id).order_by(Region.code))
    stations = db.session.scalars(
        select(PollingStation).options(selectinload(PollingStation.region))
        .where(PollingStation.election_id == election.id).order_by(PollingStation.code))
    candidates = db.session.scalars(
        select(Candidate).options(selectinload(Candidate.region))
        .where(Candidate.election_id == election.id,
               Candidate.status == CandidateStatus.REGISTERED).order_by(Candidate.code))
    return {
        "code": election.code,
        "name": _names(election),
        "timezone": election.timezone,
        "calendar": {key: _iso(value) for key, value in election.calendar()},
        "regions": [{"code": r.code, "parent": r.parent.code if r.parent else None,
                     "kind": r.kind.value, "name": _names(r)} for r in regions],
        "stations": [{"code": s.code, "kind": s.kind.value,
                      "region": s.region.code if s.region else None, "address": s.address}
                     for s in stations],
        "candidates": [{"code": c.code, "region": c.region.code, "name": _names(c)}
                       for c in candidates],
    }


def _evidence(items) -> list[dict]:
    return [{"filename": e.label, "size": e.size, "sha256": e.sha256,
             "content_type": e.content_type} for e in items]


def submission_document(submission: Submission) -> dict:
    return {
        "reference": submission.case.reference,
        "tracking_code": tracking.grouped(submission.tracking_code),
        "status": submission.case.public_status.value,
        "evidence": _evidence(submission.evidence),
    }


def tracking_document(complaint: Complaint, messages: list[CaseMessage]) -> dict:
    case: Case = complaint.case
    return {
        "reference": case.reference,
        "status": case.public_status.value,
        "reason": case.public_reason,
        "received_at": _iso(complaint.received_at),
        "messages": [{"from": m.author.value, "body": m.body, "at": _iso(m.created_at)}
                     for m in messages],
    }
