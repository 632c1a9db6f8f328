"""The one rule for text from outside: characters nobody types and that break what we hand the
text to. A lone surrogate cannot be encoded for the database (a 500), PostgreSQL refuses NUL,
XML (the Atom feed, spreadsheet exports) refuses C0 controls, and non-characters are never
text. Forms (core/forms.py), JSON bodies (core/jsontext.py), query strings and raw form bodies
(core/inbound.py) and CSV imports all ask `is_safe`."""

import re

from flask_babel import lazy_gettext as _l

# C0 controls except tab, newline and CR; surrogates; U+FDD0-U+FDEF and the last two code
# points of every plane (U+FFFE, U+FFFF, U+1FFFE, ...).
UNSAFE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufdd0-\ufdef"
    + "".join(f"{chr(plane * 0x10000 + 0xFFFE)}{chr(plane * 0x10000 + 0xFFFF)}"
              for plane in range(17))
    + "]")

MESSAGE = _l("This field contains a character that is not allowed (a control character or "
             "an invalid one). Remove it and send again.")


def is_safe(text: str) -> bool:
    return UNSAFE.search(text) is None


def unsafe_pair(pairs) -> str | None:
    """The first name in (name, value) pairs (a MultiDict's items) whose name or text value
    is unsafe; values that are not text (uploaded files) are skipped."""
    for name, value in pairs:
        if not isinstance(name, str):  # a multipart part whose name did not parse (e.g. "\n")
            return "(no name)"
        if not is_safe(name):
            return printable(name)
        if isinstance(value, str) and not is_safe(value):
            return name
    return None


def printable(name: str) -> str:
    """A field name that itself holds the character, made safe to show and to encode."""
    return UNSAFE.sub("\N{REPLACEMENT CHARACTER}", name)
