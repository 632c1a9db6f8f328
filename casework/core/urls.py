"""Links: redirect targets taken from user input are only ever local paths; links that leave
the site (in mail, SMS and feeds) start from the public address setting."""

from urllib.parse import urlsplit

from flask import current_app

# The public tracking page: where a complainant follows a case with the tracking code.
TRACKING_PATH = "/track"


def public_url(path: str = "/") -> str:
    """An absolute link on the public site (CASEWORK_PUBLIC_URL), for mail and SMS, which are
    written outside any request (or behind a proxy whose own host name must not leak)."""
    return current_app.config["CASEWORK_PUBLIC_URL"].rstrip("/") + "/" + path.lstrip("/")


def tracking_url() -> str:
    return public_url(TRACKING_PATH)


def safe_next(target: str | None, fallback: str) -> str:
    """Return target if it is a path on this site, else fallback."""
    if not target or len(target) > 2000:
        return fallback
    if any(ord(ch) < 32 for ch in target) or "\\" in target:
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return fallback
    return target
