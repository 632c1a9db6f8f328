"""What logs, tables, files and caches keep: no tracking code in any log line (a 500's path and
traceback included), no statement parameters in errors, the SQLite file for its owner
only, a trace of every refusal a signed-in user meets, and no-store on personal pages."""

import logging
import os
import stat

import pytest
from sqlalchemy import select, text

from casework import create_app
from casework.core import redaction
from casework.core.denials import AccessDenial
from casework.extensions import db
from casework.intake import services as intake_services
from casework.intake import tracking
from tests.plugin.app import TEST_CONFIG

CODE = tracking.derive_code("tests", "a complaint")
GROUPED = tracking.grouped(CODE)


@pytest.fixture(scope="module")
def quiet_app(database_url):
    """An app as in production: a fault is a 500 page, logged, not raised into the test."""
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url,
                      "PROPAGATE_EXCEPTIONS": False, "TESTING": False})
    yield app
    with app.app_context():
        db.engine.dispose()


def assert_no_code(text_: str) -> None:
    for shown in (CODE, GROUPED, CODE.lower()):
        assert shown not in text_


@pytest.mark.parametrize("shown", [CODE, GROUPED, CODE.lower()])
def test_a_500_on_the_tracking_api_logs_no_code(quiet_app, caplog, monkeypatch, shown):
    def broken(code):
        raise RuntimeError(f"lookup of {code} failed")

    monkeypatch.setattr(intake_services, "find_by_tracking_code", broken)
    with caplog.at_level(logging.INFO):
        response = quiet_app.test_client().get(f"/api/v1/track/{shown}")
    assert response.status_code == 500
    assert "Exception on /api/v1/track/[redacted] [GET]" in caplog.text
    assert "RuntimeError: lookup of [redacted] failed" in caplog.text  # the traceback too
    assert_no_code(caplog.text)
    assert_no_code(logging.Formatter().format(caplog.records[-1]))


def test_werkzeug_and_gunicorn_style_lines_are_masked(caplog):
    with caplog.at_level(logging.INFO):
        logging.getLogger("werkzeug").info('127.0.0.1 - - "%s %s HTTP/1.1" %s', "GET",
                                           f"/track/{GROUPED}", 200)
        logging.getLogger("gunicorn.access").info("%(r)s %(s)s",
                                                  {"r": f"GET /track/case?code={CODE}", "s": 200})
        logging.getLogger("casework").warning("reset via /password/reset/s3cr3t-t0ken")
    assert_no_code(caplog.text)
    assert "s3cr3t" not in caplog.text
    assert "/track/case?code=[redacted]" in caplog.text


def test_the_filter_masks_a_record_of_its_own():
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "code %s", (CODE,), None)
    assert redaction.TrackingCodeFilter().filter(record)
    assert record.getMessage() == "code [redacted]"


def test_hashes_references_and_words_are_left_alone():
    line = ("GET /cases/T2020-KAR-00042 sha e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
            " /track/case /track/forget")
    assert redaction.mask(line) == line


def test_statement_parameters_are_hidden(app):
    assert db.engine.hide_parameters
    secret = "Aliya Nurova +77011234567"
    with pytest.raises(Exception) as error:
        db.session.execute(text("INSERT INTO no_such_table VALUES (:v)"), {"v": secret})
    db.session.rollback()
    assert secret not in str(error.value)


def test_sqlite_file_is_private(tmp_path, monkeypatch):
    monkeypatch.setenv("CASEWORK_INSTANCE_PATH", str(tmp_path / "instance"))
    old = os.umask(0o022)
    try:
        path = tmp_path / "data" / "casework.db"
        app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"})
        with app.app_context():
            db.session.execute(text("CREATE TABLE t (x INTEGER)"))
            db.session.commit()
            db.engine.dispose()
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    for extra in (path.with_name("casework.db-wal"), path.with_name("casework.db-shm")):
        if extra.exists():
            assert stat.S_IMODE(extra.stat().st_mode) & 0o077 == 0, extra


def test_instance_folder_is_created_for_its_owner_only(tmp_path, monkeypatch):
    monkeypatch.setenv("CASEWORK_INSTANCE_PATH", str(tmp_path / "fresh"))
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert stat.S_IMODE(os.stat(app.instance_path).st_mode) == 0o700


# -- refusals kept --------------------------------------------------------------------------

def denials() -> list[AccessDenial]:
    db.session.expire_all()
    return list(db.session.scalars(select(AccessDenial).order_by(AccessDenial.id)))


def test_a_case_outside_the_scope_is_kept(client, login, make_case, outsider, english):
    case = make_case()  # Balkhash; the outsider sees Almaty only
    login(client, outsider)
    assert client.get(f"/cases/{case.reference}").status_code == 404
    [denial] = denials()
    assert (denial.user_id, denial.status, denial.method) == (outsider.id, 404, "GET")
    assert denial.path == f"/cases/{case.reference}"
    assert denial.object_ref == f"reference={case.reference}"
    assert denial.endpoint == "cases.case_page" and denial.at is not None


def test_a_desk_refused_is_kept(client, login, make_user, english):
    operator = make_user("operator")
    login(client, operator)
    assert client.get("/staff/exports/").status_code == 403
    [denial] = denials()
    assert (denial.user_id, denial.status, denial.path) == (operator.id, 403, "/staff/exports/")


def test_anonymous_404s_and_unknown_pages_are_not_kept(client, login, make_user, english):
    assert client.get(f"/api/v1/track/{CODE}").status_code == 404
    assert client.get("/no/such/page").status_code == 404
    login(client, make_user("reviewer"))
    assert client.get("/no/such/page").status_code == 404  # no object named
    assert denials() == []


# -- caches ---------------------------------------------------------------------------------

def test_personal_pages_are_no_store_and_static_files_are_not(client, login, make_user,
                                                                english):
    assert client.get("/track").headers["Cache-Control"] == "no-store"
    assert client.get(f"/api/v1/track/{CODE}").headers["Cache-Control"] == "no-store"
    login(client, make_user("secretary"))
    for path in ("/account", "/staff", "/cases/"):
        response = client.get(path)
        assert response.headers["Cache-Control"] == "no-store", path
    asset = next(name for name in os.listdir("static/css") if name.endswith(".css"))
    response = client.get(f"/static/css/{asset}")
    response.close()
    assert response.status_code == 200
    assert "no-store" not in response.headers.get("Cache-Control", "")
