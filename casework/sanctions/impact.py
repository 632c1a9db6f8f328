"""What a sanction does to the results: the chair's preview before approval, the record of
what it did once enforced, and the preview of its reversal on appeal. Nothing is written."""

from dataclasses import dataclass, field

from sqlalchemy import select

from casework.cases.models import Case
from casework.elections.models import Candidate, RegionCertification, Result
from casework.elections.standings import Comparison, Overlay, compare
from casework.extensions import db
from casework.sanctions.models import (
    Sanction,
    SanctionResult,
    SanctionStatus,
    SanctionType,
)
from casework.sanctions.scope import (
    case_area,
    related_open_cases,
    scope_results,
    scope_station_ids,
    touched_candidates,
)


@dataclass
class Impact:
    sanction: Sanction
    comparisons: list[Comparison]
    results: list[Result]  # the results whose status changes
    candidates: list[Candidate]
    open_cases: list[Case] = field(default_factory=list)
    certified: list[RegionCertification] = field(default_factory=list)

    @property
    def votes(self) -> int:
        return sum(result.votes for result in self.results)


def _regions(candidates: list[Candidate]):
    seen: dict[int, object] = {}
    for candidate in candidates:
        region = candidate.region.top()
        seen.setdefault(region.id, region)
    return sorted(seen.values(), key=lambda region: region.code)


def _build(sanction: Sanction, changed: list[Result], overlay: Overlay, *,
           reverse: bool) -> Impact:
    candidates = touched_candidates(sanction, changed)
    regions = _regions(candidates)
    comparisons = [compare(region, overlay, reverse=reverse) for region in regions]
    stations = scope_station_ids(sanction) if sanction.kind is SanctionType.VOTE_ANNULMENT \
        else set()
    certified = list(db.session.scalars(select(RegionCertification).where(
        RegionCertification.region_id.in_([r.id for r in regions] or [0]))))
    return Impact(sanction=sanction, comparisons=comparisons, results=changed,
                  candidates=candidates,
                  open_cases=related_open_cases(sanction.case, {c.id for c in candidates},
                                                stations),
                  certified=certified)


def _done(sanction: Sanction) -> list[Result]:
    """The results this sanction annulled and still holds annulled."""
    return list(db.session.scalars(
        select(Result).join(SanctionResult, SanctionResult.result_id == Result.id)
        .where(SanctionResult.sanction_id == sanction.id,
               Result.annulled_by_sanction_id == sanction.id).order_by(Result.id)))


def preview(sanction: Sanction) -> Impact:
    """Before approval: the standings now, and as they would be once it is enforced."""
    results = [r for r in scope_results(sanction, case_area(sanction.case)) if not r.annulled]
    disqualify = frozenset({sanction.candidate_id}) if (
        sanction.kind is SanctionType.CANDIDATE_DISQUALIFICATION and sanction.candidate_id) \
        else frozenset()
    return _build(sanction, results, Overlay(annul=frozenset(r.id for r in results),
                                             disqualify=disqualify), reverse=False)


def effect(sanction: Sanction) -> Impact:
    """Once enforced: the standings without this sanction (before) and as they are (after)."""
    results = _done(sanction)
    reinstate = frozenset({sanction.candidate_id}) if (
        sanction.kind is SanctionType.CANDIDATE_DISQUALIFICATION and sanction.candidate
        and sanction.candidate.disqualified_by_sanction_id == sanction.id) else frozenset()
    return _build(sanction, results, Overlay(restore=frozenset(r.id for r in results),
                                             reinstate=reinstate), reverse=True)


def reversal_preview(sanction: Sanction) -> Impact:
    """On appeal: the standings now, and as they would be if the sanction were reversed.
    (Results another enforced annulment also covers stay annulled; the preview shows the
    upper bound of what returns.)"""
    enforced = effect(sanction)
    overlay = Overlay(restore=frozenset(r.id for r in enforced.results),
                      reinstate=frozenset({sanction.candidate_id}) if (
                          sanction.kind is SanctionType.CANDIDATE_DISQUALIFICATION
                          and sanction.candidate
                          and sanction.candidate.disqualified_by_sanction_id == sanction.id)
                      else frozenset())
    return _build(sanction, enforced.results, overlay, reverse=False)


def for_page(sanction: Sanction) -> Impact | None:
    if sanction.status is SanctionStatus.PROPOSED:
        return preview(sanction)
    if sanction.status is SanctionStatus.ENFORCED:
        return effect(sanction)
    return None
