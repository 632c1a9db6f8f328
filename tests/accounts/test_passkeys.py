"""Passkeys over HTTP, with a software authenticator (tests/plugin/softkey.py): registration
needs login, a fresh proof and CSRF; names, renaming and removal are one's own; sign-in and
confirmation verify the assertion once per challenge, refuse a counter that went back, share
the login throttle and never say what failed. (The same flows in real Chromium with its
virtual authenticator: tests/browser/test_passkeys.py.)"""

import json

import pytest
from sqlalchemy import func, select

from casework.accounts import stepup
from casework.accounts.models import LoginFailure
from casework.accounts.passkey_models import Passkey
from casework.core.audit import AuditEntry
from casework.extensions import db
from tests.plugin.data import csrf_from
from tests.plugin.softkey import SoftKey

GENERIC = "The sign-in did not succeed. Try again, or sign in with your password."


@pytest.fixture(autouse=True)
def english(client):
    client.set_cookie("casework_lang", "en")


@pytest.fixture
def reviewer(make_user):
    return make_user("reviewer", regions=["KZ-KAR"])


def post_json(client, url, body=None, token=None):
    headers = {"Accept": "application/json"}
    if token is not None:
        headers["X-CSRFToken"] = token
    return client.post(url, data=json.dumps(body or {}), content_type="application/json",
                       headers=headers)


def actions() -> list[str]:
    return list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


def register(client, key: SoftKey, name: str):
    token = csrf_from(client, "/account")
    options = post_json(client, "/account/passkeys/options", token=token)
    assert options.status_code == 200, options.get_data(as_text=True)
    return post_json(client, "/account/passkeys",
                     {"name": name, "credential": key.create(options.get_json())}, token)


def sign_in(client, key: SoftKey, next_url="", **kwargs):
    token = csrf_from(client, "/login")
    options = post_json(client, "/login/passkey/options", token=token)
    assert options.status_code == 200
    data = options.get_json()
    assert data["allowCredentials"] == [] and data["userVerification"] == "required"
    return post_json(client, "/login/passkey",
                     {"credential": key.get(data, **kwargs), "next": next_url}, token), data


@pytest.fixture
def registered(client, login, reviewer):
    """The reviewer, signed in, with one passkey "Laptop"; then signed out."""
    login(client, reviewer)
    key = SoftKey()
    assert register(client, key, "Laptop").status_code == 200
    client.post("/logout", data={"csrf_token": csrf_from(client, "/account")})
    return key


# -- registration, renaming, removal -----------------------------------------------------------

def test_options_need_login_except_for_sign_in(client):
    for url in ("/account/passkeys/options", "/account/confirm/passkey/options"):
        assert post_json(client, url, token=csrf_from(client)).status_code == 401
    assert post_json(client, "/login/passkey/options", token=csrf_from(client)).status_code == 200


def test_every_post_needs_the_csrf_token(client, login, reviewer, registered):
    login(client, reviewer)
    passkey = db.session.scalar(select(Passkey))
    for url in ("/account/passkeys/options", "/account/passkeys", "/login/passkey/options",
                "/account/confirm/passkey/options", "/account/confirm/passkey"):
        assert post_json(client, url).status_code == 400, url
    for action in ("rename", "remove"):
        assert client.post(f"/account/passkeys/{passkey.id}/{action}",
                           data={"name": "x"}).status_code == 400
    assert db.session.scalar(select(Passkey.name)) == "Laptop"


def test_register_two_named_passkeys_rename_and_remove(client, login, reviewer):
    login(client, reviewer)
    laptop, phone = SoftKey(), SoftKey()
    answer = register(client, laptop, "  Laptop ")
    assert answer.status_code == 200 and answer.get_json() == {"redirect": "/account"}
    assert register(client, phone, "Phone").status_code == 200
    rows = list(db.session.scalars(select(Passkey).order_by(Passkey.id)))
    assert [(p.name, p.user_id, p.credential_id, p.transports) for p in rows] == [
        ("Laptop", reviewer.id, laptop.id, "internal"), ("Phone", reviewer.id, phone.id, "internal")]
    assert rows[0].user_handle == rows[1].user_handle  # one handle per account, random
    assert laptop.user_handle == phone.user_handle != str(reviewer.id).encode()
    page = client.get("/account").get_data(as_text=True)
    assert "Laptop" in page and "Phone" in page and 'data-passkey="register"' in page
    # the second registration excluded the first passkey (one per authenticator)
    token = csrf_from(client, "/account")
    options = post_json(client, "/account/passkeys/options", token=token).get_json()
    assert {d["id"] for d in options["excludeCredentials"]} == {laptop.id, phone.id}
    assert options["authenticatorSelection"]["userVerification"] == "required"
    assert options["authenticatorSelection"]["residentKey"] == "required"

    assert client.post(f"/account/passkeys/{rows[1].id}/rename",
                       data={"name": "Work phone", "csrf_token": token}).status_code == 302
    assert client.post(f"/account/passkeys/{rows[0].id}/remove",
                       data={"csrf_token": token}).status_code == 302
    assert list(db.session.execute(select(Passkey.name)).scalars()) == ["Work phone"]
    assert [a for a in actions() if a.startswith("passkey.")] == [
        "passkey.registered", "passkey.registered", "passkey.renamed", "passkey.removed"]


def test_registration_is_verified_named_and_single_use(client, login, reviewer):
    login(client, reviewer)
    token = csrf_from(client, "/account")
    key = SoftKey()
    # without a name: refused, nothing kept
    options = post_json(client, "/account/passkeys/options", token=token).get_json()
    refused = post_json(client, "/account/passkeys", {"name": " ", "credential": key.create(options)},
                        token)
    assert refused.status_code == 422 and "name" in refused.get_json()["error"]
    # the challenge was used up by that attempt: the same attestation again is refused
    again = post_json(client, "/account/passkeys", {"name": "Laptop",
                                                    "credential": key.create(options)}, token)
    assert again.status_code == 422 and "expired" in again.get_json()["error"]
    # without user verification: refused
    options = post_json(client, "/account/passkeys/options", token=token).get_json()
    key.verified = False
    unverified = post_json(client, "/account/passkeys",
                           {"name": "Laptop", "credential": key.create(options)}, token)
    assert unverified.status_code == 422
    # for another origin (a phishing site): refused
    key.verified, key.origin = True, "http://evil.example"
    options = post_json(client, "/account/passkeys/options", token=token).get_json()
    assert post_json(client, "/account/passkeys", {"name": "Laptop",
                                                   "credential": key.create(options)},
                     token).status_code == 422
    assert db.session.scalar(select(func.count()).select_from(Passkey)) == 0


def test_adding_a_passkey_needs_a_fresh_proof(app, client, login, reviewer):
    login(client, reviewer)
    token = csrf_from(client, "/account")
    app.config["CASEWORK_STEP_UP_SECONDS"] = 0
    try:
        with client.session_transaction() as session:
            session[stepup.PROOF_KEY] -= 10
        answer = post_json(client, "/account/passkeys/options", token=token)
    finally:
        app.config["CASEWORK_STEP_UP_SECONDS"] = 300
    assert answer.status_code == 403 and answer.get_json()["code"] == "step_up"


def test_someone_elses_passkey_is_not_found(client, login, make_user, registered):
    other = make_user("reviewer", email="other@test.kz")
    login(client, other)
    passkey = db.session.scalar(select(Passkey))
    token = csrf_from(client, "/account")
    for action in ("rename", "remove"):
        assert client.post(f"/account/passkeys/{passkey.id}/{action}",
                           data={"name": "mine", "csrf_token": token}).status_code == 404
    assert "Laptop" not in client.get("/account").get_data(as_text=True)
    assert db.session.scalar(select(Passkey.name)) == "Laptop"


# -- sign-in -----------------------------------------------------------------------------------

def test_a_passkey_signs_in_without_a_password(client, reviewer, registered):
    answer, _options = sign_in(client, registered, next_url="/account")
    assert answer.status_code == 200 and answer.get_json() == {"redirect": "/account"}
    assert client.get("/account").status_code == 200
    with client.session_transaction() as session:
        assert isinstance(session.get(stepup.PROOF_KEY), int)  # both factors proven
    passkey = db.session.scalar(select(Passkey))
    assert passkey.sign_count == 1 and passkey.last_used_at is not None
    assert actions()[-2:] == ["passkey.used", "user.login"]  # signed in through complete_sign_in


def test_an_outside_next_is_not_followed(client, registered):
    answer, _options = sign_in(client, registered, next_url="https://evil.example/")
    assert answer.get_json()["redirect"] != "https://evil.example/"


def test_a_replayed_assertion_is_refused(client, registered):
    token = csrf_from(client, "/login")
    options = post_json(client, "/login/passkey/options", token=token).get_json()
    assertion = registered.get(options)
    first = post_json(client, "/login/passkey", {"credential": assertion}, token)
    assert first.status_code == 200
    client.post("/logout", data={"csrf_token": csrf_from(client, "/account")})
    token = csrf_from(client, "/login")
    # the same answer to the used challenge: no pending challenge any more
    assert post_json(client, "/login/passkey", {"credential": assertion}, token).status_code == 401
    # nor to a new challenge (the signature covers the old one)
    post_json(client, "/login/passkey/options", token=token)
    replay = post_json(client, "/login/passkey", {"credential": assertion}, token)
    assert replay.status_code == 401 and replay.get_json()["error"] == GENERIC
    assert client.get("/account", headers={"Accept": "text/html"}).status_code == 302


def test_a_counter_that_went_back_is_refused_and_audited(client, registered):
    assert sign_in(client, registered, count=7)[0].status_code == 200
    client.post("/logout", data={"csrf_token": csrf_from(client, "/account")})
    answer, _options = sign_in(client, registered, count=3)  # a cloned authenticator
    assert answer.status_code == 401 and answer.get_json()["error"] == GENERIC
    assert "passkey.sign_count_regressed" in actions()
    assert db.session.scalar(select(Passkey.sign_count)) == 7


def test_failures_share_the_login_throttle(app, client, reviewer, registered):
    registered.verified = False  # no PIN or biometric: never accepted
    for _ in range(app.config["CASEWORK_LOGIN_MAX_FAILURES"]):
        answer, _options = sign_in(client, registered)
        assert answer.status_code == 401 and answer.get_json()["error"] == GENERIC
    assert db.session.scalar(select(func.count()).select_from(LoginFailure).where(
        LoginFailure.account == reviewer.email)) == app.config["CASEWORK_LOGIN_MAX_FAILURES"]
    registered.verified = True  # even a good assertion now waits
    answer, _options = sign_in(client, registered)
    assert answer.status_code == 429
    # and so does the password
    token = csrf_from(client)
    assert client.post("/login", data={"email": reviewer.email, "password": "x" * 12,
                                       "csrf_token": token}).status_code == 429


def test_an_unknown_or_removed_passkey_and_a_disabled_account_are_refused(client, reviewer,
                                                                          registered):
    answer, _options = sign_in(client, SoftKey())
    assert answer.status_code == 401 and answer.get_json()["error"] == GENERIC
    reviewer.disabled_at = reviewer.created_at
    db.session.commit()
    answer, _options = sign_in(client, registered)
    assert answer.status_code == 401 and answer.get_json()["error"] == GENERIC


# -- the proof for step-up ---------------------------------------------------------------------

def test_a_passkey_confirms_the_signed_in_user(client, login, reviewer, registered, make_user):
    login(client, reviewer)
    with client.session_transaction() as session:
        session.pop(stepup.PROOF_KEY, None)
    token = csrf_from(client, "/account")
    options = post_json(client, "/account/confirm/passkey/options", token=token).get_json()
    assert [d["id"] for d in options["allowCredentials"]] == [registered.id]
    answer = post_json(client, "/account/confirm/passkey",
                       {"credential": registered.get(options), "next": "/cases?x=1"}, token)
    assert answer.status_code == 200 and answer.get_json() == {"redirect": "/cases?x=1"}
    with client.session_transaction() as session:
        assert isinstance(session.get(stepup.PROOF_KEY), int)
    # another user's passkey does not confirm me
    other = make_user("reviewer", email="other@test.kz")
    client.post("/logout", data={"csrf_token": token})
    login(client, other)
    token = csrf_from(client, "/account")
    assert post_json(client, "/account/confirm/passkey/options", token=token).status_code == 409
    answer = post_json(client, "/account/confirm/passkey",
                       {"credential": registered.get(options)}, token)
    assert answer.status_code == 401


@pytest.mark.parametrize(("lang", "words"), [("kk", "Кіру кілтімен кіру"),
                                             ("ru", "Войти с ключом доступа"),
                                             ("en", "Sign in with a passkey")])
def test_the_passkey_words_in_three_languages(client, login, reviewer, lang, words):
    client.set_cookie("casework_lang", lang)
    page = client.get("/login").get_data(as_text=True)
    assert words in page and 'src="/static/js/passkeys.js"' in page and "<script>" not in page
    login(client, reviewer)
    account = client.get("/account").get_data(as_text=True)
    assert {"kk": "Кіру кілтін қосу", "ru": "Добавить ключ доступа",
            "en": "Add a passkey"}[lang] in account
