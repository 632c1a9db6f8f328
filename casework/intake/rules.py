"""The business rules of a complaint, whichever channel brings it: every problem is
collected field by field, so that one refusal names them all."""

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from casework.cases.models import Category
from casework.core.cache import app_cache
from casework.core.db import utcnow
from casework.core.phones import to_e164
from casework.core.timezones import local_today, to_local
from casework.elections import current
from casework.elections.models import Candidate, Election, PollingStation, Region, StationKind
from casework.extensions import db
from casework.intake.models import ComplainantRole

URL_RE = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)
PHONE_RE = re.compile(r"^\+?[0-9 ()-]{6,20}$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass
class ComplaintDraft:
    election: Election
    category: str
    region_code: str
    narrative: str
    anonymous: bool = True
    station_code: str | None = None
    occurred_at: datetime | None = None  # UTC
    learned_on: date | None = None  # the election's local day
    name: str | None = None
    phone: str | None = None
    email: str | None = None
    complainant_role: str | None = None
    consent_to_contact: bool = False
    accused_codes: list[str] = field(default_factory=list)
    accused_other: str | None = None
    links: list[str] = field(default_factory=list)
    witnesses: str | None = None
    language: str = "kk"
    submission_key: str = ""
    # Mail and other free-form channels: region and category may be unknown until screening,
    # and a short text is accepted when files carry the facts.
    relaxed: bool = False
    source_platform: str | None = None
    source_author: str | None = None
    published_at: datetime | None = None


def find_region(election: Election, code: str | None) -> Region | None:
    """The election's region of that code, with its parents (the case's reference names the
    top one). From the process's copy of the election's regions, kept under its reference
    stamp (a new one with any change of the regions, elections/stamp.py) and merged into the
    request's session without a query, as the current election is (elections/current.py),
    and as long. Read on the request's session when CASEWORK_ELECTION_CACHE_SECONDS is 0, or
    when this transaction may have changed the reference data (written, not yet committed:
    an import or the demo seed filing in the same transaction)."""
    code = (code or "").upper()
    if not current_app.config["CASEWORK_ELECTION_CACHE_SECONDS"] \
            or db.session.info.get(current.TOUCHED):
        return db.session.scalar(select(Region).options(joinedload(Region.parent)).where(
            Region.election_id == election.id, Region.code == code))
    regions = app_cache("intake.regions", size=4).get_or_make(
        (election.id, election.reference_stamp), lambda: _detached_regions(election.id))
    region = regions.get(code)
    return None if region is None else db.session.merge(region, load=False)


def _detached_regions(election_id: int) -> dict[str, Region]:
    # Its own short session: the request's session never holds the shared copies.
    with Session(db.engine, expire_on_commit=False) as session:
        regions = list(session.scalars(select(Region).where(Region.election_id == election_id)))
        for region in regions:
            region.parent  # noqa: B018 - loaded now (from the identity map), kept detached
        session.expunge_all()
    return {region.code: region for region in regions}


def resolve(draft: ComplaintDraft) -> tuple[dict, dict[str, object]]:
    """Check the business rules; collect every problem, field by field."""
    errors: dict[str, object] = {}
    election = draft.election
    config = current_app.config
    values: dict = {}
    try:
        values["category"] = Category(draft.category)
    except ValueError:
        errors["category"] = _l("Choose what happened.")
    region = None
    if draft.region_code or not draft.relaxed:
        region = find_region(election, draft.region_code)
        if region is None:
            errors["region"] = _l("Choose the region where it happened.")
    values["region"] = region
    station = None
    if draft.station_code:
        station = db.session.scalar(select(PollingStation).where(
            PollingStation.election_id == election.id,
            PollingStation.code == draft.station_code.upper()))
        if station is None:
            errors["station"] = _l("This polling station is not in the list.")
        elif station.kind is StationKind.PAPER and region is None:
            region = station.region
        elif station.kind is StationKind.PAPER and not station.region.lies_within(region.id):
            errors["station"] = _l("This polling station is not in the chosen region.")
    values["station"] = station
    values["region"] = region  # a relaxed draft may have learnt it from the station
    codes = sorted({c.upper() for c in draft.accused_codes if c})
    accused = list(db.session.scalars(select(Candidate).where(
        Candidate.election_id == election.id, Candidate.code.in_(codes)))) if codes else []
    if len(accused) != len(codes):
        errors["accused"] = _l("One of the chosen candidates is not in the registry.")
    values["accused"] = accused
    narrative = (draft.narrative or "").strip()
    minimum = 1 if draft.relaxed else config["CASEWORK_NARRATIVE_MIN_LENGTH"]
    if len(narrative) < minimum:
        errors["narrative"] = _l("Describe what happened in at least %(n)d characters: what, "
                                 "where, when and who.", n=minimum)
    elif len(narrative) > 20000:
        errors["narrative"] = _l("The description is too long (at most 20,000 characters).")
    values["narrative"] = narrative
    links = [link.strip() for link in draft.links if link and link.strip()]
    if len(links) > 10 or any(not URL_RE.match(link) or len(link) > 1000 for link in links):
        errors["links"] = _l("Give up to 10 links, each starting with http:// or https://.")
    values["links"] = links
    if draft.occurred_at and draft.occurred_at > utcnow() + timedelta(minutes=10):
        errors["occurred_at"] = _l("The date and time cannot be in the future.")
    if draft.learned_on is not None:
        if draft.learned_on > local_today(draft.election):
            errors["learned_on"] = _l("The date cannot be in the future.")
        elif draft.occurred_at and draft.learned_on < to_local(draft.occurred_at,
                                                               draft.election).date():
            errors["learned_on"] = _l("You cannot have learned of it before it happened.")
    if not draft.anonymous:
        if not (draft.name or "").strip():
            errors["name"] = _l("Give your name, or choose to complain anonymously.")
        if not (draft.phone or draft.email):
            errors["contact"] = _l("Give a phone number or an email address so that we can "
                                   "reach you.")
        if draft.phone and (not PHONE_RE.match(draft.phone.strip()) or not to_e164(draft.phone)):
            errors["phone"] = _l("The phone number does not look right.")
        if draft.email and not EMAIL_RE.match(draft.email.strip()):
            errors["email"] = _l("The email address does not look right.")
        try:
            values["role"] = ComplainantRole(draft.complainant_role or "other")
        except ValueError:
            errors["complainant_role"] = _l("Choose who you are.")
    return values, errors
