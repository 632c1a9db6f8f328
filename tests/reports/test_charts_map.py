"""The SVG helpers and the tile map's layout and classes, without a database."""

import re

from casework.reports import charts
from casework.reports import map as tile_map
from casework.reports.figures import RegionFigure


def region(code, cases, voters=None):
    return RegionFigure(code, {"kk": f"{code} kk", "en": f"{code} en"}, cases, voters)


def test_five_equal_classes():
    assert [tile_map.level_of(v, 10) for v in (0, 1, 2, 2.0000001, 4, 6, 8, 9.5, 10)] == \
        [1, 1, 1, 2, 2, 3, 4, 5, 5]
    assert tile_map.level_of(0, 0) == 1


def test_known_regions_are_placed_on_their_square_and_the_others_below():
    regions = [region("KZ-KAR", 10, 1000), region("KZ-35", 5, 1000),  # same square twice
               region("QQ-1", 0, 1000), region("KZ-ALA", 2), region(None, 3)]
    tiles, legend = tile_map.layout(regions, "rate", "en", lambda v: f"{v:.1f}")
    placed = {t.code: (t.col, t.row, t.level) for t in tiles}
    assert placed["KZ-KAR"] == (4, 1, 5)
    assert placed["KZ-ALA"][:2] == (5, 3) and placed["KZ-ALA"][2] is None  # no voters
    # KZ-35 (Karaganda's numeric code) finds its square taken: the extra row, as QQ-1.
    assert placed["KZ-35"] == (0, 4, 3) and placed["QQ-1"] == (1, 4, 1)
    assert len(tiles) == 4  # the "no region" line is not a tile
    assert [(c.low, c.high) for c in legend] == [(0, 20), (20, 40), (40, 60), (60, 80),
                                                (80, 100)]
    svg = tile_map.map_svg("m", "Map <of> regions", "desc", tiles, lambda t: f"{t.name}!")
    assert svg.count('<g class="map-tile') == 4
    assert '<g class="map-tile map-nodata" data-region="KZ-ALA">' in svg
    assert "<title id=\"m-title\">Map &lt;of&gt; regions</title>" in svg
    assert 'viewBox="0 0 574 410"' in svg  # 7 columns, 5 rows of 82


def test_bar_chart_writes_every_number_and_escapes_labels():
    svg = charts.bar_chart("c", "Cases <by> state", "Bars.", [("A & B", 3), ("C", 0)],
                           value_label="Cases", fmt=lambda n: f"#{n}")
    assert svg.startswith('<svg xmlns="http://www.w3.org/2000/svg" role="img"')
    assert "<title>A &amp; B: #3</title>" in svg and "<title>C: #0</title>" in svg
    assert re.findall(r'<text class="chart-value"[^>]*>([^<]+)</text>', svg) == ["#3", "#0"]
    assert 'class="chart-axis-label"' in svg and "style=" not in svg
    widths = re.findall(r'<rect class="chart-bar"[^>]*width="([\d.]+)"', svg)
    assert widths == ["320.0", "0.0"]


def test_long_labels_wrap_on_two_lines():
    lines = charts._wrap("Irregularity in paper-ballot voting at a polling station far away")
    assert len(lines) == 2 and all(len(line) <= charts.LINE_CHARS for line in lines)
    assert lines[-1].endswith("…")
    assert charts._wrap("Short") == ["Short"]


def test_column_chart_labels_ticks_and_values():
    items = [(f"{h:02d}", h % 3) for h in range(24)]
    svg = charts.column_chart("h", "Per hour", "Columns.", items, x_label="Hour",
                              y_label="Cases", tick_every=3,
                              titles=[f"day {h}" for h in range(24)])
    assert svg.count('<g class="chart-item">') == 24
    assert "<title>day 5: 2</title>" in svg
    ticks = re.findall(r'<text class="chart-tick" x="[\d.]+" y="220" '
                       r'text-anchor="middle">(\d+)</text>', svg)
    assert ticks == ["00", "03", "06", "09", "12", "15", "18", "21"]
    assert len(re.findall(r'class="chart-value', svg)) == 16  # the non-zero ones
    assert 'transform="rotate(-90)"' in svg
