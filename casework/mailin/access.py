"""Who may see inbound mail and handle the quarantine.

Secretaries, chairs, administrators, hotline operators and auditors see the list; a
message tied to a case is visible to those whose regions cover the case, a message
without a region (quarantine, new email complaints before screening) only to staff with
all regions. Releasing and discarding: secretary, chair, administrator. Auditors read.
"""

from typing import Any

from casework.accounts.models import Role
from casework.mailin.models import InboundMail

VIEW_ROLES = (Role.SECRETARY, Role.CHAIR, Role.ADMIN, Role.OPERATOR, Role.AUDITOR)
MANAGE_ROLES = (Role.SECRETARY, Role.CHAIR, Role.ADMIN)


def can_view(user: Any, mail: InboundMail | None = None) -> bool:
    if not getattr(user, "is_authenticated", False) or user.role not in VIEW_ROLES:
        return False
    if mail is None or user.all_regions:
        return True
    region = mail.case.region if mail.case is not None else None
    return region is not None and user.can_see_region(region)


def can_manage(user: Any, mail: InboundMail | None = None) -> bool:
    return can_view(user, mail) and user.role in MANAGE_ROLES
