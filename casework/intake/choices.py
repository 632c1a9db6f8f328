"""Choices for the public form, from the current election, in the page's language."""

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from wtforms import SelectChoice

from casework.core.i18n import collation_key, sorted_by_name
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
