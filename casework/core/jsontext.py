"""JSON from outside, parsed in linear time and bounded depth: a body nested thousands deep
makes Python's parser recurse until it fails (a RecursionError, not a ValueError), so every
JSON the application reads from a request goes through here and is refused as invalid."""

import json
from typing import Any

from flask import request

from casework.core import text

MAX_DEPTH = 32  # far more than any document of ours nests


def too_deep(text: str, limit: int = MAX_DEPTH) -> bool:
    """Whether brackets outside strings nest deeper than `limit` (one pass, no parsing)."""
    depth, in_string, escaped = 0, False, False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > limit:
                return True
        elif char in "]}":
            depth -= 1
    return False


def loads(text: str | bytes, limit: int = MAX_DEPTH) -> Any:
    """json.loads, with ValueError for text nested deeper than `limit` as for bad JSON."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    if too_deep(text, limit):
        raise ValueError("JSON nested too deeply")
    return json.loads(text)


def request_json() -> Any:
    """The request's JSON body, or None when it is missing, not JSON or nested too deeply."""
    if not request.is_json:
        return None
    try:
        return loads(request.get_data(cache=True))
    except (ValueError, RecursionError):
        return None


def unsafe_field(value: Any, path: str = "") -> str | None:
    """The name of the first key or string in a JSON-like value (dicts, lists, strings)
    holding an unsafe character: "contact.name", "links[2]", or the key itself; else None."""
    if isinstance(value, str):
        return None if text.is_safe(value) else (path or "(body)")
    if isinstance(value, dict):
        for key, item in value.items():
            name = f"{path}.{text.printable(str(key))}" if path else text.printable(str(key))
            if not text.is_safe(str(key)):
                return name
            found = unsafe_field(item, name)
            if found:
                return found
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found = unsafe_field(item, f"{path}[{index}]")
            if found:
                return found
    return None
