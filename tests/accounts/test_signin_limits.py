"""The per-client sign-in limit (across accounts), seen through trusted proxies, with counters
that every worker shares."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from casework import create_app
from casework.core.audit import AuditEntry
from casework.core.ratelimit import limiter
from casework.extensions import db
from tests.plugin.app import TEST_CONFIG, IsolatedClient
from tests.plugin.data import CSRF_RE

ROOT = Path(__file__).resolve().parents[2]


# A password attempt within the budget goes on to the code step (303), right or wrong: the
# answer never says which factor failed. Beyond the budget: 429.
def attempt(client, email: str, headers: dict | None = None):
    html = client.get("/login", headers=headers or {}).get_data(as_text=True)
    token = CSRF_RE.search(html).group(1)
    return client.post("/login", data={"email": email, "password": "wrong password 123",
                                       "csrf_token": token}, headers=headers or {})


@pytest.fixture
def login_limit(app):
    """set(limit): the sign-in limit for this test."""
    before = app.config["CASEWORK_LIMIT_LOGIN"]

    def set_limit(value: str):
        app.config["CASEWORK_LIMIT_LOGIN"] = value

    yield set_limit
    app.config["CASEWORK_LIMIT_LOGIN"] = before


@pytest.mark.parametrize("lang, text", [
    ("en", "Too many sign-in attempts from your connection"),
    ("ru", "Слишком много попыток входа с вашего подключения"),
    ("kk", "Сіздің қосылымыңыздан кіру әрекеттері тым көп")])
def test_one_client_trying_many_accounts_is_stopped(client, make_user, login, login_limit,
                                                    lang, text):
    login_limit("3 per minute")
    user = make_user("reviewer")
    client.set_cookie("casework_lang", lang)
    for n in range(3):  # a different account each time: the per-account throttle never acts
        assert attempt(client, f"someone{n}@test.kz").status_code == 303
    refused = attempt(client, "someone9@test.kz")
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    html = refused.get_data(as_text=True)
    assert text in html and 'name="email"' in html  # the login page, with the message
    # Even the right password waits: the limit is on the client, before the password.
    assert login(client, user).status_code == 429
    # Another client has its own budget.
    other = client.application.test_client()
    other.environ_base["REMOTE_ADDR"] = "192.0.2.44"
    assert login(other, user).status_code == 302
    # Reading the login page is not an attempt.
    assert client.get("/login").status_code == 200


@pytest.fixture
def proxied_app(database_url):
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url,
                      "CASEWORK_TRUSTED_PROXIES": 1, "CASEWORK_LIMIT_LOGIN": "2 per minute"})
    app.test_client_class = IsolatedClient
    yield app
    with app.app_context():
        db.engine.dispose()


def test_behind_a_trusted_proxy_each_forwarded_client_has_its_own_budget(proxied_app):
    first, second = proxied_app.test_client(), proxied_app.test_client()
    via = {"X-Forwarded-For": "203.0.113.5", "X-Forwarded-Proto": "https"}
    other = {"X-Forwarded-For": "198.51.100.7"}
    assert [attempt(first, f"a{n}@test.kz", via).status_code for n in range(3)] == \
        [303, 303, 429]
    assert attempt(second, "b@test.kz", other).status_code == 303
    # The forwarded address is the client's: the audit trail records it.
    addresses = {e.details.get("remote_addr") for e in db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "login.failed"))}
    assert addresses == {"203.0.113.5", "198.51.100.7"}


def test_without_trusted_proxies_the_header_is_ignored(app, client, login_limit):
    login_limit("2 per minute")
    assert app.config["CASEWORK_TRUSTED_PROXIES"] == 0
    second = app.test_client()
    assert attempt(client, "a@test.kz", {"X-Forwarded-For": "203.0.113.5"}).status_code == 303
    assert attempt(client, "b@test.kz", {"X-Forwarded-For": "203.0.113.6"}).status_code == 303
    # A forged header is no new client: still the connection's one budget.
    assert attempt(second, "c@test.kz", {"X-Forwarded-For": "198.51.100.7"}).status_code == 429


WORKER = """
import json, sys
from casework import create_app
from tests.plugin.app import TEST_CONFIG, IsolatedClient
from tests.plugin.data import CSRF_RE, csrf_from
url, secret, limit, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": secret,
                  "CASEWORK_LIMIT_LOGIN": limit})
client = app.test_client()
codes = []
for n in range(count):
    token = csrf_from(client)
    codes.append(client.post("/login", data={"email": f"w{n}@test.kz", "password": "x" * 12,
                                            "csrf_token": token}).status_code)
print(json.dumps(codes))
"""


def test_two_app_instances_share_one_budget(app, client, login_limit, database_url):
    """A second process (another gunicorn worker) on the same database sees the same counts:
    with memory:// each would allow the whole budget. (SQLite: the file beside the database;
    PostgreSQL: its table.)"""
    assert limiter._storage.__class__.__name__ in ("LocalFileStorage", "DatabaseStorage")
    login_limit("3 per minute")
    assert attempt(client, "a@test.kz").status_code == 303
    assert attempt(client, "b@test.kz").status_code == 303
    db.session.commit()
    worker = subprocess.run(
        [sys.executable, "-c", WORKER, database_url, app.config["SECRET_KEY"], "3 per minute",
         "2"], cwd=ROOT, capture_output=True, text=True, timeout=120, check=True)
    assert json.loads(worker.stdout.strip().splitlines()[-1]) == [303, 429]
    assert attempt(client, "c@test.kz").status_code == 429  # and back here, spent


UNREACHABLE_REDIS = """
import json, sys
from casework import create_app
from tests.plugin.app import TEST_CONFIG
from tests.plugin.data import csrf_from
url, limit = sys.argv[1], sys.argv[2]
app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": url, "CASEWORK_LIMIT_LOGIN": limit,
                  "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:9/0"})
client = app.test_client()
codes = []
for n in range(3):
    token = csrf_from(client)
    codes.append(client.post("/login", data={"email": f"r{n}@test.kz", "password": "x" * 12,
                                            "csrf_token": token}).status_code)
print(json.dumps(codes))
"""


def test_with_redis_unreachable_limits_still_apply_and_nothing_fails(database_url, app):
    """Counters in Redis (CASEWORK_REDIS_URL) that cannot be reached: each process counts in
    its memory meanwhile; no attempt is answered with an error."""
    db.session.commit()
    worker = subprocess.run([sys.executable, "-c", UNREACHABLE_REDIS, database_url,
                             "2 per minute"], cwd=ROOT, capture_output=True, text=True,
                            timeout=120, check=True)
    assert json.loads(worker.stdout.strip().splitlines()[-1]) == [303, 303, 429]
