"""The second factor in tests: the code an authenticator app would show, computed with pyotp
from the account's secret, never a bypass. A code is accepted once per time-step, so a test
that signs the same account in twice asks for the next step's code; a third sign-in within
the same half minute forgets the stored last step first (as if the earlier sign-ins had been
long ago) instead of sleeping: the app still checks a real code, and the replay rule itself
is tested on its own in tests/accounts/test_factors.py."""

import time

import pyotp
from sqlalchemy import select, update

from casework.accounts.models import User
from casework.extensions import db

STEP = 30


def totp_code(user_or_email, *, now: float | None = None) -> str:
    """A code that the app accepts now for this account: the current time-step's, or the next
    one's when the current one was used already (waiting when both were)."""
    email = getattr(user_or_email, "email", user_or_email)
    db.session.commit()  # see what the app's requests wrote
    secret, last = db.session.execute(
        select(User.totp_secret, User.totp_last_step).where(User.email == email)).one()
    assert secret, f"{email} has no authenticator set up"
    now = time.time() if now is None else now
    step = int(now // STEP)
    if last is not None and last >= step + 1:  # both used: as if they were used long ago
        db.session.execute(update(User).where(User.email == email).values(totp_last_step=None))
        db.session.commit()
        last = None
    usable = step if last is None or step > last else step + 1
    return pyotp.TOTP(secret).at(usable * STEP)


def code_for_secret(secret: str, offset_steps: int = 0, now: float | None = None) -> str:
    now = time.time() if now is None else now
    return pyotp.TOTP(secret).at((int(now // STEP) + offset_steps) * STEP)
