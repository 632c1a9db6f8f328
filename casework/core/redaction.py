"""Secrets out of the logs: a tracking code is a complainant's only credential and a reset
link's token is a password, and both travel in request paths (/track/<code>,
/api/v1/track/<code>, /password/reset/<token>) that werkzeug, Flask (the path of a 500),
gunicorn's access log and tracebacks would otherwise write down.

`install()` wraps the process's log record factory, so every record of every logger (ours,
Flask's, werkzeug's, SQLAlchemy's, gunicorn's access and error logs in the worker) is masked
when it is made, its traceback included, before any handler or formatter sees it.
`TrackingCodeFilter` does the same as a logging filter, for a logging configuration that
names one.
"""

import logging
import re
import traceback
from typing import Any

MASK = "[redacted]"
# A path segment after these is a secret whatever it looks like (a mistyped code too), but
# for the tracking pages' own fixed names.
SECRET_SEGMENT = re.compile(
    r"(/(?:track|password/reset)/)(?!(?:case|forget)(?:[/?#\s\"']|$))[^/?#\s\"']+",
    re.IGNORECASE)
# A tracking code anywhere (a query string, a message, an exception): 20 Crockford base32
# symbols, grouped by four or not, any case. Hex digests are longer and never match.
CODE_SHAPE = re.compile(
    r"(?<![0-9A-Za-z])[0-9A-HJKMNP-TV-Za-hjkmnp-tv-z]{4}"
    r"(?:-?[0-9A-HJKMNP-TV-Za-hjkmnp-tv-z]{4}){4}(?![0-9A-Za-z])")
SECRET_PARAMETER = re.compile(r"([?&](?:code|token|tracking_code)=)[^&\s\"']*", re.IGNORECASE)


def mask(text: str) -> str:
    """The text with secret path segments, secret query parameters and code-shaped words
    replaced by MASK."""
    if not text:
        return text
    text = SECRET_SEGMENT.sub(lambda m: m.group(1) + MASK, text)
    text = SECRET_PARAMETER.sub(lambda m: m.group(1) + MASK, text)
    return CODE_SHAPE.sub(MASK, text)


def mask_record(record: logging.LogRecord) -> logging.LogRecord:
    """Mask a record in place: its message (arguments merged in) and its traceback."""
    try:
        message = record.getMessage()
    except Exception:  # a broken format string: leave it to logging's own error report
        return record
    record.msg, record.args = mask(message), ()
    if record.exc_info and not record.exc_text:
        record.exc_text = "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
    if record.exc_text:
        record.exc_text = mask(record.exc_text)
    if record.stack_info:
        record.stack_info = mask(record.stack_info)
    return record


class TrackingCodeFilter(logging.Filter):
    """A logging filter that masks every record it sees (and keeps it)."""

    def filter(self, record: logging.LogRecord) -> bool:
        mask_record(record)
        return True


def install() -> None:
    """Mask every log record of this process when it is made; once per process."""
    current = logging.getLogRecordFactory()
    if getattr(current, "casework_masking", False):
        return

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        return mask_record(current(*args, **kwargs))

    factory.casework_masking = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)
