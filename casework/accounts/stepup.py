"""Step-up: the acts that change outcomes (approving or rejecting a sanction, deciding an
appeal, certifying results or withdrawing a certification, creating an API token, changing
accounts or roles, resetting a second factor) need a fresh proof of both factors, given
within the last CASEWORK_STEP_UP_SECONDS (default 300).

A proof is recorded in the (server-side) session when the user signs in with both factors
or confirms them again on the confirmation page (password + code, or a passkey)."""

import time

from flask import current_app, session

PROOF_KEY = "proof_at"  # seconds since the epoch of the last proof of both factors


def record_proof(now: float | None = None) -> None:
    """Both factors were just proven in this session."""
    session[PROOF_KEY] = int(now if now is not None else time.time())


def proof_age(now: float | None = None) -> float | None:
    """Seconds since the last proof in this session; None if there was none."""
    at = session.get(PROOF_KEY)
    if not isinstance(at, int):
        return None
    return (now if now is not None else time.time()) - at


def has_fresh_proof(now: float | None = None) -> bool:
    age = proof_age(now)
    return age is not None and 0 <= age <= current_app.config["CASEWORK_STEP_UP_SECONDS"]
