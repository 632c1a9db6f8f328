"""The second factor of staff accounts: TOTP (RFC 6238) and ten single-use recovery codes.

- Enrolment: a secret is made at the first sign-in after the password (`start_enrolment`),
  shown as a QR code drawn here (segno, inline SVG, no outside service) and as grouped text;
  it becomes active only when a correct code is entered (`confirm_enrolment`), which also
  makes the ten recovery codes, shown once.
- A TOTP code is accepted within one time-step either side of now, and once: the last
  accepted time-step is stored and no code of that step or an earlier one works again.
- A recovery code works once; using one is audited and the user is asked to re-enrol.
- Every wrong code counts as a failed login of the account (the login throttle is shared by
  both factors), and a throttled account has no code accepted.
- `reset_second_factor` clears the TOTP secret and the recovery codes and ends all access;
  the user enrols again at the next sign-in. It checks no permission: the caller decides
  (`User.can_reset_second_factor`, or the two-person approval for privileged accounts).

Functions flush and audit (never a secret or a code) and never commit.
"""

import hashlib
import hmac
import secrets
import time

import pyotp
import segno
from flask import current_app
from sqlalchemy import delete, select

from casework.accounts.models import RecoveryCode, User
from casework.accounts.passkey_models import Passkey
from casework.accounts.services import (
    end_all_access,
    reauthentication_wait,
    record_reauthentication_failure,
)
from casework.core import audit
from casework.core.db import utcnow
from casework.extensions import db

STEP_SECONDS = 30
DIGITS = 6
VALID_WINDOW = 1  # time-steps accepted either side of now
RECOVERY_CODES = 10
_RECOVERY_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"  # 32 symbols: 5 bits each, no 0/o/1/l
_RECOVERY_LENGTH = 10  # 50 random bits per code


# -- TOTP --------------------------------------------------------------------------------------

def _totp(secret: str) -> pyotp.TOTP:
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS)


def grouped(secret: str) -> str:
    """The secret in groups of four, as an authenticator app's manual entry shows it."""
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


def provisioning_uri(user: User, secret: str) -> str:
    return _totp(secret).provisioning_uri(name=user.email,
                                          issuer_name=current_app.config["CASEWORK_TOTP_ISSUER"])


def qr_svg(uri: str) -> str:
    """The QR code of `uri` as an inline SVG element (drawn here, no outside service)."""
    return segno.make(uri, error="m").svg_inline(scale=5, border=4, omitsize=True, title="QR")


def _matching_step(secret: str, code: str, after: int | None, now: float) -> int | None:
    """The time-step within ±VALID_WINDOW of `now`, later than `after`, whose code is `code`."""
    code = "".join((code or "").split())
    if len(code) != DIGITS or not code.isdigit():
        return None
    totp, current = _totp(secret), int(now // STEP_SECONDS)
    found = None
    for step in range(current - VALID_WINDOW, current + VALID_WINDOW + 1):
        # every candidate is compared, in constant time, whatever matched before
        if hmac.compare_digest(totp.at(step * STEP_SECONDS), code) and (
                after is None or step > after) and found is None:
            found = step
    return found


def start_enrolment(user: User) -> str:
    """The secret being enrolled (made now if there is none yet); not active until confirmed."""
    if user.has_second_factor:
        raise ValueError("already enrolled")
    if user.totp_secret is None:
        user.totp_secret = pyotp.random_base32()
        user.totp_last_step = None
        db.session.flush()
    return user.totp_secret


def confirm_enrolment(user: User, code: str, *, now: float | None = None) -> list[str] | None:
    """Activate the secret being enrolled if `code` is right: the ten recovery codes (to show
    once), or None (a wrong code counts as a failed login and activates nothing)."""
    now = time.time() if now is None else now
    if user.totp_secret is None or user.has_second_factor:
        return None
    step = None if reauthentication_wait(user) else _matching_step(user.totp_secret, code,
                                                                   None, now)
    if step is None:
        record_reauthentication_failure(user)
        audit.record("second_factor.enrolment_failed", actor=user, object_type="user",
                     object_id=user.id)
        return None
    user.totp_confirmed_at, user.totp_last_step = utcnow(), step
    codes = new_recovery_codes(user)
    audit.record("second_factor.enrolled", actor=user, object_type="user", object_id=user.id,
                 details={"method": "totp", "recovery_codes": len(codes)})
    return codes


def activate_totp(user: User, secret: str) -> None:
    """Set an active TOTP secret directly: for the demo accounts' published secrets (demo data
    only) and test builders. Makes no recovery codes."""
    pyotp.TOTP(secret).now()  # refuses what is not base32
    user.totp_secret, user.totp_confirmed_at, user.totp_last_step = secret, utcnow(), None
    db.session.flush()


# -- recovery codes ----------------------------------------------------------------------------

def _normalize_recovery(code: str) -> str:
    return "".join(ch for ch in (code or "").lower() if ch.isalnum())


def _hash_recovery(code: str) -> str:
    return hashlib.sha256(_normalize_recovery(code).encode("ascii", "ignore")).hexdigest()


def new_recovery_codes(user: User) -> list[str]:
    """Ten fresh codes replacing any earlier ones; only their SHA-256 is kept."""
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(_RECOVERY_LENGTH))
        codes.append(f"{raw[:5]}-{raw[5:]}")
        db.session.add(RecoveryCode(user_id=user.id, code_hash=_hash_recovery(raw)))
    db.session.flush()
    return codes


def _use_recovery_code(user: User, code: str) -> bool:
    if len(_normalize_recovery(code)) != _RECOVERY_LENGTH:
        return False
    wanted = _hash_recovery(code)
    unused = list(db.session.scalars(select(RecoveryCode).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))))
    match = None
    for row in unused:
        if hmac.compare_digest(row.code_hash, wanted):
            match = row
    if match is None:
        return False
    match.used_at = utcnow()
    db.session.flush()
    audit.record("second_factor.recovery_code_used", actor=user, object_type="user",
                 object_id=user.id, details={"remaining": len(unused) - 1})
    return True


def recovery_codes_left(user: User) -> int:
    return len(list(db.session.scalars(select(RecoveryCode.id).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)))))


def needs_reenrolment(user: User) -> bool:
    """A recovery code was used since the last enrolment: the user should set up the
    authenticator again (from the account page)."""
    return db.session.scalar(select(RecoveryCode.id).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_not(None)).limit(1)) is not None


# -- checking a code ---------------------------------------------------------------------------

def check_second_factor(user: User, code: str, *, now: float | None = None) -> str | None:
    """Consume `code` (a TOTP code, or a recovery code) of an enrolled user: "totp",
    "recovery", or None. A wrong code, or any code while the account is throttled, is None;
    a wrong code counts as a failed login."""
    now = time.time() if now is None else now
    if not user.has_second_factor or not user.is_active:
        return None
    if reauthentication_wait(user):
        return None
    step = _matching_step(user.totp_secret, code, user.totp_last_step, now)
    if step is not None:
        user.totp_last_step = step
        db.session.flush()
        return "totp"
    if _use_recovery_code(user, code):
        return "recovery"
    record_reauthentication_failure(user)
    audit.record("second_factor.failed", actor=user, object_type="user", object_id=user.id)
    return None


def verify_second_factor(user: User, code: str) -> bool:
    """True when `code` is a valid TOTP code or an unused recovery code of `user` (consumed)."""
    return check_second_factor(user, code) is not None


# -- reset -------------------------------------------------------------------------------------

def reset_second_factor(user: User, actor: User | None) -> None:
    """Clear the TOTP secret, the recovery codes and the passkeys; the user enrols again at the
    next sign-in. Ends every session and API token of the user. No permission check here: see
    the module."""
    user.totp_secret = user.totp_confirmed_at = user.totp_last_step = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    db.session.execute(delete(Passkey).where(Passkey.user_id == user.id))
    end_all_access(user)
    db.session.flush()
    audit.record("second_factor.reset", actor=actor, object_type="user", object_id=user.id,
                 details={"self": actor is not None and actor.id == user.id})
