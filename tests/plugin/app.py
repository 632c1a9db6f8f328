"""The app on SQLite or, with CASEWORK_TEST_DATABASE_URL, on a fresh PostgreSQL database;
each test in an app context on empty tables; a client, in English if asked, and a login."""

import atexit
import os
import secrets
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
from flask.testing import FlaskClient
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from casework import create_app
from casework.accounts.models import User
from casework.core.audit_guard import ensure_audit_guard, sqlite_trigger_names
from casework.core.crypto import write_keys_file
from casework.extensions import db
from tests import factories
from tests.plugin.data import csrf_from
from tests.plugin.second_factor import totp_code

PG_URL = os.environ.get("CASEWORK_TEST_DATABASE_URL")

# The data keys of this run, in a file as in production, so servers and workers started by
# the tests read what the test app wrote.
DATA_KEYS_FILE = Path(tempfile.mkdtemp(prefix="casework-keys-")) / "data_keys"
write_keys_file(DATA_KEYS_FILE)
atexit.register(shutil.rmtree, DATA_KEYS_FILE.parent, True)

TEST_CONFIG = {
    "CASEWORK_ENV": "testing",
    "CASEWORK_DATA_KEYS": str(DATA_KEYS_FILE),
    "SECRET_KEY": "tests-only-" + secrets.token_hex(8),
    # The audit chain's keys live in files in production; here in the settings, made per run.
    "CASEWORK_AUDIT_KEY": "tests-only-" + secrets.token_hex(16),
    "CASEWORK_AUDIT_SIGNING_KEY": Ed25519PrivateKey.generate().private_bytes(
        Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()).decode("ascii"),
    "CASEWORK_ARGON2_TIME_COST": 1,
    "CASEWORK_ARGON2_MEMORY_KIB": 1024,
    "MAIL_SUPPRESS_SEND": True,
    "SERVER_NAME": None,
    "CASEWORK_PUBLIC_EMAIL": "complaints@example.kz",  # unset in production by default
}


def create_pg_database(base_url: str) -> str:
    """A database of its own for this run, so runs never see each other's rows."""
    url = make_url(base_url)
    if url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
    name = f"casework_test_{secrets.token_hex(4)}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


def drop_pg_database(url: str) -> None:
    target = make_url(url)
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    if PG_URL:
        url = create_pg_database(PG_URL)
        yield url
        drop_pg_database(url)
    else:
        yield "sqlite:///" + str(tmp_path_factory.mktemp("db") / "casework.db")


class IsolatedClient(FlaskClient):
    """Each request gets its own app context (own g and db session), as in production,
    even though the test itself runs inside one."""

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture(scope="session")
def app(database_url, tmp_path_factory):
    application = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url})
    application.test_client_class = IsolatedClient
    with application.app_context():
        db.create_all()
    yield application
    with application.app_context():
        db.engine.dispose()


@contextmanager
def audit_guard_lifted():
    """Inside: this transaction may change and remove audit rows, as the tables' owner could
    (tests that play the attacker, and the wipe between tests; the application never does).
    PostgreSQL: triggers off for this transaction only (session_replication_role, superuser).
    SQLite: the triggers dropped, and created again on the way out. The caller commits."""
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("SET LOCAL session_replication_role = replica"))
        yield
        return
    for name in sqlite_trigger_names():
        db.session.execute(text(f"DROP TRIGGER IF EXISTS {name}"))
    try:
        yield
    finally:
        ensure_audit_guard(db.session.connection())


def _wipe() -> None:
    with audit_guard_lifted():
        if db.engine.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
            db.session.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            # Candidates and sanctions point at each other: check the keys once all are gone.
            db.session.execute(text("PRAGMA defer_foreign_keys = ON"))
            for table in reversed(db.metadata.sorted_tables):
                db.session.execute(table.delete())
    db.session.commit()


@pytest.fixture(autouse=True)
def app_ctx(app):
    """Each test runs in an app context and starts from empty tables."""
    with app.app_context():
        yield app
        db.session.rollback()
        _wipe()
        db.session.remove()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def english(client):
    """The client's pages in English, so the checks hold once the catalogs are translated.
    A package asks for it in every test with an autouse fixture in its conftest."""
    client.set_cookie("casework_lang", "en")


@pytest.fixture
def login():
    """login(client, user or email, password=PASSWORD, next_url="", code=None): the login
    form posted, then the code step with `code` or the code the account's authenticator app
    shows now (tests/plugin/second_factor.py). Returns the last response: a redirect to where
    the user lands, 401 (wrong password or code), 429 (throttled), or the enrolment page's
    redirect for an account without a second factor."""
    def do_login(client, user_or_email, password=factories.PASSWORD, next_url="", code=None):
        email = getattr(user_or_email, "email", user_or_email)
        token = csrf_from(client)
        first = client.post("/login", data={"email": email, "password": password,
                                             "csrf_token": token, "next": next_url})
        if first.status_code != 303 or not first.location.endswith("/login/code"):
            return first
        if code is None:
            has_factor = db.session.execute(select(User.totp_secret).where(
                User.email == email)).scalar_one_or_none()
            code = totp_code(email) if has_factor else "000000"
        return client.post("/login/code", data={"code": code,
                                                 "csrf_token": csrf_from(client, "/login/code")})

    return do_login
