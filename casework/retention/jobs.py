"""Retention runs: every election, its final cases in batches of CASEWORK_RETENTION_BATCH,
one commit per case, so a run stopped anywhere resumes where it was (what is erased is
never erased twice, what is not yet is found again). The worker runs it once a day: the
last `retention.run` audit entry says when it last finished, so several workers and
restarts share the one daily pass."""

import logging
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import exists, or_, select

from casework.cases.models import Case
from casework.core import audit
from casework.core.audit import AuditEntry
from casework.core.db import utcnow
from casework.elections.models import Election
from casework.evidence.models import EvidenceItem
from casework.extensions import db
from casework.retention.erasure import erase_case
from casework.retention.policy import (
    SETTLED_STATES,
    Due,
    Policy,
    due_of,
    policy_of,
    sanctions_of,
)

log = logging.getLogger("casework.retention")

RUN_ACTION = "retention.run"
RUN_EVERY = timedelta(days=1)
# The worker's round is seconds; asking whether the daily run is due every few minutes is enough.
CHECK_SECONDS = 600


@dataclass
class RunResult:
    cases: int = 0
    counts: Counter = field(default_factory=Counter)
    more: bool = False  # stopped at the limit: cases may still be due


def unerased_evidence(case_ids: list[int]) -> set[int]:
    if not case_ids:
        return set()
    return set(db.session.scalars(select(EvidenceItem.case_id).distinct().where(
        EvidenceItem.case_id.in_(case_ids), EvidenceItem.erased_at.is_(None))))


def candidates(election: Election, policy: Policy, *, before: datetime | None,
               batch: int) -> Iterator[tuple[Case, Due | None]]:
    """The election's settled cases with something left to erase, by id in pages of `batch`,
    each with what of it is due when (None: not final). `before`: only cases settled before
    then (a case is final no earlier than its last change)."""
    evidence_left = exists().where(EvidenceItem.case_id == Case.id,
                                   EvidenceItem.erased_at.is_(None))
    left = (or_(Case.personal_data_erased_at.is_(None), evidence_left)
            if policy.erases_evidence else Case.personal_data_erased_at.is_(None))
    query = select(Case).where(Case.election_id == election.id,
                               Case.state.in_(SETTLED_STATES), left)
    if before is not None:
        query = query.where(Case.state_changed_at <= before)
    after = 0
    while True:
        page = list(db.session.scalars(query.where(Case.id > after).order_by(Case.id)
                                       .limit(batch)))
        if not page:
            return
        ids = [case.id for case in page]
        sanctions, with_files = sanctions_of(ids), unerased_evidence(ids)
        for case in page:
            yield case, due_of(case, sanctions[case.id], policy, case.id in with_files)
        after = page[-1].id


def run(now: datetime | None = None, *, limit: int | None = None) -> RunResult:
    """Erase everything due at `now`, committing after each case; stop after `limit` cases
    erased (None: all)."""
    now = now or utcnow()
    batch = int(current_app.config["CASEWORK_RETENTION_BATCH"])
    result = RunResult()
    elections = list(db.session.scalars(select(Election).order_by(Election.id)))
    for election in elections:
        policy = policy_of(election)
        before = now - timedelta(days=policy.earliest_days)
        for case, due in candidates(election, policy, before=before, batch=batch):
            if due is None:
                continue
            counts = erase_case(case, due, now)
            if counts is None:
                continue
            db.session.commit()
            result.cases += 1
            result.counts.update(counts)
            if limit is not None and result.cases >= limit:
                result.more = True
                return result
    return result


def record_run(result: RunResult, started: datetime) -> None:
    """The run's audit entry: how many cases and rows, never what they held."""
    audit.record(RUN_ACTION, details={"cases": result.cases, "started": started.isoformat(),
                                      **dict(sorted(result.counts.items()))})


def last_run_at() -> datetime | None:
    return db.session.scalar(select(AuditEntry.at).where(AuditEntry.action == RUN_ACTION)
                             .order_by(AuditEntry.id.desc()).limit(1))


_last_check = 0.0
_pass: dict[str, object] = {}  # the daily pass under way in this process: its start, totals


def erase_personal_data_if_due(now: datetime | None = None) -> RunResult | None:
    """The worker's periodic task: once a day, a pass over every election, one batch per
    round (so mail keeps moving), closed by a `retention.run` audit entry with the totals.
    A failure is logged and rolled back: the next round goes on from where it stopped."""
    global _last_check
    now = now or utcnow()
    try:
        if not _pass:
            if time.monotonic() - _last_check < CHECK_SECONDS:
                return None
            _last_check = time.monotonic()
            last = last_run_at()
            if last is not None and last > now - RUN_EVERY:
                return None
            _pass.update(started=now, totals=RunResult())
        result = run(now, limit=int(current_app.config["CASEWORK_RETENTION_BATCH"]))
        totals = _pass["totals"]
        assert isinstance(totals, RunResult)
        totals.cases += result.cases
        totals.counts.update(result.counts)
        if not result.more:
            started = _pass["started"]
            assert isinstance(started, datetime)
            record_run(totals, started)
            db.session.commit()
            _pass.clear()
        return result
    except Exception:
        db.session.rollback()
        log.exception("retention: a run failed; the next round goes on from where it stopped")
        return None
