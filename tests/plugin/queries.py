"""The one query counter: the SQL statements a block of code runs."""

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event
from sqlalchemy.engine import Engine

from casework.extensions import db


@contextmanager
def counted_queries(engine: Engine | None = None) -> Iterator[list[str]]:
    """with counted_queries() as statements: ... -> every statement sent to the database
    inside the block (requests of the test client included: they share the engine)."""
    engine = engine if engine is not None else db.engine
    statements: list[str] = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)
