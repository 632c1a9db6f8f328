"""The database storage for rate-limit counters: two storages on one database (two workers)
share one budget, where two memory:// storages would each allow the whole of it."""

import pytest
from limits import parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from casework.core.ratelimit_local import LocalFileStorage
from casework.core.ratelimit_storage import DatabaseStorage


@pytest.fixture
def two_workers(database_url):
    storages = [storage_from_string("casework+" + database_url) for _ in range(2)]
    yield storages
    for storage in storages:
        storage.reset()
        storage.dispose()


def test_two_storages_on_one_database_share_the_budget(two_workers):
    first, second = (MovingWindowRateLimiter(s) for s in two_workers)
    assert all(isinstance(s, DatabaseStorage) for s in two_workers)
    limit = parse("5 per minute")
    assert all(first.hit(limit, "client-a") for _ in range(3))
    assert second.hit(limit, "client-a") and second.hit(limit, "client-a")
    assert not second.hit(limit, "client-a") and not first.hit(limit, "client-a")
    assert first.hit(limit, "client-b")  # another client's own budget
    reset_at, remaining = second.get_window_stats(limit, "client-a")
    assert remaining == 0 and reset_at > 0
    two_workers[0].clear(limit.key_for("client-a"))
    assert second.hit(limit, "client-a")


def test_the_app_storage_uses_the_current_apps_database(app):
    from casework.extensions import db

    # From the app's setting, not the limiter's last storage: the limiter is one object
    # for every app a test run creates. Beside SQLite (one host): a file of their own.
    uri = app.config["RATELIMIT_STORAGE_URI"]
    if db.engine.dialect.name == "sqlite":
        assert uri == f"casework+local://{db.engine.url.database}.limits"
        assert isinstance(storage_from_string(uri), LocalFileStorage)
        return
    assert uri == "casework+app://"
    storage = storage_from_string(uri)
    assert isinstance(storage, DatabaseStorage) and storage.engine is db.engine


def test_two_workers_on_one_host_share_the_file(tmp_path):
    uri = f"casework+local://{tmp_path / 'casework.db'}.limits"
    first, second = (MovingWindowRateLimiter(storage_from_string(uri)) for _ in "ab")
    limit = parse("3 per minute")
    assert first.hit(limit, "c") and second.hit(limit, "c") and first.hit(limit, "c")
    assert not second.hit(limit, "c") and not first.test(limit, "c")
    assert first.hit(limit, "other")
    reset_at, remaining = second.get_window_stats(limit, "c")
    assert remaining == 0 and reset_at > 0
    storage = second.storage
    assert storage.incr("fixed", 60) == 1 and storage.incr("fixed", 60, amount=2) == 3
    assert storage.get("fixed") == 3 and storage.get_expiry("fixed") > 0 and storage.check()
    storage.clear(limit.key_for("c"))
    assert first.hit(limit, "c")
    assert storage.reset() == 5 and storage.get("fixed") == 0


def test_memory_storages_would_multiply_the_budget():
    first, second = (MovingWindowRateLimiter(storage_from_string("memory://")) for _ in "ab")
    limit = parse("2 per minute")
    assert [first.hit(limit, "c"), first.hit(limit, "c"), second.hit(limit, "c"),
            second.hit(limit, "c")] == [True] * 4


def test_fixed_window_methods(two_workers):
    first, second = two_workers
    assert first.incr("k", 60) == 1 and second.incr("k", 60, amount=2) == 3
    assert first.get("k") == 3 and second.get_expiry("k") > 0
    assert first.check()
    assert first.reset() == 3 and second.get("k") == 0


def test_a_window_sweeps_its_own_expired_hits_and_counts_the_live_ones(tmp_path, monkeypatch):
    from casework.core import ratelimit_local

    monkeypatch.setattr(ratelimit_local.random, "random", lambda: 0.5)  # never the full sweep
    storage = storage_from_string(f"casework+local://{tmp_path / 'casework.db'}.limits")
    conn = storage._conn()
    now = ratelimit_local.time.time()
    conn.executemany(ratelimit_local.INSERT, [
        ("k", now - 120, now - 60), ("k", now - 61, now - 1),  # expired
        ("k", now - 30, now + 30), ("other", now - 120, now - 60)])
    assert storage.get_moving_window("k", 10, 60) == (now - 30, 1)
    assert storage.acquire_entry("k", 10, 60)
    left = conn.execute("SELECT key, at FROM hits ORDER BY key, at").fetchall()
    # The key's two expired hits are gone; another key's wait for their own sweep.
    assert len(left) == 3 and left[0] == ("k", now - 30) and left[1][0] == "k"
    assert left[2] == ("other", now - 120)
    assert storage.get_moving_window("k", 10, 60)[1] == 2
    assert storage.get_moving_window("nobody", 10, 60)[1] == 0
    assert not storage.acquire_entry("k", 2, 60)  # the window is full: nothing counted
    assert storage.get_moving_window("k", 2, 60)[1] == 2


def test_the_database_storage_sweeps_a_windows_expired_hits(two_workers, monkeypatch):
    from sqlalchemy import insert, select

    from casework.core import ratelimit_storage
    from casework.core.ratelimit_storage import HITS, rate_limit_hits

    monkeypatch.setattr(ratelimit_storage.random, "random", lambda: 0.5)
    storage = two_workers[0]
    now = ratelimit_storage.time.time()
    with storage.engine.begin() as conn:
        conn.execute(insert(rate_limit_hits), [
            {"key": "k", "at": now - 120, "expires_at": now - 60},
            {"key": "k", "at": now - 30, "expires_at": now + 30},
            {"key": "other", "at": now - 120, "expires_at": now - 60}])
    assert storage.acquire_entry("k", 10, 60)
    with storage.engine.connect() as conn:
        left = conn.execute(select(HITS.key, HITS.at).order_by(HITS.key, HITS.at)).all()
    assert len(left) == 3 and tuple(left[0]) == ("k", now - 30) and left[1][0] == "k"
    assert tuple(left[2]) == ("other", now - 120)
