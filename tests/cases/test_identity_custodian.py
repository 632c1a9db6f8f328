"""The identity custodian: nobody on the committee sees a named complainant by default (case
page, staff API, export); a member asks with a reason, a custodian (the chair or a designated
member, never the requester) approves or refuses with step-up; the approval lasts
CASEWORK_IDENTITY_REVEAL_DAYS for that case and requester; everything is audited; /track says
when the identity was disclosed; whoever typed an entry sees it for a few minutes."""

import time
from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from casework.accounts import stepup, tokens
from casework.cases import identity
from casework.cases.identity_mask import protect
from casework.cases.models import IdentityRequest, IdentityRequestStatus
from casework.cases.timeline import load_records
from casework.core.audit import AuditEntry
from casework.core.db import utcnow
from casework.core.refusal import Refusal
from casework.extensions import db
from casework.intake.models import Channel, ComplainantRole
from casework.notifications.inbox_models import NotificationKind, StaffNotification
from tests import factories
from tests.plugin.data import csrf_from

NAME, PHONE, EMAIL = "Zhanna Witnessova", "+77015550123", "zhanna.w@example.kz"


@pytest.fixture(autouse=True)
def _in_english(english):
    """Every page of this file in English."""


@pytest.fixture
def named_case(make_case):
    """A Balkhash case with a named web complaint (consent given, as an observer)."""
    case = make_case()
    complaint = factories.complaint(case, anonymous=False, name=NAME, phone=PHONE, email=EMAIL)
    complaint.complainant_role, complaint.consent_to_contact = ComplainantRole.OBSERVER, True
    complaint.received_at = utcnow() - timedelta(days=1)
    db.session.commit()
    return case


@pytest.fixture
def client_for(app, login):
    def make(user):
        browser = app.test_client()
        browser.set_cookie("casework_lang", "en")
        assert login(browser, user).status_code == 302
        return browser

    return make


def leaks(text: str) -> list[str]:
    return [value for value in (NAME, PHONE, EMAIL, "7015550123") if value in text]


def actions() -> list[str]:
    return list(db.session.scalars(select(AuditEntry.action).where(
        AuditEntry.action.like("identity.%")).order_by(AuditEntry.id)))


def test_by_default_the_committee_sees_no_identity(named_case, committee, client_for, app):
    reviewer = client_for(committee["r1"])
    page = reviewer.get(f"/cases/{named_case.reference}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and leaks(html) == []
    assert "Complainant (identity protected)" in html
    assert "Observer" in html and "agreed to be contacted" in html
    # The message form is there: the committee writes without seeing the address.
    assert "Send to the complainants" in html
    _token, plain = tokens.create_token(committee["r1"], "tests")
    db.session.commit()
    api = app.test_client().get(f"/api/v1/cases/{named_case.reference}",
                                headers={"Authorization": f"Bearer {plain}"})
    assert api.status_code == 200 and leaks(api.get_data(as_text=True)) == []
    complaints = [e for e in api.get_json()["timeline"] if e["kind"] == "complaint"]
    assert [e["details"]["protected"] for e in complaints] == [True, True]
    assert sorted(e["details"]["consent"] for e in complaints) == [False, True]
    # The chair too: a custodian decides requests but sees no identity by role.
    chair_html = client_for(committee["chair"]).get(f"/cases/{named_case.reference}")
    assert leaks(chair_html.get_data(as_text=True)) == []
    assert actions() == []  # nothing shown, nothing to audit


def test_a_message_reaches_the_hidden_address(named_case, committee, client_for):
    from casework.notifications.models import OutboxMessage
    secretary = client_for(committee["secretary"])
    token = csrf_from(secretary, f"/cases/{named_case.reference}")
    answer = secretary.post(f"/cases/{named_case.reference}/messages",
                            data={"message-csrf_token": token,
                                  "message-body": "Please call us about the station."})
    assert answer.status_code == 302
    recipients = list(db.session.scalars(select(OutboxMessage.recipient)))
    assert EMAIL in recipients
    assert leaks(secretary.get(f"/cases/{named_case.reference}").get_data(as_text=True)) == []


def test_the_export_has_no_identity(named_case, committee, client_for):
    secretary = client_for(committee["secretary"])
    answer = secretary.get("/staff/exports/cases.csv")
    body = answer.get_data(as_text=True)
    assert answer.status_code == 200 and named_case.reference in body
    assert leaks(body) == [] and "Complainant (identity protected)" in body


def test_request_approve_see_and_expire(named_case, committee, client_for, app):
    r1, chair = committee["r1"], committee["chair"]
    reviewer = client_for(r1)
    url = f"/cases/{named_case.reference}"
    token = csrf_from(reviewer, url)
    assert reviewer.post(f"{url}/identity", data={"identity-csrf_token": token,
                                                  "identity-reason": ""}).status_code == 422
    answer = reviewer.post(f"{url}/identity", data={
        "identity-csrf_token": token, "identity-reason": "To call her as a witness."})
    assert answer.status_code == 302
    request = db.session.scalars(select(IdentityRequest)).one()
    assert request.pending and request.requester_id == r1.id
    # The custodians are told in their inbox; the requester is not a custodian of their own.
    told = list(db.session.scalars(select(StaffNotification.recipient_id).where(
        StaffNotification.kind == NotificationKind.IDENTITY_REQUESTED)))
    assert told == [chair.id]
    assert leaks(reviewer.get(url).get_data(as_text=True)) == []
    # The requester cannot approve their own request.
    own = reviewer.post(f"/staff/identity/requests/{request.id}/approve",
                        data={f"r{request.id}-csrf_token": csrf_from(reviewer, "/staff/identity")})
    assert own.status_code == 403
    # The chair approves from the custodian page (signing in was a fresh proof).
    chairs = client_for(chair)
    page = chairs.get("/staff/identity").get_data(as_text=True)
    assert "To call her as a witness." in page and named_case.reference in page
    token = csrf_from(chairs, "/staff/identity")
    answer = chairs.post(f"/staff/identity/requests/{request.id}/approve",
                         data={f"r{request.id}-csrf_token": token})
    assert answer.status_code == 302
    db.session.refresh(request)
    assert request.status is IdentityRequestStatus.APPROVED
    assert request.expires_at - request.decided_at == timedelta(
        days=app.config["CASEWORK_IDENTITY_REVEAL_DAYS"])
    html = reviewer.get(url).get_data(as_text=True)
    assert NAME in html and PHONE in html and EMAIL in html
    # Only for that requester: another reviewer and the chair still see nothing.
    assert leaks(client_for(committee["r2"]).get(url).get_data(as_text=True)) == []
    assert leaks(chairs.get(url).get_data(as_text=True)) == []
    assert actions() == ["identity.requested", "identity.approved", "identity.viewed"]
    viewed = db.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "identity.viewed")).one()
    assert viewed.actor_id == r1.id and viewed.details["request"] == request.id
    # After the approval's days the identity is hidden again (time travel through `now`).
    later = request.expires_at + timedelta(seconds=1)
    assert identity.live_request(named_case, r1, now=request.expires_at - timedelta(hours=1))
    assert identity.live_request(named_case, r1, now=later) is None
    records = load_records(named_case)
    shown = protect(records, named_case, r1, now=later)
    assert not shown.any
    assert leaks(repr(records.channel_entries)) == []


def test_refusal_and_step_up(named_case, committee, client_for, app, monkeypatch):
    r1, r2 = committee["r1"], committee["r2"]
    request = identity.request_identity(named_case, r1, "Refer to the police.")
    db.session.commit()
    # A reviewer who is not designated may not decide; once designated by the chair, may.
    other = client_for(r2)
    token = csrf_from(other, "/staff/identity")
    assert other.post(f"/staff/identity/requests/{request.id}/refuse",
                      data={f"r{request.id}-csrf_token": token,
                            f"r{request.id}-note": "No."}).status_code == 403
    chair = client_for(committee["chair"])
    token = csrf_from(chair, "/staff/identity")
    assert chair.post("/staff/identity/custodians", data={
        "designate-csrf_token": token, "designate-user": str(r2.id)}).status_code == 302
    # Without a fresh proof of both factors nothing is decided.
    later = time.time() + app.config["CASEWORK_STEP_UP_SECONDS"] + 1
    monkeypatch.setattr(stepup, "time", SimpleNamespace(time=lambda: later))
    token = csrf_from(other, "/staff/identity")
    answer = other.post(f"/staff/identity/requests/{request.id}/refuse",
                        data={f"r{request.id}-csrf_token": token, f"r{request.id}-note": "No."})
    assert answer.status_code == 303 and answer.location.startswith("/account/confirm")
    db.session.refresh(request)
    assert request.pending
    monkeypatch.undo()
    # A refusal needs a reason, then is final.
    assert other.post(f"/staff/identity/requests/{request.id}/refuse",
                      data={f"r{request.id}-csrf_token": token}).status_code == 422
    assert other.post(f"/staff/identity/requests/{request.id}/refuse", data={
        f"r{request.id}-csrf_token": token,
        f"r{request.id}-note": "Not needed: the video suffices."}).status_code == 302
    db.session.refresh(request)
    assert request.status is IdentityRequestStatus.REFUSED and request.decided_by_id == r2.id
    assert leaks(client_for(r1).get(f"/cases/{named_case.reference}").get_data(
        as_text=True)) == []
    assert actions() == ["identity.requested", "identity.custodian_designated",
                         "identity.refused"]
    with pytest.raises(Refusal):
        identity.approve(request, committee["chair"], proven=True)


def test_service_rules(named_case, committee, outsider):
    r1 = committee["r1"]
    request = identity.request_identity(named_case, r1, "Witness.")
    with pytest.raises(Refusal):  # one waiting request per case and member
        identity.request_identity(named_case, r1, "Again.")
    with pytest.raises(Refusal):  # never the requester
        identity.approve(request, r1, proven=True)
    with pytest.raises(Refusal):  # not a custodian
        identity.approve(request, committee["r2"], proven=True)
    with pytest.raises(Refusal):  # without step-up
        identity.approve(request, committee["chair"], proven=False)
    assert not request.can_decide(outsider)
    identity.approve(request, committee["chair"], proven=True)
    assert request.can_reveal(r1) and not request.can_reveal(committee["r2"])


def test_track_page_says_when_the_identity_was_disclosed(named_case, committee, client, app):
    from casework.intake import tracking
    from casework.intake.models import Complaint
    complaint = db.session.scalars(select(Complaint).where(Complaint.case_id == named_case.id,
                                                           Complaint.anonymous.is_(False))).one()
    code = tracking.derive_code(app.config["SECRET_KEY"], "custodian-test")
    complaint.tracking_hash = tracking.code_hash(code)
    db.session.commit()
    token = csrf_from(client, "/track")
    assert client.post("/track", data={"code": code, "csrf_token": token}).status_code == 302
    assert "identity-disclosed" not in client.get("/track/case").get_data(as_text=True)
    request = identity.request_identity(named_case, committee["r1"], "Witness.")
    identity.approve(request, committee["chair"], proven=True)
    db.session.commit()
    html = client.get("/track/case").get_data(as_text=True)
    assert "identity-disclosed" in html and request.decided_at.date().isoformat() in html
    assert committee["r1"].full_name not in html and committee["chair"].full_name not in html


def test_whoever_typed_it_sees_it_for_a_few_minutes(named_case, committee, app):
    secretary = committee["secretary"]
    typed = factories.complaint(named_case, Channel.LETTER, anonymous=False, name="Typed Name",
                                phone="+77019990000")
    typed.recorded_by_id = secretary.id
    db.session.commit()
    records = load_records(named_case)
    shown = protect(records, named_case, secretary)
    assert shown.entered == [f"complaint:{typed.id}"]
    assert "Typed Name" in repr(records.channel_entries) and NAME not in repr(
        records.channel_entries)
    minutes = app.config["CASEWORK_IDENTITY_ENTRY_MINUTES"]
    records = load_records(named_case)
    later = typed.received_at + timedelta(minutes=minutes, seconds=1)
    assert not protect(records, named_case, secretary, now=later).any
    assert "Typed Name" not in repr(records.channel_entries)
    # Someone else never sees it.
    records = load_records(named_case)
    assert not protect(records, named_case, committee["r1"]).any


def test_a_call_and_a_released_mail_are_shown_to_who_entered_them(named_case, committee, app):
    """The secretary who took the call, or released the mail (and so its complaint), sees the
    number and the sender for the entry minutes; nobody else, and not afterwards."""
    from casework.cases.channels import TimelineEntry
    from casework.cases.timeline import CaseRecords

    secretary, now = committee["secretary"], utcnow()
    released = now - timedelta(minutes=5)
    entries = [
        TimelineEntry(now - timedelta(minutes=3), "call", "Call", None,
                      {"id": 1, "number": "+77011112233", "entered_by": secretary.id}),
        TimelineEntry(now - timedelta(days=2), "mail", "Mail", None,
                      {"id": 2, "sender": "writer@example.kz", "entered_by": secretary.id,
                       "entered_at": released, "complaint_id": 9}),
        TimelineEntry(now - timedelta(days=2), "complaint", "Complaint", None,
                      {"id": 9, "complainant": "Mail Writer", "email": "writer@example.kz",
                       "phone": None, "named": True, "entered_by": None}),
    ]

    def seen(user, at):
        records = CaseRecords([], [], [], [], list(entries))
        shown = protect(records, named_case, user, now=at)
        return shown, repr(records.channel_entries)

    shown, text = seen(secretary, now)
    assert sorted(shown.entered) == ["call:1", "complaint:9", "mail:2"]
    assert "+77011112233" in text and "Mail Writer" in text
    minutes = app.config["CASEWORK_IDENTITY_ENTRY_MINUTES"]
    shown, text = seen(secretary, released + timedelta(minutes=minutes, seconds=1))
    assert shown.entered == ["call:1"] and "writer@example.kz" not in text
    shown, text = seen(committee["r1"], now)
    assert not shown.any
    assert "+77011112233" not in text and "writer@example.kz" not in text
    assert "Mail Writer" not in text


def test_an_approval_lets_its_holder_find_that_case_by_name_or_phone(
        named_case, make_case, committee, client_for):
    from casework.cases.search import index_case

    other = make_case()  # the same person complained about something else: not disclosed
    factories.complaint(other, anonymous=False, name=NAME, phone=PHONE, email=EMAIL)
    db.session.commit()
    index_case(named_case)
    index_case(other)
    db.session.commit()
    reviewer = client_for(committee["r1"])

    def found(query):
        html = reviewer.get("/cases", query_string={"q": query}).get_data(as_text=True)
        return [case.reference for case in (named_case, other) if case.reference in html]

    assert found("8 (701) 555-01-23") == [] and found("Witnessova") == []
    request = identity.request_identity(named_case, committee["r1"], "Witness to call.")
    identity.approve(request, committee["chair"], proven=True)
    db.session.commit()
    assert found("8 (701) 555-01-23") == [named_case.reference]
    assert found("Witnessova") == [named_case.reference]
    # Another member, without an approval, still finds nothing by it.
    assert client_for(committee["r2"]).get("/cases", query_string={"q": "Witnessova"}) \
        .get_data(as_text=True).count(named_case.reference) == 0
