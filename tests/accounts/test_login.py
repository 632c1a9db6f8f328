"""Login and logout over HTTP: CSRF, session renewal, same answers, safe redirects, lockout."""

import re

from sqlalchemy import select

from casework.accounts.models import LoginFailure, User
from casework.accounts.services import set_disabled
from casework.core.audit import AuditEntry
from casework.extensions import db
from tests.factories import PASSWORD
from tests.plugin.data import csrf_from


def test_password_is_hashed_with_argon2id(make_user):
    user = make_user("reviewer")
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash


def test_login_lands_each_role_on_its_page(client, make_user, login):
    expected = {"operator": "/hotline/", "reviewer": "/staff", "secretary": "/staff",
                "chair": "/staff", "admin": "/admin/users", "auditor": "/audit"}
    for role, landing in expected.items():
        user = make_user(role)
        fresh = client.application.test_client()
        response = login(fresh, user)
        assert response.status_code == 302, role
        assert response.headers["Location"] == landing, role
        assert fresh.get(landing).status_code == 200, role


def test_login_requires_csrf_token(client, make_user):
    make_user("reviewer")
    response = client.post("/login", data={"email": "reviewer@test.kz", "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/staff").status_code == 302  # still anonymous


def test_logout_is_post_with_csrf(client, make_user, login):
    login(client, make_user("reviewer"))
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 400  # no token
    assert client.get("/staff").status_code == 200
    token = csrf_from(client, "/staff")
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/staff").status_code == 302
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "logout"))


def test_session_is_renewed_at_login(client, make_user, login):
    user = make_user("reviewer")
    with client.session_transaction() as session:
        session["planted"] = "by an attacker before login"
    login(client, user)
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["_user_id"] == user.get_id()


def test_unknown_user_and_wrong_password_get_the_same_answer(client, make_user, login):
    make_user("reviewer")
    wrong = login(client, "reviewer@test.kz", password="wrong password!!")
    unknown = login(client.application.test_client(), "nobody@test.kz", password="whatever12345")

    def strip_token(html: str) -> str:
        return re.sub(r'value="[^"]*"', "", html)

    assert wrong.status_code == unknown.status_code == 401
    assert strip_token(wrong.get_data(as_text=True)) == strip_token(unknown.get_data(as_text=True))


def test_sixth_failure_within_a_minute_is_refused_and_other_accounts_are_not(client, make_user,
                                                                             login):
    make_user("reviewer")
    make_user("chair")
    client.set_cookie("casework_lang", "en")
    for _ in range(5):
        assert login(client, "reviewer@test.kz", password="bad password 1").status_code == 401
    sixth = login(client, "reviewer@test.kz", password=PASSWORD)  # even the right password
    assert sixth.status_code == 429
    assert re.search(r"Wait \d+ seconds", sixth.get_data(as_text=True))
    assert client.get("/staff").status_code == 302
    other = login(client.application.test_client(), "chair@test.kz")
    assert other.status_code == 302
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "login.throttled"))


def test_throttle_window_passes(app, make_user):
    from datetime import timedelta

    from casework.accounts.services import authenticate
    from casework.core.db import utcnow

    make_user("reviewer")
    start = utcnow()
    for _ in range(5):
        assert not authenticate("reviewer@test.kz", "bad password", now=start).ok
    assert authenticate("reviewer@test.kz", PASSWORD, now=start).retry_after > 0
    later = authenticate("reviewer@test.kz", PASSWORD, now=start + timedelta(seconds=61))
    assert later.ok
    db.session.commit()
    # The password alone clears nothing: only signing in with both factors does
    # (tests/accounts/test_factors.py).
    assert db.session.scalar(select(LoginFailure)) is not None


def test_next_redirect_only_to_local_paths(client, make_user, login):
    make_user("reviewer")
    for evil in ["https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:x"]:
        fresh = client.application.test_client()
        response = login(fresh, "reviewer@test.kz", next_url=evil)
        assert response.headers["Location"] == "/staff", evil
    response = login(client.application.test_client(), "reviewer@test.kz", next_url="/audit?x=1")
    assert response.headers["Location"] == "/audit?x=1"


def test_anonymous_is_sent_to_login_with_next(client):
    response = client.get("/staff")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=/staff")


def test_disabled_account_is_locked_out_at_once(client, make_user, login):
    admin = make_user("admin", email="boss@test.kz")
    user = make_user("reviewer")
    login(client, user)
    assert client.get("/staff").status_code == 200
    set_disabled(user, actor=admin, disabled=True)
    db.session.commit()
    assert client.get("/staff").status_code == 302  # the open session ends on the next request
    again = login(client.application.test_client(), user)
    assert again.status_code == 401


def test_successful_and_failed_logins_are_audited(client, make_user, login):
    make_user("reviewer")
    login(client, "reviewer@test.kz", password="not the password")
    login(client, "reviewer@test.kz")
    actions = db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert "login.failed" in actions and "login.password_accepted" in actions
    assert "user.login" in actions
    failed = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "login.failed"))
    assert "not the password" not in str(failed.details)  # no secrets in the audit trail
    assert db.session.scalar(select(User).where(User.email == "reviewer@test.kz")).last_login_at
