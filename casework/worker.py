"""`flask --app casework worker`: deliver the outbox, through RQ or by an embedded loop, and
keep the reports' rollup fresh (casework.reports.jobs) between rounds. Every round stamps
the worker's heartbeat (notifications/heartbeat.py). In RQ mode the worker never forks and
falls back to the embedded loop while Redis is away (notifications/rq_worker.py)."""

import logging
import signal
import threading
from collections.abc import Callable
from contextlib import contextmanager

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy.orm import configure_mappers

from casework.cases.cure import lapse_expired_cures
from casework.cases.mass_complaints import group_new_cases
from casework.cases.notices import due_notices_if_due
from casework.cases.search_pending import index_pending
from casework.evidence.photo_facts import read_due_photo_facts
from casework.evidence.previews import render_due_previews
from casework.evidence.scanning import scan_pending_evidence
from casework.extensions import db
from casework.notifications import delivery, heartbeat
from casework.reports.jobs import refresh_reports_if_due
from casework.retention.jobs import erase_personal_data_if_due
from casework.site.audit_jobs import checkpoint_audit_if_due
from casework.sms.services import process_received

log = logging.getLogger("casework.notifications")

# Work done between rounds besides the outbox, one entry per area that needs it; each
# task decides itself whether anything is due and keeps its own transactions short.
PERIODIC: tuple[Callable[[], object], ...] = (
    index_pending,  # first: a case just filed becomes searchable within a round
    group_new_cases,  # then joins its group of near-identical narratives
    process_received,  # SMS stored by a request that could not file them
    refresh_reports_if_due,
    scan_pending_evidence,
    checkpoint_audit_if_due,
    render_due_previews,
    read_due_photo_facts,
    due_notices_if_due,
    lapse_expired_cures,  # a cure period that ran out makes its case inadmissible
    erase_personal_data_if_due,
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


@click.command("worker")
@click.option("--burst", is_flag=True, help="Deliver what is due now, then exit.")
@click.option("--interval", type=float, default=2.0, show_default=True,
              help="Seconds to wait between rounds when nothing is due.")
@with_appcontext
def worker_command(burst: bool, interval: float) -> None:
    """Deliver the outbox with retries: through RQ when CASEWORK_REDIS_URL is set,
    otherwise by an embedded loop."""
    # Imported here: rq (~8 MB) is the worker's, never a web process's (the CLI's commands
    # are registered in every process).
    from casework.notifications import rq_worker

    redis_url = current_app.config.get("REDIS_URL")
    if redis_url and burst:
        run_periodic()
        rq_worker.run_burst(redis_url)
        return
    # Before any thread exists: mappers configured once here, so nothing later takes
    # their lock (the worker never forks, see rq_worker.py; this keeps it cheap too).
    configure_mappers()
    stop = threading.Event()
    if redis_url:
        with _stop_on_signals(stop):
            rq_worker.run(redis_url, interval=interval, stop=stop, periodic=run_periodic)
        return
    rounds: list[dict[str, int]] = []

    def on_round(counts: dict[str, int]) -> None:
        rounds.append(counts)
        _echo_round(counts)

    def each_round() -> None:
        heartbeat.beat("loop")
        run_periodic()

    with _stop_on_signals(stop):
        delivery.run_loop(burst=burst, interval=interval, stop=stop, on_round=on_round,
                          periodic=each_round)
    if burst and not rounds:
        click.echo("outbox: nothing due")
