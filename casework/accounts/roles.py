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
# Who sees every complainant's name and contacts by role alone: nobody. A named complainant's
# identity is shown only through the custodian (a live IdentityRequest, cases/identity.py)
# or, for a few minutes, to whoever typed it in (CASEWORK_IDENTITY_ENTRY_MINUTES).
CONTACT_READERS: frozenset[Role] = frozenset()
# Who keeps the identities by role: the chair (members are added per election, IdentityCustodian).
CUSTODIANS = CHAIRS
# Who may be designated a custodian of an election: a committee member.
CUSTODIAN_CANDIDATES = COMMITTEE
# Who designates custodians: an administrator or the chair.
CUSTODIAN_APPOINTERS = frozenset({R.ADMIN, R.CHAIR})
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
# The queue's search in the complainants' names and phones: nobody (CONTACT_READERS), since a
# result list would tell who complained where; a disclosed identity is read on its case page.
COMPLAINANT_SEARCH = Desk("cases found by the complainant's name or phone", CONTACT_READERS)
# The complainants' names, phones and emails in a case export: nobody (a bulk file leaves the
# system; a disclosure covers one case for one person).
EXPORT_CONTACTS = Desk("complainants' contacts in exports", CONTACT_READERS)
# Requests for a complainant's identity: one's own, and those a custodian decides.
IDENTITY_REQUESTS = Desk("identity requests", COMMITTEE | CUSTODIAN_APPOINTERS)
# Designating the custodians of an election.
CUSTODIAN_DESIGNATION = Desk("identity custodians", CUSTODIAN_APPOINTERS)


class WholeElectionDesk(Desk):
    """A desk whose work reaches every region: only for staff whose scope is the whole election."""

    def can_open(self, user: Any) -> bool:
        return super().can_open(user) and bool(user.all_regions)


# The results import writes the results of every region.
RESULTS_IMPORT = WholeElectionDesk("results import", OFFICE)
