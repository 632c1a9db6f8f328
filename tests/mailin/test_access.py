"""Who may see and handle a piece of inbound mail: InboundMail.can_view and can_manage, role by
role, for a message filed on a case and for one with no region yet."""

import pytest
from flask_login import AnonymousUserMixin

from casework.accounts.models import Role, User
from casework.cases.models import Case
from casework.core.db import utcnow
from casework.elections.models import Region
from casework.mailin.models import InboundMail, InboundStatus

READERS = {Role.OPERATOR, Role.SECRETARY, Role.CHAIR, Role.ADMIN, Role.AUDITOR}
MANAGERS = {Role.SECRETARY, Role.CHAIR, Role.ADMIN}


def regions() -> dict[str, Region]:
    kar = Region(id=1, code="KZ-KAR")
    return {"KZ-KAR": kar, "KZ-ALA": Region(id=2, code="KZ-ALA"),
            "KZ-KAR-BAL": Region(id=3, code="KZ-KAR-BAL", parent=kar)}


def staff(role: Role, scope: list[str] | None, **extra) -> User:
    """A user as the views see it (not stored): `scope` None means all regions."""
    known = regions()
    return User(id=7, role=role, all_regions=scope is None,
                regions=[known[code] for code in scope or []], **extra)


def mail(kind: str) -> InboundMail:
    """"unfiled": in quarantine, or an email complaint before screening; "balkhash": filed on
    a case in Balkhash (Karaganda region); "no region": on a case whose region is unknown."""
    case = {"unfiled": None, "balkhash": Case(region=regions()["KZ-KAR-BAL"]),
            "no region": Case(region=None)}[kind]
    return InboundMail(status=InboundStatus.QUARANTINED, case=case)


KINDS = ["unfiled", "balkhash", "no region"]


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("scope, kind, covered", [
    (None, "unfiled", True), (None, "balkhash", True), (None, "no region", True),
    (["KZ-KAR"], "unfiled", False), (["KZ-KAR"], "balkhash", True),
    (["KZ-KAR"], "no region", False), (["KZ-ALA"], "balkhash", False),
])
def test_who_may_view_and_manage_a_message(role, scope, kind, covered):
    user, message = staff(role, scope), mail(kind)
    assert message.can_view(user) is (role in READERS and covered)
    assert message.can_manage(user) is (role in MANAGERS and covered)


@pytest.mark.parametrize("kind", KINDS)
def test_nobody_outside_the_staff_may(kind):
    message = mail(kind)
    for user in (AnonymousUserMixin(), staff(Role.CHAIR, None, disabled_at=utcnow())):
        assert not message.can_view(user) and not message.can_manage(user)
