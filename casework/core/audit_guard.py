"""The database keeps the audit tables append-only: triggers refuse UPDATE and DELETE of
their rows and, on PostgreSQL, TRUNCATE. The application never lifts them. (An owner of the
tables can drop the triggers: production runs the application as a role that owns nothing,
see the README; the keyed seals and signed checkpoints catch what an owner does.)

`ensure_audit_guard(connection)` installs them after `db.create_all()` (the metadata's
after_create event). The migration that introduced them carries the same DDL written out.
SQLite drops a table's triggers when Alembic's batch mode re-creates the table: a later
migration that does so for an audit table must create its triggers again.
"""

from sqlalchemy import event, inspect
from sqlalchemy.engine import Connection

from casework.extensions import db

GUARDED_TABLES = ("audit_entries", "audit_checkpoints")
PG_FUNCTION = "casework_audit_append_only"
REFUSAL = "audit rows are append-only"

_PG_FUNCTION_DDL = f"""
CREATE OR REPLACE FUNCTION {PG_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
        MESSAGE = '{REFUSAL}: ' || TG_OP || ' on ' || TG_TABLE_NAME || ' refused';
END $$"""


def _pg_ddl(table: str) -> list[str]:
    return [
        f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}",
        f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
        f"FOR EACH ROW EXECUTE FUNCTION {PG_FUNCTION}()",
        f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}",
        f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {PG_FUNCTION}()",
    ]


def _sqlite_ddl(table: str) -> list[str]:
    return [
        f"CREATE TRIGGER IF NOT EXISTS {table}_no_{op.lower()} BEFORE {op} ON {table} "
        f"BEGIN SELECT RAISE(ABORT, '{REFUSAL}: {op} on {table} refused'); END"
        for op in ("UPDATE", "DELETE")
    ]


def ensure_audit_guard(connection: Connection) -> None:
    """Install the append-only triggers on the audit tables that exist; idempotent."""
    present = [t for t in GUARDED_TABLES if inspect(connection).has_table(t)]
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(_PG_FUNCTION_DDL)
        statements = [s for t in present for s in _pg_ddl(t)]
    else:
        statements = [s for t in present for s in _sqlite_ddl(t)]
    for statement in statements:
        connection.exec_driver_sql(statement)


def sqlite_trigger_names() -> list[str]:
    return [f"{t}_no_{op}" for t in GUARDED_TABLES for op in ("update", "delete")]


@event.listens_for(db.metadata, "after_create")
def _after_create(_target, connection: Connection, **_kw) -> None:
    ensure_audit_guard(connection)
