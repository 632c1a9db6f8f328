"""Rate-limit counters in a small SQLite file of their own, for the `limits` library.

URI "casework+local:///<path>" (config.ratelimit_storage_uri: beside an SQLite application
database, which means one host). Every worker and thread of the host opens the same file, so
they share one budget as with the database's own table (core/ratelimit_storage.py), at a
fraction of its cost: the standard library's sqlite3 with its prepared-statement cache, no
SQLAlchemy, and a file of its own, so a counter never waits for (nor holds) the application
database's write lock. The counters may lose their last moments on a power cut (WAL with
synchronous=NORMAL): a rate limit forgets some hits, no acknowledged data is involved.

The moving window as the database storage keeps it: one row per counted request; an
acquisition counts and inserts under the file's write lock (BEGIN IMMEDIATE), so two workers
cannot both take the last slot."""

import os
import random
import sqlite3
import threading
import time

from limits.storage import MovingWindowSupport, Storage

SCHEME = "casework+local"
SWEEP_CHANCE = 0.01  # now and then an acquisition removes every expired row, of any key
BUSY_TIMEOUT_MS = 5000

SCHEMA = ("CREATE TABLE IF NOT EXISTS hits (key TEXT NOT NULL, at REAL NOT NULL, "
          "expires_at REAL NOT NULL)",
          "CREATE INDEX IF NOT EXISTS hits_key_at ON hits (key, at)")
COUNT = "SELECT count(*) FROM hits WHERE key = ? AND at > ?"
OLDEST = "SELECT at FROM hits WHERE key = ? AND at > ? ORDER BY at LIMIT 1"
LIVE = "SELECT count(*), max(expires_at) FROM hits WHERE key = ? AND expires_at > ?"
INSERT = "INSERT INTO hits (key, at, expires_at) VALUES (?, ?, ?)"
SWEEP_KEY = "DELETE FROM hits WHERE key = ? AND expires_at <= ?"
# A moving window's rows expire `expiry` after they were counted: the index's range of the
# key's expired rows, not every row of the key (0.5 ms at 5,000 hits in a window).
SWEEP_WINDOW = "DELETE FROM hits WHERE key = ? AND at <= ? AND expires_at <= ?"
SWEEP_ALL = "DELETE FROM hits WHERE expires_at <= ?"


class LocalFileStorage(Storage, MovingWindowSupport):
    STORAGE_SCHEME = [SCHEME]

    def __init__(self, uri: str, wrap_exceptions: bool = False, **options):
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self.path = uri.removeprefix(f"{SCHEME}://")
        self._local = threading.local()

    @property
    def base_exceptions(self):
        return sqlite3.Error

    def _conn(self) -> sqlite3.Connection:
        """This thread's connection (a forked worker opens its own)."""
        conn = getattr(self._local, "conn", None)
        if conn is None or self._local.pid != os.getpid():
            conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False,
                                   timeout=BUSY_TIMEOUT_MS / 1000)
            conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            for statement in SCHEMA:
                conn.execute(statement)
            self._local.conn, self._local.pid = conn, os.getpid()
        return conn

    def _sweep(self, conn: sqlite3.Connection, key: str, now: float,
               expiry: float | None = None) -> None:
        if random.random() < SWEEP_CHANCE:  # noqa: S311 - housekeeping, not security
            conn.execute(SWEEP_ALL, (now,))
        elif expiry is not None:  # a moving window's key
            conn.execute(SWEEP_WINDOW, (key, now - expiry, now))
        else:
            conn.execute(SWEEP_KEY, (key, now))

    # -- the moving window (the limiter's strategy) --------------------------------------

    def acquire_entry(self, key: str, limit: int, expiry: int, amount: int = 1) -> bool:
        if amount > limit:
            return False
        conn = self._conn()
        conn.execute("BEGIN IMMEDIATE")  # the write lock before counting
        try:
            now = time.time()
            if conn.execute(COUNT, (key, now - expiry)).fetchone()[0] + amount > limit:
                conn.execute("ROLLBACK")
                return False
            conn.executemany(INSERT, [(key, now, now + expiry)] * amount)
            self._sweep(conn, key, now, expiry)
            conn.execute("COMMIT")
            return True
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise

    def get_moving_window(self, key: str, limit: int, expiry: int) -> tuple[float, int]:
        # Counted on the index, then the oldest by one seek: min() with the count read
        # every row of the window twice as slowly.
        now, conn = time.time(), self._conn()
        count = conn.execute(COUNT, (key, now - expiry)).fetchone()[0]
        oldest = conn.execute(OLDEST, (key, now - expiry)).fetchone() if count else None
        # None: no hit, or another worker swept the last ones between the two reads.
        return (oldest[0], count) if oldest else (now, 0)

    # -- the fixed window (for completeness of the storage API) --------------------------

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        conn = self._conn()
        conn.execute("BEGIN IMMEDIATE")
        try:
            now = time.time()
            self._sweep(conn, key, now)
            count, ends = conn.execute(LIVE, (key, now)).fetchone()
            conn.executemany(INSERT, [(key, now, ends or now + expiry)] * amount)
            conn.execute("COMMIT")
            return count + amount
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise

    def get(self, key: str) -> int:
        return self._conn().execute(LIVE, (key, time.time())).fetchone()[0]

    def get_expiry(self, key: str) -> float:
        now = time.time()
        return self._conn().execute(LIVE, (key, now)).fetchone()[1] or now

    def check(self) -> bool:
        try:
            self._conn().execute("SELECT 1")
            return True
        except sqlite3.Error:
            return False

    def reset(self) -> int | None:
        return self._conn().execute("DELETE FROM hits").rowcount

    def clear(self, key: str) -> None:
        self._conn().execute("DELETE FROM hits WHERE key = ?", (key,))
