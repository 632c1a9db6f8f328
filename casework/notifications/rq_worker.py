"""RQ mode of `flask worker`: one process that enqueues what is due and runs the jobs,
and keeps the mail moving by its embedded loop while Redis is away.

Why nothing here forks: the jobs run in this process (an rq SimpleWorker), so no work
horse is ever forked. A fork copies only the forking thread, with every lock as it was;
the old design forked a horse while its own scheduler thread could hold SQLAlchemy's
mapper-configuration lock (or a pool's), and the horse then waited on it forever. Without
a fork no lock can be inherited, whatever threads run, so no ordering of threads (nor a
library's lazy initialisation we do not know of) can bring that back. The scheduling that
was a thread runs in the worker's own loop, between jobs (OutboxWorker.dequeue_job_and_
maintain_ttl), and a job's failure is handled inside the job (delivery._recover). What a
forking horse gave besides (a crash in a job does not kill the worker) the lease covers:
a dead worker's messages are taken back by the next one.
"""

import contextlib
import logging
import threading
import time
from collections.abc import Callable

import click
from redis import Redis
from redis.backoff import ExponentialBackoff
from redis.exceptions import RedisError
from redis.retry import Retry
from rq import SimpleWorker
from rq.exceptions import DequeueTimeout

from casework.extensions import db
from casework.notifications import delivery, heartbeat

log = logging.getLogger("casework.notifications")

MAX_RECONNECT_WAIT = 15.0  # seconds between attempts to reach Redis again, at most


def connect(redis_url: str, interval: float) -> Redis:
    """A connection that fails fast when Redis is away (two quick retries, not ten), and
    whose reads outlast the blocking dequeue."""
    return Redis.from_url(redis_url, socket_connect_timeout=5,
                          socket_timeout=max(30.0, 3 * interval),
                          retry=Retry(ExponentialBackoff(cap=0.5, base=0.05), 2))


def enqueue_round(connection: Redis) -> int:
    """Put what is due on the queue; a database failure waits for the next round, a Redis
    failure is raised (the caller leaves RQ mode)."""
    try:
        count = delivery.enqueue_due_with_rq(connection)
    except RedisError:
        db.session.rollback()
        raise
    except Exception:  # the database is away: the next round tries again
        log.exception("outbox: enqueueing due messages failed")
        db.session.rollback()
        return 0
    if count:
        click.echo(f"outbox: enqueued={count}")
    return count


class ChannelFreeWorker(SimpleWorker):
    """rq's SimpleWorker without its pubsub channel, which only carries `rq`'s shutdown
    and kill-horse commands (SIGTERM stops this worker, and it has no horse). The
    channel's thread made teardown wait: redis-py 8.2's PubSubWorkerThread.stop() joins a
    thread that may be waiting 60 s for a subscription unsubscribe() has just cleared, so
    a stopped worker (or a burst) lingered for up to a minute under load."""

    def subscribe(self) -> None:
        pass

    def unsubscribe(self) -> None:
        pass


class OutboxWorker(ChannelFreeWorker):
    """A ChannelFreeWorker (jobs in this process, see the module's docstring) whose wait for
    a job is our own: every `interval` seconds a round (heartbeat, periodic tasks, enqueue
    what is due) in this same thread, a blocking dequeue of at most `interval` seconds
    between rounds, and on a Redis failure a quiet return instead of rq's endless retry
    or its "unhandled exception, quitting"."""

    def __init__(self, connection: Redis, *, interval: float, stop: threading.Event,
                 periodic: Callable[[], object]) -> None:
        self._socket_timeout = connection.connection_pool.connection_kwargs["socket_timeout"]
        super().__init__([delivery.QUEUE], connection=connection)
        self.interval = interval
        self.stop = stop
        self.periodic = periodic
        self.redis_lost = False
        self._next_round = 0.0

    @property
    def connection_timeout(self) -> int:  # keep connect()'s socket timeout
        return int(self._socket_timeout)

    def _install_signal_handlers(self) -> None:
        # The command's handlers stay: they set `stop`, and the loop ends after the job
        # at hand. rq's own raise StopRequested wherever this thread is, e.g. between a
        # claim and its enqueue.
        pass

    def dequeue_job_and_maintain_ttl(self, timeout, max_idle_time=None):
        while not self.stop.is_set():
            try:
                if time.monotonic() >= self._next_round:
                    self._next_round = time.monotonic() + self.interval
                    heartbeat.beat("rq")
                    self.periodic()
                    enqueue_round(self.connection)
                self.heartbeat()
                result = self.queue_class.dequeue_any(
                    self._ordered_queues, max(1, round(self.interval)),
                    connection=self.connection, job_class=self.job_class,
                    serializer=self.serializer, death_penalty_class=self.death_penalty_class)
            except DequeueTimeout:
                continue
            except RedisError as exc:
                log.warning("outbox: Redis failed (%s)", type(exc).__name__)
                self.redis_lost = True
                return None
            if result is not None:
                job, _queue = result
                job.redis_server_version = self.get_redis_server_version()
                return result
        return None

    def teardown(self) -> None:
        with contextlib.suppress(RedisError):  # Redis is gone: nothing to unregister from
            super().teardown()


def _reachable(connection: Redis) -> bool:
    try:
        return bool(connection.ping())
    except RedisError:
        return False


def _work(connection: Redis, interval: float, stop: threading.Event,
          periodic: Callable[[], object]) -> bool:
    """Run the RQ worker until `stop` or until it ends; True if Redis is why it ended."""
    worker = None
    try:
        worker = OutboxWorker(connection, interval=interval, stop=stop, periodic=periodic)
        worker.work()
    except RedisError as exc:  # rq's own calls between jobs (the job itself is safe)
        log.warning("outbox: Redis failed (%s)", type(exc).__name__)
        return True
    if stop.is_set():
        return False
    if (worker is not None and worker.redis_lost) or not _reachable(connection):
        return True
    log.warning("outbox: the RQ worker ended unexpectedly; starting it again")
    stop.wait(interval)
    return False


def _fallback_round(stop: threading.Event, periodic: Callable[[], object]) -> bool:
    """One round of the embedded loop (Redis away); True if anything was sent or tried."""
    heartbeat.beat("fallback")
    periodic()
    try:
        counts = delivery.deliver_due(stop=stop)
    except Exception:  # the database is away too: the next round tries again
        db.session.rollback()
        log.exception("outbox round failed")
        return False
    if any(counts.values()):
        click.echo("outbox: " + " ".join(f"{key}={value}" for key, value in counts.items()))
        return True
    return False


def run(redis_url: str, *, interval: float, stop: threading.Event,
        periodic: Callable[[], object]) -> None:
    """Deliver through RQ; while Redis is away, by the embedded loop. Returns on `stop` only."""
    connection = connect(redis_url, interval)
    try:
        _supervise(connection, interval, stop, periodic)
    finally:
        connection.close()


def _supervise(connection: Redis, interval: float, stop: threading.Event,
               periodic: Callable[[], object]) -> None:
    """RQ while Redis answers; otherwise embedded rounds, trying Redis again with a growing
    wait (1 s, 2 s … MAX_RECONNECT_WAIT). One warning when an outage starts and one when
    it ends, whatever the number of attempts."""
    away_since: float | None = None
    wait, next_try = 1.0, 0.0
    while not stop.is_set():
        if time.monotonic() >= next_try:
            if _reachable(connection):
                if away_since is not None:
                    log.warning("outbox: Redis is back after %.0f s; delivering through RQ",
                                time.monotonic() - away_since)
                    click.echo("outbox: redis back, RQ mode")
                away_since, wait = None, 1.0
                if not _work(connection, interval, stop, periodic):
                    continue  # stopped, or ended for another reason: start it again
                connection.connection_pool.disconnect()
            if away_since is None:
                away_since = time.monotonic()
                log.warning("outbox: Redis unreachable; delivering by the embedded loop "
                            "until it is back")
                click.echo("outbox: redis away, embedded loop")
            next_try = time.monotonic() + wait
            wait = min(wait * 2, MAX_RECONNECT_WAIT)
        if not _fallback_round(stop, periodic):
            stop.wait(max(0.0, min(interval, next_try - time.monotonic())))


def run_burst(redis_url: str) -> None:
    """Enqueue what is due and run the jobs here until the queue is empty; then return."""
    connection = Redis.from_url(redis_url)
    try:
        worker = ChannelFreeWorker([delivery.QUEUE], connection=connection)
        total = 0
        while True:
            count = delivery.enqueue_due_with_rq(connection)
            total += count
            worker.work(burst=True)
            if count < delivery.QUEUE_ROOM:  # the queue was not full: nothing more was due
                break
        click.echo(f"outbox: enqueued={total}")
    finally:
        connection.close()
