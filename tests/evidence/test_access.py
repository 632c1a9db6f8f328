"""Who may download a piece of evidence: EvidenceItem.can_download, role by role and region by
region: whoever may read its case."""

import pytest
from flask_login import AnonymousUserMixin

from casework.accounts.models import Role, User
from casework.cases.models import Case
from casework.core.db import utcnow
from casework.elections.models import Region
from casework.evidence.models import EvidenceItem

CASE_READERS = {Role.REVIEWER, Role.SECRETARY, Role.CHAIR, Role.AUDITOR}


def item_in_balkhash() -> tuple[EvidenceItem, dict[str, Region]]:
    kar = Region(id=1, code="KZ-KAR")
    regions = {"KZ-KAR": kar, "KZ-ALA": Region(id=2, code="KZ-ALA"),
               "KZ-KAR-BAL": Region(id=3, code="KZ-KAR-BAL", parent=kar)}
    return EvidenceItem(case=Case(region=regions["KZ-KAR-BAL"])), regions


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("scope, covered", [
    (None, True), (["KZ-KAR"], True), (["KZ-KAR-BAL"], True), (["KZ-ALA"], False)])
def test_whoever_may_read_the_case_downloads_its_evidence(role, scope, covered):
    item, regions = item_in_balkhash()
    user = User(id=7, role=role, all_regions=scope is None,
                regions=[regions[code] for code in scope or []])
    assert item.can_download(user) is (role in CASE_READERS and covered)


def test_nobody_outside_the_staff_downloads():
    item, _regions = item_in_balkhash()
    assert not item.can_download(AnonymousUserMixin())
    assert not item.can_download(User(id=7, role=Role.CHAIR, all_regions=True,
                                      disabled_at=utcnow()))
