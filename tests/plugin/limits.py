"""Rate limits start empty in every test (the limiter lives as long as the app: the session).

Reset before the test only: the counters live in the test database on PostgreSQL
(rate_limit_hits, wiped with the other tables after each test), beside it on SQLite, and a
reset after the test would wait on the test's own unfinished transaction. The counters are
in the current app's database: within the test's app context."""

import pytest

from casework.core.ratelimit import limiter


@pytest.fixture(autouse=True)
def fresh_limits(app_ctx):
    limiter.reset()
    yield
