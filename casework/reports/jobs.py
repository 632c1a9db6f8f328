"""The worker's periodic job: keep the dashboard's rollup at most a minute old."""

import logging

from casework.elections.queries import current_election
from casework.extensions import db
from casework.reports.rollups import refresh_if_due

log = logging.getLogger("casework.reports")


def refresh_reports_if_due() -> bool:
    """Refresh the current election's rollup when it is due, and commit; True if it did.
    A failure is logged and rolled back: the figures stay as they were until next time."""
    try:
        election = current_election()
        done = election is not None and refresh_if_due(election)
        db.session.commit()
        return done
    except Exception:
        db.session.rollback()
        log.exception("reports: refreshing the rollup failed; the next round tries again")
        return False
