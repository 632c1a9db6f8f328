"""The staff menu: one entry per desk, shown only to those who may open it (the same
`Desk.can_open` the page itself checks, so no entry leads to a 403). No queries."""

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from casework.accounts import roles
from casework.accounts.roles import Desk

# (desk, endpoint, label), in the order of the menu.
STAFF_MENU: tuple[tuple[Desk, str, LazyString], ...] = (
    (roles.DASHBOARD, "reports.dashboard", _l("Dashboard")),
    (roles.QUEUE, "queue.queue", _l("Cases")),
    (roles.SANCTIONS, "sanctions.sanction_list", _l("Sanctions")),
    (roles.EXPORTS, "exports.index", _l("Exports")),
    (roles.PUBLICATIONS, "intake_staff.published", _l("Record a publication")),
    (roles.HOTLINE_CONSOLE, "hotline.console", _l("Hotline")),
    (roles.CALL_LOG, "hotline.call_log", _l("Call log")),
    (roles.INBOUND_MAIL, "mailin.inbound_list", _l("Inbound mail")),
    (roles.OUTBOX, "outbox.outbox_list", _l("Outgoing mail")),
    (roles.CONFLICTS, "cases.conflicts", _l("Conflicts of interest")),
    (roles.IDENTITY_REQUESTS, "identity.requests_page", _l("Identity requests")),
    (roles.STAFF_ACCOUNTS, "accounts.users", _l("Staff accounts")),
    (roles.ACCOUNT_APPROVALS, "account_changes.changes", _l("Account approvals")),
    (roles.RESULTS, "results.overview", _l("Results")),
    (roles.AUDIT_LOG, "site.audit_log", _l("Audit log")),
)


def staff_menu(user: Any) -> list[tuple[Desk, str, LazyString]]:
    """The entries of the menu `user` may follow."""
    return [entry for entry in STAFF_MENU if entry[0].can_open(user)]


def can_find_cases(user: Any) -> bool:
    """The header's "go to case" box: for whoever may open the queue it searches."""
    return roles.QUEUE.can_open(user)
