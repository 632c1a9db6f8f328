"""Caps that keep reading one message linear in its size, checked on the raw bytes before
Python's email package sees them.

The email package is slow or worse on some shapes (every access to a Content-Type header
parses it again, a header of thousands of parameters takes seconds; nesting thousands deep
ends in RecursionError; 50,000 parts take tens of seconds). One scan of the bytes finds
those shapes first: `scan` says which cap a message passes, `trim` cuts a message down to
what the caps allow (for a message staff release from quarantine). `time_budget` bounds
what is left, in the main thread of `mail ingest` and `mail fetch`.
"""

import contextlib
import re
import signal
import threading
from collections.abc import Iterator
from dataclasses import dataclass

MAX_HEADER_BYTES = 256 * 1024  # every header section together: the message's, its parts'
MAX_MIME_FIELD_BYTES = 64 * 1024  # the Content-* fields together (parsed again on each use)
MAX_MIME_PARAMS = 2000  # their parameters together (each costs ~0.2 ms to read, every time)
MAX_FIELD_BYTES = 16 * 1024  # one field, when a message is trimmed for release
MAX_ENCODED_WORDS = 1000  # RFC 2047 words in one header field
MAX_PARTS = 500
MAX_DEPTH = 20  # multipart levels
MAX_IDS = 100  # message ids kept from In-Reply-To and References

_BOUNDARY = re.compile(rb'boundary\s*=\s*(?:"([^"\r\n]{1,200})"|([^\s;"]{1,200}))', re.I)
_DELIMITER = re.compile(rb"^--([^\r\n]{1,204})\r?$", re.M)
_ENCODED = re.compile(rb"=\?[^?\s]{1,75}\?[bBqQ]\?[^?\s]*\?=")
_BLANK = re.compile(rb"\n\r?\n")
_FIELD_START = re.compile(rb"^(?![ \t])", re.M)
_EMBEDDED = re.compile(rb"^content-type:[ \t]*message/rfc822", re.I | re.M)


@dataclass
class Scan:
    reason: str | None = None  # the first cap the message goes beyond; None: within all
    cut: int | None = None  # where the body can be cut to stay within the caps


def _encoded_words(field: bytes) -> int:
    return sum(1 for _ in _ENCODED.finditer(field))


def _header_end(raw: bytes, start: int, budget: int) -> tuple[int, int] | None:
    """(end, where what follows starts) of the header section that starts at `start` (the
    newline before it), looked for no further than the budget; None if it goes on longer."""
    match = _BLANK.search(raw, start, start + budget + 4)
    return (match.start(), match.end() - 1) if match else None


def _fields(head: bytes) -> list[bytes]:
    starts = [m.start() for m in _FIELD_START.finditer(head)]
    return [head[a:b] for a, b in zip(starts, [*starts[1:], len(head)], strict=True)]


class _Budget:
    def __init__(self) -> None:
        self.header = MAX_HEADER_BYTES
        self.mime = MAX_MIME_FIELD_BYTES
        self.params = MAX_MIME_PARAMS

    def spend(self, head: bytes) -> str | None:
        self.header -= len(head)
        if self.header < 0:
            return f"header fields too large: more than {MAX_HEADER_BYTES} bytes"
        for field in _fields(head):
            if field[:8].lower() == b"content-":
                self.mime -= len(field)
                self.params -= field.count(b";")
                if self.mime < 0:
                    return (f"MIME header fields (Content-*) too large: more than "
                            f"{MAX_MIME_FIELD_BYTES} bytes")
                if self.params < 0:
                    return f"MIME header fields (Content-*) with more than {MAX_MIME_PARAMS} parameters"
            if _encoded_words(field) > MAX_ENCODED_WORDS:
                name = field.split(b":", 1)[0][:40].decode("ascii", "replace")
                return f"header field {name} holds more than {MAX_ENCODED_WORDS} encoded words"
        return None


def top_header_end(raw: bytes) -> int:
    ends = [i for i in (raw.find(b"\r\n\r\n"), raw.find(b"\n\n")) if i != -1]
    return min(ends) if ends else len(raw)


def scan(raw: bytes) -> Scan:
    """Which cap, if any, the message goes beyond; one pass over the bytes."""
    budget = _Budget()
    end = top_header_end(raw)
    if end > MAX_HEADER_BYTES:
        return Scan(f"header section too large: {end} bytes, the limit is {MAX_HEADER_BYTES}", 0)
    reason = budget.spend(raw[:end])
    if reason:
        return Scan(reason, 0)
    declared = {m.group(1) or m.group(2) for m in _BOUNDARY.finditer(raw)}
    if not declared:
        return Scan()
    stack: list[bytes] = []
    parts = 0
    for match in _DELIMITER.finditer(raw, end):
        line = match.group(1).rstrip()
        closing = line.endswith(b"--") and line[:-2] in declared
        boundary = line[:-2] if closing else line
        if boundary not in declared:
            continue
        if boundary in stack:
            while stack[-1] != boundary:
                stack.pop()
            if closing:
                stack.pop()
                continue
        elif closing:
            continue
        else:
            stack.append(boundary)
            if len(stack) > MAX_DEPTH:
                return Scan(f"MIME structure nested deeper than {MAX_DEPTH} levels", match.start())
        parts += 1
        if parts > MAX_PARTS:
            return Scan(f"more than {MAX_PARTS} MIME parts", match.start())
        reason = _part_headers(raw, match.end(), budget)
        if reason:
            return Scan(reason, match.start())
    return Scan()


def _part_headers(raw: bytes, start: int, budget: _Budget) -> str | None:
    """Spend the budget on a part's header section (and on the header section of a message
    forwarded in it)."""
    for _ in range(MAX_DEPTH):
        found = _header_end(raw, start, max(budget.header, 0))
        if found is None and len(raw) - start <= budget.header:
            found = (len(raw), len(raw))  # a last part without a body
        if found is None:
            return f"header fields too large: more than {MAX_HEADER_BYTES} bytes"
        head = raw[start:found[0]]
        reason = budget.spend(head)
        if reason or not _EMBEDDED.search(head):
            return reason
        start = found[1]
    return None


def trim(raw: bytes) -> bytes:
    """The message cut down to the caps: over-long header fields dropped, the header section
    kept to its budget, the body cut where a cap is reached. For a release: what can be read."""
    end = top_header_end(raw)
    kept, size, mime, params = [], 0, 0, 0
    for field in _fields(raw[:end]):
        is_mime = field[:8].lower() == b"content-"
        if (len(field) > MAX_FIELD_BYTES or size + len(field) > MAX_HEADER_BYTES // 2
                or (is_mime and mime + len(field) > MAX_MIME_FIELD_BYTES // 2)
                or (is_mime and params + field.count(b";") > MAX_MIME_PARAMS // 2)
                or _encoded_words(field) > MAX_ENCODED_WORDS):
            continue
        kept.append(field)
        size += len(field)
        mime += len(field) if is_mime else 0
        params += field.count(b";") if is_mime else 0
    body = raw[end:]
    body = body[4:] if body.startswith(b"\r\n\r\n") else body[2:] if body[:2] == b"\n\n" else body
    head = b"".join(kept).rstrip(b"\r\n") + b"\r\n\r\n"
    result = scan(head + body)
    return head + body if result.reason is None else (head + body)[:max(result.cut or 0, len(head))]


class BudgetExceeded(BaseException):
    """Reading one message took longer than its time budget. A BaseException, so that the
    parser's own `except Exception` fallbacks do not swallow it."""


@contextlib.contextmanager
def time_budget(seconds: float) -> Iterator[None]:
    """Raise BudgetExceeded in the block after `seconds` of wall time. Only in the main
    thread of a process (signals): the mail commands; elsewhere the caps alone apply."""
    if seconds <= 0 or threading.current_thread() is not threading.main_thread():
        yield
        return

    def expired(signum, frame):  # noqa: ARG001 - the signal handler's signature
        raise BudgetExceeded

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
