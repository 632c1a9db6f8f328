"""Retention: the committee, decided cases and the results world come from the shared plugin
(tests/plugin/staff.py, cases.py, results.py)."""

import pytest


@pytest.fixture(autouse=True)
def _in_english(english):
    """Every page of this package in English."""
