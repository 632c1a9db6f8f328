"""The test election with its regions, and the people who work it: any user, and the
committee of a Balkhash case."""

import pytest

from tests import factories


@pytest.fixture
def election():
    """T2020: Karaganda (KZ-KAR) with Balkhash (KZ-KAR-BAL), and Almaty (KZ-ALA)."""
    return factories.election_with_regions()


@pytest.fixture
def make_user(election):
    """make_user(role="reviewer", email=..., regions=...): a user of the test election."""
    def make(role="reviewer", **kwargs):
        return factories.user(role=role, election=election, **kwargs)

    return make


@pytest.fixture
def committee(election):
    """Five members who may examine a Balkhash case, by short name."""
    return {
        "chair": factories.member(election, "chair", "Aigerim Chair"),
        "secretary": factories.member(election, "secretary", "Bolat Secretary"),
        "r1": factories.member(election, "reviewer", "Dana Reviewer"),
        "r2": factories.member(election, "reviewer", "Erlan Reviewer"),
        "r3": factories.member(election, "reviewer", "Gulnar Reviewer", regions=["KZ-KAR"]),
    }


@pytest.fixture
def outsider(election):
    """A reviewer of another region (Almaty): cannot see Balkhash cases."""
    return factories.member(election, "reviewer", "Olzhas Almaty", regions=["KZ-ALA"])
