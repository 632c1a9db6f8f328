"""An enforced annulment reaches the results that arrive inside its scope after it was
enforced (paper ballots counted late, a corrected results file): each is annulled by it and
recorded in its sanction_results, so that a reversal on appeal restores them too."""

from typing import Any

from sqlalchemy import select

from casework.core import audit
from casework.core.db import utcnow
from casework.elections.importers import results_imported
from casework.elections.models import Election
from casework.extensions import db
from casework.sanctions.effects import annul_scope
from casework.sanctions.models import (
    Sanction,
    SanctionResult,
    SanctionStatus,
    SanctionType,
)


def extend_enforced_annulments(election: Election, actor: Any = None) -> int:
    """Annul, under each enforced annulment, the results in its scope it has not covered
    yet; how many were annulled. Flushes and audits; the caller commits."""
    annulled_now = 0
    now = utcnow()
    annulments = db.session.scalars(
        select(Sanction).join(Sanction.case).where(
            Sanction.kind == SanctionType.VOTE_ANNULMENT,
            Sanction.status == SanctionStatus.ENFORCED,
            Sanction.case.has(election_id=election.id))
        .order_by(Sanction.enforced_at, Sanction.id))
    for sanction in annulments:
        covered = set(db.session.scalars(select(SanctionResult.result_id).where(
            SanctionResult.sanction_id == sanction.id)))
        added, _votes = annul_scope(sanction, now, covered)
        if added:
            audit.record("sanction.extended", actor=actor, object_type="case",
                         object_id=sanction.case.reference,
                         details={"sanction_id": sanction.id, "results_annulled": added})
            annulled_now += added
    return annulled_now


def _on_results_imported(election: Election, actor: Any = None, **_: Any) -> None:
    extend_enforced_annulments(election, actor=actor)


def connect() -> None:
    """Called once by create_app: results imports extend the enforced annulments."""
    results_imported.connect(_on_results_imported, weak=False)
