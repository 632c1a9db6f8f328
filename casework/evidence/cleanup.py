"""No orphan evidence files: the objects a request created and that no row points at once
it is over (refused, failed, the database or the disk gone meanwhile) are removed again.

Bytes are stored before the row is committed (so a committed row always has its object);
the other half of that order is this clean-up, at the end of every request that stored a
new object and did not commit a row for it (the session's events note the rows committed,
so a kept submission asks nothing more). When the database cannot be asked, the files are
kept (logged): an object without a row is harmless, a row without its object is lost
evidence."""

import logging
from collections.abc import Iterable

from flask import Flask, g, has_request_context
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from casework.evidence.models import EvidenceItem
from casework.evidence.storage import get_storage
from casework.extensions import db

log = logging.getLogger("casework.evidence")


def discard_unkept(_error: BaseException | None = None) -> int:
    """Remove this request's new objects that no committed row points at; how many."""
    created = g.pop("evidence_created", None)
    kept_here = g.pop("evidence_committed", set())
    g.pop("evidence_flushed", None)
    if not created:
        return 0
    hashes = {sha256 for sha256, _stamp in created} - kept_here
    if not hashes:  # every new object has a row this request committed: nothing to ask
        return 0
    try:
        # Committed rows only, on a connection of its own: what the request did not commit
        # is not kept, and the request's own session is left as it is.
        with db.engine.connect() as conn:
            kept = set(conn.scalars(select(EvidenceItem.sha256)
                                    .where(EvidenceItem.sha256.in_(hashes))))
    except Exception:  # noqa: BLE001 - the database is down: keep the files
        log.warning("could not check %d new evidence object(s) for rows; kept", len(hashes))
        return 0
    storage, removed = get_storage(), 0
    for sha256, stamp in created:
        if sha256 in hashes and sha256 not in kept:
            try:
                removed += storage.discard_new(sha256, stamp)
            except OSError:
                log.warning("could not remove an evidence object no row points at")
    if removed:
        log.info("removed %d evidence object(s) of a request that was not kept", removed)
    return removed


def note_rows(items: Iterable[EvidenceItem]) -> None:
    """Note the files whose rows were written (kept once the transaction commits): a flush
    does it itself, rows written without one (core/rows.py) are passed here."""
    if has_request_context() and "evidence_created" in g:
        rows = {item.sha256 for item in items}
        if rows:
            g.setdefault("evidence_flushed", set()).update(rows)


def _flushed(session: Session, _context) -> None:
    if has_request_context() and "evidence_created" in g:
        note_rows(o for o in session.new if isinstance(o, EvidenceItem))


def _committed(_session: Session) -> None:
    if has_request_context() and "evidence_flushed" in g:
        g.setdefault("evidence_committed", set()).update(g.pop("evidence_flushed"))


def _rolled_back(_session: Session, _previous) -> None:
    if has_request_context():
        g.pop("evidence_flushed", None)


def init_app(app: Flask) -> None:
    app.teardown_request(discard_unkept)
    if not getattr(init_app, "listening", False):  # once per process: Session is global
        event.listen(Session, "after_flush", _flushed)
        event.listen(Session, "after_commit", _committed)
        event.listen(Session, "after_soft_rollback", _rolled_back)
        init_app.listening = True  # type: ignore[attr-defined]
