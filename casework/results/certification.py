"""The certification guard: a region's results are certified only when no open case and no
pending sanction there could still annul votes or remove a candidate, unless the chair
overrides with a reason. Nothing here commits."""

from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select
from sqlalchemy.orm import contains_eager, selectinload

from casework.accounts.models import User
from casework.cases.models import Case, case_candidates
from casework.cases.workflow import OPEN_STATES, TEXT_MAX
from casework.core import audit
from casework.core.db import utcnow
from casework.core.refusal import Refusal, required_text
from casework.elections.models import Candidate, PollingStation, Region, RegionCertification
from casework.elections.queries import subtree_ids
from casework.extensions import db
from casework.sanctions.models import (
    Sanction,
    SanctionAppeal,
    SanctionStatus,
    SanctionType,
)

CHANGING = (SanctionType.CANDIDATE_DISQUALIFICATION, SanctionType.VOTE_ANNULMENT)


@dataclass
class Blockers:
    cases: list[Case]  # open cases about the region, its stations or its candidates
    sanctions: list[Sanction]  # disqualifications and annulments proposed, or under appeal

    def __bool__(self) -> bool:
        return bool(self.cases or self.sanctions)

    @property
    def references(self) -> list[str]:
        refs = [case.reference for case in self.cases]
        refs += [s.case.reference for s in self.sanctions if s.case.reference not in refs]
        return refs


def blockers(region: Region) -> Blockers:
    """What stands in the way of certifying `region` (with its districts), with the regions
    of their cases (the region page links a case for whoever may open it)."""
    case_region = selectinload(Case.region).selectinload(Region.parent)
    area = subtree_ids(region)
    candidates = select(Candidate.id).where(Candidate.region_id.in_(area))
    stations = select(PollingStation.id).where(PollingStation.region_id.in_(area))
    accusing = select(case_candidates.c.case_id).where(
        case_candidates.c.candidate_id.in_(candidates))
    cases = list(db.session.scalars(select(Case).options(case_region).where(
        Case.election_id == region.election_id, Case.state.in_(OPEN_STATES),
        or_(Case.region_id.in_(area), Case.station_id.in_(stations), Case.id.in_(accusing)))
        .order_by(Case.created_at, Case.id).limit(500)))
    pending_appeal = select(SanctionAppeal.sanction_id).where(SanctionAppeal.outcome.is_(None))
    sanctions = list(db.session.scalars(select(Sanction).join(Case).options(
        contains_eager(Sanction.case).selectinload(Case.region).selectinload(Region.parent),
        selectinload(Sanction.candidate)).where(
        Sanction.kind.in_(CHANGING),
        or_(Sanction.status == SanctionStatus.PROPOSED,
            (Sanction.status == SanctionStatus.ENFORCED) & Sanction.id.in_(pending_appeal)),
        or_(Case.region_id.in_(area), Sanction.candidate_id.in_(candidates),
            Sanction.annul_region_id.in_(area)))
        .order_by(Sanction.id)))
    return Blockers(cases=cases, sanctions=sanctions)


def certification_of(region: Region) -> RegionCertification | None:
    return db.session.scalar(select(RegionCertification)
                             .where(RegionCertification.region_id == region.id))


def certify(region: Region, actor: User, *, override_reason: str | None = None,
            now: datetime | None = None) -> RegionCertification:
    """Mark `region`'s results certified; refused while blockers remain unless overridden."""
    if not region.can_certify(actor):
        raise Refusal("forbidden", _l("Only the chair certifies results."))
    if region.parent_id is not None:
        raise Refusal("not_allowed", _l("Results are certified for a whole region."))
    if certification_of(region) is not None:
        raise Refusal("not_allowed", _l("This region's results are already certified."))
    found = blockers(region)
    reason = None
    if found:
        if not (override_reason or "").strip():
            raise Refusal("open_cases", _l(
                "%(n)d open cases or pending sanctions could still annul votes or remove a "
                "candidate here. Certify only with an override and its reason.",
                n=len(found.cases) + len(found.sanctions)), field="override_reason")
        reason = required_text(override_reason, "override_reason",
                               _l("Give the reason for the override."), TEXT_MAX)
    certification = RegionCertification(
        region_id=region.id, certified_at=now or utcnow(), certified_by_id=actor.id,
        override_reason=reason,
        overridden_cases=",".join(found.references) if found else None)
    db.session.add(certification)
    db.session.flush()
    audit.record("results.certified", actor=actor, object_type="region", object_id=region.code,
                 details={"override": reason is not None,
                          "overridden_cases": found.references if found else []})
    return certification


def withdraw(region: Region, actor: User, *, reason: str,
             now: datetime | None = None) -> None:
    """Withdraw the region's certification (so that a sanction or a corrected import may
    change its results); the chair gives the reason. The audit chain keeps what it was."""
    if not region.can_certify(actor):
        raise Refusal("forbidden", _l("Only the chair certifies results."))
    current = certification_of(region)
    if current is None:
        raise Refusal("not_allowed", _l("This region's results are not certified."))
    reason = required_text(reason, "reason", _l("Give the reason for the withdrawal."),
                           TEXT_MAX)
    db.session.delete(current)
    db.session.flush()
    audit.record("results.certification_withdrawn", actor=actor, object_type="region",
                 object_id=region.code,
                 details={"certified_at": current.certified_at.isoformat(),
                          "certified_by": current.certified_by_id,
                          "override": current.override_reason is not None,
                          "withdrawn_at": (now or utcnow()).isoformat(), "reason": reason})
