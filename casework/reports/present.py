"""From figures to what the pages show: translated sections (chart + data table), tiles, the
map. Shared by the staff dashboard and the public statistics; the texts go through gettext
here, at render time, in the page's language."""

import math
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime, format_timedelta
from flask import current_app
from flask_babel import format_decimal, format_percent, get_locale
from flask_babel import gettext as _
from markupsafe import Markup

from casework.cases.models import CaseState, Category, InadmissibleReason, Outcome
from casework.core.i18n import sorted_by_name
from casework.core.timezones import to_local, zone_of
from casework.intake.models import Channel
from casework.reports import charts, rollups
from casework.reports import map as tile_map
from casework.reports.figures import Dashboard, Median, RegionFigure
from casework.sanctions.models import SanctionType

RECENT_HOURS = 24  # hours drawn in the per-hour charts (the JSON has the 14 days)
MAP_BY = ("rate", "count")


@dataclass
class Section:
    """One figure: a chart (None: no chart, e.g. the rollup is not ready) and its table."""

    id: str
    title: str
    chart: Markup | None
    columns: list[str]
    rows: list[list[str]]
    pending: bool = False  # from the rollup, not computed yet
    note: str = ""


@dataclass
class Tile:
    label: str
    value: str
    hint: str = ""
    css: str = ""


@dataclass
class Page:
    tiles: list[Tile]
    sections: list[Section] = field(default_factory=list)


def locale() -> str:
    return str(get_locale() or "en")


_WHOLE_NUMBERS: dict[tuple, str] = {}


def number(value: float | int, decimals: int = 0) -> str:
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    if not isinstance(value, int):
        return format_decimal(value, pattern)
    # Counts: a dashboard shows ~460, mostly the same small numbers; formatted once per language.
    key = (get_locale(), pattern, value)
    shown = _WHOLE_NUMBERS.get(key)
    if shown is None:
        if len(_WHOLE_NUMBERS) > 50_000:
            _WHOLE_NUMBERS.clear()
        shown = _WHOLE_NUMBERS[key] = format_decimal(value, pattern)
    return shown


def duration(minutes: int) -> str:
    return format_timedelta(timedelta(minutes=minutes), threshold=1, locale=locale())


def bucket_label(low: int, high: int | None) -> str:
    if high is None:
        return _("%(low)s or more", low=duration(low))
    if low == 0:
        return _("under %(high)s", high=duration(high))
    # Translators: a range, "from … to …"; the values are durations or numbers.
    return _("%(low)s to %(high)s", low=duration(low), high=duration(high))


def median_text(median: Median | None) -> str:
    if median is None:
        return "—"
    return bucket_label(median.low, median.high)


def _local(hour: str, zone: ZoneInfo) -> datetime:
    return to_local(datetime.strptime(hour, "%Y-%m-%dT%H"), zone)


def _bars(section_id: str, title: str, items: list[tuple[str, int]], value_label: str,
          column: str) -> Section:
    desc = _("Bar chart. The numbers are also in the table under it.")
    chart = charts.bar_chart(f"chart-{section_id}", title, desc, items,
                             value_label=value_label, fmt=number)
    return Section(section_id, title, chart, [column, value_label],
                   [[label, number(value)] for label, value in items])


def _pending(section_id: str, title: str) -> Section:
    return Section(section_id, title, None, [], [], pending=True)


def _per_hour(section_id: str, title: str, series: list[tuple[str, int]] | None,
              zone: ZoneInfo, value_label: str) -> Section:
    if series is None:
        return _pending(section_id, title)
    recent = series[-RECENT_HOURS:]
    lang = locale()
    full = [format_datetime(_local(k, zone), "d MMM y, HH:mm", tzinfo=zone, locale=lang)
            for k, _n in recent]
    rows = [[label, number(n)] for label, (_k, n) in zip(full, recent, strict=True)]
    ticks = [(format_datetime(_local(k, zone), "HH", tzinfo=zone, locale=lang), n)
             for k, n in recent]
    chart = charts.column_chart(
        f"chart-{section_id}", title,
        _("Column chart of the last %(n)d hours. The numbers are also in the table under it.",
          n=RECENT_HOURS), ticks,
        x_label=_("Hour (%(zone)s)", zone=zone.key), y_label=value_label, tick_every=3,
        fmt=number, titles=full)
    return Section(section_id, title, chart, [_("Hour starting"), value_label], rows)


def _per_day(series: list[tuple[str, int]] | None, zone: ZoneInfo) -> Section:
    title = _("New cases per day")
    if series is None:
        return _pending("created-day", title)
    lang = locale()
    labels = [(format_date(date.fromisoformat(k), "d MMM", locale=lang), n) for k, n in series]
    full = [format_date(date.fromisoformat(k), "d MMMM y", locale=lang) for k, _n in series]
    chart = charts.column_chart(
        "chart-created-day", title,
        _("Column chart. The numbers are also in the table under it."), labels,
        x_label=_("Day (%(zone)s)", zone=zone.key), y_label=_("Cases"),
        tick_every=max(1, math.ceil(len(labels) / 10)), fmt=number, titles=full)
    rows = [[label, number(n)] for label, (_k, n) in zip(full, series, strict=True)]
    return Section("created-day", title, chart, [_("Day"), _("Cases")], rows)


def _histogram(section_id: str, title: str, values: dict[int, int] | None,
               median: Median | None) -> Section:
    if values is None:
        return _pending(section_id, title)
    items = [(bucket_label(low, high), values.get(low, 0))
             for low, high in rollups.bucket_bounds()]
    section = _bars(section_id, title, items, _("Cases"), _("Time taken"))
    section.note = _("Median: %(median)s (%(n)s cases).", median=median_text(median),
                     n=number(median.count if median else 0))
    return section


def by_name(regions: list[RegionFigure], lang: str) -> list[RegionFigure]:
    """Regions in the alphabet of the page's language; "no region yet" stays last."""
    return sorted_by_name((r for r in regions if r.code), lang, lambda r: r.name(lang)) + \
        [r for r in regions if not r.code]


def _in_time_section(data: Dashboard, lang: str) -> Section:
    """Decided cases per region, and how many by their legal deadline (issue 19)."""
    title = _("Decisions within the legal deadline")
    if data.decided_with_deadline is None:
        return _pending("in-time", title)
    regions = [r for r in by_name(data.by_region, lang) if r.code or r.decided]
    in_time = _("Within the legal deadline")
    section = _bars("in-time", title, [(region_label(r.code, r.name(lang)), r.in_time)
                                       for r in regions], in_time, _("Region"))
    section.columns = [_("Region"), _("Decided"), in_time, _("Share")]
    section.rows = [[region_label(r.code, r.name(lang)), number(r.decided), number(r.in_time),
                     percent(r.in_time, r.decided)] for r in regions]
    section.rows.append([_("All regions"), number(data.decided_with_deadline),
                         number(data.in_time), percent(data.in_time, data.decided_with_deadline)])
    section.note = _("A case counts once, at its first decision, against the deadline then "
                     "running.")
    return section


def percent(part: int, whole: int) -> str:
    return format_percent(part / whole) if whole else "—"


def region_label(code: str | None, name: str) -> str:
    return name if code else _("Region not set yet")


def page(data: Dashboard, *, public: bool) -> Page:
    """Tiles and sections of the dashboard (public=False) or the statistics page."""
    lang = locale()
    zone = zone_of(data.timezone)
    soon = int(current_app.config["CASEWORK_DUE_SOON_HOURS"])
    tiles = [
        Tile(_("Cases"), number(data.total)),
        # Translators: a statistics tile: how many cases are still open (not a button).
        Tile(_("Open"), number(data.open)),
        Tile(_("Overdue"), number(data.overdue) if data.prepared else "…",
             css="tile-alert" if data.overdue else ""),
        # Translators: a statistics tile: cases whose deadline is near.
        Tile(_("Due soon"), number(data.due_soon) if data.prepared else "…",
             hint=_("within %(n)d hours", n=soon)),
        Tile(_("Median time to screening"), median_text(data.screening_median)
             if data.prepared else "…"),
        Tile(_("Median time to decision"), median_text(data.decision_median)
             if data.prepared else "…"),
    ]
    cases = _("Cases")
    sections = [
        _bars("state", _("Cases by state"),
              [(str(CaseState(k).label), n) for k, n in data.by_state.items()],
              cases, _("State")),
        _bars("region", _("Cases by region"),
              [(region_label(r.code, r.name(lang)), r.cases) for r in by_name(data.by_region, lang)],
              cases, _("Region")),
        _bars("category", _("Cases by category"),
              [(str(c.label), data.by_category[c.value]) for c in Category], cases,
              _("Category")),
    ]
    title = _("Complaints by channel")
    if data.channels is None:
        sections.append(_pending("channel", title))
    else:
        section = _bars("channel", title, [(str(c.label), data.channels[c.value])
                                           for c in Channel], _("Complaints"),
                        _("Channel"))
        section.note = _("Each complaint counts once: a case may have complaints from several "
                         "channels.")
        sections.append(section)
    sections.append(_per_hour("created-hour", _("New cases per hour"), data.created_hour,
                              zone, cases))
    sections.append(_per_day(data.created_day, zone))
    title = _("Outcomes of decided cases")
    sections.append(_pending("outcome", title) if data.outcomes is None else _bars(
        "outcome", title, [(str(o.label), data.outcomes[o.value]) for o in Outcome], cases,
        _("Outcome")))
    title = _("Inadmissible cases by reason")
    if data.inadmissible is None:
        sections.append(_pending("inadmissible", title))
    else:
        reasons = [(str(r.label), data.inadmissible[r.value]) for r in InadmissibleReason]
        if data.inadmissible.get(rollups.UNKNOWN_REASON):
            reasons.append((_("Reason not recorded"), data.inadmissible[rollups.UNKNOWN_REASON]))
        sections.append(_bars("inadmissible", title, reasons, cases, _("Reason")))
    sections.append(_in_time_section(data, lang))
    sections.append(_histogram("screening-time", _("Time from intake to screening"),
                               data.screening_minutes, data.screening_median))
    sections.append(_histogram("decision-time", _("Time from intake to decision"),
                               data.decision_minutes, data.decision_median))
    section = _bars("sanctions", _("Sanctions enforced by type"),
                    [(str(t.label), data.sanctions[t.value]) for t in SanctionType],
                    _("Sanctions"), _("Type"))
    if not public:
        section.columns.append(_("Proposed, awaiting review"))
        for row, kind in zip(section.rows, SanctionType, strict=True):
            row.append(number(data.sanctions_proposed[kind.value]))
    sections.append(section)
    sections.append(_per_hour("calls-hour", _("Hotline calls per hour"), data.calls_hour, zone,
                              _("Calls")))
    return Page(tiles, sections)


# -- the map ----------------------------------------------------------------------------------

@dataclass
class MapView:
    by: str
    svg: Markup
    legend: list[tuple[str, str]]  # (css class, range text)
    rows: list[dict]


def region_map(data: Dashboard, by: str) -> MapView:
    lang = locale()
    by = by if by in MAP_BY else "rate"

    def fmt(value: float) -> str:
        return number(value, 1) if by == "rate" else number(value)

    tiles, legend = tile_map.layout(data.by_region, by, lang, fmt)

    def tooltip(tile: tile_map.Tile) -> str:
        if tile.value is None:
            return _("%(region)s: no data on voters", region=tile.name)
        if by == "rate":
            return _("%(region)s: %(value)s cases per 10,000 voters", region=tile.name,
                     value=tile.text)
        return _("%(region)s: %(value)s cases", region=tile.name, value=tile.text)

    title = (_("Map of the regions: cases per 10,000 voters") if by == "rate"
             else _("Map of the regions: number of cases"))
    svg = tile_map.map_svg("region-map", title, _(
        "Each square is a region, placed roughly where it lies; darker means more. The table "
        "under the map gives the same numbers."), tiles, tooltip)
    legend_rows = [(f"map-q{c.level}", _("%(low)s to %(high)s", low=fmt(c.low),
                                         high=fmt(c.high))) for c in legend]
    if any(t.level is None for t in tiles):
        legend_rows.append(("map-nodata", _("no data")))
    rows = [{"code": r.code, "name": r.name(lang), "cases": number(r.cases),
             "voters": number(r.voters) if r.voters else "—",
             "rate": number(r.per_10k, 1) if r.per_10k is not None else "—"}
            for r in by_name(data.by_region, lang) if r.code]
    return MapView(by, svg, legend_rows, rows)
