"""What of a complainant's identity one user sees on a case (the case page and the staff
API): by default nobody sees a name, phone, email, caller number or sender address; the
complaint says "Complainant (identity protected)" with the role and the consent to be
contacted. Shown only (1) to the requester of a live approval (casework.cases.identity), or
(2) to whoever typed the entry in, for CASEWORK_IDENTITY_ENTRY_MINUTES after entering it
(the operator's call and complaint, the secretary's released mail), to correct typing.
Every time an identity is shown, an audit entry says to whom and why."""

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l

from casework.cases.channels import TimelineEntry
from casework.cases.identity import live_request, revealed_case_ids
from casework.cases.models import Case, IdentityRequest
from casework.cases.timeline import CaseRecords
from casework.core import audit
from casework.core.db import utcnow

PROTECTED = _l("Complainant (identity protected)")
# The identity in each kind of channel entry: the keys of its meta.
IDENTITY_KEYS = {"complaint": ("complainant", "email", "phone"), "call": ("number",),
                 "mail": ("sender",), "sms": ("number",)}


@dataclass
class Shown:
    """Which identities a user was shown on a case, and why (for the audit entry)."""

    request: IdentityRequest | None = None
    entered: list[str] = field(default_factory=list)  # "complaint:12", "call:3", ...

    @property
    def any(self) -> bool:
        return self.request is not None or bool(self.entered)


def _entry_window() -> timedelta:
    return timedelta(minutes=int(current_app.config["CASEWORK_IDENTITY_ENTRY_MINUTES"]))


def entered_recently(user_id: int | None, entered_by: int | None, at: datetime | None,
                     now: datetime) -> bool:
    """Rule (2): `user_id` typed this entry in, less than the entry window ago."""
    return (user_id is not None and entered_by == user_id
            and at is not None and now - at <= _entry_window())


def _entered_recently(entry: TimelineEntry, user_id: int | None, now: datetime) -> bool:
    return entered_recently(user_id, entry.meta.get("entered_by"),
                            entry.meta.get("entered_at") or entry.at, now)


@dataclass(frozen=True)
class Entered:
    """One channel record on a list page (a call, a mail) with what the two rules need."""

    key: str  # "call:3", "mail:7" (the audit entry names it)
    case: Case | None
    entered_by: int | None
    entered_at: datetime | None


def visible_on_list(records: list[Entered], user: Any, now: datetime | None = None) -> set[str]:
    """The keys of the records whose identity `user` may see, by the case page's two rules:
    a live approval for the record's case (one query for the user's approved cases, then
    `live_request` for those alone), or their own entry within the window."""
    now = now or utcnow()
    user_id = getattr(user, "id", None)
    approved = set(revealed_case_ids(user, now))
    live: dict[int, bool] = {}
    shown = set()
    for record in records:
        case = record.case
        if case is not None and case.id in approved and case.id not in live:
            live[case.id] = live_request(case, user, now) is not None
        if entered_recently(user_id, record.entered_by, record.entered_at, now) or (
                case is not None and live.get(case.id, False)):
            shown.add(record.key)
    return shown


def record_list_view(user: Any, shown: set[str], where: str) -> None:
    """Audit that `user` saw identities on a list page (nothing when all was masked)."""
    if shown:
        audit.record("identity.viewed", actor=user, object_type="list", object_id=where,
                     details={"where": where, "entries": sorted(shown)})


def _masked(entry: TimelineEntry) -> TimelineEntry:
    meta = dict(entry.meta)
    for key in IDENTITY_KEYS[entry.kind]:
        meta[key] = None
    meta["protected"] = True
    if entry.kind == "complaint":
        # Unnamed, the value is a label ("Anonymous", "The committee itself"), never a name.
        meta["complainant"] = PROTECTED if meta.get("named") else entry.meta["complainant"]
    elif entry.kind == "mail":
        meta["sender"] = PROTECTED
    return replace(entry, meta=meta)


def protect(records: CaseRecords, case: Case, user: Any, now: datetime | None = None) -> Shown:
    """Mask the identities in `records` that `user` may not see (in place); what was left
    visible is returned, and audited by `record_view`."""
    now = now or utcnow()
    shown = Shown(request=live_request(case, user, now))
    if shown.request is not None:
        return shown
    user_id = getattr(user, "id", None)
    # A released mail's complaint is the secretary's entry too.
    by_mail = {e.meta.get("complaint_id") for e in records.channel_entries
               if e.kind == "mail" and _entered_recently(e, user_id, now)}
    entries = []
    for entry in records.channel_entries:
        if entry.kind not in IDENTITY_KEYS:
            entries.append(entry)
        elif _entered_recently(entry, user_id, now) or (
                entry.kind == "complaint" and entry.meta.get("id") in by_mail):
            shown.entered.append(f"{entry.kind}:{entry.meta.get('id')}")
            entries.append(entry)
        else:
            entries.append(_masked(entry))
    records.channel_entries = entries
    return shown


def record_view(case: Case, user: Any, shown: Shown, where: str) -> None:
    """Audit that `user` saw an identity on `case` (nothing when all was masked)."""
    if not shown.any:
        return
    details: dict[str, Any] = {"case": case.reference, "where": where}
    if shown.request is not None:
        details.update(via="disclosure", request=shown.request.id)
    else:
        details.update(via="own_entry", entries=shown.entered)
    audit.record("identity.viewed", actor=user, object_type="case", object_id=case.id,
                 details=details)
