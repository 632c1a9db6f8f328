"""Security headers on every response, error pages included."""

from flask import Flask, Response, request

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def _add_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    # Tracking codes may appear in URLs: never leak them to other sites.
    headers.setdefault("Referrer-Policy", "no-referrer")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    headers.setdefault("Cross-Origin-Resource-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    # Personal data (staff pages, tracking pages and JSON, API case documents, exports,
    # account pages) must stay out of every cache: no-store unless the view chose its own
    # caching (the public register, statistics, the current election) or it is a static file.
    if request.endpoint != "static":
        headers.setdefault("Cache-Control", "no-store")
    return response


def _refuse_nul():
    """A NUL character in a submitted field cannot be stored as text (PostgreSQL refuses it)
    and no one types it: a clear 400 instead of a server error, for every form at once."""
    if request.method == "POST" and any("\x00" in value for value in request.form.values()):
        from flask_babel import gettext as _

        from casework.core.errors import render_error

        return render_error(400, _("The form contains a character that is not allowed."))
    return None


def init_app(app: Flask) -> None:
    app.before_request(_refuse_nul)
    app.after_request(_add_headers)
    if app.config.get("SESSION_COOKIE_SECURE"):
        @app.after_request
        def _hsts(response: Response) -> Response:
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
            return response
