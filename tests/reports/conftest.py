"""The reports' fixtures: the known world of tests/reports/world.py, and an empty page cache
in every test. Cases, committees and the results world for the sanctions figures come from
the shared plugin."""

import time

import pytest

from casework.reports.cache import page_cache
from tests.reports.world import World, build_world


@pytest.fixture
def world(election) -> World:
    return build_world(election)


@pytest.fixture(autouse=True)
def fresh_page_cache(app):
    """The public page cache starts empty in every test (the app lives for the session)."""
    page_cache(app).clear()
    yield
    page_cache(app).clear()
    page_cache(app).clock = time.monotonic
