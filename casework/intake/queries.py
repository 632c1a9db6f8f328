"""Read side of tracking: what one complainant sees of their own case."""

from datetime import datetime

from sqlalchemy import select

from casework.cases import identity
from casework.evidence.models import EvidenceItem
from casework.extensions import db
from casework.intake.models import Complaint


def citizen_files(complaint: Complaint) -> list[EvidenceItem]:
    """The files this complaint brought, with the complaint or in replies on the tracking
    page, oldest first; never the staff's files nor another complainant's."""
    return list(db.session.scalars(
        select(EvidenceItem).where(EvidenceItem.complaint_id == complaint.id)
        .order_by(EvidenceItem.created_at, EvidenceItem.id)))


def disclosures(complaint: Complaint) -> list[datetime]:
    """When a custodian disclosed this named complainant's identity (never to whom)."""
    return [] if complaint.anonymous else identity.disclosures(complaint.case)
