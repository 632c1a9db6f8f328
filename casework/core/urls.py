"""Redirect targets taken from user input are only ever local paths."""

from urllib.parse import urlsplit


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
