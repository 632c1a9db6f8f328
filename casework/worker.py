"""`flask --app casework worker`: deliver the outbox, through RQ or by an embedded loop, and
keep the reports' rollup fresh (casework.reports.jobs) between rounds."""

import logging
import signal
import threading
from collections.abc import Callable
from contextlib import contextmanager

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from casework.evidence.previews import render_due_previews
from casework.evidence.scanning import scan_pending_evidence
from casework.extensions import db
from casework.notifications import delivery
from casework.reports.jobs import refresh_reports_if_due
from casework.site.audit_jobs import checkpoint_audit_if_due

log = logging.getLogger("casework.notifications")

# Work done between rounds besides the outbox, one entry per area that needs it; each
# task decides itself whether anything is due and keeps its own transactions short.
PERIODIC: tuple[Callable[[], object], ...] = (
    refresh_reports_if_due,
    scan_pending_evidence,
    checkpoint_audit_if_due,
    render_due_previews,
)


def run_periodic() -> None:
    """Every periodic task once; one failing never stops the others or the mail."""
    for task in PERIODIC:
        try:
            task()
        except Exception:
            log.exception("periodic task %s failed", getattr(task, "__name__", task))
            db.session.rollback()


def _echo_round(counts: dict[str, int]) -> None:
    # Counts only: recipients and bodies never reach the console or its logs.
    click.echo("outbox: " + " ".join(f"{key}={value}" for key, value in counts.items()))


@contextmanager
def _stop_on_signals(stop: threading.Event):
    """SIGTERM/SIGINT finish the message being sent, then stop; handlers restored after."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT)}
    for sig in previous:
        signal.signal(sig, lambda *_: stop.set())
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _schedule(app: Flask, connection, interval: float, stop: threading.Event) -> None:
    """RQ mode, in a thread: every `interval` seconds put what is due on the queue."""
    with app.app_context():
        while not stop.is_set():
            try:
                count = delivery.enqueue_due_with_rq(connection)
            except Exception:  # Redis or the database away: the next round tries again
                log.exception("outbox: enqueueing due messages failed")
                db.session.rollback()
                count = 0
            if count:
                click.echo(f"outbox: enqueued={count}")
            run_periodic()
            stop.wait(interval)


def run_rq_worker(redis_url: str, *, burst: bool, interval: float) -> None:
    """Enqueue due messages and run an RQ worker on the "casework" queue.

    With --burst: enqueue once, run the jobs in this process (SimpleWorker) and exit.
    Otherwise a scheduler thread enqueues every `interval` seconds while a forking
    rq Worker runs the jobs (each in a work horse process) until SIGTERM/SIGINT.
    """
    from redis import Redis
    from rq import SimpleWorker, Worker

    connection = Redis.from_url(redis_url)
    if burst:
        run_periodic()
        click.echo(f"outbox: enqueued={delivery.enqueue_due_with_rq(connection)}")
        SimpleWorker([delivery.QUEUE], connection=connection).work(burst=True)
        return
    stop = threading.Event()
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    scheduler = threading.Thread(target=_schedule, args=(app, connection, interval, stop),
                                 name="outbox-scheduler", daemon=True)
    scheduler.start()
    try:
        Worker([delivery.QUEUE], connection=connection).work()
    finally:
        stop.set()
        scheduler.join()


@click.command("worker")
@click.option("--burst", is_flag=True, help="Deliver what is due now, then exit.")
@click.option("--interval", type=float, default=2.0, show_default=True,
              help="Seconds to wait between rounds when nothing is due.")
@with_appcontext
def worker_command(burst: bool, interval: float) -> None:
    """Deliver the outbox with retries: through RQ when CASEWORK_REDIS_URL is set,
    otherwise by an embedded loop."""
    redis_url = current_app.config.get("REDIS_URL")
    if redis_url:
        run_rq_worker(redis_url, burst=burst, interval=interval)
        return
    stop = threading.Event()
    rounds: list[dict[str, int]] = []

    def on_round(counts: dict[str, int]) -> None:
        rounds.append(counts)
        _echo_round(counts)

    with _stop_on_signals(stop):
        delivery.run_loop(burst=burst, interval=interval, stop=stop, on_round=on_round,
                          periodic=run_periodic)
    if burst and not rounds:
        click.echo("outbox: nothing due")
