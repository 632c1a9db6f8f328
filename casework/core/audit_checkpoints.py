"""Signed checkpoints of the audit chain's head.

Every CASEWORK_AUDIT_CHECKPOINT_MINUTES the worker signs (checkpoint number, head entry id,
head seal, time) with the Ed25519 key in CASEWORK_AUDIT_SIGNING_KEY_FILE, stores it here and
publishes it (the public transparency page and its JSON, a mail to the chair). Removing the
newest audit entries then no longer leaves a valid chain: the signed head is gone.

The signed message is one ASCII line (see `message`), so anyone can check a checkpoint
with the published public key and any Ed25519 implementation.
"""

import base64
import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from flask import current_app
from sqlalchemy import DateTime, Integer, String, select
from sqlalchemy.orm import Mapped, mapped_column

from casework.core.audit import AuditEntry, VerifyResult, lock_chain, verify
from casework.core.db import utcnow
from casework.extensions import db

MESSAGE_PREFIX = "casework-audit-checkpoint/1"


class AuditCheckpoint(db.Model):
    __tablename__ = "audit_checkpoints"

    # Numbered one after another and signed with the number: a gap means a removed checkpoint.
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(DateTime, index=True)
    head_id: Mapped[int] = mapped_column(Integer)
    head_seal: Mapped[str] = mapped_column(String(64))
    key_id: Mapped[str] = mapped_column(String(16))
    signature: Mapped[str] = mapped_column(String(100))

    @property
    def message(self) -> str:
        return message(self.id, self.head_id, self.head_seal, self.at)

    def published(self) -> dict[str, Any]:
        return {"number": self.id, "at": _iso(self.at), "head_id": self.head_id,
                "head_seal": self.head_seal, "key_id": self.key_id,
                "message": self.message, "signature": self.signature}


def _iso(at: datetime) -> str:
    return at.replace(microsecond=0).isoformat() + "Z"


def message(number: int, head_id: int, head_seal: str, at: datetime) -> str:
    return f"{MESSAGE_PREFIX} number={number} head={head_id} seal={head_seal} at={_iso(at)}"


def signing_key() -> Ed25519PrivateKey:
    pem = current_app.config["CASEWORK_AUDIT_SIGNING_KEY"].encode("ascii")
    key = serialization.load_pem_private_key(pem, password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError("CASEWORK_AUDIT_SIGNING_KEY_FILE must hold an Ed25519 private key")
    return key


def public_key_raw() -> bytes:
    return signing_key().public_key().public_bytes(serialization.Encoding.Raw,
                                                   serialization.PublicFormat.Raw)


def public_key_b64() -> str:
    return base64.b64encode(public_key_raw()).decode("ascii")


def public_key_pem() -> str:
    return signing_key().public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def key_id(raw: bytes | None = None) -> str:
    """A short name for a public key: the first 16 hex digits of its SHA-256."""
    return hashlib.sha256(raw if raw is not None else public_key_raw()).hexdigest()[:16]


def signature_valid(text: str, signature_b64: str, public_b64: str) -> bool:
    """Check one published checkpoint with a published public key (both base64)."""
    try:
        public = Ed25519PublicKey.from_public_bytes(base64.b64decode(public_b64))
        public.verify(base64.b64decode(signature_b64), text.encode("ascii"))
        return True
    except (InvalidSignature, ValueError):
        return False


def latest() -> AuditCheckpoint | None:
    return db.session.scalar(select(AuditCheckpoint).order_by(AuditCheckpoint.id.desc()).limit(1))


def newest_first(limit: int = 100) -> list[AuditCheckpoint]:
    return list(db.session.scalars(
        select(AuditCheckpoint).order_by(AuditCheckpoint.id.desc()).limit(limit)))


def make_checkpoint(now: datetime | None = None) -> AuditCheckpoint | None:
    """Sign the chain's head when a checkpoint is due: none yet, or the last one older than
    the interval and the head moved since. In the caller's transaction; None if not due."""
    now = now or utcnow()
    lock_chain()  # the head cannot move while we read and sign it
    head = db.session.execute(select(AuditEntry.id, AuditEntry.hash)
                              .order_by(AuditEntry.id.desc()).limit(1)).first()
    last = latest()
    if head is None:
        return None
    if last is not None:
        interval = timedelta(minutes=current_app.config["CASEWORK_AUDIT_CHECKPOINT_MINUTES"])
        if last.head_id == head.id or last.at > now - interval:
            return None
    number = (last.id + 1) if last else 1
    at = now.replace(microsecond=0)
    signature = signing_key().sign(message(number, head.id, head.hash, at).encode("ascii"))
    checkpoint = AuditCheckpoint(id=number, at=at, head_id=head.id, head_seal=head.hash,
                                 key_id=key_id(),
                                 signature=base64.b64encode(signature).decode("ascii"))
    db.session.add(checkpoint)
    db.session.flush()
    return checkpoint


def verify_chain() -> VerifyResult:
    """The chain, where no entry after the first checkpoint's head may be sealed unkeyed."""
    first = db.session.scalar(select(AuditCheckpoint.head_id).order_by(AuditCheckpoint.id)
                              .limit(1))
    return verify(unkeyed_until=first)


@dataclass
class CheckpointResult:
    ok: bool
    checked: int
    problems: list[str] = field(default_factory=list)


def verify_checkpoints() -> CheckpointResult:
    """Every checkpoint: numbered without gaps, signed by our key, its head still in the chain
    with the same seal, heads never going back."""
    public = public_key_b64()
    mine = key_id()
    seals = {}
    problems: list[str] = []
    previous_number, previous_head, checked = 0, 0, 0
    for cp in db.session.scalars(select(AuditCheckpoint).order_by(AuditCheckpoint.id)):
        if cp.id != previous_number + 1:
            problems.append(f"checkpoint {previous_number + 1} was removed")
        if cp.key_id != mine or not signature_valid(cp.message, cp.signature, public):
            problems.append(f"checkpoint {cp.id}: the signature does not verify with the "
                            f"signing key {mine} (signed by {cp.key_id})")
        if cp.head_id < previous_head:
            problems.append(f"checkpoint {cp.id}: its head {cp.head_id} is older than the "
                            f"previous checkpoint's head {previous_head}")
        if cp.head_id not in seals:
            seals[cp.head_id] = db.session.scalar(
                select(AuditEntry.hash).where(AuditEntry.id == cp.head_id))
        if seals[cp.head_id] is None:
            problems.append(f"checkpoint {cp.id}: its head, entry {cp.head_id}, was removed")
        elif seals[cp.head_id] != cp.head_seal:
            problems.append(f"checkpoint {cp.id}: entry {cp.head_id} no longer has the seal "
                            "that was signed")
        previous_number, previous_head, checked = cp.id, cp.head_id, checked + 1
    return CheckpointResult(not problems, checked, problems)
