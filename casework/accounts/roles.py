"""Who is who: the staff roles, the groups of roles every permission is built from, and the
staff pages that guard no single object. This is the one place that lists roles.

Every permission is a `can_<verb>(user)` method on the object it guards (a case, a
sanction, a call, a piece of mail, ...), written with the groups below; pages with no
object of their own (the queue, the dashboard, the hotline console, ...) are `Desk`s here.
Views, services, templates, menus and the staff API all ask those same methods.
"""

from typing import Any

from flask_babel import lazy_gettext as _l

from casework.core.labels import LabelledEnum


class Role(LabelledEnum):
    OPERATOR = "operator", _l("Hotline operator")
    REVIEWER = "reviewer", _l("Committee member (reviewer)")
    SECRETARY = "secretary", _l("Secretary")
    CHAIR = "chair", _l("Chair")
    ADMIN = "admin", _l("Administrator")
    AUDITOR = "auditor", _l("Auditor (read-only)")


R = Role
# The committee: the members who examine cases, write findings and vote on decisions.
COMMITTEE = frozenset({R.REVIEWER, R.SECRETARY, R.CHAIR})
# The committee's leads: they assign, merge, decide, close and record appeals.
LEADS = frozenset({R.SECRETARY, R.CHAIR})
# The chair alone: approves sanctions, decides their appeals, certifies results.
CHAIRS = frozenset({R.CHAIR})
# Who reads cases and what hangs off them (findings, decisions, sanctions, exports).
CASE_READERS = COMMITTEE | {R.AUDITOR}
# Who runs the office: releases quarantined mail, imports results, sees contacts in mail.
OFFICE = frozenset({R.SECRETARY, R.CHAIR, R.ADMIN})
# Who sees the complainants' names and phones on a case, and finds cases by them: the
# committee, who write to and call them (auditors read the process, not who complained).
CONTACT_READERS = COMMITTEE
# Who takes calls at the hotline console.
HOTLINE = frozenset({R.OPERATOR, R.SECRETARY, R.CHAIR, R.ADMIN})
# Who reads the channels' records (call log, inbound mail).
CHANNEL_READERS = HOTLINE | {R.AUDITOR}
# Who records complaints on behalf of someone (publications, walk-ins): everyone but auditors.
RECORDERS = frozenset(set(R) - {R.AUDITOR})
# Who sees the dashboard of figures.
DASHBOARD_READERS = CASE_READERS | {R.ADMIN}
# Who reads the results pages.
RESULTS_READERS = OFFICE | {R.AUDITOR}
# Who reads the audit log.
AUDIT_READERS = frozenset({R.AUDITOR, R.ADMIN, R.CHAIR})
# Who manages staff accounts.
ADMINS = frozenset({R.ADMIN})
# The roles whose accounts take two people to create, to raise to, or to reset the second
# factor of: proposed by one administrator, approved by another administrator or the chair.
PRIVILEGED = frozenset({R.CHAIR, R.SECRETARY, R.ADMIN})
# Who approves (or rejects) such a proposal: an administrator other than the proposer, or the chair.
ACCOUNT_APPROVERS = frozenset({R.ADMIN, R.CHAIR})


def is_active_staff(user: Any) -> bool:
    """Signed in and not disabled (anonymous users and None are not)."""
    return bool(getattr(user, "is_authenticated", False)) and bool(user.is_active)


def has_role(user: Any, group: frozenset[Role]) -> bool:
    """An active staff user whose role is in `group`."""
    return is_active_staff(user) and user.role in group


class Desk:
    """A staff page that guards no single object: who may open it."""

    def __init__(self, name: str, readers: frozenset[Role]):
        self.name = name
        self.readers = readers

    def can_open(self, user: Any) -> bool:
        return has_role(user, self.readers)

    def __repr__(self) -> str:
        return f"Desk({self.name!r})"


QUEUE = Desk("queue", CASE_READERS)
SANCTIONS = Desk("sanctions", CASE_READERS)
EXPORTS = Desk("exports", CASE_READERS)
DASHBOARD = Desk("dashboard", DASHBOARD_READERS)
PUBLICATIONS = Desk("publications", RECORDERS)
HOTLINE_CONSOLE = Desk("hotline console", HOTLINE)
CALL_LOG = Desk("call log", CHANNEL_READERS)
INBOUND_MAIL = Desk("inbound mail", CHANNEL_READERS)
CONFLICTS = Desk("conflicts of interest", COMMITTEE)
STAFF_ACCOUNTS = Desk("staff accounts", ADMINS)
ACCOUNT_APPROVALS = Desk("privileged account changes", ACCOUNT_APPROVERS)
RESULTS = Desk("results", RESULTS_READERS)
AUDIT_LOG = Desk("audit log", AUDIT_READERS)
# The evidence disk's free space and the mail backlog, on the dashboard: the administrators.
SYSTEM_HEALTH = Desk("system health", ADMINS)
# Outgoing mail and its delivery (status, errors, "retry now"; never a body): the administrators.
OUTBOX = Desk("outbox", ADMINS)
ASSIGNMENT = Desk("assignment", LEADS)  # the members' loads, shown to whoever assigns cases
# The queue's search looks in the complainants' names and phones (each case: Case.can_see_complainant).
COMPLAINANT_SEARCH = Desk("cases found by the complainant's name or phone", CONTACT_READERS)
# The complainants' names, phones and emails in a case export: the leads, who write to them.
EXPORT_CONTACTS = Desk("complainants' contacts in exports", LEADS)


class WholeElectionDesk(Desk):
    """A desk whose work reaches every region: only for staff whose scope is the whole election."""

    def can_open(self, user: Any) -> bool:
        return super().can_open(user) and bool(user.all_regions)


# The results import writes the results of every region.
RESULTS_IMPORT = WholeElectionDesk("results import", OFFICE)
