"""The election's reference stamp: a random token the database replaces whenever the
reference data change, so every process can key its caches of them on it.

`elections.reference_stamp` changes on any INSERT, UPDATE or DELETE of regions, polling
stations, candidates, results, the legal clocks and the holidays (every election is
restamped: there are few, and a change to one costs the others one cache miss) and on any
change to the election row itself.
Database triggers do it, so imports, edits, a sanction disqualifying a candidate and bulk
SQL all count, in whichever process or transaction they run: a gunicorn worker reads the
stamp with the election it loads anyway, and a new stamp is a new cache key. A random token
rather than a counter: a database wiped and filled again never repeats a stamp.

`ensure_reference_stamp(connection)` installs the triggers after `db.create_all()` (the
metadata's after_create event); the migration that added the column carries the same DDL
written out. SQLite drops a table's triggers when Alembic's batch mode re-creates it: a
later migration that does so for one of these tables must create its triggers again.
"""

import secrets

from sqlalchemy import event, inspect
from sqlalchemy.engine import Connection

from casework.extensions import db

# The legal clock and the holidays too: each process keeps the clock it counts deadlines by.
STAMPED_BY = ("regions", "polling_stations", "candidates", "results", "legal_clocks",
              "election_holidays")
PG_CHILD_FUNCTION = "casework_restamp_elections"
PG_SELF_FUNCTION = "casework_restamp_election"


def new_stamp() -> str:
    return secrets.token_hex(8)


_PG_FUNCTIONS = (
    f"""CREATE OR REPLACE FUNCTION {PG_CHILD_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE elections SET reference_stamp = substr(md5(random()::text || clock_timestamp()::text), 1, 16);
    RETURN NULL;
END $$""",  # noqa: S608 - constants of this file
    f"""CREATE OR REPLACE FUNCTION {PG_SELF_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.reference_stamp := substr(md5(random()::text || clock_timestamp()::text), 1, 16);
    RETURN NEW;
END $$""",
)


def _pg_ddl() -> list[str]:
    statements = list(_PG_FUNCTIONS)
    for table in STAMPED_BY:
        statements += [
            f"DROP TRIGGER IF EXISTS {table}_restamp ON {table}",
            f"CREATE TRIGGER {table}_restamp AFTER INSERT OR UPDATE OR DELETE ON {table} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {PG_CHILD_FUNCTION}()",
        ]
    return statements + [
        "DROP TRIGGER IF EXISTS elections_restamp ON elections",
        "CREATE TRIGGER elections_restamp BEFORE UPDATE ON elections FOR EACH ROW "
        "WHEN (NEW.reference_stamp IS NOT DISTINCT FROM OLD.reference_stamp) "
        f"EXECUTE FUNCTION {PG_SELF_FUNCTION}()",
    ]


_SQLITE_STAMP = "lower(hex(randomblob(8)))"


def _sqlite_ddl() -> list[str]:
    statements = [
        f"CREATE TRIGGER IF NOT EXISTS {table}_restamp_{op.lower()} AFTER {op} ON {table} "  # noqa: S608 - constants of this file
        f"BEGIN UPDATE elections SET reference_stamp = {_SQLITE_STAMP}; END"
        for table in STAMPED_BY for op in ("INSERT", "UPDATE", "DELETE")
    ]
    return statements + [
        "CREATE TRIGGER IF NOT EXISTS elections_restamp AFTER UPDATE ON elections "  # noqa: S608 - constants of this file
        "WHEN NEW.reference_stamp IS OLD.reference_stamp "
        f"BEGIN UPDATE elections SET reference_stamp = {_SQLITE_STAMP} WHERE id = NEW.id; END",
    ]


def ensure_reference_stamp(connection: Connection) -> None:
    """Install the triggers that restamp the elections; idempotent."""
    statements = _pg_ddl() if connection.dialect.name == "postgresql" else _sqlite_ddl()
    for statement in statements:
        connection.exec_driver_sql(statement)


@event.listens_for(db.metadata, "after_create")
def _after_create(_target, connection: Connection, **_kw) -> None:
    if all(inspect(connection).has_table(t) for t in ("elections", *STAMPED_BY)):
        ensure_reference_stamp(connection)
