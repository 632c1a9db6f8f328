"""/healthz (the process answers, no query) and /readyz (the parts, one by one), and the
administrators' view of the system on the dashboard."""

from sqlalchemy import event

from casework.extensions import db


def test_healthz_makes_no_query(client):
    statements = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        response = client.get("/healthz")
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert response.status_code == 200 and response.get_json() == {"status": "ok"}
    assert response.headers["Cache-Control"] == "no-store"
    assert statements == [], statements


def test_readyz_names_each_part(client, evidence_dir, election):
    response = client.get("/readyz")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    body = response.get_json()
    assert body["status"] == "ok"
    checks = body["checks"]
    assert checks["database"] == {"ok": True, "required": True}
    assert checks["evidence_storage"]["ok"] and checks["evidence_storage"]["free_bytes"] > 0
    assert "redis" not in checks  # not configured
    assert set(checks["mail"]) >= {"backlog", "oldest_pending", "worker_heartbeat"}
    assert "Retry-After" not in response.headers


def test_readyz_is_503_when_the_evidence_store_cannot_take_files(app, client, evidence_dir,
                                                                monkeypatch):
    monkeypatch.setitem(app.config, "CASEWORK_EVIDENCE_MIN_FREE_MB", 10**12)
    app.extensions.pop("casework_storage", None)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["checks"]["evidence_storage"]["ok"] is False


def test_the_dashboard_shows_the_system_to_administrators_only(client, english, login,
                                                                make_user, evidence_dir):
    admin, chair = make_user("admin", email="adm@test.kz"), make_user("chair", email="ch@test.kz")
    assert login(client, admin).status_code in (302, 303)
    page = client.get("/staff/dashboard").get_data(as_text=True)
    assert "Free space for evidence" in page and "Mail waiting to be sent" in page
    client.post("/logout", data={})
    other = client.application.test_client()
    other.set_cookie("casework_lang", "en")
    assert login(other, chair).status_code in (302, 303)
    assert "Free space for evidence" not in other.get("/staff/dashboard").get_data(as_text=True)
