"""Findings and decisions: the committee, cases and findings come from the shared plugin
(tests/plugin/staff.py, tests/plugin/cases.py)."""

import pytest


@pytest.fixture(autouse=True)
def _in_english(english):
    """Every page of this package in English."""
