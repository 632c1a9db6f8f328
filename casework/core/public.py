"""Login is required everywhere except the endpoints listed here."""

from flask import Flask, jsonify, redirect, request, url_for
from flask_login import current_user

# The one allow-list of endpoints that anyone may open without logging in.
PUBLIC_ENDPOINTS: set[str] = {
    "static",
    "site.home",
    "site.set_language",
    "site.health",
    "site.readiness",
    "accounts.login",
    "passwords.reset",  # the link an administrator mails to set a new password
    "passkeys.signin_options",  # a passkey signs in without a password (no email needed)
    "passkeys.signin",
    "accounts.login_code",  # the second step: it serves only the state the password step left
    "accounts.enrol",
    "intake.new_complaint",
    "intake.receipt",
    "intake.track",
    "intake.tracked_case",
    "intake.tracked_reply",
    "intake.forget",
    "register.index",
    "register.entry",
    "register.feed",
    "register.json_index",
    "register.standings_index",
    "register.standings",
    "reports.statistics",
    "reports.statistics_json",
    "site.audit_transparency",  # signed checkpoints of the audit chain, and the public key
    "site.audit_transparency_json",
    "cti.event",  # the telephone system's events: its shared secret, no session
    "sms.kannel",  # Kannel's sms-service: checked by its shared secret (sms/views.py)
}
# The public JSON API (/api/v1/...) is public as a whole; its views check what they serve.
PUBLIC_BLUEPRINTS: set[str] = {"api"}


def _require_login():
    endpoint = request.endpoint
    if endpoint is None or endpoint in PUBLIC_ENDPOINTS or request.blueprint in PUBLIC_BLUEPRINTS:
        return None  # unknown URLs fall through to a plain 404
    if current_user.is_authenticated:
        return None
    if request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json":
        return jsonify(error="login_required"), 401
    return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))


def init_app(app: Flask) -> None:
    app.before_request(_require_login)
