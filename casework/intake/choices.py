"""Choices for the public form, from the current election, in the page's language.

The complaint forms (public, hotline, publications) get them rendered once per election
reference stamp and language (`with_reference_options`): the lists are the same for every
visitor, and the stamp changes with any import or edit of the reference data
(casework/elections/stamp.py), in every process.
"""

from dataclasses import dataclass

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from wtforms import SelectChoice

from casework.core.cache import app_cache
from casework.core.i18n import collation_key, sorted_by_name
from casework.core.options import RenderedOptions
from casework.elections.models import (
    Candidate,
    CandidateStatus,
    Election,
    PollingStation,
    Region,
    StationKind,
)
from casework.extensions import db


def region_choices(election: Election) -> list[SelectChoice]:
    locale = str(get_locale())
    regions = list(db.session.scalars(select(Region).where(Region.election_id == election.id)
                                      .order_by(Region.code)))
    tops = sorted_by_name((r for r in regions if r.parent_id is None), locale,
                          lambda r: r.name(locale))
    choices = [SelectChoice("", _l("Choose…"))]
    for top in tops:
        group = top.name(locale)
        choices.append(SelectChoice(top.code, top.name(locale), optgroup=group))
        for child in sorted_by_name((r for r in regions if r.parent_id == top.id), locale,
                                    lambda r: r.name(locale)):
            choices.append(SelectChoice(child.code, "— " + child.name(locale), optgroup=group,
                                        render_kw={"data-parent": top.code}))
    return choices


def station_choices(election: Election) -> list[SelectChoice]:
    locale = str(get_locale())
    stations = list(db.session.scalars(
        select(PollingStation).options(selectinload(PollingStation.region))
        .where(PollingStation.election_id == election.id).order_by(PollingStation.code)))
    choices = [SelectChoice("", _l("Not at a polling station / I do not know"))]
    for station in stations:
        if station.kind is StationKind.ELECTRONIC:
            choices.append(SelectChoice(station.code, _l("Electronic voting"),
                                        render_kw={"data-kind": "electronic"}))
    # Grouped under their top region, the groups in the alphabet (a select shows optgroups
    # in the order they come).
    paper = sorted((s for s in stations if s.kind is StationKind.PAPER),
                   key=lambda s: (collation_key((s.region.parent or s.region).name(locale),
                                                locale), s.code))
    for station in paper:
        if station.kind is StationKind.PAPER:
            region = station.region
            top = region.parent or region
            choices.append(SelectChoice(station.code, f"{station.code} — {station.address}",
                                        optgroup=top.name(locale),
                                        render_kw={"data-region": region.code,
                                                   "data-top": top.code}))
    return choices


def candidate_choices(election: Election) -> list[SelectChoice]:
    locale = str(get_locale())
    candidates = sorted_by_name(db.session.scalars(
        select(Candidate).options(selectinload(Candidate.region))
        .where(Candidate.election_id == election.id,
               Candidate.status == CandidateStatus.REGISTERED)), locale, lambda c: c.name(locale))
    return [SelectChoice(c.code, f"{c.name(locale)} ({c.region.name(locale)})",
                         render_kw={"data-search": f"{c.name_kk} {c.name_ru} {c.name_en}".lower(),
                                    "data-region": c.region.code})
            for c in candidates]


@dataclass(frozen=True)
class ReferenceOptions:
    region: RenderedOptions
    station: RenderedOptions
    accused: RenderedOptions


def reference_options(election: Election) -> ReferenceOptions:
    """The form's three lists in the page's language, read and rendered once per stamp. The
    stamp is read before the lists, so a list is never older than the stamp it is kept under."""
    key = (election.id, election.reference_stamp, str(get_locale()))
    return app_cache("intake.reference_options", size=32).get_or_make(key, lambda: ReferenceOptions(
        region=RenderedOptions(region_choices(election)),
        station=RenderedOptions(station_choices(election)),
        accused=RenderedOptions(candidate_choices(election))))


def with_reference_options(form, election: Election, *, station: bool = True):
    """`form` with the election's regions, (stations) and candidates as pre-rendered lists."""
    options = reference_options(election)
    form.region.options = options.region
    if station:
        form.station.options = options.station
    form.accused.options = options.accused
    return form
