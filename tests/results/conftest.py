"""Results certification and import: the results world and cases come from the shared plugin
(tests/plugin/results.py, cases.py)."""

import pytest


@pytest.fixture(autouse=True)
def _in_english(english):
    """Every page of this package in English."""
