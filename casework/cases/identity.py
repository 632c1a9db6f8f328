"""The identity custodian: a member asks for the identity of one case's named complainants
with a reason; a custodian (the chair, or a member designated for the election) approves or
refuses it; an approval shows the identity to that requester on that case for
CASEWORK_IDENTITY_REVEAL_DAYS. Requests, decisions and designations are audited here; views
of an identity by casework.cases.identity_mask. Services: no commits, no request."""

import functools
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, or_, select

from casework.accounts.models import User
from casework.accounts.roles import COMMITTEE, CUSTODIAN_CANDIDATES, CUSTODIANS, has_role
from casework.cases.models import Case, IdentityCustodian, IdentityRequest, IdentityRequestStatus
from casework.cases.models.identity import REASON_MAX
from casework.core import audit
from casework.core.db import utcnow
from casework.core.refusal import Refusal
from casework.elections.models import Election
from casework.extensions import db
from casework.notifications.inbox import notify_all
from casework.notifications.inbox_models import NotificationKind

S = IdentityRequestStatus


def _text(value: str | None) -> str:
    return " ".join((value or "").split())


def reveal_days() -> int:
    return int(current_app.config["CASEWORK_IDENTITY_REVEAL_DAYS"])


def custodians_of(case: Case) -> list[User]:
    """Who may decide a request on `case`: active chairs and the election's designated
    members whose regions cover it (one query)."""
    designated = select(IdentityCustodian.user_id).where(
        IdentityCustodian.election_id == case.election_id)
    users = db.session.scalars(select(User).where(
        User.disabled_at.is_(None),
        or_(User.role.in_(CUSTODIANS), User.id.in_(designated))).order_by(User.id))
    return [u for u in users if has_role(u, CUSTODIAN_CANDIDATES)
            and u.can_see_region(case.region)]


def request_identity(case: Case, user: User, reason: str,
                     now: datetime | None = None) -> IdentityRequest:
    reason = _text(reason)
    if not reason:
        raise Refusal("missing", _l("Say why you need the identity."), field="reason")
    if len(reason) > REASON_MAX:
        raise Refusal("invalid", _l("The reason is too long."), field="reason")
    now = now or utcnow()
    open_request = db.session.scalar(select(IdentityRequest).where(
        IdentityRequest.case_id == case.id, IdentityRequest.requester_id == user.id,
        IdentityRequest.status == S.PENDING))
    if open_request is not None:
        raise Refusal("conflict", _l("Your request for this identity is already waiting."))
    if live_request(case, user, now) is not None:
        raise Refusal("conflict", _l("You may already see this identity."))
    request = IdentityRequest(case_id=case.id, election_id=case.election_id,
                              requester_id=user.id, reason=reason, created_at=now,
                              status=S.PENDING)
    db.session.add(request)
    db.session.flush()
    audit.record("identity.requested", actor=user, object_type="identity_request",
                 object_id=request.id, details={"case": case.reference, "reason": reason})
    notify_all(custodians_of(case), NotificationKind.IDENTITY_REQUESTED, case=case, actor=user)
    return request


def _decidable(request: IdentityRequest, custodian: User, proven: bool) -> None:
    if not request.pending:
        raise Refusal("not_allowed", _l("This request has been decided already."))
    if not request.can_decide(custodian):
        raise Refusal("forbidden", _l("Only a custodian other than the requester decides."))
    if not proven:
        raise Refusal("forbidden", _l("Confirm it is you first."))


def approve(request: IdentityRequest, custodian: User, *, proven: bool, note: str = "",
            now: datetime | None = None) -> IdentityRequest:
    """The requester sees the identity on that case until `expires_at`. `proven`: the view's
    fresh step-up proof (accounts/stepup.py)."""
    _decidable(request, custodian, proven)
    now = now or utcnow()
    request.status, request.decided_by_id, request.decided_at = S.APPROVED, custodian.id, now
    request.decision_note = _text(note)[:REASON_MAX] or None
    request.expires_at = now + timedelta(days=reveal_days())
    db.session.flush()
    audit.record("identity.approved", actor=custodian, object_type="identity_request",
                 object_id=request.id,
                 details={"case": request.case.reference, "requester": request.requester_id,
                          "expires_at": request.expires_at.isoformat()})
    return request


def refuse(request: IdentityRequest, custodian: User, *, proven: bool, note: str,
           now: datetime | None = None) -> IdentityRequest:
    note = _text(note)
    if not note:
        raise Refusal("missing", _l("Say why the request is refused."), field="note")
    _decidable(request, custodian, proven)
    request.status, request.decided_by_id = S.REFUSED, custodian.id
    request.decided_at, request.decision_note = now or utcnow(), note[:REASON_MAX]
    db.session.flush()
    audit.record("identity.refused", actor=custodian, object_type="identity_request",
                 object_id=request.id,
                 details={"case": request.case.reference, "requester": request.requester_id,
                          "note": request.decision_note})
    return request


def live_request(case: Case, user: Any, now: datetime | None = None) -> IdentityRequest | None:
    """The approval that shows `user` the identity on `case` now, if any."""
    if getattr(user, "id", None) is None:
        return None
    now = now or utcnow()
    found = db.session.scalars(_live_statement(), {
        "case_id": case.id, "user": user.id, "now": now}).first()
    return found if found is not None and found.can_reveal(user, now) else None


@functools.cache
def _live_statement():
    return (select(IdentityRequest).where(
        IdentityRequest.case_id == bindparam("case_id"),
        IdentityRequest.requester_id == bindparam("user"),
        IdentityRequest.status == S.APPROVED, IdentityRequest.expires_at > bindparam("now"))
        .order_by(IdentityRequest.expires_at.desc()))


def revealed_case_ids(user: Any, now: datetime | None = None) -> list[int]:
    """The cases whose complainants `user` may see now (their live approvals): the queue's
    search looks in those complainants' names and phones, and nobody else's."""
    if not has_role(user, COMMITTEE):
        return []
    # Core on the session's connection, built once: every search by a member asks this.
    return list(db.session.connection().execute(
        _revealed_statement(), {"user": user.id, "now": now or utcnow()}).scalars())


@functools.cache
def _revealed_statement():
    return (select(IdentityRequest.case_id).where(
        IdentityRequest.requester_id == bindparam("user"), IdentityRequest.status == S.APPROVED,
        IdentityRequest.expires_at > bindparam("now")).distinct())


def requests_on(case: Case, user: User) -> list[IdentityRequest]:
    """The user's own requests on the case, newest first (the case page's box)."""
    return list(db.session.scalars(_requests_statement(),
                                   {"case_id": case.id, "user": user.id}))


@functools.cache
def _requests_statement():
    return (select(IdentityRequest).where(
        IdentityRequest.case_id == bindparam("case_id"),
        IdentityRequest.requester_id == bindparam("user"))
        .order_by(IdentityRequest.created_at.desc(), IdentityRequest.id.desc()).limit(5))


def waiting_for(user: User, election: Election) -> list[IdentityRequest]:
    """The pending requests of the election `user` may decide, oldest first."""
    pending = db.session.scalars(select(IdentityRequest).where(
        IdentityRequest.election_id == election.id, IdentityRequest.status == S.PENDING)
        .order_by(IdentityRequest.created_at, IdentityRequest.id))
    return [r for r in pending if r.can_decide(user)]


def own_requests(user: User, election: Election, limit: int = 50) -> list[IdentityRequest]:
    return list(db.session.scalars(select(IdentityRequest).where(
        IdentityRequest.election_id == election.id, IdentityRequest.requester_id == user.id)
        .order_by(IdentityRequest.created_at.desc(), IdentityRequest.id.desc()).limit(limit)))


def disclosures(case: Case) -> list[datetime]:
    """When the identity of the case's complainants was disclosed (the /track page: when,
    never to whom)."""
    return list(db.session.scalars(select(IdentityRequest.decided_at).where(
        IdentityRequest.case_id == case.id, IdentityRequest.status == S.APPROVED)
        .order_by(IdentityRequest.decided_at)))


# -- designation ---------------------------------------------------------------------------

def designated(election: Election) -> list[IdentityCustodian]:
    return list(db.session.scalars(select(IdentityCustodian).where(
        IdentityCustodian.election_id == election.id).order_by(IdentityCustodian.id)))


def candidates(election: Election) -> list[User]:
    """Committee members who may still be designated (chairs are custodians already)."""
    taken = {c.user_id for c in designated(election)}
    users = db.session.scalars(select(User).where(User.disabled_at.is_(None))
                               .order_by(User.full_name, User.id))
    return [u for u in users if has_role(u, CUSTODIAN_CANDIDATES)
            and not has_role(u, CUSTODIANS) and u.id not in taken]


def designate(election: Election, member: User | None, actor: User) -> IdentityCustodian:
    if member is None or member not in candidates(election):
        raise Refusal("invalid", _l("Choose a committee member who is not a custodian yet."),
                      field="user")
    row = IdentityCustodian(election_id=election.id, user_id=member.id,
                            designated_by_id=actor.id, designated_at=utcnow())
    db.session.add(row)
    db.session.flush()
    audit.record("identity.custodian_designated", actor=actor, object_type="user",
                 object_id=member.id, details={"election": election.code})
    return row


def withdraw(row: IdentityCustodian, actor: User, election: Election) -> None:
    db.session.delete(row)
    db.session.flush()
    audit.record("identity.custodian_withdrawn", actor=actor, object_type="user",
                 object_id=row.user_id, details={"election": election.code})
