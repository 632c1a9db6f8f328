"""Account operations: authentication with throttling, and staff administration.

Functions flush and audit, and refuse with `Refusal`; the caller (view or CLI command) commits.
"""

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from casework.accounts.models import LoginFailure, Role, User, new_session_token
from casework.accounts.passwords import (
    check_new_password,
    check_password,
    hash_password,
    needs_rehash,
)
from casework.accounts.sessions import end_sessions_of
from casework.accounts.tokens import revoke_all_tokens
from casework.core import audit
from casework.core.db import utcnow
from casework.core.refusal import Refusal
from casework.elections.models import Region
from casework.extensions import db


def normalize_email(email: str) -> str:
    return (email or "").strip().lower()


@dataclass
class LoginOutcome:
    user: User | None = None
    retry_after: int = 0  # seconds to wait when throttled

    @property
    def ok(self) -> bool:
        return self.user is not None


def _recent_failures(account: str, now: datetime) -> list[datetime]:
    window = timedelta(seconds=current_app.config["CASEWORK_LOGIN_WINDOW_SECONDS"])
    return list(db.session.scalars(
        select(LoginFailure.at)
        .where(LoginFailure.account == account, LoginFailure.at > now - window)
        .order_by(LoginFailure.at)
    ))


def _throttle_wait(account: str, now: datetime) -> int:
    """Seconds before `account` may try a password again; 0 when it may now."""
    config = current_app.config
    failures = _recent_failures(account, now)
    if len(failures) < config["CASEWORK_LOGIN_MAX_FAILURES"]:
        return 0
    window = config["CASEWORK_LOGIN_WINDOW_SECONDS"]
    oldest = failures[-config["CASEWORK_LOGIN_MAX_FAILURES"]]
    return max(1, int((oldest + timedelta(seconds=window) - now).total_seconds()) + 1)


def reauthentication_wait(user: User, now: datetime | None = None) -> int:
    """A password entered again to confirm an act (a sanction's approval) shares the login
    throttle: seconds to wait, 0 when the user may try now."""
    return _throttle_wait(normalize_email(user.email)[:254], now or utcnow())


def record_reauthentication_failure(user: User, now: datetime | None = None) -> None:
    """A wrong password entered again counts towards the login throttle like a failed login."""
    db.session.add(LoginFailure(account=normalize_email(user.email)[:254], at=now or utcnow()))
    db.session.flush()


def authenticate(email: str, password: str, *, remote_addr: str | None = None,
                 now: datetime | None = None) -> LoginOutcome:
    """Check the password of a login (the first factor). Throttled per account name: other
    accounts are never affected."""
    now = now or utcnow()
    account = normalize_email(email)[:254]
    wait = _throttle_wait(account, now)
    if wait:
        audit.record("login.throttled", object_type="account", object_id=account,
                     details={"remote_addr": remote_addr})
        return LoginOutcome(retry_after=wait)

    user = db.session.scalar(select(User).where(User.email == account))
    if check_password(user.password_hash if user else None, password) and user.is_active:
        # Only the first factor: the failures are cleared and the login recorded when the
        # second factor is proven too (signin.complete_sign_in).
        if needs_rehash(user.password_hash):
            user.password_hash = hash_password(password)
        audit.record("login.password_accepted", actor=user, object_type="user",
                     object_id=user.id, details={"remote_addr": remote_addr})
        return LoginOutcome(user=user)

    db.session.add(LoginFailure(account=account, at=now))
    reason = "disabled" if user is not None and not user.is_active else "bad_credentials"
    audit.record("login.failed", object_type="account", object_id=account,
                 details={"remote_addr": remote_addr, "reason": reason})
    db.session.flush()
    return LoginOutcome()


def record_logout(user: User) -> None:
    audit.record("logout", actor=user, object_type="user", object_id=user.id)


def _resolve_regions(codes: list[str], election_id: int | None) -> list[Region]:
    codes = sorted({c.strip().upper() for c in codes if c.strip()})
    if not codes:
        return []
    query = select(Region).where(Region.code.in_(codes))
    if election_id is not None:
        query = query.where(Region.election_id == election_id)
    regions = list(db.session.scalars(query))
    missing = sorted(set(codes) - {r.code for r in regions})
    if missing:
        raise Refusal("invalid", _l("Unknown region code(s): %(codes)s", codes=", ".join(missing)))
    return regions


def _check_scope(role: Role, all_regions: bool, regions: list[Region]) -> None:
    if not all_regions and not regions:
        raise Refusal("missing", _l("Give the account a scope: all regions or at least one region."))


def check_scope(role: Role, all_regions: bool, region_codes: list[str],
                election_id: int | None) -> None:
    """Refused unless the scope is usable: all regions, or known region codes."""
    _check_scope(role, all_regions, _resolve_regions(region_codes, election_id))


def create_user(*, actor: User | None, email: str, full_name: str, role: Role, password: str,
                all_regions: bool = False, region_codes: list[str] | None = None,
                election_id: int | None = None, cli: bool = False) -> User:
    """A new account at once (the view asks privileged.create_account first: privileged
    roles take two people there). `cli`: created by the server's operator with `flask users
    create` (no actor), noted in the audit entry."""
    email = normalize_email(email)
    if db.session.scalar(select(func.count()).select_from(User).where(User.email == email)):
        raise Refusal("invalid", _l("An account with the email %(email)s already exists.",
                                    email=email))
    check_new_password(password, email=email, name=full_name)
    regions = _resolve_regions(region_codes or [], election_id)
    _check_scope(role, all_regions, regions)
    user = User(email=email, full_name=full_name.strip(), role=role, all_regions=all_regions,
                password_hash=hash_password(password), regions=regions)
    db.session.add(user)
    db.session.flush()
    audit.record("user.created", actor=actor, object_type="user", object_id=user.id,
                 details={"email": email, "role": role.value, "scope": user.scope_label(),
                          **({"cli": True} if cli else {})})
    return user


def update_user(user: User, *, actor: User, full_name: str, role: Role, all_regions: bool,
                region_codes: list[str], election_id: int | None = None,
                new_password: str | None = None) -> User:
    regions = _resolve_regions(region_codes, election_id)
    _check_scope(role, all_regions, regions)
    if user.id == actor.id and role != user.role:
        raise Refusal("forbidden", _l("You cannot change your own role."))
    before = {"role": user.role.value, "scope": user.scope_label(), "name": user.full_name}
    user.full_name, user.role, user.all_regions, user.regions = (
        full_name.strip(), role, all_regions, regions)
    changes = {"role": role.value, "scope": user.scope_label(), "name": user.full_name}
    if new_password:
        check_new_password(new_password, email=user.email, name=user.full_name)
        user.password_hash = hash_password(new_password)
        end_all_access(user)  # its sessions and API tokens end with the old password
        changes["password"] = "changed"  # noqa: S105 - an audit note, not a secret
    audit.record("user.updated", actor=actor, object_type="user", object_id=user.id,
                 details={"before": before, "after": changes})
    return user


def set_disabled(user: User, *, actor: User, disabled: bool) -> User:
    if user.id == actor.id and disabled:
        raise Refusal("forbidden", _l("You cannot disable your own account."))
    user.disabled_at = utcnow() if disabled else None
    if disabled:
        end_all_access(user)  # a disabled account is logged out at once, its tokens revoked
    audit.record("user.disabled" if disabled else "user.enabled", actor=actor,
                 object_type="user", object_id=user.id)
    return user


def end_all_access(user: User) -> None:
    """End every way in the account has: its server-side sessions (deleted; the login
    cookie's token is rotated as well) and its API tokens. After a password change or reset,
    a second-factor reset, or when the account is disabled."""
    user.session_token = new_session_token()
    end_sessions_of(user)
    revoke_all_tokens(user)


def set_preferred_locale(user: User, locale: str) -> None:
    user.preferred_locale = locale


def load_user_from_cookie_id(cookie_id: str) -> User | None:
    """Flask-Login loader: the id and the session token must both match, and the user be active."""
    user_id, _, token = (cookie_id or "").partition(":")
    if not user_id.isdigit() or not token:
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.is_active or user.session_token != token:
        return None
    return user


EXTENSION_RE = re.compile(r"^[A-Za-z0-9*#+._-]{1,32}$")


def set_extension(user: User, *, actor: User, extension: str | None) -> User:
    """The telephone extension whose ringing calls pop up on `user`'s hotline console
    (hotline/cti.py); empty removes it. Only staff who take calls have one, each their own."""
    value = (extension or "").strip() or None
    if value is not None:
        if not user.takes_calls:
            raise Refusal("invalid", _l("Only staff who take hotline calls have an extension."),
                          field="extension")
        if not EXTENSION_RE.match(value):
            raise Refusal("invalid", _l("An extension is 1 to 32 letters, digits or * # + . _ -"),
                          field="extension")
        holder = db.session.scalar(select(User).where(User.phone_extension == value,
                                                      User.id != user.id))
        if holder is not None:
            raise Refusal("conflict", _l("This extension belongs to %(name)s.",
                                         name=holder.full_name), field="extension")
    before, user.phone_extension = user.phone_extension, value
    db.session.flush()
    audit.record("user.extension_set", actor=actor, object_type="user", object_id=user.id,
                 details={"before": before, "after": value})
    return user
