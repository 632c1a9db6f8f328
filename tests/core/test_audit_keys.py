"""The keyed seals: entries written before keys existed still verify; the new ones are sealed
with HMAC-SHA256 and the key, so re-sealing the chain without the key is caught."""

import hashlib
import hmac
from datetime import datetime

from sqlalchemy import text

from casework.core import audit, audit_checkpoints
from casework.core.audit import KEYED, UNKEYED, AuditEntry
from casework.extensions import db
from tests.plugin.app import audit_guard_lifted


def _legacy_chain(n: int) -> None:
    """Entries as the code before keyed seals wrote them: plain SHA-256."""
    prev = audit.GENESIS_HASH
    for i in range(1, n + 1):
        entry = AuditEntry(id=i, at=datetime(2026, 11, 1, 10, i), actor_label="system",
                           action="old.event", details={"n": i}, prev_hash=prev,
                           seal_version=UNKEYED)
        entry.hash = hashlib.sha256((prev + entry.canonical()).encode()).hexdigest()
        db.session.add(entry)
        prev = entry.hash
    db.session.commit()


def _reseal(entries, key: bytes | None, version: int) -> None:
    """What someone who can write the table (but lacks the key) does to hide a change."""
    prev = audit.GENESIS_HASH
    with audit_guard_lifted():
        for entry in entries:
            entry.prev_hash, entry.seal_version = prev, version
            entry.hash = "0" * 64  # let the unique constraint see no clash on the way
            db.session.flush()
            entry.hash = entry.compute_hash(key)
            db.session.flush()
            prev = entry.hash
    db.session.commit()


def test_old_unkeyed_entries_still_verify_and_new_ones_are_keyed(app):
    _legacy_chain(3)
    new = audit.record("new.event", details={"text": "Жаңа"})
    db.session.commit()
    assert new.seal_version == KEYED and new.id == 4
    key = app.config["CASEWORK_AUDIT_KEY"].encode()
    expected = hmac.new(key, (new.prev_hash + new.canonical()).encode(), hashlib.sha256)
    assert new.hash == expected.hexdigest()
    result = audit.verify()
    assert result.ok and result.checked == 4 and result.head == new.hash


def test_resealing_with_another_key_is_caught():
    for i in range(4):
        audit.record("event", details={"n": i})
    db.session.commit()
    with audit_guard_lifted():
        db.session.execute(text("UPDATE audit_entries SET actor_label = 'mallory' WHERE id = 2"))
    db.session.commit()
    entries = list(db.session.scalars(db.select(AuditEntry).order_by(AuditEntry.id)))
    _reseal(entries, b"a key the attacker made up", KEYED)
    result = audit.verify()
    assert not result.ok and result.bad_id == 1 and "keyed seal" in result.reason


def test_resealing_new_entries_the_old_unkeyed_way_is_caught():
    _legacy_chain(2)
    audit.record("event", details={"n": 3})
    assert audit_checkpoints.make_checkpoint().head_id == 3
    audit.record("event", details={"n": 4})
    audit.record("event", details={"n": 5})
    db.session.commit()
    # After the checkpoint: entry 4 changed, then 4-5 re-sealed as plain SHA-256.
    entries = list(db.session.scalars(db.select(AuditEntry).order_by(AuditEntry.id)))
    prev = entries[2].hash
    with audit_guard_lifted():
        for entry in entries[3:]:
            entry.action = "forged"
            entry.prev_hash, entry.seal_version = prev, UNKEYED
            entry.hash = "1" * 63 + str(entry.id)
            db.session.flush()
            entry.hash = entry.compute_hash()
            db.session.flush()
            prev = entry.hash
    db.session.commit()
    result = audit_checkpoints.verify_chain()
    assert not result.ok and result.bad_id == 4 and "without the key" in result.reason
    assert audit_checkpoints.verify_checkpoints().ok  # its head, entry 3, is untouched
