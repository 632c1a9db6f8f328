"""Passwords: the rules for a new one (ASVS length, common passwords, own name), my own
change (current password + fresh proof; ends every session and API token), and the reset
link an administrator mails (through the outbox and a real SMTP server; single use; 24 h)."""

import json
import re
from datetime import timedelta

import pytest
from click.testing import Result
from sqlalchemy import select

from casework.accounts import password_services, tokens
from casework.accounts.models import User
from casework.accounts.passwords import check_password, common_passwords, password_problem
from casework.accounts.reset_models import PasswordReset
from casework.core.audit import AuditEntry
from casework.core.db import utcnow
from casework.core.refusal import Refusal
from casework.extensions import db
from casework.notifications.delivery import deliver_due
from casework.notifications.models import OutboxMessage
from tests import factories
from tests.plugin.data import csrf_from, fresh_proof

NEW = "seven ravens over the steppe"
LINK_RE = re.compile(r"http://\S+/password/reset/(\S+)")


@pytest.fixture(autouse=True)
def english(client):
    client.set_cookie("casework_lang", "en")


@pytest.fixture
def reviewer(make_user):
    return make_user("reviewer", email="dana.reviewer@test.kz", name="Dana Reviewer")


# -- the rules -----------------------------------------------------------------------------------

def test_the_common_list_is_zxcvbns_thirty_thousand_loaded_once():
    assert len(common_passwords()) > 29000
    assert common_passwords() is common_passwords()
    assert "password1" in common_passwords()


@pytest.mark.parametrize("password, reason", [
    ("short", "at least 8"),
    ("1234567", "at least 8"),
    ("x" * 129, "at most 128"),
    ("password1", "common"),
    ("PassWord1", "common"),  # case-insensitive
    ("Qwertyuiop", "common"),
    ("dana.reviewer", "name"),
    ("my-reviewer-secret", "name"),
    ("DanaReviewer2024", "name"),
])
def test_refused_passwords(password, reason):
    problem = password_problem(password, email="dana.reviewer@test.kz", name="Dana Reviewer")
    assert problem is not None and reason in str(problem)


@pytest.mark.parametrize("password", [
    "correct horse battery",
    "seven ravens over the steppe",
    "пароль из пяти разных слов",
    "y" * 128,
    "8 chars!",
    "Al is a short name",  # parts of names shorter than 4 are not looked for inside
])
def test_accepted_passwords(password):
    assert password_problem(password, email="al.x@test.kz", name="Al X") is None


def test_no_composition_rule_and_a_long_passphrase_is_fine():
    assert password_problem("all lowercase words without digits or symbols at all") is None


def test_demo_seed_passwords_still_work(demo):
    """The published demo passwords contain the account's name: the seeder sets them as hashes."""
    from casework.demo.seed import DEMO_ACCOUNTS

    for email, _name, _role, _regions, password in DEMO_ACCOUNTS:
        user = db.session.scalar(select(User).where(User.email == email))
        assert check_password(user.password_hash, password)


def test_every_place_that_sets_a_password_applies_the_rules(app, client, login, make_user,
                                                           election):
    admin = make_user("admin", email="admin@test.kz")
    login(client, admin)
    fresh_proof(client)
    token = csrf_from(client, "/admin/users/new")
    response = client.post("/admin/users/new", data={
        "csrf_token": token, "email": "b@test.kz", "full_name": "B", "role": "reviewer",
        "all_regions": "y", "password": "password1"})
    assert "most common passwords" in response.get_data(as_text=True)
    other = make_user("operator")
    response = client.post(f"/admin/users/{other.id}", data={
        "csrf_token": token, "email": other.email, "full_name": other.full_name,
        "role": "operator", "all_regions": "y", "password": "operator-2024"})
    assert "email name" in response.get_data(as_text=True)
    db.session.expire_all()
    assert check_password(other.password_hash, factories.PASSWORD)
    result: Result = app.test_cli_runner().invoke(
        args=["users", "create", "op@test.kz", "--role", "operator", "--all-regions"],
        env={"CASEWORK_NEW_USER_PASSWORD": "qwerty123"})
    assert result.exit_code == 2 and "common" in result.output


def test_cli_creation_is_audited_as_the_operators(app, election):
    result = app.test_cli_runner().invoke(
        args=["users", "create", "chair2@test.kz", "--role", "chair", "--all-regions"],
        env={"CASEWORK_NEW_USER_PASSWORD": NEW})
    assert result.exit_code == 0, result.output
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "user.created"))
    assert entry.actor_id is None and entry.details["cli"] is True
    assert entry.details["role"] == "chair"


# -- my own change ------------------------------------------------------------------------------

def _change(client, current, new, confirm=None):
    token = csrf_from(client, "/account/password")
    return client.post("/account/password", data={
        "csrf_token": token, "current_password": current, "new_password": new,
        "confirm_password": confirm if confirm is not None else new})


def test_a_wrong_current_password_is_refused_and_counts_as_a_failure(client, login, reviewer):
    login(client, reviewer)
    fresh_proof(client)
    response = _change(client, "not my password", NEW)
    assert response.status_code == 422
    assert "current password is not correct" in response.get_data(as_text=True)
    db.session.expire_all()
    assert check_password(reviewer.password_hash, factories.PASSWORD)
    actions = set(db.session.scalars(select(AuditEntry.action)))
    assert "user.password_change_failed" in actions and "user.password_changed" not in actions


def test_without_a_fresh_proof_the_change_is_refused(client, login, reviewer, app):
    login(client, reviewer)
    fresh_proof(client, age_seconds=app.config["CASEWORK_STEP_UP_SECONDS"] + 5)
    response = _change(client, factories.PASSWORD, NEW)
    assert response.status_code == 403
    assert "Confirm it is you first" in response.get_data(as_text=True)
    db.session.expire_all()
    assert check_password(reviewer.password_hash, factories.PASSWORD)


def test_a_common_or_mismatched_new_password_is_refused(client, login, reviewer):
    login(client, reviewer)
    fresh_proof(client)
    assert _change(client, factories.PASSWORD, "password1").status_code == 422
    assert _change(client, factories.PASSWORD, NEW, confirm=NEW + "x").status_code == 422
    db.session.expire_all()
    assert check_password(reviewer.password_hash, factories.PASSWORD)


def test_a_change_ends_every_session_and_api_token(app, client, login, reviewer):
    other_browser = app.test_client()
    login(other_browser, reviewer)
    assert other_browser.get("/account").status_code == 200
    _token, plain = tokens.create_token(reviewer, "script")
    db.session.commit()
    login(client, reviewer)
    fresh_proof(client)

    response = _change(client, factories.PASSWORD, NEW)
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")
    # This session ends too (I sign in again), the other browser's and the token as well.
    assert client.get("/account").status_code == 302
    assert other_browser.get("/account").status_code == 302
    api = client.get("/api/v1/cases", headers={"Authorization": f"Bearer {plain}"})
    assert api.status_code == 401
    db.session.expire_all()
    assert check_password(reviewer.password_hash, NEW)
    assert login(client, reviewer, password=NEW).status_code == 302
    entry = db.session.scalar(select(AuditEntry).where(
        AuditEntry.action == "user.password_changed"))
    assert entry.actor_id == reviewer.id and NEW not in json.dumps(entry.details)


# -- the administrator's reset link ---------------------------------------------------------------

@pytest.fixture
def admin_client(client, login, make_user):
    login(client, make_user("admin", email="admin@test.kz"))
    fresh_proof(client)
    return client


def test_a_reset_link_through_smtp_works_once(app, admin_client, reviewer, smtp_server, login):
    other_browser = app.test_client()
    login(other_browser, reviewer)
    assert other_browser.get("/account").status_code == 200
    reviewer.preferred_locale = "ru"
    db.session.commit()

    token = csrf_from(admin_client, "/admin/users")
    response = admin_client.post(f"/admin/users/{reviewer.id}/send-reset",
                                 data={"csrf_token": token})
    assert response.status_code == 302
    assert deliver_due()["sent"] == 1
    [mail] = smtp_server.messages
    assert mail["To"] == reviewer.email
    plain = LINK_RE.search(mail.get_content()).group(1)
    # Stored hashed; never in the audit log.
    stored = db.session.scalar(select(PasswordReset))
    assert stored.token_hash == password_services.hash_reset_token(plain)
    assert stored.expires_at - stored.created_at == timedelta(hours=24)
    details = json.dumps([e.details for e in db.session.scalars(select(AuditEntry))])
    assert plain not in details and stored.token_hash not in details

    visitor = app.test_client()
    visitor.set_cookie("casework_lang", "en")
    page = visitor.get(f"/password/reset/{plain}")
    assert page.status_code == 200 and reviewer.email in page.get_data(as_text=True)
    assert page.headers["Cache-Control"] == "no-store"
    form_token = csrf_from(visitor, f"/password/reset/{plain}")
    refused = visitor.post(f"/password/reset/{plain}", data={
        "csrf_token": form_token, "new_password": "dana2024dana", "confirm_password":
        "dana2024dana"})
    assert refused.status_code == 422  # the rules: contains the email name
    done = visitor.post(f"/password/reset/{plain}", data={
        "csrf_token": form_token, "new_password": NEW, "confirm_password": NEW})
    assert done.status_code == 302 and done.headers["Location"].endswith("/login")
    db.session.expire_all()
    assert check_password(reviewer.password_hash, NEW)
    assert other_browser.get("/account").status_code == 302  # every session ended
    assert "new password is set" in visitor.get("/login").get_data(as_text=True)

    again = visitor.get(f"/password/reset/{plain}")
    unknown = visitor.get("/password/reset/not-a-real-link")
    assert again.status_code == unknown.status_code == 404
    assert (again.get_data(as_text=True).replace(plain, "X")
            == unknown.get_data(as_text=True).replace("not-a-real-link", "X"))
    assert "This link does not work" in again.get_data(as_text=True)
    second = visitor.post(f"/password/reset/{plain}", data={
        "csrf_token": form_token, "new_password": "another long passphrase",
        "confirm_password": "another long passphrase"})
    assert second.status_code == 404
    db.session.expire_all()
    assert check_password(reviewer.password_hash, NEW)


def _mailed_secret(user) -> str:
    # The recipient is sealed: the newest message to the user, found in Python.
    body = next(m.body_text for m in db.session.scalars(
        select(OutboxMessage).order_by(OutboxMessage.id.desc())) if m.recipient == user.email)
    return LINK_RE.search(body).group(1)


def test_a_reset_link_expires_after_24_hours(reviewer, make_user):
    admin = make_user("admin", email="admin@test.kz")
    sent_at = utcnow() - timedelta(days=3)
    password_services.send_reset_link(reviewer, actor=admin, now=sent_at)
    plain = _mailed_secret(reviewer)
    assert password_services.find_reset(plain, now=sent_at + timedelta(hours=23, minutes=59))
    assert password_services.find_reset(plain, now=sent_at + timedelta(hours=24)) is None
    assert password_services.find_reset(plain) is None  # three days on: expired


def test_a_new_link_ends_the_earlier_ones_and_the_mail_speaks_the_users_language(reviewer,
                                                                                make_user):
    admin = make_user("admin", email="admin@test.kz")
    reviewer.preferred_locale = "kk"
    password_services.send_reset_link(reviewer, actor=admin)
    first = _mailed_secret(reviewer)
    password_services.send_reset_link(reviewer, actor=admin)
    second = _mailed_secret(reviewer)
    assert password_services.find_reset(first) is None
    assert password_services.find_reset(second) is not None
    message = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id.desc())).first()
    assert message.language == "kk"


def test_sending_a_reset_needs_a_fresh_proof_and_an_administrator(client, login, make_user,
                                                                  reviewer, app):
    admin = make_user("admin", email="admin@test.kz")
    login(client, admin)
    fresh_proof(client, age_seconds=app.config["CASEWORK_STEP_UP_SECONDS"] + 5)
    token = csrf_from(client, "/admin/users")
    response = client.post(f"/admin/users/{reviewer.id}/send-reset", data={"csrf_token": token},
                           follow_redirects=True)
    assert "Confirm it is you first" in response.get_data(as_text=True)
    assert db.session.scalar(select(PasswordReset)) is None
    with pytest.raises(Refusal):
        password_services.send_reset_link(reviewer, actor=admin, proven=False)
    other = app.test_client()
    login(other, reviewer)
    fresh_proof(other)
    token = csrf_from(other, "/account")
    assert other.post(f"/admin/users/{reviewer.id}/send-reset",
                      data={"csrf_token": token}).status_code == 403
