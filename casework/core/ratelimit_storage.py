"""Rate-limit counters in the application's database, for the `limits` library.

memory:// keeps the counters in each process, so with N gunicorn workers every limit would
allow N times its budget. Without Redis the counters live here instead, in one table every
worker shares (URI "casework+app://": the current application's database, as the limiter
is one object for every app in the process; or "casework+<database URL>" for a database of
its own; see config.ratelimit_storage_uri). It
implements the moving window the limiter uses (one row per counted request) and the fixed
window's methods on the same rows. Each acquisition runs in one transaction under a lock on
the key (PostgreSQL: an advisory transaction lock; SQLite: the write lock, taken by inserting
first), so two workers cannot both take the last slot."""

import random
import time

from limits.storage import MovingWindowSupport, Storage
from sqlalchemy import (
    Column,
    Float,
    Index,
    Integer,
    String,
    Table,
    create_engine,
    delete,
    func,
    insert,
    select,
    text,
)
from sqlalchemy.exc import SQLAlchemyError

from casework.core.db import configure_sqlite, is_sqlite
from casework.extensions import db

rate_limit_hits = Table(
    "rate_limit_hits",
    db.metadata,
    Column("id", Integer, primary_key=True),
    Column("key", String(255), nullable=False),
    Column("at", Float, nullable=False),  # seconds since the epoch
    Column("expires_at", Float, nullable=False),
    Index("ix_rate_limit_hits_key_at", "key", "at"),
)
HITS = rate_limit_hits.c
SCHEME = "casework"
# Now and then an acquisition also removes every expired row, of any key.
SWEEP_CHANCE = 0.01


class DatabaseStorage(Storage, MovingWindowSupport):
    STORAGE_SCHEME = [f"{SCHEME}+app", f"{SCHEME}+sqlite", f"{SCHEME}+postgresql",
                      f"{SCHEME}+postgresql+psycopg"]

    def __init__(self, uri: str, wrap_exceptions: bool = False, **options):
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        url = uri.split("+", 1)[1]
        self.own_engine = None
        if not url.startswith("app:"):
            if url.startswith("postgresql://"):
                url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
            self.own_engine = create_engine(url, pool_pre_ping=True)
            if is_sqlite(url):
                configure_sqlite(self.own_engine)

    @property
    def engine(self):
        """Its own engine, or the current application's (needs an app context)."""
        return self.own_engine if self.own_engine is not None else db.engine

    def dispose(self) -> None:
        if self.own_engine is not None:
            self.own_engine.dispose()

    @property
    def base_exceptions(self):
        return SQLAlchemyError

    def _lock(self, conn, key: str) -> None:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"),
                         {"key": key})

    def _sweep(self, conn, key: str, now: float, expiry: float | None = None) -> None:
        if random.random() < SWEEP_CHANCE:  # noqa: S311 - housekeeping, not security
            conn.execute(delete(rate_limit_hits).where(HITS.expires_at <= now))
        elif expiry is not None:  # a moving window's key: the index's range of its expired hits
            conn.execute(delete(rate_limit_hits).where(
                HITS.key == key, HITS.at <= now - expiry, HITS.expires_at <= now))
        else:
            conn.execute(delete(rate_limit_hits).where(HITS.key == key, HITS.expires_at <= now))

    # -- the moving window (the limiter's strategy) --------------------------------------

    def acquire_entry(self, key: str, limit: int, expiry: int, amount: int = 1) -> bool:
        if amount > limit:
            return False
        now = time.time()
        with self.engine.connect() as conn:
            transaction = conn.begin()
            self._lock(conn, key)
            # Insert first: on SQLite this takes the write lock before counting.
            conn.execute(insert(rate_limit_hits),
                         [{"key": key, "at": now, "expires_at": now + expiry}] * amount)
            self._sweep(conn, key, now, expiry)
            count = conn.scalar(select(func.count()).select_from(rate_limit_hits)
                                .where(HITS.key == key, HITS.at > now - expiry))
            if count > limit:
                transaction.rollback()
                return False
            transaction.commit()
            return True

    def get_moving_window(self, key: str, limit: int, expiry: int) -> tuple[float, int]:
        now = time.time()
        with self.engine.connect() as conn:
            oldest, count = conn.execute(
                select(func.min(HITS.at), func.count())
                .where(HITS.key == key, HITS.at > now - expiry)).one()
        return (oldest, count) if count else (now, 0)

    # -- the fixed window (for completeness of the storage API) --------------------------

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = time.time()
        with self.engine.begin() as conn:
            self._lock(conn, key)
            self._sweep(conn, key, now)
            ends = conn.scalar(select(func.max(HITS.expires_at))
                               .where(HITS.key == key, HITS.expires_at > now)) or now + expiry
            conn.execute(insert(rate_limit_hits),
                         [{"key": key, "at": now, "expires_at": ends}] * amount)
            return conn.scalar(select(func.count()).select_from(rate_limit_hits)
                               .where(HITS.key == key, HITS.expires_at > now))

    def get(self, key: str) -> int:
        with self.engine.connect() as conn:
            return conn.scalar(select(func.count()).select_from(rate_limit_hits)
                               .where(HITS.key == key, HITS.expires_at > time.time()))

    def get_expiry(self, key: str) -> float:
        now = time.time()
        with self.engine.connect() as conn:
            return conn.scalar(select(func.max(HITS.expires_at))
                               .where(HITS.key == key, HITS.expires_at > now)) or now

    def check(self) -> bool:
        try:
            with self.engine.connect() as conn:
                conn.execute(select(1))
            return True
        except SQLAlchemyError:
            return False

    def reset(self) -> int | None:
        with self.engine.begin() as conn:
            return conn.execute(delete(rate_limit_hits)).rowcount

    def clear(self, key: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(delete(rate_limit_hits).where(HITS.key == key))
