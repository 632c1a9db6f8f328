"""Passkeys in the browser: registration, renaming and removal on /account; sign-in from the
login page; the proof on the step-up confirmation page.

The ceremonies are JSON exchanges driven by static/js/passkeys.js (POSTs with the CSRF token
in the X-CSRFToken header). Each ceremony's challenge is kept in the session for
CASEWORK_WEBAUTHN_CHALLENGE_SECONDS and taken out at its first use, whatever the outcome."""

import time
from typing import Any

from flask import Blueprint, abort, current_app, flash, jsonify, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url

from casework.accounts import passkeys, stepup
from casework.accounts.models import User
from casework.accounts.signin import complete_sign_in
from casework.accounts.views import landing_url
from casework.core import jsontext
from casework.core.forms import Form
from casework.core.ratelimit import signin_client_limit
from casework.core.refusal import Refusal
from casework.core.urls import safe_next
from casework.core.web import load_or_404, require
from casework.extensions import db

bp = Blueprint("passkeys", __name__)

CEREMONY_KEY = "webauthn"  # the one pending ceremony of this session


class PasskeyForm(Form):
    """Only the CSRF token (rename carries its name field, read as plain form data)."""


@bp.app_template_global()
def passkeys_of(user: User) -> list:
    """The user's passkeys, for account/_passkeys.html and accounts/_passkey_confirm.html."""
    return passkeys.passkeys_of(user) if user.is_authenticated else []


# -- the pending ceremony ----------------------------------------------------------------------

def _start(purpose: str, challenge: bytes, handle: bytes | None = None) -> None:
    session[CEREMONY_KEY] = {
        "purpose": purpose, "challenge": bytes_to_base64url(challenge),
        "handle": bytes_to_base64url(handle) if handle else None,
        "until": int(time.time()) + current_app.config["CASEWORK_WEBAUTHN_CHALLENGE_SECONDS"],
        "user": current_user.id if current_user.is_authenticated else None,
    }


def _take(purpose: str) -> tuple[bytes | None, bytes | None]:
    """The pending challenge (and user handle) for this purpose, once: it is removed from the
    session in any case. (None, None) when there is none, it has expired, it was for another
    purpose or another user."""
    pending: Any = session.pop(CEREMONY_KEY, None)
    if not isinstance(pending, dict) or pending.get("purpose") != purpose:
        return None, None
    user_id = current_user.id if current_user.is_authenticated else None
    if pending.get("user") != user_id or int(pending.get("until") or 0) < time.time():
        return None, None
    handle = pending.get("handle")
    return (base64url_to_bytes(pending["challenge"]),
            base64url_to_bytes(handle) if handle else None)


def _body() -> dict[str, Any]:
    data = jsontext.request_json()
    return data if isinstance(data, dict) else {}


def _options(options_json: str):
    response = current_app.response_class(options_json, mimetype="application/json")
    response.headers["Cache-Control"] = "no-store"
    return response


def _error(message: str, status: int, **extra: Any):
    return jsonify(error=str(message), **extra), status


# -- registration, renaming, removal (/account) ------------------------------------------------

def _stale_proof():
    """Adding a way into the account needs a fresh proof of both factors (a sign-in or a
    confirmation within CASEWORK_STEP_UP_SECONDS): a session cookie alone must not be able to
    plant an attacker's passkey."""
    if stepup.has_fresh_proof():
        return None
    return _error(_("To add a passkey, confirm it is you: sign in again (or confirm on the "
                    "confirmation page), then add the passkey within a few minutes."), 403,
                  code="step_up")


@bp.post("/account/passkeys/options")
def registration_options():
    stale = _stale_proof()
    if stale:
        return stale
    try:
        options_json, challenge, handle = passkeys.registration_options(
            current_user, passkeys.relying_party())
    except Refusal as refusal:
        return _error(refusal.message, refusal.status)
    _start("register", challenge, handle)
    return _options(options_json)


@bp.post("/account/passkeys")
def register():
    challenge, handle = _take("register")
    stale = _stale_proof()
    if stale:
        return stale
    data = _body()
    try:
        passkey = passkeys.register(current_user, passkeys.relying_party(), challenge, handle,
                                    data.get("credential"), data.get("name"))
    except Refusal as refusal:
        db.session.rollback()
        return _error(refusal.message, refusal.status)
    db.session.commit()
    flash(_("The passkey “%(name)s” is added: you can sign in with it.", name=passkey.name),
          "success")
    return jsonify(redirect=url_for("account.index"))


@bp.post("/account/passkeys/<int:passkey_id>/rename")
def rename(passkey_id: int):
    passkey = load_or_404(passkeys.own_passkey(current_user, passkey_id))
    require(passkey.can_rename(current_user))
    if not PasskeyForm().validate_on_submit():
        abort(400)
    try:
        passkeys.rename(passkey, current_user, request.form.get("name"))
    except Refusal as refusal:
        db.session.rollback()
        flash(str(refusal.message), "error")
        return redirect(url_for("account.index"))
    db.session.commit()
    flash(_("The passkey is renamed “%(name)s”.", name=passkey.name), "success")
    return redirect(url_for("account.index"))


@bp.post("/account/passkeys/<int:passkey_id>/remove")
def remove(passkey_id: int):
    passkey = load_or_404(passkeys.own_passkey(current_user, passkey_id))
    require(passkey.can_remove(current_user))
    if not PasskeyForm().validate_on_submit():
        abort(400)
    name = passkey.name
    passkeys.remove(passkey, current_user)
    db.session.commit()
    flash(_("The passkey “%(name)s” is removed: it no longer signs you in.", name=name), "info")
    return redirect(url_for("account.index"))


# -- sign-in (the login page) ------------------------------------------------------------------

@bp.post("/login/passkey/options")
def signin_options():
    options_json, challenge = passkeys.authentication_options(passkeys.relying_party())
    _start("sign_in", challenge)
    return _options(options_json)


@bp.post("/login/passkey")
@signin_client_limit
def signin():
    if current_user.is_authenticated:
        return jsonify(redirect=landing_url(current_user))
    challenge, _handle = _take("sign_in")
    data = _body()
    outcome = passkeys.verify_assertion(passkeys.relying_party(), challenge,
                                        data.get("credential"), remote_addr=request.remote_addr)
    if outcome.ok:
        complete_sign_in(outcome.user, "passkey")
    db.session.commit()  # the failure's audit entry and throttle row are kept too
    if outcome.ok:
        next_url = data.get("next") if isinstance(data.get("next"), str) else None
        return jsonify(redirect=safe_next(next_url, landing_url(outcome.user)))
    if outcome.retry_after:
        return _error(_("Too many failed attempts for this account. Wait %(s)d seconds and try "
                        "again.", s=outcome.retry_after), 429)
    return _error(_("The sign-in did not succeed. Try again, or sign in with your password."),
                  401)


# -- the proof for step-up (the confirmation page) ---------------------------------------------

@bp.post("/account/confirm/passkey/options")
def confirm_options():
    if not passkeys.passkeys_of(current_user):
        return _error(_("You have no passkey: add one on your account page."), 409)
    options_json, challenge = passkeys.authentication_options(passkeys.relying_party(),
                                                              current_user)
    _start("confirm", challenge)
    return _options(options_json)


@bp.post("/account/confirm/passkey")
def confirm():
    challenge, _handle = _take("confirm")
    data = _body()
    outcome = passkeys.verify_assertion(passkeys.relying_party(), challenge,
                                        data.get("credential"), user=current_user,
                                        remote_addr=request.remote_addr)
    if outcome.ok:
        stepup.record_proof()
    db.session.commit()
    if outcome.ok:
        next_url = data.get("next") if isinstance(data.get("next"), str) else None
        return jsonify(redirect=safe_next(next_url, url_for("account.index")))
    if outcome.retry_after:
        return _error(_("Too many failed attempts for this account. Wait %(s)d seconds and try "
                        "again.", s=outcome.retry_after), 429)
    return _error(_("The confirmation did not succeed. Try again."), 401)
