"""Signing in: the one way a session becomes signed in, and the half-signed-in state between
the password and the second factor.

After the password step the session holds only `signin` (the account name typed, when, where
to go next, and a MAC over them and over whether the password was right): the user is NOT
logged in, no staff page opens. The code step then always follows, right password or wrong,
so the answer never says which factor failed. The state lasts
CASEWORK_SIGNIN_PENDING_SECONDS and dies when the account's access is ended.
"""

import hashlib
import hmac
import time
from dataclasses import dataclass

from flask import current_app, session
from flask_login import login_user
from sqlalchemy import delete, select

from casework.accounts import stepup
from casework.accounts.models import LoginFailure, User
from casework.accounts.services import normalize_email
from casework.core import audit
from casework.core.db import utcnow
from casework.extensions import db

PENDING_KEY = "signin"


def complete_sign_in(user: User, method: str) -> None:
    """Sign `user` in, in a fresh session, with both factors just proven by `method`
    ("password+totp", "password+recovery", "passkey", ...). The caller commits."""
    session.clear()  # a fresh session: nothing carries over from before
    login_user(user)
    stepup.record_proof()
    user.last_login_at = utcnow()
    db.session.execute(delete(LoginFailure).where(
        LoginFailure.account == normalize_email(user.email)[:254]))
    db.session.flush()
    audit.record("user.login", actor=user, object_type="user", object_id=user.id,
                 details={"method": method})


def _mac(account: str, at: int, password_ok: bool, token: str) -> str:
    key = str(current_app.config["SECRET_KEY"]).encode("utf-8")
    message = f"signin|{account}|{at}|{int(password_ok)}|{token}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def _user(account: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == account))


def start_pending(email: str, user: User | None, next_url: str) -> None:
    """After the password step: `user` when the password was right, None otherwise."""
    account, at = normalize_email(email)[:254], int(time.time())
    session.clear()
    token = user.session_token if user is not None else ""
    session[PENDING_KEY] = {"account": account, "at": at, "next": next_url or "",
                            "mac": _mac(account, at, user is not None, token)}


@dataclass
class Pending:
    account: str
    user: User | None  # None when the password was wrong or the account unknown
    next_url: str


def pending(now: float | None = None) -> Pending | None:
    """The half-signed-in state, or None when there is none or it expired."""
    state = session.get(PENDING_KEY)
    if not isinstance(state, dict) or not isinstance(state.get("at"), int):
        return None
    now = time.time() if now is None else now
    if not 0 <= now - state["at"] <= current_app.config["CASEWORK_SIGNIN_PENDING_SECONDS"]:
        return None
    account = str(state.get("account", ""))
    user = _user(account)
    ok = (user is not None and user.is_active and hmac.compare_digest(
        str(state.get("mac", "")), _mac(account, state["at"], True, user.session_token)))
    return Pending(account=account, user=user if ok else None,
                   next_url=str(state.get("next", "")))


def clear_pending() -> None:
    session.pop(PENDING_KEY, None)
