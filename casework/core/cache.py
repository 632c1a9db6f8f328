"""A bounded in-process cache of values made once per key, optionally for a fixed time.

Each process (gunicorn worker) keeps its own: the key must name everything the value
depends on (an election's reference stamp, the language, ...) so that workers never
disagree for longer than the expiry. Nothing a visitor sent or owns may go into a value.
When full, the oldest entries go first. One lock: a spike arriving on a missing entry
makes it once while the others wait for it.
"""

import threading
import time
from collections.abc import Callable, Hashable
from typing import Any

from flask import Flask, current_app


class BoundedCache:
    def __init__(self, size: int = 64, ttl: float | None = None,
                 clock: Callable[[], float] = time.monotonic):
        self.size = size
        self.ttl = ttl
        self.clock = clock
        self._entries: dict[Hashable, tuple[float, Any]] = {}
        self._lock = threading.Lock()

    def _fresh(self, key: Hashable) -> tuple[bool, Any]:
        entry = self._entries.get(key)
        if entry is not None and (self.ttl is None or entry[0] > self.clock()):
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
            self._entries.pop(key, None)
            while len(self._entries) >= self.size:
                del self._entries[next(iter(self._entries))]
            expires = self.clock() + self.ttl if self.ttl is not None else 0.0
            self._entries[key] = (expires, value)
            return value

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)


def app_cache(name: str, size: int = 64, ttl: float | None = None,
              app: Flask | None = None) -> BoundedCache:
    """The application's cache called `name` (one per app: tests and apps never share)."""
    app = app or current_app._get_current_object()
    caches = app.extensions.setdefault("casework_caches", {})
    cache = caches.get(name)
    if cache is None:
        cache = caches.setdefault(name, BoundedCache(size, ttl))
    return cache
