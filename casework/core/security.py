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


# Tracking codes may appear in URLs: never leak them to other sites (Referrer-Policy).
HEADERS = (("Content-Security-Policy", CONTENT_SECURITY_POLICY),
           ("X-Content-Type-Options", "nosniff"), ("X-Frame-Options", "DENY"),
           ("Referrer-Policy", "no-referrer"), ("Cross-Origin-Opener-Policy", "same-origin"),
           ("Cross-Origin-Resource-Policy", "same-origin"),
           ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"))
# Personal data (staff pages, tracking pages and JSON, API case documents, exports,
# account pages) must stay out of every cache: no-store unless the view chose its own
# caching (the public register, statistics, the current election) or it is a static file.
NO_STORE = ("Cache-Control", "no-store")


def _add_headers(response: Response) -> Response:
    """Each header the view did not set itself (as Headers.setdefault would, in one pass over
    the response's headers rather than one per header)."""
    headers = response.headers
    present = {name.lower() for name, _value in headers.items()}
    wanted = HEADERS if request.endpoint == "static" else (*HEADERS, NO_STORE)
    headers.extend([pair for pair in wanted if pair[0].lower() not in present])
    return response


def init_app(app: Flask) -> None:
    app.after_request(_add_headers)
    if app.config.get("SESSION_COOKIE_SECURE"):
        @app.after_request
        def _hsts(response: Response) -> Response:
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
            return response
