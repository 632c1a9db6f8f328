"""Rate limits start empty in every test (the limiter lives as long as the app: the session)."""

import pytest

from casework.core.ratelimit import limiter


@pytest.fixture(autouse=True)
def fresh_limits():
    limiter.reset()
    yield
    limiter.reset()
