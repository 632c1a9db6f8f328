"""Tables of the staff queue: each case's search document, and the counts of cases per state.

- `case_search_documents`: one row per case with the text staff search in (`body`: the
  reference, the accused candidates' names, the complaints' narratives, the public messages
  and the internal notes; `contacts`: the complainants' names and phones; both folded by
  casework.core.folding) and the text duplicates are compared on (`narratives`, as written).
  Kept up to date by `casework.cases.search.index_case`.
  PostgreSQL searches `tsv` = to_tsvector('simple', body) (the texts alone; the contacts
  are matched row by row, within a few cases), stored and GIN-indexed: the
  `simple` configuration only lower-cases and splits words, with no stemming or stop words,
  so Kazakh, Russian and English text are indexed alike. (Stored rather than an expression
  index: checking a row then costs no parsing, and the planner knows it.) SQLite leaves
  `tsv` NULL and searches an FTS5 table (`case_search_fts`, columns body and contacts,
  external content = this table) that triggers keep in step.
- `case_state_counts`: how many cases each (election, region, category, state) holds, so
  the queue shows its counts per state (filtered by region and category or not) without
  counting a million rows on every page. Database
  triggers on `cases` keep it exact whatever changes a case (transitions, screening setting
  the region, merges, bulk loads): nothing to call from Python.

`ensure_search_schema(connection)` creates what SQLAlchemy metadata cannot describe (the
pg_trgm extension, the FTS5 table, the triggers) and fills both from existing rows. It runs
after `db.create_all()` through the metadata's after_create event, and must be called by
the migration that creates these tables (see the function's docstring).
"""

from datetime import datetime

from sqlalchemy import (
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Text,
    event,
    inspect,
    text,
)
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapped, mapped_column, relationship

from casework.cases.models.case import Case, Category
from casework.cases.workflow import CaseState
from casework.core.db import db_enum, utcnow
from casework.extensions import db

SEARCH_CONFIG = "simple"
FTS_TABLE = "case_search_fts"
# FTS5 keeps its index in shadow tables next to the virtual one; Alembic must ignore them all.
FTS_TABLES = frozenset({FTS_TABLE} | {f"{FTS_TABLE}_{suffix}" for suffix in
                                      ("data", "idx", "docsize", "config", "content")})
NO_REGION = 0  # case_state_counts.region_key of the cases whose region is not set yet


class CaseSearchDocument(db.Model):
    __tablename__ = "case_search_documents"

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"),
                                         primary_key=True)
    election_id: Mapped[int] = mapped_column(ForeignKey("elections.id"))
    # The complaints' narratives only: what similar_cases compares.
    narratives: Mapped[str] = mapped_column(Text, default="")
    # Folded: reference, accused's names, narratives, public messages and internal notes.
    body: Mapped[str] = mapped_column(Text, default="")
    # Folded: the complainants' names and phone digits (searched only by who may see them).
    contacts: Mapped[str] = mapped_column(Text, default="", server_default="")
    # PostgreSQL: to_tsvector('simple', body), written with it. SQLite: NULL (FTS5 instead).
    tsv: Mapped[str | None] = mapped_column(Text().with_variant(TSVECTOR(), "postgresql"))
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    __table_args__ = (Index("ix_case_search_documents_tsv", "tsv", postgresql_using="gin"),)


class CaseSearchPending(db.Model):
    """A case whose search document is still to be (re)built by the worker
    (casework.cases.search_pending): intake leaves that work out of the request. Until then
    the queue's search reads the case's texts directly."""

    __tablename__ = "case_search_pending"

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"),
                                         primary_key=True)
    queued_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    case: Mapped[Case] = relationship()


class CaseStateCount(db.Model):
    """Maintained by triggers on `cases` (see ensure_search_schema); never written by Python."""

    __tablename__ = "case_state_counts"

    election_id: Mapped[int] = mapped_column(ForeignKey("elections.id"), primary_key=True)
    # cases.region_id, or NO_REGION (0) while the region is not set (so it can be a key).
    region_key: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    category: Mapped[Category] = mapped_column(db_enum(Category, "count_category"),
                                               primary_key=True)
    state: Mapped[CaseState] = mapped_column(db_enum(CaseState, "count_state"), primary_key=True)
    n: Mapped[int] = mapped_column(Integer, default=0)


# -- what metadata cannot describe ----------------------------------------------------------

_PG_COUNT_FUNCTIONS = {
    # One statement-level trigger per event, with its transition tables: a bulk load of a
    # million cases updates the counters once, not a million times. Rows are upserted in key
    # order so that two transactions always lock counter rows in the same order.
    "insert": """
        INSERT INTO case_state_counts AS c (election_id, region_key, category, state, n)
        SELECT election_id, coalesce(region_id, 0), category, state, count(*) FROM new_rows
        GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
        ON CONFLICT (election_id, region_key, category, state) DO UPDATE SET n = c.n + excluded.n""",
    "update": """
        INSERT INTO case_state_counts AS c (election_id, region_key, category, state, n)
        SELECT e, r, k, s, sum(d) FROM (
            SELECT election_id AS e, coalesce(region_id, 0) AS r, category AS k, state AS s,
                   -1 AS d
            FROM old_rows
            UNION ALL
            SELECT election_id, coalesce(region_id, 0), category, state, 1 FROM new_rows) AS x
        GROUP BY e, r, k, s HAVING sum(d) <> 0 ORDER BY e, r, k, s
        ON CONFLICT (election_id, region_key, category, state) DO UPDATE SET n = c.n + excluded.n""",
    "delete": """
        INSERT INTO case_state_counts AS c (election_id, region_key, category, state, n)
        SELECT election_id, coalesce(region_id, 0), category, state, -count(*) FROM old_rows
        GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
        ON CONFLICT (election_id, region_key, category, state) DO UPDATE SET n = c.n + excluded.n""",
}
_PG_TRANSITION = {"insert": "NEW TABLE AS new_rows", "delete": "OLD TABLE AS old_rows",
                  "update": "OLD TABLE AS old_rows NEW TABLE AS new_rows"}

_SQLITE_UPSERT = """
    INSERT INTO case_state_counts (election_id, region_key, category, state, n)
    VALUES (NEW.election_id, coalesce(NEW.region_id, 0), NEW.category, NEW.state, 1)
    ON CONFLICT (election_id, region_key, category, state) DO UPDATE SET n = n + 1;"""
# A decrement only updates: the row exists since the case's insert counted it (and a test
# wiping tables in any order must not re-create counter rows).
_SQLITE_DECREMENT = """
    UPDATE case_state_counts SET n = n - 1 WHERE election_id = OLD.election_id
      AND region_key = coalesce(OLD.region_id, 0) AND category = OLD.category
      AND state = OLD.state;"""

_SQLITE_DDL = (
    """CREATE VIRTUAL TABLE IF NOT EXISTS case_search_fts USING fts5(
        body, contacts, content='case_search_documents', content_rowid='case_id',
        tokenize='unicode61 remove_diacritics 0')""",
    """CREATE TRIGGER IF NOT EXISTS case_search_documents_ai AFTER INSERT
        ON case_search_documents BEGIN
        INSERT INTO case_search_fts(rowid, body, contacts)
        VALUES (NEW.case_id, NEW.body, NEW.contacts);
        END""",
    """CREATE TRIGGER IF NOT EXISTS case_search_documents_ad AFTER DELETE
        ON case_search_documents BEGIN
        INSERT INTO case_search_fts(case_search_fts, rowid, body, contacts)
        VALUES ('delete', OLD.case_id, OLD.body, OLD.contacts);
        END""",
    """CREATE TRIGGER IF NOT EXISTS case_search_documents_au AFTER UPDATE OF body, contacts
        ON case_search_documents BEGIN
        INSERT INTO case_search_fts(case_search_fts, rowid, body, contacts)
        VALUES ('delete', OLD.case_id, OLD.body, OLD.contacts);
        INSERT INTO case_search_fts(rowid, body, contacts)
        VALUES (NEW.case_id, NEW.body, NEW.contacts);
        END""",
    f"CREATE TRIGGER IF NOT EXISTS cases_state_counts_ai AFTER INSERT ON cases BEGIN "
    f"{_SQLITE_UPSERT} END",
    f"""CREATE TRIGGER IF NOT EXISTS cases_state_counts_au AFTER UPDATE OF state, region_id,
        category, election_id ON cases WHEN OLD.state IS NOT NEW.state
        OR OLD.region_id IS NOT NEW.region_id OR OLD.category IS NOT NEW.category
        OR OLD.election_id IS NOT NEW.election_id BEGIN {_SQLITE_DECREMENT} {_SQLITE_UPSERT} END""",
    f"CREATE TRIGGER IF NOT EXISTS cases_state_counts_ad AFTER DELETE ON cases BEGIN "
    f"{_SQLITE_DECREMENT} END",
)
_SQLITE_DROP = (
    "DROP TRIGGER IF EXISTS cases_state_counts_ad",
    "DROP TRIGGER IF EXISTS cases_state_counts_au",
    "DROP TRIGGER IF EXISTS cases_state_counts_ai",
    "DROP TRIGGER IF EXISTS case_search_documents_au",
    "DROP TRIGGER IF EXISTS case_search_documents_ad",
    "DROP TRIGGER IF EXISTS case_search_documents_ai",
    "DROP TABLE IF EXISTS case_search_fts",
)


def _pg_ddl() -> list[str]:
    statements = ["CREATE EXTENSION IF NOT EXISTS pg_trgm"]  # similarity() for duplicates
    for event_name, body in _PG_COUNT_FUNCTIONS.items():
        function = f"casework_count_cases_{event_name}"
        statements += [
            f"CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$\n"
            f"BEGIN\n{body};\nRETURN NULL;\nEND $$",
            f"DROP TRIGGER IF EXISTS cases_state_counts_{event_name} ON cases",
            f"CREATE TRIGGER cases_state_counts_{event_name} AFTER {event_name.upper()} ON cases "
            f"REFERENCING {_PG_TRANSITION[event_name]} FOR EACH STATEMENT "
            f"EXECUTE FUNCTION {function}()",
        ]
    return statements


def rebuild_state_counts(connection: Connection) -> None:
    """Recount every (election, region, category, state) from `cases` (to check or repair
    the counters)."""
    connection.execute(text("DELETE FROM case_state_counts"))
    connection.execute(text(
        "INSERT INTO case_state_counts (election_id, region_key, category, state, n) "
        "SELECT election_id, coalesce(region_id, 0), category, state, count(*) FROM cases "
        "GROUP BY election_id, coalesce(region_id, 0), category, state"))


def ensure_search_schema(connection: Connection) -> None:
    """Create the parts of the search schema that metadata cannot describe; idempotent.

    PostgreSQL: the pg_trgm extension and the counting triggers on `cases`. SQLite: the
    FTS5 table over case_search_documents with its sync triggers, and the counting triggers.
    Then fills case_state_counts (and the FTS5 index) from the rows already there.

    In the Alembic migration that creates case_search_documents and case_state_counts:
        upgrade():   ... op.create_table(...) x2, op.create_index(...) ...
                     ensure_search_schema(op.get_bind())
                     reindex_all(connection=op.get_bind())  # casework.cases.search
        downgrade(): drop_search_schema(op.get_bind()); then drop the index and tables
    SQLite drops a table's triggers with the table: a later migration that makes Alembic's
    batch mode re-create `cases` or `case_search_documents` (drop or alter a column) must call
    ensure_search_schema(op.get_bind()) again at its end."""
    if connection.dialect.name == "postgresql":
        for statement in _pg_ddl():
            connection.exec_driver_sql(statement)
    else:
        for statement in _SQLITE_DDL:
            connection.exec_driver_sql(statement)
        connection.exec_driver_sql("INSERT INTO case_search_fts(case_search_fts) VALUES ('rebuild')")
    rebuild_state_counts(connection)


def drop_search_schema(connection: Connection) -> None:
    """Undo ensure_search_schema (the extension stays: other things may use it)."""
    if connection.dialect.name == "postgresql":
        for event_name in _PG_COUNT_FUNCTIONS:
            connection.exec_driver_sql(
                f"DROP TRIGGER IF EXISTS cases_state_counts_{event_name} ON cases")
            connection.exec_driver_sql(f"DROP FUNCTION IF EXISTS casework_count_cases_{event_name}()")
    else:
        for statement in _SQLITE_DROP:
            connection.exec_driver_sql(statement)


def include_name(name: str | None, type_: str, parent_names: dict) -> bool:
    """For Alembic's `include_name` (migrate.init_app and the migration test): the FTS5 table
    and its shadow tables are made by ensure_search_schema, not for autogenerate to drop."""
    return not (type_ == "table" and name in FTS_TABLES)


@event.listens_for(db.metadata, "after_create")
def _after_create(_target, connection: Connection, **_kw) -> None:
    names = {"cases", CaseSearchDocument.__tablename__, CaseStateCount.__tablename__}
    if all(inspect(connection).has_table(name) for name in names):
        ensure_search_schema(connection)
