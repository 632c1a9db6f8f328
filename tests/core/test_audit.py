"""The audit chain detects altered, removed and inserted entries. The tampering tests play
the tables' owner, who can lift the append-only triggers (`audit_guard_lifted`)."""

from sqlalchemy import text

from casework.core import audit
from casework.core.audit import AuditEntry
from casework.extensions import db
from tests.plugin.app import audit_guard_lifted


def tamper(*statements: str) -> None:
    with audit_guard_lifted():
        for statement in statements:
            db.session.execute(text(statement))
    db.session.commit()


def _chain(n: int = 5) -> list[AuditEntry]:
    entries = [audit.record("test.event", object_type="thing", object_id=i,
                            details={"n": i, "text": "Қазақша мәтін"}) for i in range(n)]
    db.session.commit()
    return entries


def test_intact_chain_verifies():
    entries = _chain()
    result = audit.verify()
    assert result.ok and result.checked == 5 and result.head == entries[-1].hash
    assert entries[1].prev_hash == entries[0].hash
    assert entries[0].prev_hash == audit.GENESIS_HASH


def test_direct_edit_of_a_row_is_found():
    _chain()
    tamper("UPDATE audit_entries SET object_id = '99' WHERE id = 3")
    result = audit.verify()
    assert not result.ok and result.bad_id == 3 and "altered" in result.reason
    assert result.checked == 2


def test_edit_with_recomputed_own_hash_breaks_the_next_link():
    entries = _chain()
    with audit_guard_lifted():
        victim = db.session.get(AuditEntry, 2)
        victim.action = "test.forged"
        victim.hash = victim.compute_hash()  # with the key: only the next link breaks
        db.session.flush()
    db.session.commit()
    result = audit.verify()
    assert not result.ok and result.bad_id == 3
    assert entries


def test_removed_row_is_found():
    _chain()
    tamper("DELETE FROM audit_entries WHERE id = 4")
    result = audit.verify()
    assert not result.ok and result.bad_id == 5 and "removed" in result.reason


def test_inserted_row_is_found():
    _chain(3)
    tamper("UPDATE audit_entries SET id = id + 10 WHERE id = 3")
    forged = AuditEntry(id=3, at=db.session.get(AuditEntry, 2).at, actor_label="x",
                        action="forged", details={}, prev_hash="f" * 64, hash="e" * 64)
    db.session.add(forged)
    db.session.commit()
    result = audit.verify()
    assert not result.ok and result.bad_id == 3


def test_cli_verify_reports_the_first_bad_entry(app):
    _chain()
    runner = app.test_cli_runner()
    ok = runner.invoke(args=["audit", "verify"])
    assert ok.exit_code == 0 and "5 entries" in ok.output
    tamper("UPDATE audit_entries SET actor_label = 'mallory' WHERE id = 2")
    broken = runner.invoke(args=["audit", "verify"])
    assert broken.exit_code == 1 and "entry 2" in broken.output


def test_two_entries_cannot_claim_the_same_predecessor():
    import pytest
    from sqlalchemy.exc import IntegrityError

    _chain(2)
    last = db.session.get(AuditEntry, 2)
    fork = AuditEntry(id=50, at=last.at, actor_label="x", action="fork", details={},
                      prev_hash=last.prev_hash, hash="d" * 64)
    db.session.add(fork)
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
