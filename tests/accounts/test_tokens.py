"""Personal API tokens: created once, stored hashed, limited, revoked, expiring, audited, and
the account page that manages them."""

import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text

from casework.accounts import tokens
from casework.accounts.token_models import ApiToken
from casework.core.audit import AuditEntry
from casework.core.db import utcnow
from casework.core.refusal import Refusal
from casework.extensions import db
from tests.plugin.data import csrf_from

TOKEN_RE = re.compile(r'value="(cw_[A-Za-z0-9_-]+)"')


def api_status(client, plain: str) -> int:
    return client.get("/api/v1/cases", headers={"Authorization": f"Bearer {plain}"}).status_code


@pytest.fixture(autouse=True)
def english(client):
    client.set_cookie("casework_lang", "en")


@pytest.fixture
def reviewer(make_user):
    return make_user("reviewer", regions=["KZ-KAR"])


# -- the service --------------------------------------------------------------------------

def test_a_token_is_shown_once_and_stored_hashed(app, reviewer):
    token, plain = tokens.create_token(reviewer, "  report script ")
    db.session.commit()
    assert plain.startswith("cw_") and len(plain) == 3 + 43
    assert token.name == "report script" and token.prefix == plain[3:11]
    assert token.token_hash == tokens.hash_token(plain) != plain
    # the plain token is nowhere in the database: not in the row, not in the audit chain
    rows = db.session.execute(text("SELECT * FROM api_tokens")).all()
    assert len(rows) == 1 and all(plain not in str(value) for value in rows[0])
    entries = list(db.session.scalars(select(AuditEntry)))
    assert [e.action for e in entries if e.action.startswith("api_token")] == ["api_token.created"]
    assert all(plain not in json.dumps(e.details) for e in entries)
    created = next(e for e in entries if e.action == "api_token.created")
    assert (created.actor_id, created.object_type, created.object_id) == (
        reviewer.id, "api_token", str(token.id))


def test_tokens_expire_after_the_configured_days(app, reviewer):
    token, _plain = tokens.create_token(reviewer, "default")
    assert token.expires_at - token.created_at == timedelta(days=90)
    app.config["CASEWORK_API_TOKEN_DAYS"] = 7
    try:
        week, _plain = tokens.create_token(reviewer, "week")
        app.config["CASEWORK_API_TOKEN_DAYS"] = 0
        forever, _plain = tokens.create_token(reviewer, "forever")
    finally:
        app.config["CASEWORK_API_TOKEN_DAYS"] = 90
    assert week.expires_at - week.created_at == timedelta(days=7)
    assert forever.expires_at is None


def test_find_active_refuses_revoked_expired_disabled_and_malformed(reviewer):
    token, plain = tokens.create_token(reviewer, "t")
    db.session.commit()
    assert tokens.find_active(plain) is token
    for bad in ("", None, plain[:-1], plain + "x", "xx" + plain[2:], plain + "\x00",
                "cw_" + "a" * 200):
        assert tokens.find_active(bad) is None
    later = utcnow() + timedelta(days=91)
    assert tokens.find_active(plain, now=later) is None
    reviewer.disabled_at = utcnow()
    assert tokens.find_active(plain) is None
    reviewer.disabled_at = None
    assert tokens.revoke_token(token, reviewer) is True
    assert tokens.find_active(plain) is None
    assert tokens.revoke_token(token, reviewer) is False  # once is enough


def test_at_most_ten_active_tokens(reviewer):
    made = [tokens.create_token(reviewer, f"t{n}")[0] for n in range(tokens.MAX_ACTIVE)]
    with pytest.raises(Refusal) as refused:
        tokens.create_token(reviewer, "one too many")
    assert refused.value.field == "name"
    made[0].expires_at = utcnow() - timedelta(minutes=1)  # an expired one does not count
    tokens.create_token(reviewer, "instead of the expired one")
    with pytest.raises(Refusal):
        tokens.create_token(reviewer, "again too many")
    tokens.revoke_token(made[1], reviewer)
    tokens.create_token(reviewer, "instead of the revoked one")
    assert tokens.active_count(reviewer) == tokens.MAX_ACTIVE


def test_a_name_is_required_and_a_disabled_user_gets_none(reviewer):
    with pytest.raises(Refusal) as missing:
        tokens.create_token(reviewer, "   ")
    assert (missing.value.code, missing.value.field) == ("missing", "name")
    with pytest.raises(Refusal):
        tokens.create_token(reviewer, "x" * (tokens.NAME_MAX + 1))
    reviewer.disabled_at = utcnow()
    with pytest.raises(Refusal) as disabled:
        tokens.create_token(reviewer, "api")
    assert disabled.value.code == "forbidden"


def test_nobody_revokes_someone_elses_token(reviewer, make_user):
    token, _plain = tokens.create_token(reviewer, "mine")
    other = make_user("secretary", email="other@test.kz")
    with pytest.raises(Refusal):
        tokens.revoke_token(token, other)
    assert token.revoked_at is None
    assert tokens.own_token(other, token.id) is None
    assert tokens.own_token(reviewer, token.id) is token


# -- through HTTP -------------------------------------------------------------------------

def test_last_used_is_written_at_most_once_a_minute(client, reviewer):
    token, plain = tokens.create_token(reviewer, "t")
    db.session.commit()
    assert api_status(client, plain) == 200
    db.session.expire_all()
    first = token.last_used_at
    assert first is not None
    assert api_status(client, plain) == 200
    db.session.expire_all()
    assert token.last_used_at == first  # within the minute: not written again
    token.last_used_at = utcnow() - timedelta(minutes=2)
    db.session.commit()
    assert api_status(client, plain) == 200
    db.session.expire_all()
    assert token.last_used_at > utcnow() - timedelta(minutes=1)


def test_revoked_expired_and_disabled_tokens_get_401(client, reviewer):
    token, plain = tokens.create_token(reviewer, "t")
    db.session.commit()
    assert api_status(client, plain) == 200
    reviewer.disabled_at = utcnow()
    db.session.commit()
    assert api_status(client, plain) == 401
    reviewer.disabled_at = None
    token.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert api_status(client, plain) == 401
    token.expires_at = None
    token.revoked_at = utcnow()
    db.session.commit()
    assert api_status(client, plain) == 401


def test_ending_all_access_revokes_the_tokens(client, reviewer):
    """A password change, a factor reset or a disabled account: tokens die with the sessions."""
    from casework.accounts.services import end_all_access

    _token, plain = tokens.create_token(reviewer, "t")
    db.session.commit()
    assert api_status(client, plain) == 200
    end_all_access(reviewer)
    db.session.commit()
    assert api_status(client, plain) == 401


def test_a_token_is_not_a_login_for_the_pages(client, reviewer):
    _token, plain = tokens.create_token(reviewer, "t")
    db.session.commit()
    response = client.get("/cases", headers={"Authorization": f"Bearer {plain}"})
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_account_page_creates_shows_once_and_revokes(client, login, reviewer):
    assert client.get("/account").status_code == 302  # login first
    login(client, reviewer)
    page = client.get("/account")
    assert page.status_code == 200 and "You have no API token." in page.get_data(as_text=True)

    response = client.post("/account/tokens", data={"csrf_token": csrf_from(client, "/account"),
                                                    "name": "weekly report"})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    plain = TOKEN_RE.search(response.get_data(as_text=True)).group(1)
    token = db.session.scalar(select(ApiToken))
    assert token.token_hash == tokens.hash_token(plain) and token.user_id == reviewer.id
    assert api_status(client.application.test_client(), plain) == 200

    listing = client.get("/account").get_data(as_text=True)
    assert "weekly report" in listing and f"cw_{token.prefix}" in listing
    assert plain not in listing  # shown once only

    response = client.post(f"/account/tokens/{token.id}/revoke",
                           data={"csrf_token": csrf_from(client, "/account")})
    assert response.status_code == 302
    db.session.expire_all()
    assert token.revoked_at is not None
    assert api_status(client.application.test_client(), plain) == 401
    assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "api_token.revoked", AuditEntry.object_id == str(token.id))) == 1


def test_the_account_page_refuses_without_csrf_or_name(client, login, reviewer):
    login(client, reviewer)
    assert client.post("/account/tokens", data={"name": "no csrf"}).status_code == 400
    response = client.post("/account/tokens", data={"csrf_token": csrf_from(client, "/account"),
                                                    "name": " "})
    assert response.status_code == 422
    assert "Name the token" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(ApiToken.id))) == 0


def test_someone_elses_token_is_404_on_revoke(client, login, reviewer, make_user):
    token, plain = tokens.create_token(reviewer, "theirs")
    db.session.commit()
    login(client, make_user("secretary", email="other@test.kz"))
    response = client.post(f"/account/tokens/{token.id}/revoke",
                           data={"csrf_token": csrf_from(client, "/account")})
    assert response.status_code == 404
    db.session.expire_all()
    assert token.revoked_at is None
    assert api_status(client.application.test_client(), plain) == 200
    assert "theirs" not in client.get("/account").get_data(as_text=True)


@pytest.mark.parametrize("role", ["operator", "reviewer", "secretary", "chair", "admin",
                                  "auditor"])
def test_every_staff_role_has_the_account_page(client, login, make_user, role):
    user = make_user(role, email=f"{role}@test.kz")
    login(client, user)
    page = client.get("/account")
    assert page.status_code == 200
    assert user.email in page.get_data(as_text=True)
