"""The staff inbox: a notice per kind from the services that cause it, email only when the
member keeps it on, the header's figure in one COUNT, the queue's markers, reading by POST,
deadlines told once per case and day, and claim/release on the case page."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from casework.cases import claims
from casework.cases.assignment import assign
from casework.cases.models import Case, CaseDeadline, CaseState
from casework.cases.notices import notify_due_tomorrow
from casework.core.audit import AuditEntry
from casework.core.refusal import Refusal
from casework.core.timezones import day_bounds, local_today
from casework.extensions import db
from casework.notifications import inbox
from casework.notifications.inbox_models import NotificationKind, StaffNotification
from casework.notifications.models import OutboxMessage
from tests import factories
from tests.plugin.data import csrf_from
from tests.plugin.queries import counted_queries

pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def staff(election):
    def user(role, email, regions=None):
        return factories.user(role, election=election, email=email, regions=regions)

    return {"secretary": user("secretary", "secretary@test.kz"),
            "chair": user("chair", "chair@test.kz"),
            "kar": user("reviewer", "kar@test.kz", ["KZ-KAR"]),
            "ala": user("reviewer", "ala@test.kz", ["KZ-ALA"])}


@pytest.fixture
def case(election):
    made = factories.case(election, CaseState.SCREENING, "KZ-KAR-BAL")
    db.session.commit()
    return made


def notices_of(user):
    db.session.expire_all()
    return list(db.session.scalars(select(StaffNotification).where(
        StaffNotification.recipient_id == user.id).order_by(StaffNotification.id)))


def test_assignment_tells_the_member_in_the_inbox_and_by_email(staff, case):
    assign(case, staff["kar"], staff["secretary"])
    db.session.commit()
    [notice] = notices_of(staff["kar"])
    assert notice.kind is NotificationKind.ASSIGNED and notice.case_reference == case.reference
    [mail] = db.session.scalars(select(OutboxMessage))
    assert mail.recipient == "kar@test.kz" and mail.dedupe_key == f"notice:{notice.id}"
    assert f"/cases/{case.reference}" in mail.body_text
    assert notices_of(staff["secretary"]) == []  # the actor is not told of their own act


def test_email_off_keeps_the_inbox(staff, case):
    inbox.set_email_choices(staff["kar"], ["sanction_waiting"])
    assign(case, staff["kar"], staff["secretary"])
    db.session.commit()
    assert len(notices_of(staff["kar"])) == 1
    assert db.session.scalar(select(OutboxMessage.id)) is None


def test_email_choices_on_the_account_page(app, client, login, staff):
    login(client, staff["kar"])
    page = client.get("/account").get_data(as_text=True)
    assert 'name="email" value="assigned" checked' in page
    response = client.post("/account/notifications", data={
        "csrf_token": csrf_from(client, "/account"), "email": ["appeal_filed"]})
    assert response.status_code == 302
    choices = inbox.email_choices(staff["kar"].id)
    assert choices[NotificationKind.APPEAL_FILED] and not choices[NotificationKind.ASSIGNED]


def test_header_count_inbox_and_mark_read(app, client, login, staff, case):
    assign(case, staff["kar"], staff["secretary"])
    db.session.commit()
    login(client, staff["kar"])
    with counted_queries() as queries:
        page = client.get("/staff/inbox").get_data(as_text=True)
    assert sum("count(" in q.lower() and "staff_notifications" in q for q in queries) == 1
    assert 'class="badge inbox-count"' in page and case.reference in page
    queue = client.get("/cases").get_data(as_text=True)
    assert "queue-unread" in queue
    [notice] = notices_of(staff["kar"])
    token = csrf_from(client, "/staff/inbox")
    assert client.post(f"/staff/inbox/{notice.id}/read").status_code == 400  # no CSRF token
    opened = client.post(f"/staff/inbox/{notice.id}/open", data={"csrf_token": token})
    assert opened.status_code == 302 and opened.location.endswith(f"/cases/{case.reference}")
    assert notices_of(staff["kar"])[0].read_at is not None
    assert "inbox-count" not in client.get("/staff/inbox").get_data(as_text=True)
    assert "queue-unread" not in client.get("/cases").get_data(as_text=True)


def test_someone_elses_notice_is_404_and_mark_all(app, client, login, staff, case):
    assign(case, staff["kar"], staff["secretary"])
    inbox.notify(staff["kar"], NotificationKind.APPEAL_FILED, case=case, sanction_id=7)
    db.session.commit()
    [first, _second] = notices_of(staff["kar"])
    login(client, staff["ala"])
    token = csrf_from(client, "/staff/inbox")
    assert client.post(f"/staff/inbox/{first.id}/read",
                       data={"csrf_token": token}).status_code == 404
    client.post("/logout", data={"csrf_token": token})
    login(client, staff["kar"])
    client.post("/staff/inbox/read-all", data={"csrf_token": csrf_from(client, "/staff/inbox")})
    assert all(n.read_at is not None for n in notices_of(staff["kar"]))


def test_link_paths_match_the_routes(app, staff, case):
    notice = inbox.notify(staff["kar"], NotificationKind.SANCTION_WAITING, case=case,
                          sanction_id=3)
    plain = inbox.notify(staff["kar"], NotificationKind.ASSIGNED, case=case)
    with app.test_request_context():
        from flask import url_for
        assert inbox.link_of(notice) == url_for("sanctions.sanction", sanction_id=3)
        assert inbox.link_of(plain) == url_for("cases.case_page", reference=case.reference)


def test_deadline_tomorrow_told_once_per_day(staff, case, election):
    case.assignee_id = staff["kar"].id
    start, _end = day_bounds(local_today(election) + timedelta(days=1), election)
    db.session.add(CaseDeadline(case_id=case.id, state=CaseState.SCREENING,
                                started_at=start - timedelta(days=2),
                                due_at=start + timedelta(hours=10), paused_seconds=0))
    db.session.commit()
    assert notify_due_tomorrow() == 1
    assert notify_due_tomorrow() == 0
    db.session.commit()
    [notice] = notices_of(staff["kar"])
    assert notice.kind is NotificationKind.DEADLINE_TOMORROW


def test_claim_and_release_audited(staff, case, election):
    claims.claim(case, staff["kar"])
    db.session.commit()
    assert db.session.scalar(select(Case.assignee_id).where(Case.id == case.id)) == staff["kar"].id
    with pytest.raises(Refusal) as taken:
        claims.claim(case, staff["secretary"])
    assert taken.value.code == "conflict"
    db.session.rollback()
    other = db.session.get(Case, case.id)
    assert not other.can_claim(staff["ala"]) and not other.can_release(staff["ala"])
    claims.release(other, staff["kar"])
    db.session.commit()
    actions = list(db.session.scalars(select(AuditEntry.action).where(
        AuditEntry.action.in_(["case.claimed", "case.released"])).order_by(AuditEntry.id)))
    assert actions == ["case.claimed", "case.released"]
    assert notices_of(staff["kar"]) == []  # claiming for oneself tells nobody


def test_claim_release_views(app, client, login, staff, case):
    login(client, staff["ala"])
    token = csrf_from(client, "/staff")
    assert client.post(f"/cases/{case.reference}/claim",
                       data={"csrf_token": token}).status_code == 404  # outside her regions
    client.post("/logout", data={"csrf_token": token})
    login(client, staff["kar"])
    page = client.get(f"/cases/{case.reference}").get_data(as_text=True)
    assert 'data-act="claim"' in page
    token = csrf_from(client, f"/cases/{case.reference}")
    assert client.post(f"/cases/{case.reference}/claim",
                       data={"csrf_token": token}).status_code == 302
    page = client.get(f"/cases/{case.reference}").get_data(as_text=True)
    assert 'data-act="release"' in page
    assert client.post(f"/cases/{case.reference}/release",
                       data={"csrf_token": token}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Case, case.id).assignee_id is None
