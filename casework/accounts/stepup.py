"""Step-up: the acts that change outcomes (approving or rejecting a sanction, deciding an
appeal, certifying results or withdrawing a certification, creating an API token, changing
accounts or roles, resetting a second factor) need a fresh proof of both factors, given
within the last CASEWORK_STEP_UP_SECONDS (default 300).

A proof is recorded in the (server-side) session when the user signs in with both factors
or confirms them again on the confirmation page (password + code, or a passkey)."""

import time
from urllib.parse import urlsplit

from flask import current_app, flash, redirect, request, session, url_for
from flask_babel import gettext as _

from casework.core.urls import safe_next

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


def _referring_page() -> str:
    """The page a form was sent from, as a local path (the staff home if unknown)."""
    parts = urlsplit(request.referrer or "")
    if parts.netloc != request.host:
        return url_for("site.staff_home")
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    return safe_next(path, url_for("site.staff_home"))


def require_fresh_proof(next_url: str | None = None):
    """None when both factors were proven within CASEWORK_STEP_UP_SECONDS; otherwise a
    redirect (303) to the confirmation page (`accounts.confirm`), which comes back to
    `next_url` (by default the page asked for, or for a form sent by POST the page it was
    sent from).

    A POST without a fresh proof is refused and nothing is done: the user confirms and sends
    the form again (the pages of these acts say so beside the button, with a link to confirm
    first, see templates/accounts/_stepup.html)."""
    if has_fresh_proof():
        return None
    if next_url is None:
        next_url = request.full_path.rstrip("?") if request.method == "GET" else _referring_page()
    if request.method != "GET":
        flash(_("Nothing was done: confirm it is you (password and code), then send the form "
                "again."), "error")
    return redirect(url_for("accounts.confirm", next=next_url), 303)
