"""Column types and time helpers shared by every area's models (the declarative base and its
constraint naming convention are created with `db` in casework/extensions.py)."""

import enum
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from contextvars import ContextVar
from datetime import UTC, datetime

from sqlalchemy import Enum
from sqlalchemy.engine import make_url


def db_enum(cls: type[enum.Enum], name: str, length: int = 30) -> Enum:
    """An enum column stored as its values (portable VARCHAR with a CHECK constraint)."""
    return Enum(cls, name=name, native_enum=False, length=length, create_constraint=True,
                values_callable=lambda e: [m.value for m in e])


# Set only by `stamped_at` (back-dated demo data); None: the real clock.
_clock: ContextVar[Callable[[], datetime] | None] = ContextVar("casework_clock", default=None)


def utcnow() -> datetime:
    """Naive UTC: every timestamp is stored in UTC and converted only for display."""
    override = _clock.get()
    if override is not None:
        return override()
    return datetime.now(UTC).replace(tzinfo=None)


@contextmanager
def stamped_at(now: Callable[[], datetime]) -> Iterator[None]:
    """Within the block, utcnow() answers now() (naive UTC): `demo cases` uses it to write
    three days of casework with the times it would have had. Never in a request."""
    token = _clock.set(now)
    try:
        yield
    finally:
        _clock.reset(token)


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def private_sqlite_file(url: str) -> None:
    """The SQLite database file created, or narrowed, to its owner only (0600), before the
    engine first opens it; SQLite gives its -wal and -shm files the same mode. Other
    databases and in-memory SQLite: nothing to do."""
    if not is_sqlite(url):
        return
    path = make_url(url).database
    if not path or path == ":memory:" or path.startswith("file:"):
        return
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    # Never open an existing database file: closing any descriptor of it drops every POSIX
    # lock this process holds on it, SQLite's included (a second app in one process, say),
    # and another process may then reset the WAL under our connections.
    with suppress(FileExistsError):
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_RDWR, 0o600))
    os.chmod(path, 0o600)


def configure_sqlite(engine) -> None:
    """Foreign keys on, WAL for concurrent readers, and a wait instead of 'database is locked'."""
    from sqlalchemy import event

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):  # pragma: no branch - one-line pragmas
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.close()
