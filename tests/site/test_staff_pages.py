"""The staff menu comes from the desks: each role sees exactly the desks it may open, and
every entry it sees opens (no link leads to a 403). The audit log: its desk, its pages."""

import re

import pytest
from flask import url_for
from sqlalchemy import func, select

from casework.accounts.models import Role
from casework.core import audit
from casework.extensions import db

NAV_RE = re.compile(r'<nav aria-label="Staff menu">(.*?)</nav>', re.S)
HREF_RE = re.compile(r'href="([^"]+)"')

# The endpoints the menu linked each role to before it was built from the desks.
EVERY = ["site.staff_home"]
COMMITTEE = ["reports.dashboard", "queue.queue", "sanctions.sanction_list", "exports.index"]
EXPECTED = {
    "operator": EVERY + ["intake_staff.published", "hotline.console", "hotline.call_log",
                         "mailin.inbound_list"],
    "reviewer": EVERY + COMMITTEE + ["intake_staff.published", "cases.conflicts",
                                     "identity.requests_page"],
    "secretary": EVERY + COMMITTEE + ["intake_staff.published", "hotline.console",
                                      "hotline.call_log", "mailin.inbound_list",
                                      "cases.conflicts", "results.overview",
                                      "identity.requests_page"],
    "chair": EVERY + COMMITTEE + ["intake_staff.published", "hotline.console",
                                  "hotline.call_log", "mailin.inbound_list", "cases.conflicts",
                                  "results.overview", "site.audit_log",
                                  "account_changes.changes", "identity.requests_page"],
    "admin": EVERY + ["reports.dashboard", "intake_staff.published", "hotline.console",
                      "hotline.call_log", "mailin.inbound_list", "outbox.outbox_list", "accounts.users",
                      "account_changes.changes", "results.overview", "site.audit_log",
                      "identity.requests_page"],
    "auditor": EVERY + COMMITTEE + ["hotline.call_log", "mailin.inbound_list",
                                    "results.overview", "site.audit_log"],
}


def _menu(client) -> set[str]:
    page = client.get("/staff").get_data(as_text=True)
    return set(HREF_RE.findall(NAV_RE.search(page).group(1)))


@pytest.mark.parametrize("role", [r.value for r in Role])
def test_each_role_sees_its_desks_and_every_entry_opens(client, make_user, login, role):
    client.set_cookie("casework_lang", "en")
    login(client, make_user(role))
    links = _menu(client)
    with client.application.test_request_context():
        assert links == {url_for(endpoint) for endpoint in EXPECTED[role]}
    for link in links:
        assert client.get(link).status_code == 200, link


def test_anonymous_visitors_get_no_staff_menu(client):
    assert 'aria-label="Staff menu"' not in client.get("/").get_data(as_text=True)


@pytest.mark.parametrize("role", [r.value for r in Role])
def test_the_audit_log_is_for_its_desk_only(client, make_user, login, role):
    login(client, make_user(role))
    expected = 200 if role in ("auditor", "admin", "chair") else 403
    assert client.get("/audit").status_code == expected


def test_the_audit_log_pages_newest_first(client, make_user, login):
    for n in range(55):
        audit.record("test.entry", object_type="test", object_id=str(n))
    db.session.commit()
    login(client, make_user("auditor"))
    first = client.get("/audit").get_data(as_text=True)
    ids = [int(i) for i in re.findall(r"<tr><td>(\d+)</td>", first)]
    assert len(ids) == 50 and ids == sorted(ids, reverse=True)
    older = re.search(r'href="(/audit\?before=\d+)"', first).group(1)
    rest = [int(i) for i in re.findall(r"<tr><td>(\d+)</td>", client.get(older).get_data(as_text=True))]
    total = db.session.scalar(select(func.count(audit.AuditEntry.id)))
    assert rest and max(rest) < min(ids) and len(ids) + len(rest) == total
