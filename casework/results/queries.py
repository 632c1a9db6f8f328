"""Read side of the staff results pages: the regions of the overview with their figures, and
the cases a certification went past."""

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from casework.accounts.models import User
from casework.cases.models import Case
from casework.core.i18n import sorted_by_name
from casework.elections.models import Election, Region, RegionCertification
from casework.elections.standings import standings
from casework.extensions import db
from casework.results.certification import blockers


@dataclass
class RegionRow:
    region: Region
    total: int
    annulled: int
    certification: RegionCertification | None
    certified_by: User | None
    blockers: int


def overview_rows(user: User, election: Election, locale: str) -> list[RegionRow]:
    """The election's top-level regions in the user's scope, with their votes, certification
    and blockers. standings() and blockers() take a handful of queries per region each
    (about six in all); with 17 regions, about a hundred small indexed queries: fine for a
    staff page."""
    regions = [r for r in sorted_by_name(db.session.scalars(select(Region).where(
        Region.election_id == election.id, Region.parent_id.is_(None))), locale,
        lambda r: r.name(locale)) if user.can_see_region(r)]
    # Certifications and their certifiers: one query for every region.
    certified = {cert.region_id: (cert, by) for cert, by in db.session.execute(
        select(RegionCertification, User).join(User, User.id == RegionCertification.certified_by_id)
        .where(RegionCertification.region_id.in_([r.id for r in regions])))}
    rows = []
    for region in regions:
        table = standings(region)
        found = blockers(region)
        cert, by = certified.get(region.id, (None, None))
        rows.append(RegionRow(region, table.total_votes, table.annulled_votes, cert, by,
                              len(found.cases) + len(found.sanctions)))
    return rows


def overridden_cases(cert: RegionCertification | None) -> list[tuple[str, Case | None]]:
    """The references a certification's override went past, each with its case (None if
    it is gone), so that the page links only the cases the reader may open."""
    references = cert.overridden_cases.split(",") if cert and cert.overridden_cases else []
    if not references:
        return []
    cases = {case.reference: case for case in db.session.scalars(
        select(Case).options(selectinload(Case.region).selectinload(Region.parent))
        .where(Case.reference.in_(references)))}
    return [(reference, cases.get(reference)) for reference in references]
