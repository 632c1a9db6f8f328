"""Passwords set by their owner: the change on /account/password (current password and a
fresh proof of both factors), and the reset link an administrator sends through the outbox
(single use, CASEWORK_PASSWORD_RESET_HOURS, 24 by default). Every new password follows the
rules in passwords.py; setting one ends every session and API token of the account.

The link's secret is 32 random bytes; only its SHA-256 is stored; it never appears in the
audit log. Functions flush, audit and queue mail, refuse with `Refusal`; the caller commits.
"""

import hashlib
import secrets
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.orm import joinedload

from casework.accounts.models import User
from casework.accounts.passwords import check_new_password, check_password, hash_password
from casework.accounts.reset_models import PasswordReset
from casework.accounts.services import end_all_access, reauthentication_wait
from casework.core import audit
from casework.core.db import utcnow
from casework.core.refusal import Refusal
from casework.core.urls import public_url
from casework.extensions import db
from casework.notifications.services import enqueue_email

RESET_PATH = "/password/reset/"
RESET_TOKEN_BYTES = 32
RESET_TOKEN_MAX_LENGTH = 100  # anything longer presented as a link's secret is not one
EMAIL_TEMPLATE = "accounts/password_reset"


def hash_reset_token(plain: str) -> str:
    return hashlib.sha256(plain.encode("utf-8")).hexdigest()


def reset_lifetime() -> timedelta:
    return timedelta(hours=int(current_app.config["CASEWORK_PASSWORD_RESET_HOURS"]))


def stale_proof_refusal() -> Refusal:
    """The act needs a fresh proof of both factors (stepup.has_fresh_proof()); the form is
    refused and submitted again after confirming."""
    return Refusal("forbidden", _l("Confirm it is you first (your password and your second "
                                   "factor), then submit again."))


def change_password(user: User, *, current_password: str, new_password: str,
                    proven: bool, now: datetime | None = None) -> None:
    """The user's own change: the current password and a fresh proof (`proven`, from
    stepup.has_fresh_proof()); ends every session and API token of the account."""
    if not proven:
        raise stale_proof_refusal()
    wait = reauthentication_wait(user, now)
    if wait:
        raise Refusal("throttled", _l("Too many wrong passwords. Wait %(s)d seconds and try "
                                      "again.", s=wait), field="current_password")
    if not check_password(user.password_hash, current_password or ""):
        # Code "password": the view records the failure for the login throttle after the
        # rollback.
        raise Refusal("password", _l("Your current password is not correct."),
                      field="current_password")
    check_new_password(new_password, email=user.email, name=user.full_name,
                       field="new_password")
    if check_password(user.password_hash, new_password):
        raise Refusal("invalid", _l("Choose a password different from the current one."),
                      field="new_password")
    user.password_hash = hash_password(new_password)
    end_all_access(user)
    _end_reset_links(user, now or utcnow())
    audit.record("user.password_changed", actor=user, object_type="user", object_id=user.id,
                 details={"by": "self"})


def send_reset_link(user: User, *, actor: User | None, proven: bool = True,
                    now: datetime | None = None, new_account: bool = False) -> PasswordReset:
    """A single-use link to set a new password, mailed to the account in its language.
    Earlier unused links of the account stop working. An administrator's act (`proven`:
    a fresh proof of both factors); the approval of a new privileged account sends one too."""
    if not proven:
        raise stale_proof_refusal()
    if not user.is_active:
        raise Refusal("not_allowed", _l("This account is disabled: enable it first."))
    now = now or utcnow()
    _end_reset_links(user, now)
    plain = secrets.token_urlsafe(RESET_TOKEN_BYTES)
    reset = PasswordReset(user_id=user.id, token_hash=hash_reset_token(plain),
                          created_by_id=actor.id if actor else None, created_at=now,
                          expires_at=now + reset_lifetime())
    db.session.add(reset)
    db.session.flush()
    enqueue_email(template=EMAIL_TEMPLATE, recipient=user.email,
                  language=user.preferred_locale or "", dedupe_key=f"password-reset:{reset.id}",
                  context={"name": user.full_name, "link": public_url(RESET_PATH + plain),
                           "hours": int(reset_lifetime().total_seconds() // 3600),
                           "new_account": new_account})
    audit.record("user.password_reset_sent", actor=actor, object_type="user",
                 object_id=user.id, details={"reset_id": reset.id,
                                             "expires_at": reset.expires_at.isoformat()})
    return reset


def _end_reset_links(user: User, now: datetime) -> None:
    db.session.execute(update(PasswordReset)
                       .where(PasswordReset.user_id == user.id, PasswordReset.used_at.is_(None))
                       .values(used_at=now).execution_options(synchronize_session=False))


def find_reset(plain: str | None, now: datetime | None = None) -> PasswordReset | None:
    """The usable link presented as `plain`; None when unknown, malformed, used, expired or
    its account is disabled (the page says the same for all of them)."""
    if not plain or len(plain) > RESET_TOKEN_MAX_LENGTH or not plain.isascii():
        return None
    reset = db.session.scalar(select(PasswordReset).options(joinedload(PasswordReset.user))
                              .where(PasswordReset.token_hash == hash_reset_token(plain)))
    if reset is None or not reset.is_usable_at(now or utcnow()):
        return None
    return reset


def complete_reset(reset: PasswordReset, new_password: str, *,
                   now: datetime | None = None) -> User:
    """Set the new password through a usable link: the link is used up, every session and
    API token of the account ends."""
    now = now or utcnow()
    user = reset.user
    check_new_password(new_password, email=user.email, name=user.full_name,
                       field="new_password")
    # Used once, even by two submissions at the same moment: only one marks it.
    marked = db.session.execute(
        update(PasswordReset).where(PasswordReset.id == reset.id, PasswordReset.used_at.is_(None))
        .values(used_at=now).execution_options(synchronize_session=False))
    if marked.rowcount != 1:
        raise Refusal("not_allowed", _l("This link is no longer valid."))
    user.password_hash = hash_password(new_password)
    end_all_access(user)
    _end_reset_links(user, now)
    audit.record("user.password_changed", actor=user, object_type="user", object_id=user.id,
                 details={"by": "reset_link", "reset_id": reset.id})
    return user
