"""elections: the reference stamp, replaced by triggers whenever the reference data change

elections.reference_stamp: a random token. Triggers replace it on every INSERT, UPDATE or
DELETE of regions, polling_stations, candidates and results (every election's), and on an
UPDATE of the election row itself, so caches of the reference data (the complaint form's
lists, rendered once per language) are keyed by it in every process. The DDL is a copy of
casework/elections/stamp.py's (a migration imports no application code).

Revision ID: b16e0f5a2c77
Revises: d16a9c3e7b21
Created: 2026-12-10 10:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = 'b16e0f5a2c77'
down_revision = 'd16a9c3e7b21'
branch_labels = None
depends_on = None

STAMPED_BY = ("regions", "polling_stations", "candidates", "results")
_PG_STAMP = "substr(md5(random()::text || clock_timestamp()::text), 1, 16)"
_SQLITE_STAMP = "lower(hex(randomblob(8)))"

_PG_UP = [
    f"""CREATE OR REPLACE FUNCTION casework_restamp_elections() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE elections SET reference_stamp = {_PG_STAMP};
    RETURN NULL;
END $$""",  # noqa: S608 - constants of this file
    f"""CREATE OR REPLACE FUNCTION casework_restamp_election() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.reference_stamp := {_PG_STAMP};
    RETURN NEW;
END $$""",
    *[f"CREATE TRIGGER {table}_restamp AFTER INSERT OR UPDATE OR DELETE ON {table} "
      "FOR EACH STATEMENT EXECUTE FUNCTION casework_restamp_elections()"
      for table in STAMPED_BY],
    "CREATE TRIGGER elections_restamp BEFORE UPDATE ON elections FOR EACH ROW "
    "WHEN (NEW.reference_stamp IS NOT DISTINCT FROM OLD.reference_stamp) "
    "EXECUTE FUNCTION casework_restamp_election()",
]
_PG_DOWN = [
    *[f"DROP TRIGGER IF EXISTS {table}_restamp ON {table}" for table in STAMPED_BY],
    "DROP TRIGGER IF EXISTS elections_restamp ON elections",
    "DROP FUNCTION IF EXISTS casework_restamp_elections()",
    "DROP FUNCTION IF EXISTS casework_restamp_election()",
]
_SQLITE_UP = [
    *[f"CREATE TRIGGER IF NOT EXISTS {table}_restamp_{op_.lower()} AFTER {op_} ON {table} "  # noqa: S608 - constants of this file
      f"BEGIN UPDATE elections SET reference_stamp = {_SQLITE_STAMP}; END"
      for table in STAMPED_BY for op_ in ("INSERT", "UPDATE", "DELETE")],
    "CREATE TRIGGER IF NOT EXISTS elections_restamp AFTER UPDATE ON elections "  # noqa: S608 - constants of this file
    "WHEN NEW.reference_stamp IS OLD.reference_stamp "
    f"BEGIN UPDATE elections SET reference_stamp = {_SQLITE_STAMP} WHERE id = NEW.id; END",
]
_SQLITE_DOWN = [
    *[f"DROP TRIGGER IF EXISTS {table}_restamp_{op_}" for table in STAMPED_BY
      for op_ in ("insert", "update", "delete")],
    "DROP TRIGGER IF EXISTS elections_restamp",
]


def upgrade():
    op.add_column('elections', sa.Column('reference_stamp', sa.String(length=16),
                                         server_default='', nullable=False))
    postgresql = op.get_bind().dialect.name == 'postgresql'
    op.execute(f"UPDATE elections SET reference_stamp = {_PG_STAMP if postgresql else _SQLITE_STAMP}")  # noqa: S608 - constants of this file
    for statement in _PG_UP if postgresql else _SQLITE_UP:
        op.execute(statement)


def downgrade():
    postgresql = op.get_bind().dialect.name == 'postgresql'
    for statement in _PG_DOWN if postgresql else _SQLITE_DOWN:
        op.execute(statement)
    with op.batch_alter_table('elections', schema=None) as batch_op:
        batch_op.drop_column('reference_stamp')
