"""elections: a change to a legal clock or a holiday replaces the reference stamp

Each process keeps the legal clock it counts deadlines by under the election's reference
stamp (casework/elections/legal_clock.py), so legal_clocks and election_holidays restamp
every election as the reference data do. The DDL is a copy of casework/elections/stamp.py's
(a migration imports no application code); PostgreSQL's function exists since b16e0f5a2c77.

Revision ID: a21d7c3e5f90
Revises: f20c4e6a8b31
Created: 2026-12-13 10:00:00
"""

from alembic import op

revision = 'a21d7c3e5f90'
down_revision = 'f20c4e6a8b31'
branch_labels = None
depends_on = None

TABLES = ("legal_clocks", "election_holidays")
_SQLITE_STAMP = "lower(hex(randomblob(8)))"
OPERATIONS = ("INSERT", "UPDATE", "DELETE")


def upgrade():
    if op.get_bind().dialect.name == 'postgresql':
        for table in TABLES:
            op.execute(f"CREATE TRIGGER {table}_restamp AFTER INSERT OR UPDATE OR DELETE ON {table} "
                       "FOR EACH STATEMENT EXECUTE FUNCTION casework_restamp_elections()")
        return
    for table in TABLES:
        for operation in OPERATIONS:
            op.execute(f"CREATE TRIGGER IF NOT EXISTS {table}_restamp_{operation.lower()} "  # noqa: S608 - constants of this file
                       f"AFTER {operation} ON {table} "
                       f"BEGIN UPDATE elections SET reference_stamp = {_SQLITE_STAMP}; END")


def downgrade():
    postgresql = op.get_bind().dialect.name == 'postgresql'
    for table in TABLES:
        if postgresql:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_restamp ON {table}")
            continue
        for operation in OPERATIONS:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_restamp_{operation.lower()}")
