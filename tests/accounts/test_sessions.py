"""Server-side sessions: the cookie is only an id; logout, idle and absolute expiry end the
row; /account lists and ends them; the id changes at sign-in; public pages set no cookie."""

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from casework.accounts.services import end_all_access
from casework.accounts.session_models import StaffSession
from casework.accounts.sessions import hash_id, summarize_user_agent
from casework.core.db import utcnow
from casework.extensions import db
from tests import factories
from tests.plugin.data import csrf_from
from tests.plugin.second_factor import totp_code

COOKIE = "casework_session"
FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"
CHROME = ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
          "Chrome/131.0.0.0 Safari/537.36")


def cookie_of(client) -> str | None:
    cookie = client.get_cookie(COOKIE)
    return cookie.value if cookie else None


def with_cookie(client, value: str):
    """Another browser holding a copy of `value`."""
    other = client.application.test_client()
    other.set_cookie(COOKIE, value)
    return other


def rows(user_id=None):
    query = select(StaffSession)
    if user_id is not None:
        query = query.where(StaffSession.user_id == user_id)
    db.session.expire_all()
    return db.session.scalars(query).all()


@pytest.fixture
def signed_in(client, make_user, login):
    user = make_user("reviewer")
    assert login(client, user).status_code == 302
    assert client.get("/staff").status_code == 200
    return user


def test_the_cookie_is_a_random_id_and_the_row_holds_the_session(client, signed_in):
    value = cookie_of(client)
    assert len(value) >= 43  # 32 random bytes, url-safe base64
    (row,) = rows(signed_in.id)
    assert row.id_hash == hash_id(value) and value not in row.data  # only the hash is stored
    # The data (Flask-Login's "<id>:<token>") is on the server, not in the cookie.
    assert signed_in.get_id() in row.data and signed_in.session_token not in value
    assert "." not in value  # not a signed cookie carrying data
    assert '"_id"' not in row.data  # no hash of the client's address and user agent


def test_a_cookie_replayed_after_logout_opens_nothing(client, signed_in):
    copied = cookie_of(client)
    assert with_cookie(client, copied).get("/cases").status_code == 200
    token = csrf_from(client, "/staff")
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert not rows(signed_in.id)  # the row is gone
    replay = with_cookie(client, copied).get("/cases")
    assert replay.status_code == 302 and replay.headers["Location"].startswith("/login")


def test_idle_sessions_end(client, signed_in, app):
    idle = app.config["CASEWORK_SESSION_IDLE_MINUTES"]
    db.session.execute(update(StaffSession).values(
        last_seen_at=utcnow() - timedelta(minutes=idle - 1)))
    db.session.commit()
    assert client.get("/staff").status_code == 200  # still within the idle time: seen again
    (row,) = rows(signed_in.id)
    assert utcnow() - row.last_seen_at < timedelta(minutes=1)
    db.session.execute(update(StaffSession).values(
        last_seen_at=utcnow() - timedelta(minutes=idle + 1)))
    db.session.commit()
    response = client.get("/staff")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert not rows(signed_in.id)


def test_sessions_end_at_their_absolute_lifetime_even_when_used(client, signed_in, app):
    (row,) = rows(signed_in.id)
    hours = app.config["PERMANENT_SESSION_LIFETIME"] // 3600
    assert row.expires_at - row.created_at == timedelta(hours=hours)
    db.session.execute(update(StaffSession).values(
        created_at=utcnow() - timedelta(hours=hours), expires_at=utcnow() - timedelta(seconds=1),
        last_seen_at=utcnow()))
    db.session.commit()
    assert client.get("/staff").status_code == 302
    assert not rows(signed_in.id)


def test_the_session_id_changes_at_sign_in(client, make_user, login):
    user = make_user("reviewer")
    csrf_from(client)  # the login form's token: an anonymous session, signed in the cookie
    before = cookie_of(client)
    assert before.startswith("a.") and not rows()
    # An attacker who planted or copied this cookie before sign-in ...
    attacker = with_cookie(client, before)
    login(client, user)
    after = cookie_of(client)
    assert after != before
    assert [r.id_hash for r in rows()] == [hash_id(after)]
    # ... holds nothing afterwards.
    assert attacker.get("/staff").status_code == 302


def test_the_half_signed_in_state_is_a_row_whose_id_changes_at_sign_in(client, make_user):
    user = make_user("reviewer")
    first = client.post("/login", data={"email": user.email, "password": factories.PASSWORD,
                                         "csrf_token": csrf_from(client)})
    assert first.status_code == 303
    pending = cookie_of(client)
    assert not pending.startswith("a.")  # more than a CSRF value: a row, keyed by an id
    assert [(r.id_hash, r.user_id) for r in rows()] == [(hash_id(pending), None)]
    attacker = with_cookie(client, pending)
    client.post("/login/code", data={"code": totp_code(user.email),
                                     "csrf_token": csrf_from(client, "/login/code")})
    after = cookie_of(client)
    assert after != pending and [r.id_hash for r in rows()] == [hash_id(after)]
    assert attacker.get("/staff").status_code == 302


def test_account_lists_my_sessions_and_ends_another(client, make_user, login):
    user = make_user("reviewer")
    client.environ_base["HTTP_USER_AGENT"] = FIREFOX
    login(client, user)
    phone = client.application.test_client()
    phone.environ_base["HTTP_USER_AGENT"] = CHROME
    login(phone, user)
    client.set_cookie("casework_lang", "en")
    html = client.get("/account").get_data(as_text=True)
    assert "Firefox / Windows" in html and "Chrome / Linux" in html
    assert html.count("This session") == 1
    assert FIREFOX not in html and "Gecko" not in html  # a summary, never the raw header
    other = next(r for r in rows(user.id) if r.id_hash == hash_id(cookie_of(phone)))
    token = csrf_from(client, "/account")
    assert client.post(f"/account/sessions/{other.id}/end").status_code == 400  # no CSRF
    response = client.post(f"/account/sessions/{other.id}/end", data={"csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"] == "/account"
    assert phone.get("/staff").status_code == 302  # signed out there
    assert client.get("/staff").status_code == 200  # not here
    assert len(rows(user.id)) == 1


def test_only_my_own_sessions_can_be_ended(client, make_user, login):
    me, someone = make_user("reviewer"), make_user("chair")
    login(client, me)
    theirs = client.application.test_client()
    login(theirs, someone)
    (row,) = rows(someone.id)
    assert row.can_end(someone) and not row.can_end(me)
    token = csrf_from(client, "/account")
    assert client.post(f"/account/sessions/{row.id}/end",
                       data={"csrf_token": token}).status_code == 404
    assert theirs.get("/staff").status_code == 200


def test_ending_this_session_signs_out(client, signed_in):
    (row,) = rows(signed_in.id)
    token = csrf_from(client, "/account")
    response = client.post(f"/account/sessions/{row.id}/end", data={"csrf_token": token})
    assert response.headers["Location"] == "/login"
    assert client.get("/staff").status_code == 302


def test_end_all_access_ends_every_server_session(client, signed_in, login):
    laptop = client.application.test_client()
    login(laptop, signed_in)
    assert len(rows(signed_in.id)) == 2
    end_all_access(signed_in)
    db.session.commit()
    assert not rows(signed_in.id)
    assert client.get("/staff").status_code == 302 and laptop.get("/staff").status_code == 302


@pytest.mark.parametrize("path", ["/", "/decisions", "/decisions.json", "/statistics",
                                  "/statistics.json", "/standings"])
def test_public_pages_set_no_cookie_and_store_nothing(client, election, path):
    response = client.get(path)
    assert response.status_code == 200, path
    assert "Set-Cookie" not in response.headers
    assert not rows()


def test_an_unknown_or_forged_id_is_dropped(client, election):
    stranger = with_cookie(client, "x" * 43)
    response = stranger.get("/")
    assert "Max-Age=0" in response.headers.get("Set-Cookie", "") or \
        "expires=Thu, 01 Jan 1970" in response.headers.get("Set-Cookie", "")
    assert stranger.get("/staff").status_code == 302


@pytest.mark.parametrize("header, summary", [
    (FIREFOX, "Firefox / Windows"), (CHROME, "Chrome / Linux"),
    ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
     "(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1", "Safari / iOS"),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0", "Edge / Windows"),
    ("curl/8.5.0", ""), (None, "")])
def test_user_agent_summary(header, summary):
    assert summarize_user_agent(header) == summary
