"""An in-process cache of rendered public pages, per key, for a fixed time.

The statistics page is the same for every visitor in a language: it is rendered once per
minute per (language, view) and process, whatever the number of visitors. One lock: a spike
arriving on an expired entry renders it once while the others wait for that render.
"""

import threading
import time
from collections.abc import Callable, Hashable
from typing import Any

from flask import Flask, current_app

TTL_SECONDS = 60


class PageCache:
    def __init__(self, ttl: float = TTL_SECONDS, clock: Callable[[], float] = time.monotonic):
        self.ttl = ttl
        self.clock = clock
        self._entries: dict[Hashable, tuple[float, Any]] = {}
        self._lock = threading.Lock()

    def _fresh(self, key: Hashable) -> tuple[bool, Any]:
        entry = self._entries.get(key)
        if entry is not None and entry[0] > self.clock():
            return True, entry[1]
        return False, None

    def get_or_make(self, key: Hashable, make: Callable[[], Any]) -> Any:
        hit, value = self._fresh(key)
        if hit:
            return value
        with self._lock:
            hit, value = self._fresh(key)
            if hit:
                return value
            value = make()
            self._entries[key] = (self.clock() + self.ttl, value)
            return value

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


def page_cache(app: Flask | None = None) -> PageCache:
    """The application's cache (one per app, so tests and apps never share entries)."""
    app = app or current_app._get_current_object()
    return app.extensions.setdefault("reports_page_cache", PageCache())
