"""Personal API tokens: create, revoke, list, and find the one a request presents.

A token is "cw_" + 32 random bytes (URL-safe base64), shown once at creation. Only its
SHA-256 is stored, with a short display prefix. It acts as its user with the user's role
and regions as they are at each request; it stops working when revoked, when it expires
(CASEWORK_API_TOKEN_DAYS after creation, 90 by default; 0 for never) and while the user
is disabled. A password change, a second-factor reset or disabling the account revokes them
all with the sessions (accounts.services.end_all_access).

Functions flush and audit (never the token itself) and refuse with `Refusal`; the caller
commits.
"""

import hashlib
import secrets
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import joinedload

from casework.accounts.models import User
from casework.accounts.token_models import ApiToken
from casework.core import audit
from casework.core.db import utcnow
from casework.core.refusal import Refusal, required_text
from casework.extensions import db

TOKEN_PREFIX = "cw_"  # noqa: S105 - the marker of our tokens, not a secret
TOKEN_BYTES = 32
TOKEN_MAX_LENGTH = 100  # anything longer presented as a token is not one of ours
PREFIX_LENGTH = 8
NAME_MAX = 100
MAX_ACTIVE = 10
TOUCH_EVERY = timedelta(minutes=1)  # last_used_at is written at most this often


def hash_token(plain: str) -> str:
    return hashlib.sha256(plain.encode("utf-8")).hexdigest()


def _lifetime() -> timedelta | None:
    days = current_app.config["CASEWORK_API_TOKEN_DAYS"]
    return timedelta(days=int(days)) if days else None


def _active_condition(now: datetime):
    return (ApiToken.revoked_at.is_(None)) & or_(ApiToken.expires_at.is_(None),
                                                  ApiToken.expires_at > now)


def active_count(user: User, now: datetime | None = None) -> int:
    now = now or utcnow()
    return db.session.scalar(select(func.count(ApiToken.id)).where(
        ApiToken.user_id == user.id, _active_condition(now))) or 0


def create_token(user: User, name: str | None, *,
                 now: datetime | None = None) -> tuple[ApiToken, str]:
    """A new token for `user`: (the stored row, the token to show once)."""
    now = now or utcnow()
    if not user.is_active:
        raise Refusal("forbidden", _l("This account is disabled."))
    name = required_text(name, "name", _l("Name the token after the tool that will use it."),
                         NAME_MAX)
    # One creation at a time per user (a row lock on PostgreSQL), so the limit holds.
    db.session.execute(select(User.id).where(User.id == user.id).with_for_update())
    if active_count(user, now) >= MAX_ACTIVE:
        raise Refusal("invalid", _l("You have %(n)d active tokens, the most allowed: revoke "
                                    "one you no longer use first.", n=MAX_ACTIVE),
                      field="name")
    plain = TOKEN_PREFIX + secrets.token_urlsafe(TOKEN_BYTES)
    lifetime = _lifetime()
    token = ApiToken(user_id=user.id, name=name, token_hash=hash_token(plain),
                     prefix=plain[len(TOKEN_PREFIX):len(TOKEN_PREFIX) + PREFIX_LENGTH],
                     created_at=now, expires_at=now + lifetime if lifetime else None)
    db.session.add(token)
    db.session.flush()
    audit.record("api_token.created", actor=user, object_type="api_token", object_id=token.id,
                 details={"name": name, "prefix": token.prefix,
                          "expires_at": token.expires_at.isoformat() if token.expires_at
                          else None})
    return token, plain


def revoke_token(token: ApiToken, actor: User, *, now: datetime | None = None) -> bool:
    """Revoke one of the actor's own tokens; False if it was revoked already."""
    if not token.can_revoke(actor):
        raise Refusal("forbidden", _l("You may revoke only your own tokens."))
    if token.revoked_at is not None:
        return False
    token.revoked_at = now or utcnow()
    db.session.flush()
    audit.record("api_token.revoked", actor=actor, object_type="api_token", object_id=token.id,
                 details={"name": token.name, "prefix": token.prefix})
    return True


def revoke_all_tokens(user: User, *, now: datetime | None = None) -> int:
    """Revoke every live token of `user` (a password change, a factor reset, a disabled
    account): how many were revoked."""
    now = now or utcnow()
    live = list(db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id,
                                                          ApiToken.revoked_at.is_(None))))
    for token in live:
        token.revoked_at = now
    db.session.flush()
    return len(live)


def tokens_of(user: User) -> list[ApiToken]:
    """The user's tokens, newest first (revoked and expired ones too, for the record)."""
    return list(db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)
                                   .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())))


def own_token(user: User, token_id: int) -> ApiToken | None:
    """The token if it is `user`'s; None otherwise (someone else's is never revealed)."""
    token = db.session.get(ApiToken, token_id)
    return token if token is not None and token.user_id == user.id else None


def find_active(plain: str | None, now: datetime | None = None) -> ApiToken | None:
    """The usable token presented as `plain`, with its user; None when unknown, malformed,
    revoked, expired, or its user is disabled."""
    if (not plain or not plain.startswith(TOKEN_PREFIX) or len(plain) > TOKEN_MAX_LENGTH
            or not plain.isascii()):
        return None
    now = now or utcnow()
    token = db.session.scalar(select(ApiToken).options(joinedload(ApiToken.user))
                              .where(ApiToken.token_hash == hash_token(plain)))
    if token is None or not token.is_active_at(now) or not token.user.is_active:
        return None
    return token


def touch(token: ApiToken, now: datetime | None = None) -> bool:
    """Record the use, at most once per TOUCH_EVERY; True if a row was written."""
    now = now or utcnow()
    if token.last_used_at is not None and token.last_used_at > now - TOUCH_EVERY:
        return False
    result = db.session.execute(
        update(ApiToken).where(ApiToken.id == token.id,
                               or_(ApiToken.last_used_at.is_(None),
                                   ApiToken.last_used_at <= now - TOUCH_EVERY))
        .values(last_used_at=now).execution_options(synchronize_session=False))
    return result.rowcount == 1
