"""Encryption at rest: the data keys, AES-256-GCM for values and files, keyed look-up hashes.

The keys live in a file outside the database (`CASEWORK_DATA_KEYS`), one per line as
`<key id> <32 bytes in urlsafe base64>`; the last line is the newest and encrypts everything
written from now on, older ones only decrypt until `flask keys rotate` has re-encrypted.
Losing the file loses every value and file encrypted under it: back it up apart from the
database.

- Values (`seal`/`open_value`, or the column type `EncryptedText`) are stored as
  `cw1:<key id>:<base64 of nonce + ciphertext>`, with the column's name as associated data so
  a value moved to another column does not decrypt. A value without the prefix is plaintext
  written before encryption; it is read as it is until rotation encrypts it.
- Look-up hashes (`lookup_hash`, `lookup_hashes`) are HMAC-SHA-256 under a key derived from
  each data key: written with the newest, looked up with all of them, so a rotation half done
  still finds every row.
- Files (`encrypt_stream`/`decrypt_stream`) use the STREAM construction: 64 KiB chunks, each
  sealed with a nonce made of a random prefix, the chunk's number and a last-chunk flag, so
  chunks cannot be reordered, dropped or the file cut short without the tag failing.
"""

from __future__ import annotations

import base64
import hmac
import itertools
import os
import secrets
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import Text
from sqlalchemy.types import TypeDecorator

VALUE_PREFIX = "cw1:"
FILE_MAGIC = b"CWE1"
CHUNK = 64 * 1024
_TAG = 16
_PREFIX_BYTES = 7


class DataKeyError(RuntimeError):
    """The data keys are missing, malformed, or do not open this value."""


@dataclass(frozen=True)
class DataKey:
    key_id: str
    secret: bytes

    @property
    def aead(self) -> AESGCM:
        return AESGCM(self.secret)

    def derived(self, purpose: bytes) -> bytes:
        return HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                    info=b"casework " + purpose).derive(self.secret)


class Keyring:
    """The data keys in file order; the last one writes."""

    def __init__(self, keys: list[DataKey]):
        if not keys:
            raise DataKeyError("no data keys")
        ids = [key.key_id for key in keys]
        if len(set(ids)) != len(ids):
            raise DataKeyError("a data key id appears twice")
        self.keys = keys
        self.by_id = {key.key_id: key for key in keys}
        self._lookup = {key.key_id: key.derived(b"lookup") for key in keys}

    @property
    def current(self) -> DataKey:
        return self.keys[-1]

    # Values ---------------------------------------------------------------------------------
    def seal(self, plaintext: str, context: str) -> str:
        key = self.current
        nonce = os.urandom(12)
        sealed = key.aead.encrypt(nonce, plaintext.encode("utf-8"), context.encode("utf-8"))
        return f"{VALUE_PREFIX}{key.key_id}:{base64.b64encode(nonce + sealed).decode('ascii')}"

    def open_value(self, stored: str, context: str) -> str:
        if not is_sealed(stored):
            return stored
        try:
            _, key_id, payload = stored.split(":", 2)
            raw = base64.b64decode(payload, validate=True)
            key = self.by_id[key_id]
            return key.aead.decrypt(raw[:12], raw[12:], context.encode("utf-8")).decode("utf-8")
        except KeyError as exc:
            raise DataKeyError(f"value sealed under unknown data key {exc}") from None
        except (ValueError, InvalidTag) as exc:
            raise DataKeyError("a sealed value does not open (damaged, or another column's)") \
                from exc

    def needs_rotation(self, stored: str | None) -> bool:
        """True for plaintext and for values sealed under an older key."""
        if stored is None or stored == "":
            return False
        if not is_sealed(stored):
            return True
        return stored.split(":", 2)[1] != self.current.key_id

    # Look-up hashes -------------------------------------------------------------------------
    def lookup_hash(self, normalized: str) -> str:
        """The keyed hash written beside a value, under the newest key (64 hex digits)."""
        return self._hash(self.current.key_id, normalized)

    def lookup_hashes(self, normalized: str) -> list[str]:
        """Every hash the value may have been written with: compare with `IN`."""
        return [self._hash(key.key_id, normalized) for key in reversed(self.keys)]

    def _hash(self, key_id: str, normalized: str) -> str:
        return hmac.digest(self._lookup[key_id], normalized.encode("utf-8"), "sha256").hex()

    # Files ----------------------------------------------------------------------------------
    def encrypt_stream(self, chunks: Iterable[bytes]) -> Iterator[bytes]:
        """Encrypt a stream of any chunking; yields the header, then sealed 64 KiB chunks."""
        sealer = FileSealer(self.current)
        yield sealer.header
        for piece in chunks:
            if sealed := sealer.update(piece):
                yield sealed
        yield sealer.finish()

    def decrypt_stream(self, chunks: Iterable[bytes]) -> Iterator[bytes]:
        """Decrypt what `encrypt_stream` wrote; raises DataKeyError on any tampering."""
        source = iter(chunks)
        buffer = bytearray()
        for piece in source:
            buffer += piece
            if len(buffer) >= 5 and len(buffer) >= 5 + buffer[4] + _PREFIX_BYTES:
                break
        if bytes(buffer[:4]) != FILE_MAGIC or len(buffer) < 5:
            raise DataKeyError("not an encrypted file")
        kid_len = buffer[4]
        header_len = 5 + kid_len + _PREFIX_BYTES
        if len(buffer) < header_len:
            raise DataKeyError("encrypted file cut short")
        key_id = bytes(buffer[5:5 + kid_len]).decode("ascii", "replace")
        key = self.by_id.get(key_id)
        if key is None:
            raise DataKeyError(f"file sealed under unknown data key {key_id!r}")
        prefix = bytes(buffer[5 + kid_len:header_len])
        del buffer[:header_len]
        aead = key.aead
        sealed_chunk = CHUNK + _TAG
        counter = 0
        for piece in itertools.chain([b""], source):  # what came with the header first
            buffer += piece
            while len(buffer) > sealed_chunk:
                yield _open_chunk(aead, prefix, counter, bytes(buffer[:sealed_chunk]), False)
                del buffer[:sealed_chunk]
                counter += 1
        # What is left is the last chunk (at most one full chunk, flagged last).
        yield _open_chunk(aead, prefix, counter, bytes(buffer), True)

    def file_key_id(self, head: bytes) -> str | None:
        """The key id in an encrypted file's first bytes, None for a plaintext file."""
        if not is_sealed_file(head) or len(head) < 5 + head[4]:
            return None
        return head[5:5 + head[4]].decode("ascii", "replace")


class FileSealer:
    """`encrypt_stream` for writers that push: `header`, then what `update` and `finish`
    return, in that order, is the encrypted file."""

    def __init__(self, key: DataKey):
        self._aead = key.aead
        self._prefix = os.urandom(_PREFIX_BYTES)
        kid = key.key_id.encode("ascii")
        self.header = FILE_MAGIC + bytes([len(kid)]) + kid + self._prefix
        self._buffer = bytearray()
        self._counter = 0

    def update(self, data: bytes) -> bytes:
        self._buffer += data
        # Keep at least one byte back: the last chunk must carry the flag.
        full = (len(self._buffer) - 1) // CHUNK
        if full <= 0:
            return b""
        view = memoryview(self._buffer)
        sealed = [self._aead.encrypt(_nonce(self._prefix, self._counter + n, last=False),
                                     view[n * CHUNK:(n + 1) * CHUNK], None)
                  for n in range(full)]
        view.release()
        del self._buffer[:full * CHUNK]  # once per call: a large write is not quadratic
        self._counter += full
        return b"".join(sealed)

    def finish(self) -> bytes:
        return self._aead.encrypt(_nonce(self._prefix, self._counter, last=True),
                                  bytes(self._buffer), None)


def _nonce(prefix: bytes, counter: int, *, last: bool) -> bytes:
    return prefix + counter.to_bytes(4, "big") + (b"\x01" if last else b"\x00")


def _open_chunk(aead: AESGCM, prefix: bytes, counter: int, sealed: bytes, last: bool) -> bytes:
    try:
        return aead.decrypt(_nonce(prefix, counter, last=last), sealed, None)
    except InvalidTag as exc:
        raise DataKeyError("an encrypted file does not open (damaged, cut or reordered)") \
            from exc


def is_sealed(stored: Any) -> bool:
    return isinstance(stored, str) and stored.startswith(VALUE_PREFIX)


def is_sealed_file(head: bytes) -> bool:
    return head[:4] == FILE_MAGIC


def encrypted_size(plain_size: int, key_id: str) -> int:
    """The size on disk of a file of `plain_size` bytes encrypted under `key_id`."""
    chunks = max(1, -(-plain_size // CHUNK))
    return 5 + len(key_id.encode("ascii")) + _PREFIX_BYTES + plain_size + chunks * _TAG


# The key file -------------------------------------------------------------------------------
def parse_keys(text: str) -> Keyring:
    keys = []
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        try:
            key_id, encoded = line.split()
            secret = base64.urlsafe_b64decode(encoded)
        except ValueError:
            raise DataKeyError(f"data keys file, line {number}: expected '<id> <base64 key>'") \
                from None
        if len(secret) != 32 or not key_id.isascii() or not key_id.isalnum() or len(key_id) > 32:
            raise DataKeyError(f"data keys file, line {number}: a key id of letters and digits "
                               "and a 32-byte key")
        keys.append(DataKey(key_id, secret))
    return Keyring(keys)


def load_keys(path: str | os.PathLike[str]) -> Keyring:
    return parse_keys(Path(path).read_text(encoding="utf-8"))


def new_key_line(key_id: str | None = None) -> str:
    key_id = key_id or "k" + secrets.token_hex(4)
    return f"{key_id} {base64.urlsafe_b64encode(os.urandom(32)).decode('ascii')}\n"


def write_keys_file(path: str | os.PathLike[str]) -> bool:
    """Create a keys file with one new key, its owner's only; False if it exists."""
    target = Path(path)
    if target.exists():
        return False
    target.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write("# Casework data keys: the last line encrypts; keep a copy apart from "
                     "the database.\n")
        handle.write(new_key_line())
    return True


def add_key(path: str | os.PathLike[str]) -> str:
    """Append a new newest key to the file; returns its id. Rotation then re-encrypts."""
    line = new_key_line()
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(line)
        handle.flush()
        os.fsync(handle.fileno())
    return line.split()[0]


# The keyring of the running application ---------------------------------------------------
_active: Keyring | None = None


def install(keyring: Keyring) -> None:
    """Make `keyring` the one column types and storage use (create_app calls it)."""
    global _active
    _active = keyring


def keyring() -> Keyring:
    from flask import current_app, has_app_context

    if has_app_context():
        ring = current_app.extensions.get("casework_keys")
        if ring is not None:
            return ring
    if _active is None:
        raise DataKeyError("no data keys loaded")
    return _active


class EncryptedText(TypeDecorator[str]):
    """A text column stored sealed; `context` (e.g. "complainants.name") binds it to its column.

    None stays NULL (so "is there a phone" stays a query); "" stays "" (a value that was
    erased by retention, or never given).
    """

    impl = Text
    cache_ok = True

    class comparator_factory(TypeDecorator.Comparator[str]):  # noqa: N801 (SQLAlchemy's name)
        """Comparing a sealed column with a value can never match (each seal is different):
        refused, so a look-up uses the hash column instead. "" and None still compare."""

        def operate(self, op: Any, *other: Any, **kwargs: Any) -> Any:
            values = [v for o in other for v in (o if isinstance(o, list | tuple) else [o])]
            if any(isinstance(v, str) and v != "" for v in values):
                raise TypeError("a sealed column is never compared with a value: "
                                "look it up by its hash column (casework.core.sealed)")
            return super().operate(op, *other, **kwargs)

    def __init__(self, context: str, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.context = context

    def process_bind_param(self, value: str | None, dialect: Any) -> str | None:
        if value is None or value == "" or is_sealed(value):
            return value
        return keyring().seal(value, self.context)

    def process_result_value(self, value: str | None, dialect: Any) -> str | None:
        if value is None or value == "":
            return value
        return keyring().open_value(value, self.context)
