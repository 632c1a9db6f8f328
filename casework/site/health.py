"""Health for the load balancer and the operators: /healthz says the process answers (no
query, so a database outage never takes every worker out of rotation at once); /readyz says
whether the parts a request needs are there, part by part, with 503 when a required one is
down. Both are public, never rate limited, never cached, and show no secret (no address,
no URL, no error text)."""

from datetime import datetime
from typing import Any

from flask import current_app, jsonify
from sqlalchemy import text

from casework.core.db import utcnow
from casework.evidence.storage import get_storage
from casework.extensions import db
from casework.notifications import health as mail_health
from casework.site.views import bp

REDIS_TIMEOUT = 0.5  # seconds


def _no_store(response, status: int = 200):
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/healthz")
def health():
    return _no_store(jsonify(status="ok"))


def _database() -> dict[str, Any]:
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:  # noqa: BLE001 - any failure means not ready
        db.session.rollback()
        return {"ok": False, "required": True}
    return {"ok": True, "required": True}


def _evidence() -> dict[str, Any]:
    storage = get_storage()
    try:
        ok, free = storage.ready(), storage.free_bytes()
    except Exception:  # noqa: BLE001
        return {"ok": False, "required": True}
    return {"ok": ok, "required": True, "free_bytes": free}


def _redis() -> dict[str, Any] | None:
    url = current_app.config.get("REDIS_URL")
    if not url:
        return None
    from redis import Redis

    try:
        client = Redis.from_url(url, socket_timeout=REDIS_TIMEOUT,
                                socket_connect_timeout=REDIS_TIMEOUT)
        ok = bool(client.ping())
        client.close()
    except Exception:  # noqa: BLE001
        ok = False
    # Not required: the rate limits count in memory meanwhile, mail waits in the outbox.
    return {"ok": ok, "required": False}


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() + "Z" if moment else None


def _mail(database_ok: bool) -> dict[str, Any]:
    if not database_ok:
        return {"ok": False, "required": False}
    oldest = mail_health.oldest_pending_mail()
    return {"ok": True, "required": False, "backlog": mail_health.mail_backlog(),
            "oldest_pending": _iso(oldest),
            "oldest_pending_seconds": int((utcnow() - oldest).total_seconds()) if oldest else 0,
            "worker_heartbeat": _iso(mail_health.worker_heartbeat())}


@bp.get("/readyz")
def readiness():
    checks: dict[str, Any] = {"database": _database(), "evidence_storage": _evidence()}
    redis = _redis()
    if redis is not None:
        checks["redis"] = redis
    checks["mail"] = _mail(checks["database"]["ok"])
    down = [name for name, check in checks.items() if check["required"] and not check["ok"]]
    degraded = [name for name, check in checks.items() if not check["ok"]]
    status = "down" if down else "degraded" if degraded else "ok"
    return _no_store(jsonify(status=status, checks=checks), 503 if down else 200)
