"""The demo election, its accounts and data, seeded as `flask demo seed` does."""

import pytest

from casework.demo.seed import seed
from casework.extensions import db


@pytest.fixture
def demo(evidence_dir):
    """The seeded demo (its evidence files stored in the test's own folder)."""
    seed()
    db.session.commit()
