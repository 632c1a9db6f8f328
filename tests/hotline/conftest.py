"""Hotline fixtures: an operator of the demo election, and complaint drafts as the console
makes them (the demo itself comes from the shared plugin)."""

import secrets

import pytest
from sqlalchemy import select

from casework.elections.models import Election
from casework.extensions import db
from casework.intake.services import ComplaintDraft
from tests.plugin.data import NARRATIVE


@pytest.fixture(autouse=True)
def _in_english(english):
    """Every page of this package in English."""


@pytest.fixture
def operator(make_user, demo):
    return make_user("operator", regions=None)


@pytest.fixture
def make_draft(demo):
    def make(**overrides) -> ComplaintDraft:
        election = db.session.scalar(select(Election).where(Election.code == "DEMO2020"))
        values = {"election": election, "category": "vote_buying", "region_code": "KZ-KAR-BAL",
                  "narrative": NARRATIVE, "anonymous": False, "name": "Асқар Сейітов",
                  "phone": "", "complainant_role": "voter",
                  "submission_key": secrets.token_urlsafe(24)}
        values.update(overrides)
        return ComplaintDraft(**values)

    return make
