"""Who may handle a hotline call: Call.can_handle, role by role, for one's own call and
another operator's."""

import pytest
from flask_login import AnonymousUserMixin

from casework.accounts.models import Role, User
from casework.core.db import utcnow
from casework.hotline.models import Call

CONSOLE = {Role.OPERATOR, Role.SECRETARY, Role.CHAIR, Role.ADMIN}


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("own", [True, False])
def test_only_the_operator_who_took_the_call_handles_it(role, own):
    user = User(id=7, role=role, all_regions=True)
    call = Call(operator_id=7 if own else 8)
    assert call.can_handle(user) is (own and role in CONSOLE)


def test_nobody_outside_the_staff_handles_a_call():
    call = Call(operator_id=7)
    assert not call.can_handle(AnonymousUserMixin())
    assert not call.can_handle(User(id=7, role=Role.OPERATOR, all_regions=True,
                                    disabled_at=utcnow()))
