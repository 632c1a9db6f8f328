"""An anonymous visitor's CSRF value travels signed in the session cookie, not in a row:
bound to that cookie, expiring like a row, refused when forged, moved into a row as soon as
the session holds anything else."""

import time

import pytest

from casework.accounts import session_cookies
from casework.accounts.session_models import StaffSession
from casework.extensions import db
from tests.intake.helpers import form_data
from tests.plugin.data import csrf_from

COOKIE = "casework_session"


def cookie_of(client) -> str | None:
    cookie = client.get_cookie(COOKIE)
    return cookie.value if cookie else None


def rows() -> int:
    return db.session.query(StaffSession).count()


def track_post(client, token: str):
    return client.post("/track", data={"code": "ABCD-EFGH-JKLM", "csrf_token": token})


@pytest.fixture
def visitor(client, election):
    return client


def test_a_form_gives_a_signed_cookie_and_stores_nothing(visitor):
    response = visitor.get("/track")
    header = response.headers["Set-Cookie"]
    assert header.startswith(f"{COOKIE}=a.") and "HttpOnly" in header
    assert "SameSite=Strict" in header and "Path=/" in header
    assert "Expires" not in header and "Max-Age" not in header  # a browser-session cookie
    assert rows() == 0
    value = cookie_of(visitor)
    token = csrf_from(visitor, "/track")
    assert cookie_of(visitor) == value  # the same value again, and no new cookie
    assert "Set-Cookie" not in visitor.get("/track").headers
    assert track_post(visitor, token).status_code == 404  # through CSRF: the code is unknown
    assert rows() == 0


def test_a_token_works_only_with_its_own_cookie(visitor, app):
    token = csrf_from(visitor, "/track")
    stranger = app.test_client()
    csrf_from(stranger, "/track")  # a cookie of its own
    assert track_post(stranger, token).status_code == 400
    assert track_post(app.test_client(), token).status_code == 400  # no cookie at all
    assert visitor.post("/track", data={"code": "ABCD-EFGH-JKLM"}).status_code == 400


def test_an_altered_or_foreign_cookie_opens_nothing(visitor, app):
    token = csrf_from(visitor, "/track")
    value = cookie_of(visitor)
    altered = value[:-3] + ("AAA" if not value.endswith("AAA") else "BBB")
    forger = app.test_client()
    forger.set_cookie(COOKIE, altered)
    assert track_post(forger, token).status_code == 400
    # Signed with another key (another deployment, or an old secret key): nothing.
    other = app.test_client()
    signed_elsewhere = session_cookies.PREFIX + session_cookies.URLSafeTimedSerializer(
        "another-key", salt=session_cookies.SALT).dumps({"d": {"csrf_token": "x" * 40},
                                                         "c": int(time.time())})
    other.set_cookie(COOKIE, signed_elsewhere)
    response = other.get("/")
    assert "Max-Age=0" in response.headers.get("Set-Cookie", "") or \
        "expires=Thu, 01 Jan 1970" in response.headers.get("Set-Cookie", "")


def test_it_expires_when_idle_and_at_its_absolute_lifetime(app):
    idle = app.config["CASEWORK_SESSION_IDLE_MINUTES"] * 60
    lifetime = app.config["PERMANENT_SESSION_LIFETIME"]
    now = time.time()
    value = session_cookies.encode(app, {"csrf_token": "c" * 40}, now)
    assert session_cookies.decode(app, value)[0] == {"csrf_token": "c" * 40}
    assert session_cookies.decode(app, value, now=now + idle + 5) is None
    old = session_cookies.encode(app, {"csrf_token": "c" * 40}, now - lifetime)
    assert session_cookies.decode(app, old) is None


def test_an_expired_cookie_is_replaced_and_its_tokens_refused(visitor, app):
    made = time.time() - app.config["PERMANENT_SESSION_LIFETIME"]
    visitor.set_cookie(COOKIE, session_cookies.encode(app, {"csrf_token": "d" * 40}, made))
    token = csrf_from(visitor, "/track")
    assert cookie_of(visitor).startswith("a.")
    assert session_cookies.decode(app, cookie_of(visitor))[0]["csrf_token"] != "d" * 40
    assert track_post(visitor, token).status_code == 404  # the new cookie and token agree


def test_it_carries_only_the_csrf_value(app):
    assert session_cookies.decode(app, session_cookies.encode(
        app, {"csrf_token": "e" * 40, "_user_id": "1:x"}, time.time())) is None
    assert session_cookies.fits({"csrf_token": "x"}, has_row=False, user_id=None)
    assert not session_cookies.fits({"csrf_token": "x", "track": {}}, has_row=False, user_id=None)
    assert not session_cookies.fits({"csrf_token": "x"}, has_row=True, user_id=None)


def test_anything_more_moves_the_session_into_a_row(client, demo):
    data = form_data(client, confirm_no_evidence="y")
    before = cookie_of(client)
    assert before.startswith("a.") and rows() == 0
    # A complaint sent: the receipt's key is more than a CSRF value.
    assert client.post("/complaints/new", data=data).status_code == 302
    after = cookie_of(client)
    assert not after.startswith("a.") and rows() == 1
    # The CSRF value moved with it: the page's token still works.
    assert track_post(client, data["csrf_token"]).status_code == 404
    assert client.get("/complaints/receipt").status_code == 200
