"""Rate-limit counters in Redis that never make Redis a single point of failure.

URI "casework+redis://..." (config.ratelimit_storage_uri adds the prefix to
CASEWORK_REDIS_URL). Every call goes to Redis with short timeouts; when Redis fails (refused,
timed out, restarted mid-script), the call is answered from this process's memory instead
and Redis is left alone for a few seconds, so a stopped or unreachable Redis costs one
timeout per process per pause, never an error. Flask-Limiter's own in-memory fallback is a
process-wide flag that other threads race on (a request already on its way to Redis when
another thread flips it answered 500), and it never times out a Redis that hangs.

While counting in memory each gunicorn worker has its own budget: limits are looser by the
number of workers for the length of the outage, which beats refusing every complaint."""

import logging
import threading
import time
from typing import Any

from limits.storage import MemoryStorage, MovingWindowSupport, RedisStorage, Storage
from redis.exceptions import RedisError

log = logging.getLogger("casework.ratelimit")

SCHEME = "casework+redis"
SOCKET_TIMEOUT = 0.5  # seconds: a counter is worth less than a visitor's wait
PAUSE = 5.0  # seconds without trying Redis after it failed
LOG_EVERY = 60.0  # seconds between two warnings of the same outage


class FallbackRedisStorage(Storage, MovingWindowSupport):
    STORAGE_SCHEME = [SCHEME, "casework+rediss"]

    def __init__(self, uri: str, wrap_exceptions: bool = False, **options: Any):
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        options.setdefault("socket_timeout", SOCKET_TIMEOUT)
        options.setdefault("socket_connect_timeout", SOCKET_TIMEOUT)
        self.redis = RedisStorage(uri.removeprefix("casework+"), **options)
        self.memory = MemoryStorage("memory://")
        self.down_since: float | None = None
        self.retry_at = 0.0
        self.logged_at = 0.0
        self._lock = threading.Lock()

    @property
    def base_exceptions(self):
        return RedisError

    @property
    def degraded(self) -> bool:
        """True while counters are kept in this process's memory."""
        return self.down_since is not None

    def _failed(self, error: BaseException) -> None:
        now = time.monotonic()
        with self._lock:
            self.retry_at = now + PAUSE
            if self.down_since is None:
                self.down_since = now
            if now - self.logged_at >= LOG_EVERY:
                self.logged_at = now
                log.warning("rate limits: Redis unreachable (%s), counting in this process "
                            "meanwhile", type(error).__name__)

    def _recovered(self) -> None:
        with self._lock:
            if self.down_since is not None:
                log.warning("rate limits: Redis reachable again after %.0f s",
                            time.monotonic() - self.down_since)
            self.down_since = None
            self.logged_at = 0.0

    def _call(self, name: str, *args: Any, **kwargs: Any) -> Any:
        if self.down_since is not None and time.monotonic() < self.retry_at:
            return getattr(self.memory, name)(*args, **kwargs)
        try:
            answer = getattr(self.redis, name)(*args, **kwargs)
        except (RedisError, OSError) as error:
            self._failed(error)
            return getattr(self.memory, name)(*args, **kwargs)
        if self.down_since is not None:
            self._recovered()
        return answer

    def acquire_entry(self, key: str, limit: int, expiry: int, amount: int = 1) -> bool:
        return self._call("acquire_entry", key, limit, expiry, amount)

    def get_moving_window(self, key: str, limit: int, expiry: int) -> tuple[float, int]:
        return self._call("get_moving_window", key, limit, expiry)

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        return self._call("incr", key, expiry, amount)

    def get(self, key: str) -> int:
        return self._call("get", key)

    def get_expiry(self, key: str) -> float:
        return self._call("get_expiry", key)

    def check(self) -> bool:
        return True  # the memory answers whenever Redis does not

    def redis_reachable(self) -> bool:
        return bool(self.redis.check())

    def reset(self) -> int | None:
        self.memory.reset()
        return self._call("reset")

    def clear(self, key: str) -> None:
        self.memory.clear(key)
        self._call("clear", key)
