"""What intake adds to cases (casework.cases.channels): its complaints move on a merge and
appear on the timeline; the complaints are who cases write to, what cases are searched and
compared by, and the queue's channel filter; files sent for a case are stored here too."""

import functools
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, bindparam, exists, false, select, update
from sqlalchemy.orm import joinedload

from casework.cases import channels
from casework.cases.channels import (
    CaseHooks,
    Complainant,
    ContactSource,
    NarrativeSource,
    TimelineEntry,
)
from casework.cases.models import Case
from casework.cases.timeline import source_label
from casework.core.refusal import Refusal
from casework.elections.models import PollingStation, Region, Result
from casework.evidence.services import attach
from casework.extensions import db
from casework.intake.forms import platform_label
from casework.intake.models import Channel, Complaint
from casework.intake.services import Upload, store_files


def move_complaints(case: Case, target: Case) -> dict[str, int]:
    result = db.session.execute(update(Complaint).where(Complaint.case_id == case.id)
                                .values(case_id=target.id)
                                .execution_options(synchronize_session=False))
    return {Complaint.__tablename__: result.rowcount}


def _complainant(complaint: Complaint):
    if complaint.channel is Channel.OWN_FINDING:
        return _l("The committee itself")
    return _l("Anonymous") if complaint.anonymous or not complaint.name else complaint.name


def _stations_with_results(complaints: list[Complaint]) -> set[int]:
    """Which of the complaints' stations have results (one query, none without stations)."""
    ids = {c.station_id for c in complaints if c.station_id is not None}
    if not ids:
        return set()
    return set(db.session.scalars(select(Result.station_id).distinct()
                                  .where(Result.station_id.in_(ids))))


def _station(complaint: Complaint, with_results: set[int]) -> dict[str, Any] | None:
    station = complaint.station
    if station is None:
        return None
    top = station.region.top() if station.region is not None else None
    # The staff results page is per top-level region; linked only when it shows this station.
    return {"code": station.code, "address": station.address,
            "results_region": top.code if top and station.id in with_results else None}


@functools.cache
def _complaints_of_case():
    """Built once: composing it costs as much as running it (the case page asks each time)."""
    return (select(Complaint).where(Complaint.case_id == bindparam("case_id"))
            .options(joinedload(Complaint.station).joinedload(PollingStation.region)
                     .joinedload(Region.parent))
            .order_by(Complaint.received_at, Complaint.id))


def complaint_entries(case: Case, locale: str | None) -> list[TimelineEntry]:
    complaints = list(db.session.scalars(_complaints_of_case(), {"case_id": case.id}))
    with_results = _stations_with_results(complaints)
    return [TimelineEntry(c.received_at, "complaint",
                          _l("Complaint received by %(channel)s",
                             channel=source_label(c.channel.value)),
                          c.narrative, {"id": c.id, "complainant": _complainant(c),
                                        "email": c.email, "phone": c.phone,
                                        "named": not c.anonymous and bool(c.name),
                                        # One of complainants(): someone to write to.
                                        "writable": c.channel is not Channel.OWN_FINDING,
                                        "consent": c.consent_to_contact,
                                        "entered_by": c.recorded_by_id,
                                        "channel": c.channel, "role": c.complainant_role,
                                        "station": _station(c, with_results),
                                        "occurred_at": c.occurred_at,
                                        "learned_on": c.learned_on,
                                        "links": c.links or [], "accused_other": c.accused_other,
                                        "witnesses": c.witnesses,
                                        "source": platform_label(c.source_platform),
                                        "source_author": c.source_author,
                                        "published_at": c.published_at})
            for c in complaints]


def complainants(case_ids: Sequence[int]) -> list[Complainant]:
    # The committee's own findings have no one to write to.
    rows = db.session.execute(_complainants_of_cases(), {"case_ids": list(case_ids)})
    return [Complainant(*row) for row in rows]


@functools.cache
def _complainants_of_cases():
    return (select(Complaint.id, Complaint.case_id, Complaint.email, Complaint.language)
            .where(Complaint.case_id.in_(bindparam("case_ids", expanding=True)),
                   Complaint.channel != Channel.OWN_FINDING)
            .order_by(Complaint.id))


def facts_dates(case: Case) -> tuple[date | None, datetime | None] | None:
    """The first complaint's day of learning of the facts and time of the events."""
    row = db.session.execute(select(Complaint.learned_on, Complaint.occurred_at)
                             .where(Complaint.case_id == case.id)
                             .order_by(Complaint.id).limit(1)).first()
    return None if row is None else (row.learned_on, row.occurred_at)


def channel_choices() -> list[tuple[str, Any]]:
    return [(channel.value, channel.label) for channel in Channel]


def came_by(value: str) -> ColumnElement[bool]:
    """A complaint of the case came by this channel (an unknown value matches nothing)."""
    try:
        channel = Channel(value)
    except ValueError:
        return false()
    return exists().where(Complaint.case_id == Case.id, Complaint.channel == channel)


def attach_files(case: Case, uploads: Sequence[Any], source: str, actor: Any) -> list[int]:
    """Store the files (each with .stream and .filename) and attach them to the case, with
    the same checks as a complaint's files."""
    try:
        stored = store_files([Upload(u.stream, u.filename) for u in uploads])
    except ValueError as error:  # refused: `errors` names the files at fault
        messages = getattr(error, "errors", None) or {"files": str(error)}
        raise Refusal("invalid", " ".join(str(m) for m in messages.values()),
                      field="files") from None
    return [attach(case, f, source=source, actor=actor).id for f in stored]


def connect() -> None:
    channels.register(CaseHooks(
        name="intake", move_rows=move_complaints, timeline=complaint_entries,
        timeline_table=Complaint.__table__,
        complainants=complainants, facts_dates=facts_dates,
        narratives=NarrativeSource(Complaint.__tablename__, "narrative", "id"),
        contacts=ContactSource(Complaint.__tablename__, "name", "phone"),
        channel_choices=channel_choices, came_by=came_by, attach_files=attach_files))
