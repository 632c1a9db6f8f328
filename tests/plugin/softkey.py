"""A software authenticator for HTTP tests of passkeys: a P-256 key that answers WebAuthn
registration and authentication options with real attestations ("none" format) and signed
assertions, as a browser would send them. (The browser test uses Chromium's own virtual
authenticator; this one lets the HTTP tests replay, tamper and turn the counter back.)"""

import hashlib
import json
import os
import struct

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url
from webauthn.helpers.encode_cbor import encode_cbor

UP, UV, AT = 0x01, 0x04, 0x40


class SoftKey:
    def __init__(self, rp_id: str = "localhost", origin: str = "http://localhost:5000"):
        self.rp_id, self.origin = rp_id, origin
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.credential_id = os.urandom(16)
        self.user_handle: bytes | None = None
        self.count = 0
        self.verified = True  # user verification (PIN, biometric) done

    @property
    def id(self) -> str:
        return bytes_to_base64url(self.credential_id)

    def _cose(self) -> bytes:
        numbers = self.key.public_key().public_numbers()
        return encode_cbor({1: 2, 3: -7, -1: 1, -2: numbers.x.to_bytes(32, "big"),
                            -3: numbers.y.to_bytes(32, "big")})

    def _client_data(self, kind: str, challenge: str) -> bytes:
        return json.dumps({"type": kind, "challenge": challenge, "origin": self.origin,
                           "crossOrigin": False}).encode()

    def _flags(self) -> int:
        return UP | (UV if self.verified else 0)

    def create(self, options: dict) -> dict:
        """The credential navigator.credentials.create(options) would give, as JSON."""
        self.user_handle = base64url_to_bytes(options["user"]["id"])
        auth_data = (hashlib.sha256(self.rp_id.encode()).digest()
                     + bytes([self._flags() | AT]) + struct.pack(">I", self.count)
                     + b"\x00" * 16 + struct.pack(">H", len(self.credential_id))
                     + self.credential_id + self._cose())
        attestation = encode_cbor({"fmt": "none", "attStmt": {}, "authData": auth_data})
        client_data = self._client_data("webauthn.create", options["challenge"])
        return {"id": self.id, "rawId": self.id, "type": "public-key",
                "response": {"clientDataJSON": bytes_to_base64url(client_data),
                             "attestationObject": bytes_to_base64url(attestation),
                             "transports": ["internal"]},
                "clientExtensionResults": {}}

    def get(self, options: dict, *, count: int | None = None) -> dict:
        """The assertion navigator.credentials.get(options) would give, as JSON; the counter
        goes up by one unless `count` is given."""
        self.count = self.count + 1 if count is None else count
        auth_data = (hashlib.sha256(self.rp_id.encode()).digest() + bytes([self._flags()])
                     + struct.pack(">I", self.count))
        client_data = self._client_data("webauthn.get", options["challenge"])
        signature = self.key.sign(auth_data + hashlib.sha256(client_data).digest(),
                                  ec.ECDSA(hashes.SHA256()))
        response = {"clientDataJSON": bytes_to_base64url(client_data),
                    "authenticatorData": bytes_to_base64url(auth_data),
                    "signature": bytes_to_base64url(signature)}
        if self.user_handle:
            response["userHandle"] = bytes_to_base64url(self.user_handle)
        return {"id": self.id, "rawId": self.id, "type": "public-key", "response": response,
                "clientExtensionResults": {}}
