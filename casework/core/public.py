"""Login is required everywhere except the endpoints listed here."""

from flask import Flask, jsonify, redirect, request, url_for
from flask_login import current_user

# The one allow-list of endpoints that anyone may open without logging in.
PUBLIC_ENDPOINTS: set[str] = {
    "static",
    "core.home",
    "core.set_language",
    "core.health",
    "accounts.login",
}


def _require_login():
    endpoint = request.endpoint
    if endpoint is None or endpoint in PUBLIC_ENDPOINTS:
        return None  # unknown URLs fall through to a plain 404
    if current_user.is_authenticated:
        return None
    if request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json":
        return jsonify(error="login_required"), 401
    return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))


def init_app(app: Flask) -> None:
    app.before_request(_require_login)
