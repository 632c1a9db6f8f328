"""The tile map of the public statistics: one square per top-level region, placed on a grid
roughly where the region lies in Kazakhstan, coloured in five classes.

POSITIONS knows the regions by their ISO 3166-2:KZ codes, in the letter form of the demo data
(KZ-KAR) and the numeric form of the 2022 list (KZ-35), with the three regions formed in 2022
(Abai, Jetisu, Ulytau). A region with any other code, or a second region on a taken square, is
placed in an extra row under the map, so any election draws.
"""

import math
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from markupsafe import Markup, escape

from casework.reports.figures import RegionFigure

# code -> (column, row): west to east, north to south.
_GRID = {
    ("KZ-KUS", "KZ-39"): (2, 0), ("KZ-SEV", "KZ-59"): (3, 0), ("KZ-AST", "KZ-71"): (4, 0),
    ("KZ-PAV", "KZ-55"): (5, 0),
    ("KZ-ZAP", "KZ-27"): (0, 1), ("KZ-AKT", "KZ-15"): (1, 1), ("KZ-ULT", "KZ-62"): (2, 1),
    ("KZ-AKM", "KZ-11"): (3, 1), ("KZ-KAR", "KZ-35"): (4, 1), ("KZ-ABY", "KZ-10"): (5, 1),
    ("KZ-VOS", "KZ-63"): (6, 1),
    ("KZ-ATY", "KZ-23"): (0, 2), ("KZ-KZY", "KZ-43"): (2, 2), ("KZ-YUZ", "KZ-61"): (3, 2),
    ("KZ-ZHA", "KZ-31"): (4, 2), ("KZ-ALM", "KZ-19"): (5, 2), ("KZ-ZHT", "KZ-33"): (6, 2),
    ("KZ-MAN", "KZ-47"): (0, 3), ("KZ-SHY", "KZ-79"): (3, 3), ("KZ-ALA", "KZ-75"): (5, 3),
}
POSITIONS: dict[str, tuple[int, int]] = {code: place for codes, place in _GRID.items()
                                         for code in codes}
COLUMNS = 7
CLASSES = 5
TILE = 76
GAP = 6


@dataclass(frozen=True)
class Tile:
    code: str
    short: str
    name: str
    col: int
    row: int
    value: float | None  # None: no data (no voter count, for the rate)
    level: int | None  # colour class 1..5; None: no data
    text: str  # the value as written on the tile


@dataclass(frozen=True)
class LegendClass:
    level: int
    low: float
    high: float


# The words that say what kind of place a region is: a tile drops them (its <title> keeps
# the full name).
GENERIC_WORDS = ("облысы", "қаласы", "область", "город", "region", "city")
RUSSIAN_ADJECTIVE = ("ская", "ский", "ское")  # Карагандинская (область) -> Караганд.
SQUEEZE_FROM = 6  # letters drawn at full width on a tile
SHORT_MAX = 10  # letters a tile holds (longer labels are squeezed by the SVG)


def short_label(name: str, qualify: bool = False) -> str:
    """A region's name short enough for its tile, in the language of `name`: without the
    generic word; a Russian adjective cut as in "Караганд. обл."; a long name of several
    words as initials (СҚО, ВКО, NKR). `qualify` keeps the generic word's initial, to tell
    "Алматы о." from "Алматы қ."."""
    words = name.split()
    generic = [w for w in words if w.casefold() in GENERIC_WORDS]
    core = " ".join(w for w in words if w.casefold() not in GENERIC_WORDS) or name
    if " " not in core and core.casefold().endswith(RUSSIAN_ADJECTIVE):
        stem = core[:-4]
        core = (stem[:-2] if stem.endswith("ин") else stem) + "."
    if len(core) > SHORT_MAX:
        parts = [p for p in re.split(r"[\s-]+", core) if p]
        if len(parts) > 1:
            return "".join(p[0] for p in parts).upper() + "".join(g[0].upper() for g in generic[:1])
        return core[:SHORT_MAX - 1] + "."
    if qualify and generic:
        return f"{core} {generic[0][0]}."
    return core


def level_of(value: float, peak: float) -> int:
    """Five equal classes of (0, peak]; 0 falls in the first."""
    if peak <= 0:
        return 1
    return min(CLASSES, max(1, math.ceil(value * CLASSES / peak - 1e-9)))


def layout(regions: Sequence[RegionFigure], by: str, locale: str,
           fmt: Callable[[float], str]) -> tuple[list[Tile], list[LegendClass]]:
    """Tiles of the regions that have a code (not the "no region yet" line) and the legend.
    `by`: "rate" (cases per 10,000 voters) or "count"."""
    coded = [r for r in regions if r.code]
    values = {r.code: (r.per_10k if by == "rate" else float(r.cases)) for r in coded}
    peak = max((v for v in values.values() if v is not None), default=0.0)
    taken: set[tuple[int, int]] = set()
    extra_row = max(row for _col, row in POSITIONS.values()) + 1
    extra: list[RegionFigure] = []
    tiles: list[Tile] = []
    for region in coded:
        place = POSITIONS.get(region.code)
        if place is None or place in taken:
            extra.append(region)
            continue
        taken.add(place)
        tiles.append(_tile(region, place, values[region.code], peak, locale, fmt))
    for index, region in enumerate(extra):
        place = (index % COLUMNS, extra_row + index // COLUMNS)
        tiles.append(_tile(region, place, values[region.code], peak, locale, fmt))
    legend = [LegendClass(n, peak * (n - 1) / CLASSES, peak * n / CLASSES)
              for n in range(1, CLASSES + 1)]
    return _distinct(tiles), legend


def _distinct(tiles: list[Tile]) -> list[Tile]:
    """Two tiles with the same short label (Алматы the region, Алматы the city) keep the
    initial of their generic word."""
    seen = Counter(t.short for t in tiles)
    return [replace(t, short=short_label(t.name, qualify=True)) if seen[t.short] > 1 else t
            for t in tiles]


def _tile(region: RegionFigure, place: tuple[int, int], value: float | None, peak: float,
          locale: str, fmt: Callable[[float], str]) -> Tile:
    return Tile(region.code, short_label(region.name(locale)), region.name(locale), place[0], place[1],
                value, None if value is None else level_of(value, peak),
                "—" if value is None else fmt(value))


def _squeeze(label: str) -> str:
    """A label longer than the tile at the map's font is drawn narrower to fit."""
    return (f' textLength="{TILE - 8}" lengthAdjust="spacingAndGlyphs"'
            if len(label) > SQUEEZE_FROM else "")


def map_svg(map_id: str, title: str, desc: str, tiles: Sequence[Tile],
            tooltip: Callable[[Tile], str]) -> Markup:
    """The tiles as an SVG; each tile a <g data-region="CODE"> with a <title> (name and
    figure), its short code and its figure."""
    rows = max((t.row for t in tiles), default=0) + 1
    width, height = COLUMNS * (TILE + GAP), rows * (TILE + GAP)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" class="tile-map" '
             f'id="{map_id}" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
             f'aria-labelledby="{map_id}-title {map_id}-desc">'
             f'<title id="{map_id}-title">{escape(title)}</title>'
             f'<desc id="{map_id}-desc">{escape(desc)}</desc>']
    for tile in tiles:
        x, y = tile.col * (TILE + GAP), tile.row * (TILE + GAP)
        level = "map-nodata" if tile.level is None else f"map-q{tile.level}"
        parts.append(
            f'<g class="map-tile {level}" data-region="{escape(tile.code)}">'
            f"<title>{escape(tooltip(tile))}</title>"
            f'<rect x="{x}" y="{y}" width="{TILE}" height="{TILE}" rx="6"/>'
            f'<text class="map-code" x="{x + TILE / 2:.0f}" y="{y + 30}" '
            f'text-anchor="middle"{_squeeze(tile.short)}>{escape(tile.short)}</text>'
            f'<text class="map-value" x="{x + TILE / 2:.0f}" y="{y + 54}" '
            f'text-anchor="middle">{escape(tile.text)}</text></g>')
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text in it went through escape()
