"""Hotline fixtures: the demo election, an operator, and complaint drafts as the console makes them."""

import secrets

import pytest
from sqlalchemy import select

from casework.elections.models import Election
from casework.extensions import db
from casework.intake.services import ComplaintDraft
from tests.intake.conftest import NARRATIVE, demo, fresh_limits  # noqa: F401 - shared fixtures


@pytest.fixture(autouse=True)
def english(client):
    """Pages in English, so the checks hold once the catalogs are translated."""
    client.set_cookie("casework_lang", "en")


@pytest.fixture
def operator(make_user, demo):  # noqa: F811 - the shared fixture
    return make_user("operator", regions=None)


@pytest.fixture
def make_draft(demo):  # noqa: F811
    def make(**overrides) -> ComplaintDraft:
        election = db.session.scalar(select(Election).where(Election.code == "DEMO2020"))
        values = {"election": election, "category": "vote_buying", "region_code": "KZ-KAR-BAL",
                  "narrative": NARRATIVE, "anonymous": False, "name": "Асқар Сейітов",
                  "phone": "", "complainant_role": "voter",
                  "submission_key": secrets.token_urlsafe(24)}
        values.update(overrides)
        return ComplaintDraft(**values)

    return make
