"""Evidence fixtures: every test stores into its own folder (tests/plugin/evidence.py), and
`case` is a Karaganda case with no evidence yet to attach to."""

import pytest

from casework.cases.models import CaseState


@pytest.fixture(autouse=True)
def _own_folder(evidence_dir):
    """Every evidence test stores into its own folder, never the instance folder."""


@pytest.fixture
def case(make_case):
    return make_case(CaseState.RECEIVED, region_code="KZ-KAR", evidence=0)
