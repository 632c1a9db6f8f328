"""PostgreSQL losing the application's connections (pg_terminate_backend) and refusing new
ones on the run's own database: the next request reconnects (pool_pre_ping) or answers 503
with Retry-After in the visitor's language, and a form sent again once the database is back
is filed exactly once. Needs CASEWORK_TEST_DATABASE_URL (the plugin's throwaway database)."""

import io
import json
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from casework.extensions import db
from casework.intake.models import Complaint
from tests.plugin.data import NARRATIVE_T2020, csrf_from


@pytest.fixture
def postgres(app, election):
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if not url.drivername.startswith("postgresql"):
        pytest.skip("needs PostgreSQL: set CASEWORK_TEST_DATABASE_URL="
                    "postgresql+psycopg://postgres@127.0.0.1:5432/test")
    db.session.commit()
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    yield admin, url.database
    with admin.connect() as conn:
        conn.execute(text(f'ALTER DATABASE "{url.database}" ALLOW_CONNECTIONS true'))
    admin.dispose()


def kill_connections(admin, name: str) -> int:
    with admin.connect() as conn:
        return len(conn.execute(text(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = :name AND pid <> pg_backend_pid()"), {"name": name}).all())


@contextmanager
def database_down(admin, name: str):
    db.session.close()  # the test's own connection goes back to the pool (and is replaced)
    with admin.connect() as conn:
        conn.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false'))
    kill_connections(admin, name)
    try:
        yield
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true'))


def complaint_form(client, key: str) -> dict:
    return {"csrf_token": csrf_from(client, "/complaints/new"), "submission_key": key,
            "identity": "anonymous", "category": "vote_buying", "region": "KZ-KAR-BAL",
            "station": "", "narrative": NARRATIVE_T2020, "complainant_role": "voter",
            "confirm_no_evidence": "y"}


def api_complaint(client, key: str, lang: str = "en"):
    part = json.dumps({"category": "vote_buying", "region": "KZ-KAR-BAL", "anonymous": True,
                       "narrative": NARRATIVE_T2020})
    return client.post("/api/v1/complaints", data={"complaint": part, "evidence": [
        (io.BytesIO(b"%PDF-1.4\n%%EOF\n"), "act.pdf")]}, content_type="multipart/form-data",
        headers={"Idempotency-Key": key, "Accept-Language": lang})


def complaints() -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(Complaint))


def test_killed_connections_are_replaced_on_the_next_request(client, postgres):
    admin, name = postgres
    assert api_complaint(client, "one").status_code == 201
    assert kill_connections(admin, name) >= 1
    assert api_complaint(client, "two").status_code == 201  # pool_pre_ping reconnects
    assert complaints() == 2


def test_database_down_answers_503_and_the_form_sent_again_files_once(app, client, english,
                                                                       postgres, evidence_dir):
    admin, name = postgres
    form = complaint_form(client, "web-form-key-000000001")
    with database_down(admin, name):
        answer = client.post("/complaints/new", data=form)
        assert answer.status_code == 503 and answer.headers["Retry-After"] == "30"
        page = answer.get_data(as_text=True)
        assert "has NOT been stored" in page and "will not be filed twice" in page
        assert "has been lost" not in page
        # The form cannot be drawn without the database: what was typed is given back to
        # copy, without the form's machinery.
        assert "What you wrote" in page and NARRATIVE_T2020.split()[0] in page
        assert form["csrf_token"] not in page and form["submission_key"] not in page
        api = api_complaint(app.test_client(), "api-key-1", lang="kk")  # no language cookie
        assert api.status_code == 503 and api.headers["Retry-After"] == "30"
        assert api.mimetype == "application/problem+json"
        assert "сақталған жоқ" in api.get_json()["detail"]
        assert client.get("/healthz").status_code == 200
        ready = client.get("/readyz")
        assert ready.status_code == 503 and ready.headers["Cache-Control"] == "no-store"
        assert ready.get_json()["checks"]["database"]["ok"] is False
        assert client.get("/").status_code in (200, 503)  # never a bare 500
    assert client.post("/complaints/new", data=form).status_code == 302
    assert client.post("/complaints/new", data=form).status_code == 302  # the same form again
    assert api_complaint(client, "api-key-1").status_code == 201
    assert api_complaint(client, "api-key-1").status_code == 200  # replayed, not filed again
    assert complaints() == 2
    assert client.get("/readyz").status_code == 200


def test_a_signed_in_staff_member_gets_503_and_stays_signed_in(client, english, login,
                                                               make_user, postgres):
    admin, name = postgres
    user = make_user("admin")
    db.session.commit()
    assert login(client, user).status_code in (302, 303)
    assert client.get("/staff/dashboard").status_code == 200
    with database_down(admin, name):
        answer = client.get("/staff/dashboard")
        assert answer.status_code == 503 and answer.headers["Retry-After"] == "30"
        assert "Set-Cookie" not in answer.headers
    assert client.get("/staff/dashboard").status_code == 200  # still signed in
