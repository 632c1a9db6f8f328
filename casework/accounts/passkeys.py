"""Passkeys (WebAuthn, through py_webauthn): registration on /account, sign-in without a
password, and the proof on the step-up confirmation page.

Every passkey is a discoverable credential created with user verification required, so a
passkey alone proves both factors (the device, and the PIN or biometric that unlocks it). The
views keep each challenge in the session (single use, short expiry) and pass it here with the
relying party; these functions never read the request and never commit.

Failed sign-ins and confirmations share the login throttle (LoginFailure rows under the
account's email) and return an outcome instead of raising, so that the caller commits the
failure's audit entry and throttle row."""

import json
import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    AuthenticatorTransport,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from casework.accounts.models import User
from casework.accounts.passkey_models import NAME_MAX, Passkey
from casework.accounts.services import reauthentication_wait, record_reauthentication_failure
from casework.core import audit
from casework.core.db import utcnow
from casework.core.refusal import Refusal
from casework.extensions import db

MAX_PASSKEYS = 10  # per account
TIMEOUT_MS = 60_000  # how long the browser waits for the authenticator (a hint)
KNOWN_TRANSPORTS = {t.value for t in AuthenticatorTransport}


@dataclass(frozen=True)
class RelyingParty:
    """The site as WebAuthn sees it: its host name (the RP id), a name, and its origin."""

    id: str
    name: str
    origin: str


def relying_party() -> RelyingParty:
    config = current_app.config
    return RelyingParty(config["CASEWORK_WEBAUTHN_RP_ID"], config["CASEWORK_WEBAUTHN_RP_NAME"],
                        config["CASEWORK_WEBAUTHN_ORIGIN"])


@dataclass
class Outcome:
    """The result of a passkey sign-in or confirmation: the user and the passkey when it
    succeeded; retry_after when the account is throttled."""

    user: User | None = None
    passkey: Passkey | None = None
    retry_after: int = 0

    @property
    def ok(self) -> bool:
        return self.user is not None


# -- reading -----------------------------------------------------------------------------------

def passkeys_of(user: User) -> list[Passkey]:
    return list(db.session.scalars(
        select(Passkey).where(Passkey.user_id == user.id).order_by(Passkey.created_at, Passkey.id)))


def own_passkey(user: User, passkey_id: int) -> Passkey | None:
    """The user's passkey with this id; None for another user's (answered as 404)."""
    passkey = db.session.get(Passkey, passkey_id)
    return passkey if passkey is not None and passkey.user_id == user.id else None


def _descriptors(passkeys: list[Passkey]) -> list[PublicKeyCredentialDescriptor]:
    return [PublicKeyCredentialDescriptor(
        id=base64url_to_bytes(p.credential_id),
        transports=[AuthenticatorTransport(t) for t in p.transport_list if t in KNOWN_TRANSPORTS])
        for p in passkeys]


def _user_handle(user: User, existing: list[Passkey]) -> bytes:
    """The same random handle for all of a user's passkeys (so an authenticator keeps one
    credential per account); a new one for the first."""
    if existing:
        return base64url_to_bytes(existing[0].user_handle)
    return secrets.token_bytes(32)


# -- registration ------------------------------------------------------------------------------

def registration_options(user: User, rp: RelyingParty) -> tuple[str, bytes, bytes]:
    """The options for navigator.credentials.create() as JSON, their challenge and the user
    handle they give (both of which the caller keeps for `register`)."""
    existing = passkeys_of(user)
    if len(existing) >= MAX_PASSKEYS:
        raise Refusal("not_allowed", _l("You have %(n)d passkeys, the most an account may have: "
                                        "remove one first.", n=MAX_PASSKEYS))
    options = generate_registration_options(
        rp_id=rp.id, rp_name=rp.name, user_name=user.email, user_display_name=user.full_name,
        user_id=_user_handle(user, existing), timeout=TIMEOUT_MS,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.REQUIRED, require_resident_key=True,
            user_verification=UserVerificationRequirement.REQUIRED),
        exclude_credentials=_descriptors(existing))
    return options_to_json(options), options.challenge, options.user.id


def _clean_name(name: str | None) -> str:
    text = (name or "").strip()
    if not text:
        raise Refusal("missing", _l("Give the passkey a name, e.g. “work laptop”."), field="name")
    if len(text) > NAME_MAX:
        raise Refusal("invalid", _l("The name is too long (at most %(n)d characters).",
                                    n=NAME_MAX), field="name")
    return text


def _credential(credential: Any) -> dict[str, Any]:
    if isinstance(credential, str):
        try:
            credential = json.loads(credential)
        except ValueError:
            credential = None
    if not isinstance(credential, dict):
        raise Refusal("invalid", _l("The passkey could not be verified. Try again."))
    return credential


def register(user: User, rp: RelyingParty, challenge: bytes | None, user_handle: bytes | None,
             credential: Any, name: str | None) -> Passkey:
    """Verify an attestation from navigator.credentials.create() against the challenge (and
    user handle) the user was given by `registration_options`, with user verification
    required, and keep the new passkey."""
    name = _clean_name(name)
    data = _credential(credential)
    if challenge is None or not user_handle:
        raise Refusal("invalid", _l("The request has expired. Try again."))
    existing = passkeys_of(user)
    if len(existing) >= MAX_PASSKEYS:
        raise Refusal("not_allowed", _l("You have %(n)d passkeys, the most an account may have: "
                                        "remove one first.", n=MAX_PASSKEYS))
    try:
        verified = verify_registration_response(
            credential=data, expected_challenge=challenge, expected_rp_id=rp.id,
            expected_origin=rp.origin, require_user_verification=True)
    except (WebAuthnException, ValueError, KeyError, TypeError):
        raise Refusal("invalid", _l("The passkey could not be verified. Try again.")) from None
    credential_id = bytes_to_base64url(verified.credential_id)
    if db.session.scalar(select(Passkey.id).where(Passkey.credential_id == credential_id)):
        raise Refusal("conflict", _l("This passkey is already registered."))
    transports = data.get("response", {}).get("transports") or []
    passkey = Passkey(
        user_id=user.id, credential_id=credential_id,
        public_key=verified.credential_public_key, sign_count=verified.sign_count,
        user_handle=bytes_to_base64url(user_handle),
        transports=",".join(t for t in transports if isinstance(t, str) and t in KNOWN_TRANSPORTS),
        name=name, created_at=utcnow())
    db.session.add(passkey)
    db.session.flush()
    audit.record("passkey.registered", actor=user, object_type="user", object_id=user.id,
                 details={"passkey": passkey.id, "name": name})
    return passkey


# -- renaming and removing ---------------------------------------------------------------------

def rename(passkey: Passkey, actor: User, name: str | None) -> Passkey:
    if not passkey.can_rename(actor):
        raise Refusal("forbidden")
    passkey.name = _clean_name(name)
    audit.record("passkey.renamed", actor=actor, object_type="user", object_id=actor.id,
                 details={"passkey": passkey.id, "name": passkey.name})
    return passkey


def remove(passkey: Passkey, actor: User) -> None:
    if not passkey.can_remove(actor):
        raise Refusal("forbidden")
    audit.record("passkey.removed", actor=actor, object_type="user", object_id=actor.id,
                 details={"passkey": passkey.id, "name": passkey.name})
    db.session.delete(passkey)
    db.session.flush()


# -- sign-in and confirmation ------------------------------------------------------------------

def authentication_options(rp: RelyingParty, user: User | None = None) -> tuple[str, bytes]:
    """Options for navigator.credentials.get(): for sign-in (no user) any passkey of this
    site on the device is offered (discoverable credentials: no email typed, and nothing
    tells who has a passkey); for a confirmation, only the signed-in user's passkeys."""
    options = generate_authentication_options(
        rp_id=rp.id, timeout=TIMEOUT_MS,
        allow_credentials=_descriptors(passkeys_of(user)) if user is not None else None,
        user_verification=UserVerificationRequirement.REQUIRED)
    return options_to_json(options), options.challenge


def _failed(reason: str, passkey: Passkey | None, *, remote_addr: str | None) -> Outcome:
    details: dict[str, Any] = {"reason": reason, "remote_addr": remote_addr}
    if passkey is not None:
        details["passkey"] = passkey.id
        record_reauthentication_failure(passkey.user)
        audit.record("passkey.failed", object_type="account", object_id=passkey.user.email,
                     details=details)
    else:
        audit.record("passkey.failed", object_type="account", object_id=None, details=details)
    db.session.flush()
    return Outcome()


# A credential id as the browser sends it: base64url, at most 1023 bytes (WebAuthn's limit).
CREDENTIAL_ID = re.compile(r"[A-Za-z0-9_-]{1,1364}")


def verify_assertion(rp: RelyingParty, challenge: bytes | None, credential: Any, *,
                     user: User | None = None, remote_addr: str | None = None,
                     now: datetime | None = None) -> Outcome:
    """Check an assertion from navigator.credentials.get() against the challenge given:
    a known passkey (the signed-in user's own when `user` is given), user verification, a
    valid signature, a sign count that went up (a counter that went back means a cloned
    authenticator: refused and audited), an active account, and the login throttle.
    On success the passkey's count and last use are updated."""
    now = now or utcnow()
    try:
        data = _credential(credential)
        credential_id = data.get("rawId") or data.get("id")
        if not isinstance(credential_id, str) or not CREDENTIAL_ID.fullmatch(credential_id):
            raise Refusal("invalid")
    except Refusal:
        return _failed("malformed", None, remote_addr=remote_addr)
    passkey = db.session.scalar(select(Passkey).where(Passkey.credential_id == credential_id))
    if passkey is None or (user is not None and passkey.user_id != user.id):
        return _failed("unknown_passkey", None, remote_addr=remote_addr)
    wait = reauthentication_wait(passkey.user, now)
    if wait:
        audit.record("login.throttled", object_type="account", object_id=passkey.user.email,
                     details={"remote_addr": remote_addr, "method": "passkey"})
        return Outcome(retry_after=wait)
    if challenge is None:
        return _failed("no_challenge", passkey, remote_addr=remote_addr)
    try:
        # The count is checked below, after the signature, so that a regression is told
        # apart from a bad signature and audited as such.
        verified = verify_authentication_response(
            credential=data, expected_challenge=challenge, expected_rp_id=rp.id,
            expected_origin=rp.origin, credential_public_key=passkey.public_key,
            credential_current_sign_count=0, require_user_verification=True)
    except (WebAuthnException, ValueError, KeyError, TypeError):
        return _failed("not_verified", passkey, remote_addr=remote_addr)
    handle = data["response"].get("userHandle")
    if handle and not secrets.compare_digest(str(handle).encode(), passkey.user_handle.encode()):
        return _failed("user_handle", passkey, remote_addr=remote_addr)
    new_count, old_count = verified.new_sign_count, passkey.sign_count or 0
    if (new_count > 0 or old_count > 0) and new_count <= old_count:
        audit.record("passkey.sign_count_regressed", object_type="user",
                     object_id=passkey.user_id,
                     details={"passkey": passkey.id, "stored": old_count, "received": new_count})
        return _failed("sign_count", passkey, remote_addr=remote_addr)
    if not passkey.user.is_active:
        return _failed("disabled", passkey, remote_addr=remote_addr)
    passkey.sign_count = new_count
    passkey.last_used_at = now
    audit.record("passkey.used", actor=passkey.user, object_type="user",
                 object_id=passkey.user_id,
                 details={"passkey": passkey.id, "purpose": "confirm" if user else "sign_in",
                          "remote_addr": remote_addr})
    db.session.flush()
    return Outcome(user=passkey.user, passkey=passkey)
