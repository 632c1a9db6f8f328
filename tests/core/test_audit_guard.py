"""The database itself keeps the audit tables append-only: UPDATE and DELETE are refused on
SQLite and PostgreSQL, TRUNCATE too on PostgreSQL; with the README's separate owner and
application roles the application cannot even lift the triggers."""

import secrets

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from casework.core import audit, audit_checkpoints
from casework.core.audit import AuditEntry
from casework.extensions import db

STATEMENTS = [
    "UPDATE audit_entries SET actor_label = 'mallory' WHERE id = 1",
    "DELETE FROM audit_entries WHERE id = 2",
    "UPDATE audit_checkpoints SET head_id = 1",
    "DELETE FROM audit_checkpoints",
]


def _chain() -> None:
    for i in range(3):
        audit.record("test.event", details={"n": i})
    audit_checkpoints.make_checkpoint()
    db.session.commit()


def _refused(statement: str) -> str:
    with pytest.raises(DBAPIError) as raised:
        db.session.execute(text(statement))
    db.session.rollback()
    return str(raised.value)


@pytest.mark.parametrize("statement", STATEMENTS)
def test_changing_or_removing_audit_rows_is_refused(statement):
    _chain()
    assert "audit rows are append-only" in _refused(statement)
    assert audit.verify().checked == 3
    assert audit_checkpoints.verify_checkpoints().ok


def test_the_orm_cannot_delete_an_entry_either():
    _chain()
    db.session.delete(db.session.get(AuditEntry, 3))
    with pytest.raises(DBAPIError, match="append-only"):
        db.session.commit()
    db.session.rollback()
    assert audit.verify().checked == 3


def _postgresql():
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only: set CASEWORK_TEST_DATABASE_URL")


@pytest.mark.parametrize("table", ["audit_entries", "audit_checkpoints"])
def test_truncate_is_refused_on_postgresql(table):
    _postgresql()
    _chain()
    assert "append-only: TRUNCATE" in _refused(f"TRUNCATE {table}")
    assert audit.verify().checked == 3


@pytest.fixture
def app_role():
    """A role set up as the README says for the application: it owns nothing, may read and
    append to the audit tables, and has UPDATE, DELETE and TRUNCATE revoked on them."""
    _postgresql()
    role = f"casework_app_{secrets.token_hex(4)}"
    for statement in (
        f"CREATE ROLE {role} NOLOGIN",
        f"GRANT USAGE ON SCHEMA public TO {role}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}",
        f"REVOKE UPDATE, DELETE, TRUNCATE ON audit_entries, audit_checkpoints FROM {role}",
    ):
        db.session.execute(text(statement))
    db.session.commit()
    yield role
    db.session.rollback()
    db.session.execute(text(f"DROP OWNED BY {role}"))
    db.session.execute(text(f"DROP ROLE {role}"))
    db.session.commit()


def test_the_application_role_can_append_but_not_lift_the_guard(app_role):
    _chain()
    db.session.execute(text(f"SET ROLE {app_role}"))
    audit.record("test.as_app")  # appending works
    db.session.flush()
    db.session.execute(text("RESET ROLE"))
    db.session.commit()
    for statement in STATEMENTS[:2] + ["TRUNCATE audit_entries",
                                       "ALTER TABLE audit_entries DISABLE TRIGGER ALL",
                                       "SET session_replication_role = replica"]:
        db.session.execute(text(f"SET ROLE {app_role}"))
        message = _refused(statement)
        assert "permission denied" in message or "must be owner" in message, message
    assert audit.verify().checked == 4
