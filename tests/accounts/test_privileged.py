"""Two people for privileged accounts: creating a chair, secretary or administrator, raising
an account to one, and resetting such an account's second factor wait for another
administrator or the chair, who approves with a fresh proof; everything else is immediate."""

import re

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from casework.accounts import privileged
from casework.accounts.models import Role, User
from casework.accounts.privileged_models import ChangeKind, ChangeStatus, PendingChange
from casework.core.audit import AuditEntry
from casework.core.refusal import Refusal
from casework.extensions import db
from casework.notifications.models import OutboxMessage
from tests.plugin.data import count, csrf_from, fresh_proof


@pytest.fixture(autouse=True)
def english(client):
    client.set_cookie("casework_lang", "en")


@pytest.fixture
def staff(make_user):
    return {"a": make_user("admin", email="admin.a@test.kz", name="Admin Aliya"),
            "b": make_user("admin", email="admin.b@test.kz", name="Admin Bauyrzhan"),
            "chair": make_user("chair", email="chair@test.kz", name="Chair Saule")}


def signed_in(app, login, user, proven=True):
    browser = app.test_client()
    browser.set_cookie("casework_lang", "en")
    login(browser, user)
    # Signing in proves both factors; a session without a fresh proof is one signed in long ago.
    fresh_proof(browser, 0 if proven else 3600)
    return browser


def _propose_chair(browser, email="new.chair@test.kz"):
    token = csrf_from(browser, "/admin/users/new")
    return browser.post("/admin/users/new", data={
        "csrf_token": token, "email": email, "full_name": "Nurlan Chair", "role": "chair",
        "all_regions": "y", "password": ""}, follow_redirects=True)


def _decide(browser, change, action="approve"):
    token = csrf_from(browser, "/admin/changes")
    return browser.post(f"/admin/changes/{change.id}/{action}", data={"csrf_token": token},
                        follow_redirects=True)


def test_a_chair_account_waits_for_a_second_administrator(app, login, staff):
    a = signed_in(app, login, staff["a"])
    page = _propose_chair(a)
    assert "takes effect when another administrator" in page.get_data(as_text=True)
    assert db.session.scalar(select(User).where(User.email == "new.chair@test.kz")) is None
    change = db.session.scalar(select(PendingChange))
    assert change.kind is ChangeKind.CREATE and change.is_pending
    assert change.payload == {"email": "new.chair@test.kz", "name": "Nurlan Chair",
                              "role": "chair", "all_regions": True, "region_codes": []}
    assert "Nurlan Chair" in a.get("/admin/users").get_data(as_text=True)

    # The proposer cannot approve their own proposal.
    own = _decide(a, change)
    assert "must be approved by another administrator" in own.get_data(as_text=True)
    db.session.expire_all()
    assert change.is_pending
    with pytest.raises(Refusal) as refused:
        privileged.approve(change, approver=staff["a"], proven=True, election_id=None)
    assert refused.value.code == "self_approval"
    db.session.rollback()

    # Admin B without a fresh proof: refused; with one: the account exists.
    b_stale = signed_in(app, login, staff["b"], proven=False)
    stale = _decide(b_stale, change)
    assert "Confirm it is you first" in stale.get_data(as_text=True)
    db.session.expire_all()
    assert change.is_pending
    b = signed_in(app, login, staff["b"])
    done = _decide(b, change)
    assert "has taken effect" in done.get_data(as_text=True)
    db.session.expire_all()
    chair = db.session.scalar(select(User).where(User.email == "new.chair@test.kz"))
    assert chair.role is Role.CHAIR and chair.all_regions
    assert change.status is ChangeStatus.APPROVED and change.decided_by_id == staff["b"].id
    assert change.target_id == chair.id
    # Nobody knows the new chair's password: a link to set it was mailed.
    mail = next(m for m in db.session.scalars(select(OutboxMessage))  # recipients are sealed
                if m.recipient == "new.chair@test.kz")
    assert re.search(r"/password/reset/\S+", mail.body_text)
    actions = [e.action for e in db.session.scalars(select(AuditEntry).order_by(AuditEntry.id))]
    assert [a for a in actions if a.startswith(("account_change", "user."))
            and a != "user.login"][-4:] == [
        "account_change.proposed", "user.created", "user.password_reset_sent",
        "account_change.approved"]


def test_the_chair_can_approve_and_sees_the_menu_entry(app, login, staff):
    a = signed_in(app, login, staff["a"])
    _propose_chair(a, "sec@test.kz")
    change = db.session.scalar(select(PendingChange))
    chair = signed_in(app, login, staff["chair"])
    assert "/admin/changes" in chair.get("/staff").get_data(as_text=True)
    assert chair.get("/admin/users").status_code == 403
    assert _decide(chair, change).status_code == 200
    db.session.expire_all()
    assert change.status is ChangeStatus.APPROVED
    assert db.session.scalar(select(User).where(User.email == "sec@test.kz")) is not None


@pytest.mark.parametrize("role", ["operator", "reviewer", "secretary", "auditor"])
def test_others_cannot_approve(app, login, staff, make_user, role):
    a = signed_in(app, login, staff["a"])
    _propose_chair(a)
    change = db.session.scalar(select(PendingChange))
    other = signed_in(app, login, make_user(role, email=f"{role}@test.kz"))
    token = csrf_from(other, "/account")
    assert other.post(f"/admin/changes/{change.id}/approve",
                      data={"csrf_token": token}).status_code == 403
    assert other.get("/admin/changes").status_code == 403


def test_the_database_refuses_an_approval_by_the_proposer(staff):
    change = PendingChange(kind=ChangeKind.CREATE, payload={}, proposed_by_id=staff["a"].id,
                           decided_by_id=staff["a"].id, status=ChangeStatus.APPROVED)
    db.session.add(change)
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_a_non_privileged_account_is_created_at_once(app, login, staff):
    a = signed_in(app, login, staff["a"])
    token = csrf_from(a, "/admin/users/new")
    response = a.post("/admin/users/new", data={
        "csrf_token": token, "email": "op@test.kz", "full_name": "Op", "role": "operator",
        "all_regions": "y", "password": "a long operator passphrase"})
    assert response.status_code == 302
    assert db.session.scalar(select(User).where(User.email == "op@test.kz")).role is Role.OPERATOR
    assert count(PendingChange) == 0


def test_a_non_privileged_creation_needs_a_fresh_proof(app, login, staff):
    a = signed_in(app, login, staff["a"], proven=False)
    token = csrf_from(a, "/account")  # the form page itself asks for the confirmation first
    response = a.post("/admin/users/new", data={
        "csrf_token": token, "email": "op@test.kz", "full_name": "Op", "role": "operator",
        "all_regions": "y", "password": "a long operator passphrase"})
    # Nothing is done: the user is sent to confirm both factors, then submits again.
    assert response.status_code == 303 and "/account/confirm" in response.location
    assert db.session.scalar(select(User).where(User.email == "op@test.kz")) is None


def test_a_privileged_creation_sets_no_password(app, login, staff):
    a = signed_in(app, login, staff["a"])
    token = csrf_from(a, "/admin/users/new")
    response = a.post("/admin/users/new", data={
        "csrf_token": token, "email": "x@test.kz", "full_name": "X", "role": "admin",
        "all_regions": "y", "password": "a long admin passphrase"})
    assert "Leave the password empty" in response.get_data(as_text=True)
    assert count(PendingChange) == 0


def test_raising_to_secretary_waits_and_the_raised_person_cannot_approve(app, login, staff,
                                                                         make_user):
    reviewer = make_user("reviewer", email="dana@test.kz", name="Dana Reviewer",
                         regions=["KZ-KAR"])
    a = signed_in(app, login, staff["a"])
    token = csrf_from(a, f"/admin/users/{reviewer.id}")
    response = a.post(f"/admin/users/{reviewer.id}", data={
        "csrf_token": token, "email": reviewer.email, "full_name": "Dana Secretary",
        "role": "secretary", "all_regions": "y"})
    assert response.status_code == 302
    db.session.expire_all()
    assert reviewer.role is Role.REVIEWER and reviewer.full_name == "Dana Reviewer"
    change = db.session.scalar(select(PendingChange))
    assert change.kind is ChangeKind.RAISE and change.target_id == reviewer.id
    assert not change.can_approve(reviewer)
    # The same change twice is refused while the first waits.
    with pytest.raises(Refusal):
        privileged.update_account(reviewer, actor=staff["b"], proven=True,
                                  full_name="Dana", role=Role.SECRETARY, all_regions=True,
                                  region_codes=[], election_id=None, new_password=None)
    db.session.rollback()

    b = signed_in(app, login, staff["b"])
    _decide(b, change)
    db.session.expire_all()
    assert reviewer.role is Role.SECRETARY and reviewer.full_name == "Dana Secretary"
    assert reviewer.all_regions


def test_a_rejected_or_withdrawn_change_never_takes_effect(app, login, staff):
    a = signed_in(app, login, staff["a"])
    _propose_chair(a, "one@test.kz")
    _propose_chair(a, "two@test.kz")
    one, two = db.session.scalars(select(PendingChange).order_by(PendingChange.id)).all()
    b = signed_in(app, login, staff["b"])
    _decide(b, one, "reject")
    _decide(a, two, "reject")  # the proposer withdraws
    db.session.expire_all()
    assert one.status is two.status is ChangeStatus.REJECTED
    assert one.decided_by_id == staff["b"].id and two.decided_by_id is None
    assert db.session.scalar(select(User).where(User.email.in_(["one@test.kz",
                                                                 "two@test.kz"]))) is None
    assert _decide(b, one).status_code == 200  # decided already: refused, nothing happens
    db.session.expire_all()
    assert one.status is ChangeStatus.REJECTED


def test_a_factor_reset_of_a_privileged_account_is_proposed(app, login, staff):
    a = signed_in(app, login, staff["a"])
    token = csrf_from(a, "/admin/users")
    a.post(f"/admin/users/{staff['chair'].id}/propose-factor-reset", data={"csrf_token": token})
    change = db.session.scalar(select(PendingChange))
    assert change.kind is ChangeKind.RESET_FACTOR and change.target_id == staff["chair"].id


def test_a_factor_reset_of_a_non_privileged_account_is_not_proposed(staff, make_user):
    operator = make_user("operator")
    with pytest.raises(Refusal) as refused:
        privileged.propose_factor_reset(operator, actor=staff["a"], proven=True)
    assert refused.value.code == "not_allowed"


def test_an_approved_factor_reset_resets_and_ends_access(app, login, staff):
    from casework.accounts import tokens

    _token, plain = tokens.create_token(staff["chair"], "script")
    change = privileged.propose_factor_reset(staff["chair"], actor=staff["a"], proven=True)
    db.session.commit()
    b = signed_in(app, login, staff["b"])
    _decide(b, change)
    db.session.expire_all()
    assert change.status is ChangeStatus.APPROVED
    assert tokens.find_active(plain) is None
