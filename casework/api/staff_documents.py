"""The staff API's JSON documents: a case in the queue, one case with its moves and
timeline; translated labels as text, times in ISO 8601 UTC.
"""

from datetime import datetime
from enum import Enum
from typing import Any

from flask_babel import get_locale
from flask_babel.speaklater import LazyString
from sqlalchemy import select

from casework.accounts.models import User
from casework.cases import deadlines, identity_mask
from casework.cases.models import Case, CaseDeadline
from casework.cases.queries import QueueRow
from casework.cases.timeline import build_timeline, load_records
from casework.cases.workflow import TRANSITIONS
from casework.core.db import utcnow
from casework.core.i18n import LANGUAGES
from casework.elections.models import PollingStation
from casework.extensions import db


def iso(moment: datetime | None) -> str | None:
    return moment.isoformat(timespec="seconds") + "Z" if moment else None


def plain(value: Any) -> Any:
    """A JSON-ready copy: translated labels as text, times in ISO 8601 UTC."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, datetime):
        return iso(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, LazyString):
        return str(value)
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


def _assignee_doc(user: User | None) -> dict | None:
    return {"id": user.id, "name": user.full_name} if user is not None else None


def summary(case: Case, station: str | None, assignee: User | None, due_at: datetime | None,
            overdue: bool) -> dict:
    return {
        "reference": case.reference,
        "state": case.state.value,
        "public_status": case.public_status.value,
        "category": case.category.value,
        "region": case.region.code if case.region is not None else None,
        "station": station,
        "created_at": iso(case.created_at),
        "state_changed_at": iso(case.state_changed_at),
        "assignee": _assignee_doc(assignee),
        "due_at": iso(due_at),
        "overdue": overdue,
    }


def station_codes(rows: list[QueueRow]) -> dict[int, str]:
    ids = sorted({r.case.station_id for r in rows if r.case.station_id is not None})
    if not ids:
        return {}
    return dict(db.session.execute(select(PollingStation.id, PollingStation.code)
                                   .where(PollingStation.id.in_(ids))).all())


def _timeline_doc(case: Case, user: User) -> list[dict]:
    records = load_records(case)
    # Identities masked as on the case page; one shown is audited (the view commits).
    identity_mask.record_view(case, user, identity_mask.protect(records, case, user), "api")
    moves = {record.id: record for record, _name in records.transitions}
    entries = []
    for entry in build_timeline(records, str(get_locale())):
        meta = dict(entry.meta)
        actor = meta.pop("actor", None) or meta.get("author") or meta.get("operator")
        if entry.kind == "transition":
            record = moves[meta["id"]]
            meta.update(action=record.action, from_state=record.from_state.value,
                        to_state=record.to_state.value,
                        reason_code=record.reason_code.value if record.reason_code else None,
                        outcome_code=record.outcome.value if record.outcome else None)
        entries.append({"kind": entry.kind, "at": iso(entry.at), "title": str(entry.title),
                        "body": entry.body, "actor": plain(actor), "details": plain(meta)})
    return entries


def _actions_doc(case: Case, user: User) -> list[dict]:
    """The moves the case page offers this user (members whose regions cover the case); those
    taken only through a recorded decision are not for the API."""
    return [{"action": t.action, "label": str(t.label), "to_state": t.target.value,
             "fields": sorted(t.payload_fields), "api": not t.by_decision}
            for t in TRANSITIONS if case.can_take(t, user)]


def case_doc(case: Case, user: User) -> dict:
    now = utcnow()
    deadline = db.session.get(CaseDeadline, case.id)
    due = deadlines.due_at(case, deadline)
    paused = deadlines.is_paused(deadline)
    assignee = db.session.get(User, case.assignee_id) if case.assignee_id else None
    locale = str(get_locale())
    return {
        **summary(case, case.station.code if case.station is not None else None, assignee,
                  due, due is not None and not paused and due <= now),
        "paused": paused,
        "has_evidence": case.has_evidence,
        "outcome": case.outcome,
        "public_reason": case.public_reason,
        "accused": [{"code": c.code, "name": c.name(locale),
                     "names": {lang: getattr(c, f"name_{lang}") for lang in LANGUAGES}}
                    for c in case.accused],
        "actions": _actions_doc(case, user),
        "timeline": _timeline_doc(case, user),
    }
