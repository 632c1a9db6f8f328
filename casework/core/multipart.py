"""Werkzeug's multipart decoder without compiling two regular expressions per request.

MultipartDecoder compiles its two boundary patterns for every body, as each client picks a
boundary of its own (so re's cache never helps): a third of a millisecond of each upload.
BoundaryPattern answers the same `search` with bytes.find for "--<boundary>" and one
pattern, compiled once, for what may follow it; `install()` makes the form parser use it.
tests/core/test_multipart.py checks it against Werkzeug's own patterns."""

import re

from werkzeug import formparser
from werkzeug.sansio import multipart

LINE_BREAKS = (b"\r", b"\n")
# What follows "--<boundary>": "--" (the last one) or blanks, and a line break.
TAIL = re.compile(rb"(--[^\S\n\r]*%s?|[^\S\n\r]*%s)" % (multipart.LINE_BREAK, multipart.LINE_BREAK))


class Found:
    """The part of re.Match the decoder reads."""

    __slots__ = ("_end", "_start", "_tail")

    def __init__(self, start: int, end: int, tail: bytes):
        self._start, self._end, self._tail = start, end, tail

    def start(self) -> int:
        return self._start

    def end(self) -> int:
        return self._end

    def group(self, _index: int) -> bytes:
        return self._tail


class BoundaryPattern:
    """re.compile(LINE_BREAK + ("?" unless required) + "--" + boundary + TAIL).search."""

    def __init__(self, boundary: bytes, *, line_break_required: bool):
        self.marker = b"--" + boundary
        self.required = line_break_required

    def search(self, data: bytes | bytearray, pos: int = 0) -> Found | None:
        at = data.find(self.marker, pos)
        while at != -1:
            # The leftmost match starts at the line break before the marker, if any.
            if at - 2 >= pos and data[at - 2:at] == b"\r\n":
                start = at - 2
            elif at - 1 >= pos and data[at - 1:at] in LINE_BREAKS:
                start = at - 1
            else:
                start = -1 if self.required else at
            if start != -1:
                tail = TAIL.match(data, at + len(self.marker))
                if tail is not None:
                    return Found(start, tail.end(), tail.group(1))
            at = data.find(self.marker, at + 1)
        return None


class Decoder(multipart.MultipartDecoder):
    def __init__(self, boundary: bytes, max_form_memory_size: int | None = None, *,
                 max_parts: int | None = None):
        # Werkzeug's own __init__ less its two re.compile calls (same attributes).
        self.buffer = bytearray()
        self.complete = False
        self.max_form_memory_size = max_form_memory_size
        self.max_parts = max_parts
        self.state = multipart.State.PREAMBLE
        self.boundary = boundary
        self.preamble_re = BoundaryPattern(boundary, line_break_required=False)
        self.boundary_re = BoundaryPattern(boundary, line_break_required=True)
        self._search_position = 0
        self._parts_decoded = 0


def install() -> None:
    """The form parser decodes with Decoder (once per process)."""
    formparser.MultipartDecoder = Decoder
