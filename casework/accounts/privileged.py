"""Two people for privileged accounts (roles.PRIVILEGED: chair, secretary, administrator).

Creating an account with such a role, raising an account to one, and resetting the second
factor of such an account are proposed by one administrator and take effect only when
another administrator or the chair approves (`PendingChange.can_approve`; the database
refuses an approval by the proposer too). Every other change to an account stays immediate.
Every act here needs a fresh proof of both factors (`proven`, from stepup.has_fresh_proof()).

A privileged account created on approval has no password anyone knows: its person sets one
through the single-use link mailed on approval (password_services.send_reset_link).
Functions flush and audit, refuse with `Refusal`; the caller commits.
"""

import secrets
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from casework.accounts import password_services, services
from casework.accounts.models import Role, User
from casework.accounts.privileged_models import ChangeKind, ChangeStatus, PendingChange
from casework.accounts.roles import ADMINS, PRIVILEGED, has_role
from casework.core import audit
from casework.core.db import utcnow
from casework.core.refusal import Refusal
from casework.extensions import db


def is_privileged(role: Role) -> bool:
    return role in PRIVILEGED


def _check_actor(actor: User, proven: bool) -> None:
    if not has_role(actor, ADMINS):
        raise Refusal("forbidden", _l("Only an administrator manages staff accounts."))
    if not proven:
        raise password_services.stale_proof_refusal()


def _pending_for(kind: ChangeKind, *, target: User | None = None,
                 email: str | None = None) -> PendingChange | None:
    query = select(PendingChange).where(PendingChange.kind == kind,
                                        PendingChange.status == ChangeStatus.PENDING)
    if target is not None:
        query = query.where(PendingChange.target_id == target.id)
    found = [c for c in db.session.scalars(query)
             if email is None or c.payload.get("email") == email]
    return found[0] if found else None


def _propose(kind: ChangeKind, actor: User, *, target: User | None,
             payload: dict[str, Any]) -> PendingChange:
    if _pending_for(kind, target=target, email=payload.get("email") if target is None else None):
        raise Refusal("conflict", _l("The same change is already waiting for approval."))
    change = PendingChange(kind=kind, target_id=target.id if target else None, payload=payload,
                           proposed_by_id=actor.id, created_at=utcnow())
    db.session.add(change)
    db.session.flush()
    audit.record("account_change.proposed", actor=actor, object_type="account_change",
                 object_id=change.id, details={"kind": kind.value, "target": payload})
    return change


def create_account(*, actor: User, proven: bool, email: str, full_name: str, role: Role,
                   password: str, all_regions: bool, region_codes: list[str],
                   election_id: int | None) -> User | PendingChange:
    """A new account at once, or, for a privileged role, a proposal waiting for approval."""
    _check_actor(actor, proven)
    if not is_privileged(role):
        return services.create_user(actor=actor, email=email, full_name=full_name, role=role,
                                    password=password, all_regions=all_regions,
                                    region_codes=region_codes, election_id=election_id)
    if password:
        raise Refusal("invalid", _l("Leave the password empty: the person sets their own "
                                    "password from the link mailed when the account is "
                                    "approved."), field="password")
    email = services.normalize_email(email)
    if db.session.scalar(select(func.count()).select_from(User).where(User.email == email)):
        raise Refusal("invalid", _l("An account with the email %(email)s already exists.",
                                    email=email))
    # The scope is checked now, so that the approver sees a change that can take effect.
    services.check_scope(role, all_regions, region_codes, election_id)
    return _propose(ChangeKind.CREATE, actor, target=None, payload={
        "email": email, "name": full_name.strip(), "role": role.value,
        "all_regions": bool(all_regions), "region_codes": sorted(region_codes or [])})


def update_account(user: User, *, actor: User, proven: bool, full_name: str, role: Role,
                   all_regions: bool, region_codes: list[str], election_id: int | None,
                   new_password: str | None) -> User | PendingChange:
    """The change at once, or, when it raises the account to a privileged role, a proposal
    of the whole change (name, role, scope) waiting for approval."""
    _check_actor(actor, proven)
    if not is_privileged(role) or user.role == role:
        return services.update_user(user, actor=actor, full_name=full_name, role=role,
                                    all_regions=all_regions, region_codes=region_codes,
                                    election_id=election_id, new_password=new_password)
    if user.id == actor.id:
        raise Refusal("forbidden", _l("You cannot change your own role."))
    if new_password:
        raise Refusal("invalid", _l("Raise the role first; set no password in the same change."),
                      field="password")
    services.check_scope(role, all_regions, region_codes, election_id)
    return _propose(ChangeKind.RAISE, actor, target=user, payload={
        "email": user.email, "name": full_name.strip(), "role": role.value,
        "all_regions": bool(all_regions), "region_codes": sorted(region_codes or []),
        "from_role": user.role.value})


def propose_factor_reset(user: User, *, actor: User, proven: bool) -> PendingChange:
    """The second factor of a privileged account is reset only on approval."""
    _check_actor(actor, proven)
    if not is_privileged(user.role):
        raise Refusal("not_allowed", _l("This account is not privileged: reset its second "
                                        "factor directly."))
    if user.id == actor.id:
        raise Refusal("forbidden", _l("You cannot reset your own second factor here."))
    return _propose(ChangeKind.RESET_FACTOR, actor, target=user, payload={
        "email": user.email, "name": user.full_name, "role": user.role.value})


def pending_changes() -> list[PendingChange]:
    return list(db.session.scalars(
        select(PendingChange).where(PendingChange.status == ChangeStatus.PENDING)
        .order_by(PendingChange.created_at, PendingChange.id)))


def _lock(change: PendingChange) -> None:
    """One decision per change, even when two approvers press at the same moment."""
    db.session.execute(select(PendingChange.id).where(PendingChange.id == change.id)
                       .with_for_update())
    db.session.refresh(change)
    if not change.is_pending:
        raise Refusal("not_allowed", _l("This change has already been decided."))


def approve(change: PendingChange, *, approver: User, proven: bool,
            election_id: int | None, now: datetime | None = None) -> PendingChange:
    """Another administrator or the chair approves: the change takes effect now."""
    if not proven:
        raise password_services.stale_proof_refusal()
    _lock(change)
    if not change.can_approve(approver):
        if approver.id == change.proposed_by_id:
            raise Refusal("self_approval", _l("A change you proposed must be approved by "
                                              "another administrator or the chair."))
        raise Refusal("forbidden", _l("You may not approve this change."))
    payload = change.payload
    if change.kind is ChangeKind.CREATE:
        user = services.create_user(
            actor=approver, email=payload["email"], full_name=payload["name"],
            role=Role(payload["role"]), password=secrets.token_urlsafe(32),
            all_regions=payload["all_regions"], region_codes=payload["region_codes"],
            election_id=election_id)
        change.target_id = user.id
        password_services.send_reset_link(user, actor=approver, now=now, new_account=True)
    elif change.kind is ChangeKind.RAISE:
        target = _live_target(change)
        services.update_user(target, actor=approver, full_name=payload["name"],
                             role=Role(payload["role"]), all_regions=payload["all_regions"],
                             region_codes=payload["region_codes"], election_id=election_id)
    else:
        from casework.accounts.factors import reset_second_factor

        reset_second_factor(_live_target(change), approver)
    change.status = ChangeStatus.APPROVED
    change.decided_by_id = approver.id
    change.decided_at = now or utcnow()
    db.session.flush()
    audit.record("account_change.approved", actor=approver, object_type="account_change",
                 object_id=change.id, details={"kind": change.kind.value,
                                               "proposed_by": change.proposed_by_id,
                                               "user_id": change.target_id})
    return change


def _live_target(change: PendingChange) -> User:
    if change.target is None:
        raise Refusal("not_allowed", _l("The account of this change no longer exists."))
    return change.target


def reject(change: PendingChange, *, actor: User, proven: bool,
           now: datetime | None = None) -> PendingChange:
    """An approver turns the change down, or its proposer withdraws it."""
    if not proven:
        raise password_services.stale_proof_refusal()
    _lock(change)
    if not change.can_reject(actor):
        raise Refusal("forbidden", _l("You may not reject this change."))
    change.status = ChangeStatus.REJECTED
    change.decided_at = now or utcnow()
    if actor.id != change.proposed_by_id:
        change.decided_by_id = actor.id
    db.session.flush()
    audit.record("account_change.rejected", actor=actor, object_type="account_change",
                 object_id=change.id, details={"kind": change.kind.value,
                                               "withdrawn": actor.id == change.proposed_by_id})
    return change
