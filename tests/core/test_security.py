"""Security headers everywhere, cookies, login required by default, error pages."""

import pytest
from flask import abort

from casework import create_app
from casework.config import ConfigError, write_audit_signing_key, write_secret_key
from casework.core.crypto import write_keys_file
from casework.core.public import PUBLIC_BLUEPRINTS, PUBLIC_ENDPOINTS
from tests.plugin.app import TEST_CONFIG
from tests.plugin.data import csrf_from

HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}


def dispose(app) -> None:
    """Close the pooled connections of an extra app (PostgreSQL warns about leaked ones)."""
    from casework.extensions import db

    with app.app_context():
        db.engine.dispose()


def assert_safe_headers(response):
    for name, value in HEADERS.items():
        assert response.headers.get(name) == value, name
    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp
    assert "unsafe-inline" not in csp


@pytest.fixture(scope="module")
def error_app(database_url):
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url,
                      "MAX_CONTENT_LENGTH": 1000, "PROPAGATE_EXCEPTIONS": False})

    @app.route("/boom")
    def boom():
        raise RuntimeError("a bug")

    @app.route("/forbidden")
    def forbidden():
        abort(403)

    @app.post("/upload")
    def upload():
        from flask import request

        return str(len(request.get_data()))

    from casework.core.public import PUBLIC_ENDPOINTS as public
    public.update({"boom", "forbidden", "upload"})
    yield app
    public.difference_update({"boom", "forbidden", "upload"})
    dispose(app)


@pytest.mark.parametrize("path, code", [("/", 200), ("/login", 200), ("/nope", 404),
                                        ("/static/css/casework.css", 200)])
def test_headers_on_pages_and_errors(client, path, code):
    with client.get(path) as response:
        assert response.status_code == code
        assert_safe_headers(response)


@pytest.mark.parametrize("lang, text", [("kk", "табылмады"), ("ru", "не найдена"),
                                        ("en", "Page not found")])
def test_friendly_404_in_each_language(client, lang, text):
    html = client.get("/nope", headers={"Accept-Language": lang}).get_data(as_text=True)
    assert text in html and f'lang="{lang}"' in html


def test_500_403_413_are_friendly_and_safe(error_app):
    client = error_app.test_client()
    boom = client.get("/boom", headers={"Accept-Language": "ru"})
    assert boom.status_code == 500
    assert "a bug" not in boom.get_data(as_text=True)
    assert "Что-то пошло не так" in boom.get_data(as_text=True)
    assert_safe_headers(boom)
    forbidden = client.get("/forbidden", headers={"Accept-Language": "en"})
    assert forbidden.status_code == 403 and "Access denied" in forbidden.get_data(as_text=True)
    assert_safe_headers(forbidden)
    big = client.post("/upload", data=b"x" * 5000, headers={"Accept-Language": "kk",
                                                           "Content-Type": "text/plain"})
    assert big.status_code == 413
    assert_safe_headers(big)
    api = client.get("/boom", headers={"Accept": "application/json"})
    assert api.status_code == 500 and api.get_json()["error"] == 500


def test_session_cookie_flags(client, make_user, login):
    make_user("reviewer")
    response = login(client, "reviewer@test.kz")
    cookie = response.headers["Set-Cookie"]
    # Plain HTTP (`make run`): no Secure, so the browser keeps it; Strict all the same.
    assert cookie.startswith("casework_session=")
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Secure" not in cookie
    assert "Strict-Transport-Security" not in response.headers


@pytest.mark.parametrize("env", [{"CASEWORK_SECURE_COOKIES": "1"},
                                 {"CASEWORK_PUBLIC_URL": "https://casework.example.kz"}])
def test_secure_cookies_behind_https(database_url, monkeypatch, env):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url})
    response = app.test_client().get("/login")
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("__Host-casework_session=")
    assert "; Secure" in cookie and "HttpOnly" in cookie and "SameSite=Strict" in cookie
    assert "Path=/" in cookie and "Domain" not in cookie
    assert "max-age" in response.headers["Strict-Transport-Security"]
    dispose(app)


def test_every_other_endpoint_requires_login(app, client):
    """Login is required by default: walk the whole URL map as an anonymous visitor."""
    checked = 0
    for rule in app.url_map.iter_rules():
        if rule.endpoint in PUBLIC_ENDPOINTS or rule.endpoint.split(".")[0] in PUBLIC_BLUEPRINTS:
            continue
        url = rule.rule
        for arg in rule.arguments:
            url = url.replace(f"<int:{arg}>", "1").replace(f"<{arg}>", "x")
            url = url.replace(f"<any(disable, enable):{arg}>", "disable")
        method = "GET" if "GET" in rule.methods else "POST"
        response = client.open(url, method=method)
        assert response.status_code in (302, 401), (rule.rule, response.status_code)
        if response.status_code == 302:
            assert response.headers["Location"].startswith("/login")
        checked += 1
    assert checked >= 6


def test_production_refuses_to_start_without_a_secret_key(monkeypatch, tmp_path):
    monkeypatch.setenv("CASEWORK_ENV", "production")
    monkeypatch.delenv("CASEWORK_SECRET_KEY", raising=False)
    monkeypatch.setenv("CASEWORK_SECRET_KEY_FILE", str(tmp_path / "missing"))
    monkeypatch.setenv("CASEWORK_DATABASE_URL", "sqlite:///" + str(tmp_path / "x.db"))
    with pytest.raises(ConfigError, match="secret key"):
        create_app()
    (tmp_path / "key").write_text("k" * 64)
    monkeypatch.setenv("CASEWORK_SECRET_KEY_FILE", str(tmp_path / "key"))
    monkeypatch.setenv("CASEWORK_AUDIT_KEY_FILE", str(tmp_path / "audit_key"))
    monkeypatch.setenv("CASEWORK_AUDIT_SIGNING_KEY_FILE", str(tmp_path / "audit_signing_key"))
    with pytest.raises(ConfigError, match="audit keys"):
        create_app()
    assert write_secret_key(str(tmp_path / "audit_key"))
    assert write_audit_signing_key(str(tmp_path / "audit_signing_key"))
    assert not write_audit_signing_key(str(tmp_path / "audit_signing_key"))  # never replaced
    assert (tmp_path / "audit_signing_key").stat().st_mode & 0o777 == 0o600
    monkeypatch.setenv("CASEWORK_DATA_KEYS", str(tmp_path / "data_keys"))
    with pytest.raises(ConfigError, match="data keys"):
        create_app()
    assert write_keys_file(tmp_path / "data_keys")
    app = create_app()
    assert app.config["SECRET_KEY"] == "k" * 64
    assert app.config["CASEWORK_AUDIT_KEY"] == (tmp_path / "audit_key").read_text().strip()
    assert "PRIVATE KEY" in app.config["CASEWORK_AUDIT_SIGNING_KEY"]


def test_env_file_and_variables_are_read(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("CASEWORK_HOTLINE_PHONE=1414\nCASEWORK_LOGIN_MAX_FAILURES=3\n")
    monkeypatch.setenv("CASEWORK_ENV", "development")
    monkeypatch.setenv("CASEWORK_LOGIN_MAX_FAILURES", "7")  # the real environment wins
    monkeypatch.setenv("CASEWORK_DATABASE_URL", "sqlite:///" + str(tmp_path / "x.db"))
    try:
        app = create_app()
        assert app.config["CASEWORK_HOTLINE_PHONE"] == "1414"
        assert app.config["CASEWORK_LOGIN_MAX_FAILURES"] == 7
        assert app.config["SQLALCHEMY_DATABASE_URI"].endswith("x.db")
    finally:
        import os
        os.environ.pop("CASEWORK_HOTLINE_PHONE", None)


def test_bad_settings_are_refused(monkeypatch):
    monkeypatch.setenv("CASEWORK_ENV", "staging")
    with pytest.raises(ConfigError, match="CASEWORK_ENV"):
        create_app()
    monkeypatch.setenv("CASEWORK_ENV", "development")
    monkeypatch.setenv("CASEWORK_LOGIN_MAX_FAILURES", "many")
    with pytest.raises(ConfigError, match="integer"):
        create_app()


def test_health_is_public(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}


def test_csrf_token_present_in_staff_language_forms(client, make_user, login):
    login(client, make_user("reviewer"))
    assert csrf_from(client, "/staff")


@pytest.mark.parametrize("path", ["/complaints/new", "/track", "/login"])
def test_a_nul_character_in_a_form_is_a_clear_400(client, election, path):
    client.set_cookie("casework_lang", "en")
    token = csrf_from(client, path)
    response = client.post(path, data={"narrative": "bad\x00text", "code": "A\x00",
                                       "email": "a\x00@b.kz", "csrf_token": token})
    assert response.status_code == 400
    assert "not allowed" in response.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/decisions?from=0001-01-01", "/decisions.json?to=9999-12-31"])
def test_a_date_too_far_to_convert_is_a_clear_400(client, election, path):
    client.set_cookie("casework_lang", "en")
    response = client.get(path)
    assert response.status_code == 400
    assert "out of the range" in response.get_data(as_text=True)
