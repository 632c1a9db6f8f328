"""The audit chain: an append-only table where every entry seals the one before it.

Each entry stores its seal (`hash`) over (previous entry's seal + this entry's canonical
JSON). Seal version 1 (entries written before keys existed) is a plain SHA-256; version 2 is
HMAC-SHA256 with CASEWORK_AUDIT_KEY, kept in a file outside the database, so whoever can
write the table cannot re-seal it. Versions never go down along the chain: an attacker cannot
re-seal new entries the old, unkeyed way. Changing, removing or inserting a row breaks the
chain at that row; removing the newest rows is caught by the signed checkpoints
(core/audit_checkpoints.py). The database refuses UPDATE, DELETE and TRUNCATE
(core/audit_guard.py). `flask --app casework audit verify` checks all of it.
"""

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import current_app
from sqlalchemy import JSON, DateTime, Integer, SmallInteger, String, select, text
from sqlalchemy.orm import Mapped, mapped_column

from casework.core.db import utcnow
from casework.extensions import db

GENESIS_HASH = "0" * 64
UNKEYED, KEYED = 1, 2  # seal versions: SHA-256 (old entries), HMAC-SHA256


class AuditEntry(db.Model):
    __tablename__ = "audit_entries"

    # Ids are assigned by record(), one after another, so a gap means a removed entry.
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(Integer, index=True)
    actor_label: Mapped[str] = mapped_column(String(200), default="system")
    action: Mapped[str] = mapped_column(String(80), index=True)
    object_type: Mapped[str | None] = mapped_column(String(40))
    object_id: Mapped[str | None] = mapped_column(String(80))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # unique: two entries can never claim the same predecessor, so the chain cannot fork.
    prev_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hash: Mapped[str] = mapped_column(String(64), unique=True)
    seal_version: Mapped[int] = mapped_column(SmallInteger, default=KEYED, server_default="1")

    def canonical(self) -> str:
        payload = {
            "id": self.id,
            "at": self.at.isoformat(timespec="microseconds"),
            "actor_id": self.actor_id,
            "actor_label": self.actor_label,
            "action": self.action,
            "object_type": self.object_type,
            "object_id": self.object_id,
            "details": self.details or {},
        }
        return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)

    def compute_hash(self, key: bytes | None = None) -> str:
        """The seal this entry should carry, by its seal version (key: the HMAC key)."""
        message = (self.prev_hash + self.canonical()).encode("utf-8")
        if self.seal_version == UNKEYED:
            return hashlib.sha256(message).hexdigest()
        return hmac.new(key or audit_key(), message, hashlib.sha256).hexdigest()


# Built once: the chain's head (on the table, no ORM entity to set up), and the INSERT of
# record(insert=True).
_TABLE = AuditEntry.__table__
_HEAD = select(_TABLE.c.id, _TABLE.c.hash).order_by(_TABLE.c.id.desc()).limit(1)
# The entity's: its autoflush writes an entry recorded with flush=False before reading.
_HEAD_ORM = select(AuditEntry.id, AuditEntry.hash).order_by(AuditEntry.id.desc()).limit(1)
_INSERT = _TABLE.insert()
_COLUMNS = tuple(column.key for column in _TABLE.columns)


def audit_key() -> bytes:
    return current_app.config["CASEWORK_AUDIT_KEY"].encode("utf-8")


def lock_chain() -> None:
    """Serialize appends on PostgreSQL; SQLite already allows one writer at a time."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(4242001)"))


def record(
    action: str,
    *,
    actor: Any = None,
    object_type: str | None = None,
    object_id: Any = None,
    details: dict[str, Any] | None = None,
    flush: bool = True,
    insert: bool = False,
) -> AuditEntry:
    """Append an entry in the caller's transaction (the caller commits). flush=False leaves
    the INSERT to the caller's next flush or its commit; nothing may be recorded meanwhile
    (the next entry would not see this one). insert=True writes it at once by one INSERT on
    the table, outside the session (the entry returned is not in it): for a request that has
    flushed its rows already (intake), whose commit then has nothing left to flush."""
    # insert=True follows the caller's flush: the head on the table (no autoflush to run).
    entry = _next_entry(_HEAD if insert else _HEAD_ORM, action, actor, object_type, object_id,
                        details)
    if insert:
        db.session.connection().execute(_INSERT, {key: getattr(entry, key) for key in _COLUMNS})
        return entry
    db.session.add(entry)
    if flush:
        db.session.flush()
    return entry


def _next_entry(head, action: str, actor: Any, object_type: str | None, object_id: Any,
                details: dict[str, Any] | None) -> AuditEntry:
    """The chain's next entry, sealed, not in the session (the chain is locked meanwhile)."""
    lock_chain()
    # The table's head on the session's connection (Core: nothing to autoflush); the
    # entity's through the session, which flushes first.
    last = (db.session.connection().execute(head) if head is _HEAD
            else db.session.execute(head)).first()
    entry = AuditEntry(
        id=(last.id + 1) if last else 1,
        at=utcnow(),
        actor_id=getattr(actor, "id", None),
        actor_label=getattr(actor, "email", None) or "system",
        action=action,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        details=details or {},
        prev_hash=last.hash if last else GENESIS_HASH,
        seal_version=KEYED,
    )
    entry.hash = entry.compute_hash()
    return entry


@dataclass
class VerifyResult:
    ok: bool
    checked: int
    bad_id: int | None = None
    reason: str | None = None
    head: str = GENESIS_HASH


def verify(batch: int = 2000, unkeyed_until: int | None = None) -> VerifyResult:
    """Walk the chain in order; name the first entry that does not fit. `unkeyed_until`: the
    last entry that may carry an unkeyed seal (the first signed checkpoint's head: every
    entry after it was written with the key)."""
    result = db.session.execute(
        select(AuditEntry).order_by(AuditEntry.id).execution_options(yield_per=batch)
    )
    try:
        return _walk(result.scalars(), unkeyed_until)
    finally:
        result.close()  # a server-side cursor on PostgreSQL: release it even on early return


def _walk(entries, unkeyed_until: int | None) -> VerifyResult:
    prev_hash, prev_id, checked, version = GENESIS_HASH, 0, 0, UNKEYED
    key = audit_key()
    for entry in entries:
        if entry.id != prev_id + 1:
            return VerifyResult(False, checked, entry.id, f"gap before entry {entry.id}: "
                                f"entry {prev_id + 1} was removed or renumbered", prev_hash)
        if entry.prev_hash != prev_hash:
            return VerifyResult(False, checked, entry.id, f"entry {entry.id} does not follow "
                                f"entry {prev_id}: an entry was removed, inserted or altered",
                                prev_hash)
        if entry.seal_version == UNKEYED and unkeyed_until is not None \
                and entry.id > unkeyed_until:
            version = KEYED  # entries after the first checkpoint were all written keyed
        if entry.seal_version not in (UNKEYED, KEYED) or entry.seal_version < version:
            return VerifyResult(False, checked, entry.id, f"entry {entry.id} has seal version "
                                f"{entry.seal_version} after version {version}: it was re-sealed "
                                "without the key", prev_hash)
        if not hmac.compare_digest(entry.compute_hash(key), entry.hash):
            why = ("was altered after it was written" if entry.seal_version == UNKEYED else
                   "does not match its keyed seal: it was altered, or the audit key is not "
                   "the one it was written with")
            return VerifyResult(False, checked, entry.id, f"entry {entry.id} {why}", prev_hash)
        prev_hash, prev_id, checked = entry.hash, entry.id, checked + 1
        version = entry.seal_version
    return VerifyResult(True, checked, head=prev_hash)


def newest_first(before: int | None = None, limit: int = 50) -> list[AuditEntry]:
    """One page of the log, newest first: at most `limit` entries older than `before` (an id)."""
    query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    if before:
        query = query.where(AuditEntry.id < before)
    return list(db.session.scalars(query))
