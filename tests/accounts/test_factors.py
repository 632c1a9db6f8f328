"""The second factor: TOTP window and replay, recovery codes, enrolment, the two-step login
(no staff page before the code), step-up on tokens and staff accounts, the admin reset."""

import re
import time
from types import SimpleNamespace

import pyotp
import pytest
from sqlalchemy import func, select

from casework.accounts import factors, stepup
from casework.accounts.models import LoginFailure, RecoveryCode, User
from casework.accounts.token_models import ApiToken
from casework.accounts.tokens import create_token
from casework.core.audit import AuditEntry
from casework.extensions import db
from tests.factories import PASSWORD
from tests.plugin.data import csrf_from
from tests.plugin.second_factor import code_for_secret, totp_code

STEP = factors.STEP_SECONDS


@pytest.fixture(autouse=True)
def _english(english):
    pass


def audit_actions() -> list[str]:
    return list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


# -- TOTP ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("offset, accepted", [(-2, False), (-1, True), (0, True), (1, True),
                                              (2, False)])
def test_a_code_is_accepted_one_step_either_side_and_no_further(make_user, offset, accepted):
    user = make_user("reviewer")
    now = time.time()
    code = code_for_secret(user.totp_secret, offset, now)
    assert (factors.check_second_factor(user, code, now=now) == "totp") is accepted


def test_a_code_is_accepted_once(make_user):
    user = make_user("reviewer")
    now = time.time()
    code = code_for_secret(user.totp_secret, 0, now)
    assert factors.check_second_factor(user, code, now=now) == "totp"
    assert factors.check_second_factor(user, code, now=now) is None  # replayed
    # nor an earlier step's code once a later one was used
    assert factors.check_second_factor(user, code_for_secret(user.totp_secret, -1, now),
                                       now=now) is None
    assert factors.check_second_factor(user, code_for_secret(user.totp_secret, 1, now),
                                       now=now) == "totp"
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(LoginFailure)) == 2


def test_wrong_codes_share_the_login_throttle(make_user, app):
    user = make_user("reviewer")
    for _ in range(app.config["CASEWORK_LOGIN_MAX_FAILURES"]):
        assert not factors.verify_second_factor(user, "000000")
    assert not factors.verify_second_factor(user, totp_code(user))  # even the right code waits


# -- recovery codes --------------------------------------------------------------------------------

def enrolled_with_codes(make_user) -> tuple[User, list[str]]:
    user = make_user("reviewer", second_factor=False)
    secret = factors.start_enrolment(user)
    codes = factors.confirm_enrolment(user, pyotp.TOTP(secret).now())
    db.session.commit()
    return user, codes


def test_recovery_codes_are_ten_hashed_and_single_use(make_user):
    user, codes = enrolled_with_codes(make_user)
    assert len(codes) == 10 == len(set(codes))
    stored = list(db.session.scalars(select(RecoveryCode.code_hash)))
    assert len(stored) == 10 and not any(c.replace("-", "") in h for c in codes for h in stored)
    assert not factors.needs_reenrolment(user)
    assert factors.check_second_factor(user, codes[3].upper()) == "recovery"
    assert factors.check_second_factor(user, codes[3]) is None  # used up
    assert factors.recovery_codes_left(user) == 9 and factors.needs_reenrolment(user)
    entry = db.session.scalar(select(AuditEntry).where(
        AuditEntry.action == "second_factor.recovery_code_used"))
    assert entry.details == {"remaining": 9}
    assert codes[3] not in str(entry.details)


def test_signing_in_with_a_recovery_code_says_to_re_enrol(client, make_user, login):
    user, codes = enrolled_with_codes(make_user)
    response = login(client, user, code=codes[0])
    assert response.status_code == 302
    page = client.get("/account").get_data(as_text=True)
    assert "Set up your authenticator app again" in page or "set up your authenticator" in page
    assert "You signed in with a recovery code" in page
    again = client.application.test_client()
    assert login(again, user, code=codes[0]).status_code == 401


# -- enrolment and the two-step login --------------------------------------------------------------

def password_step(client, email, password=PASSWORD):
    return client.post("/login", data={"email": email, "password": password,
                                        "csrf_token": csrf_from(client)})


def test_enrolment_shows_a_qr_code_and_the_grouped_secret_and_needs_a_right_code(client,
                                                                                 make_user):
    user = make_user("operator", second_factor=False)
    response = password_step(client, user.email)
    assert (response.status_code, response.location) == (303, "/login/enrol")
    page = client.get("/login/enrol")
    html = page.get_data(as_text=True)
    assert page.headers["Cache-Control"] == "no-store"
    assert "<svg" in html
    db.session.expire_all()
    secret = db.session.get(User, user.id).totp_secret
    grouped = " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))
    assert grouped in html
    assert 'autocomplete="one-time-code"' in html and 'inputmode="numeric"' in html
    assert "googleapis" not in html and "chart" not in html  # drawn here, no outside service
    # a wrong code activates nothing and signs nobody in
    token = csrf_from(client, "/login/enrol")
    wrong = client.post("/login/enrol", data={"code": "123456" if pyotp.TOTP(secret).now()
                                              != "123456" else "654321", "csrf_token": token})
    assert wrong.status_code == 422
    db.session.expire_all()
    assert not db.session.get(User, user.id).has_second_factor
    assert client.get("/hotline/").status_code == 302
    # the right one activates it, signs in and shows the recovery codes once
    right = client.post("/login/enrol", data={"code": pyotp.TOTP(secret).now(),
                                              "csrf_token": token})
    body = right.get_data(as_text=True)
    assert right.status_code == 200 and right.headers["Cache-Control"] == "no-store"
    assert len(re.findall(r"<li><code>[a-z2-9]{5}-[a-z2-9]{5}</code></li>", body)) == 10
    db.session.expire_all()
    assert db.session.get(User, user.id).has_second_factor
    assert client.get("/hotline/").status_code == 200
    assert "second_factor.enrolled" in audit_actions()


def test_no_staff_page_before_the_second_step(client, make_user):
    user = make_user("reviewer")
    response = password_step(client, user.email)
    assert (response.status_code, response.location) == (303, "/login/code")
    for path in ("/staff", "/cases", "/account", "/sanctions"):
        answer = client.get(path)
        assert answer.status_code == 302 and answer.location.startswith("/login"), path
    assert client.get("/api/v1/cases", headers={"Accept": "application/json"}).status_code == 401
    page = client.get("/login/code").get_data(as_text=True)
    assert 'autocomplete="one-time-code"' in page and 'inputmode="numeric"' in page
    done = client.post("/login/code", data={"code": totp_code(user),
                                             "csrf_token": csrf_from(client, "/login/code")})
    assert done.status_code == 302
    assert client.get("/staff").status_code == 200
    assert "user.login" in audit_actions()


def test_the_failure_does_not_say_which_factor_failed(make_user, app, login):
    def browser():
        client = app.test_client()
        client.set_cookie("casework_lang", "en")
        return client

    user = make_user("reviewer")
    wrong_password = login(browser(), user, password="not the password")
    wrong_code = login(browser(), user, code="000000")
    unknown = login(browser(), "nobody@test.kz", password="whatever12345")
    for response in (wrong_password, wrong_code, unknown):
        assert response.status_code == 401
        assert "Wrong email, password or code." in response.get_data(as_text=True)


def test_the_half_signed_in_state_expires(client, make_user, app, monkeypatch):
    from casework.accounts import signin

    user = make_user("reviewer")
    password_step(client, user.email)
    later = time.time() + app.config["CASEWORK_SIGNIN_PENDING_SECONDS"] + 1
    monkeypatch.setattr(signin, "time", SimpleNamespace(time=lambda: later))
    response = client.get("/login/code")
    assert response.status_code == 303 and response.location == "/login"


# -- step-up ---------------------------------------------------------------------------------------

def expire_the_proof(monkeypatch, app):
    later = time.time() + app.config["CASEWORK_STEP_UP_SECONDS"] + 1
    monkeypatch.setattr(stepup, "time", SimpleNamespace(time=lambda: later))


def test_a_token_is_not_created_without_a_fresh_proof(client, make_user, login, monkeypatch, app):
    user = make_user("reviewer")
    login(client, user)
    expire_the_proof(monkeypatch, app)
    token = csrf_from(client, "/account")
    response = client.post("/account/tokens", data={"name": "script", "csrf_token": token})
    assert response.status_code == 303 and response.location.startswith("/account/confirm")
    assert db.session.scalar(select(func.count()).select_from(ApiToken)) == 0


def test_staff_account_pages_ask_for_a_fresh_proof(client, make_user, login, monkeypatch, app):
    login(client, make_user("admin", email="admin@test.kz"))
    expire_the_proof(monkeypatch, app)
    response = client.get("/admin/users/new")
    assert response.status_code == 303
    assert response.location.startswith("/account/confirm?next=/admin/users/new")


# -- reset -----------------------------------------------------------------------------------------

def test_an_admin_resets_a_reviewers_second_factor_not_a_chairs(client, make_user, login):
    admin = make_user("admin", email="admin@test.kz")
    reviewer, chair = make_user("reviewer"), make_user("chair")
    create_token(reviewer, "script")
    db.session.commit()
    login(client, admin)
    page = client.get(f"/admin/users/{reviewer.id}").get_data(as_text=True)
    assert "Reset the second factor" in page
    assert "Reset the second factor" not in client.get(f"/admin/users/{chair.id}").get_data(
        as_text=True)
    token = csrf_from(client, f"/admin/users/{reviewer.id}")
    response = client.post(f"/admin/users/{reviewer.id}/reset-second-factor",
                           data={"csrf_token": token})
    assert response.status_code == 303
    db.session.expire_all()
    reviewer = db.session.get(User, reviewer.id)
    assert not reviewer.has_second_factor and reviewer.totp_secret is None
    assert db.session.scalar(select(ApiToken.revoked_at)) is not None  # end_all_access
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "second_factor.reset"))
    assert entry.actor_id == admin.id and entry.object_id == str(reviewer.id)
    assert client.post(f"/admin/users/{chair.id}/reset-second-factor",
                       data={"csrf_token": token}).status_code == 403
    # the reviewer enrols again at the next sign-in
    fresh = client.application.test_client()
    assert password_step(fresh, reviewer.email).location == "/login/enrol"
