"""Bar charts drawn as SVG on the server: no script, no third-party files.

Each chart is an `<svg role="img">` with a <title> and a <desc>, axis labels, and each bar in
a group with its own <title> (the tooltip) and its number written beside it. Colours come from
CSS classes (static/css/casework.css, "Reports" section): the Content-Security-Policy forbids
style attributes, and presentation attributes (x, y, width, height) are all that is used.
Texts arrive translated and are escaped here.
"""

from collections.abc import Callable, Sequence

from markupsafe import Markup, escape

WIDTH = 640
LABEL_WIDTH = 250  # horizontal charts: the label column
ROW = 32
LINE_CHARS = 34


def _wrap(label: str, limit: int = LINE_CHARS) -> list[str]:
    """At most two lines of about `limit` characters (the full label is in the tooltip)."""
    words, lines, current = label.split(), [], ""
    for word in words:
        if current and len(current) + 1 + len(word) > limit:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}".strip()
    lines.append(current)
    if len(lines) > 2:
        lines = [lines[0], " ".join(lines[1:])]
    if len(lines[-1]) > limit:
        lines[-1] = lines[-1][: limit - 1].rstrip() + "…"
    return lines


def _head(chart_id: str, title: str, desc: str, height: int, css: str) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" role="img" class="chart {css}" '
            f'id="{chart_id}" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" '
            f'aria-labelledby="{chart_id}-title {chart_id}-desc">'
            f'<title id="{chart_id}-title">{escape(title)}</title>'
            f'<desc id="{chart_id}-desc">{escape(desc)}</desc>')


def bar_chart(chart_id: str, title: str, desc: str, items: Sequence[tuple[str, int]], *,
              value_label: str, fmt: Callable[[int], str] = str,
              css: str = "") -> Markup:
    """Horizontal bars, one per (label, value), labels on the left, values written."""
    top, bottom = 8, 40
    height = top + ROW * max(1, len(items)) + bottom
    plot = WIDTH - LABEL_WIDTH - 70
    peak = max((value for _label, value in items), default=0) or 1
    parts = [_head(chart_id, title, desc, height, f"chart-bars {css}".strip())]
    for index, (label, value) in enumerate(items):
        y = top + index * ROW
        width = round(plot * value / peak, 1)
        lines = _wrap(str(label))
        first_y = y + (ROW / 2 + 4 if len(lines) == 1 else ROW / 2 - 3)
        text = "".join(f'<tspan x="{LABEL_WIDTH - 8}" y="{first_y + n * 14:.0f}">'
                       f'{escape(line)}</tspan>' for n, line in enumerate(lines))
        parts.append(
            f'<g class="chart-item"><title>{escape(label)}: {escape(fmt(value))}</title>'
            f'<text class="chart-label" text-anchor="end">{text}</text>'
            f'<rect class="chart-bar" x="{LABEL_WIDTH}" y="{y + 6}" width="{width}" '
            f'height="{ROW - 12}"/>'
            f'<text class="chart-value" x="{LABEL_WIDTH + width + 6}" y="{y + ROW / 2 + 4:.0f}">'
            f'{escape(fmt(value))}</text></g>')
    axis_bottom = top + ROW * max(1, len(items))
    parts.append(f'<line class="chart-axis" x1="{LABEL_WIDTH}" y1="{top}" x2="{LABEL_WIDTH}" '
                 f'y2="{axis_bottom}"/>'
                 f'<line class="chart-axis" x1="{LABEL_WIDTH}" y1="{axis_bottom}" '
                 f'x2="{LABEL_WIDTH + plot}" y2="{axis_bottom}"/>'
                 f'<text class="chart-axis-label" x="{LABEL_WIDTH + plot / 2:.0f}" '
                 f'y="{axis_bottom + 28}" text-anchor="middle">{escape(value_label)}</text>'
                 "</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text in it went through escape()


def column_chart(chart_id: str, title: str, desc: str, items: Sequence[tuple[str, int]], *,
                 x_label: str, y_label: str, tick_every: int = 1,
                 fmt: Callable[[int], str] = str, css: str = "",
                 titles: Sequence[str] | None = None) -> Markup:
    """Vertical bars over time: (tick label, value); every `tick_every`-th label is written
    under the axis, every non-zero value above its bar. `titles`: the bars' tooltips' names
    (default: the tick labels)."""
    left, right, top, bottom = 56, 12, 22, 56
    height = 260
    plot_w, plot_h = WIDTH - left - right, height - top - bottom
    count = max(1, len(items))
    step = plot_w / count
    peak = max((value for _label, value in items), default=0) or 1
    axis_y = top + plot_h
    parts = [_head(chart_id, title, desc, height, f"chart-columns {css}".strip())]
    small = step < 18
    for index, (label, value) in enumerate(items):
        x = left + index * step
        bar_h = round(plot_h * value / peak, 1)
        written = ""
        if value:
            middle = x + step / 2
            written = (f'<text class="chart-value{" chart-value-small" if small else ""}" '
                       f'x="{middle:.1f}" y="{axis_y - bar_h - 4:.1f}" text-anchor="middle">'
                       f'{escape(fmt(value))}</text>')
        parts.append(
            f'<g class="chart-item"><title>{escape(titles[index] if titles else label)}: '
            f'{escape(fmt(value))}</title>'
            f'<rect class="chart-bar" x="{x + step * 0.1:.1f}" y="{axis_y - bar_h:.1f}" '
            f'width="{step * 0.8:.1f}" height="{bar_h}"/>{written}</g>')
        if index % tick_every == 0:
            parts.append(f'<text class="chart-tick" x="{x + step / 2:.1f}" y="{axis_y + 16}" '
                         f'text-anchor="middle">{escape(label)}</text>')
    parts.append(
        f'<line class="chart-axis" x1="{left}" y1="{top}" x2="{left}" y2="{axis_y}"/>'
        f'<line class="chart-axis" x1="{left}" y1="{axis_y}" x2="{left + plot_w}" '
        f'y2="{axis_y}"/>'
        f'<text class="chart-tick" x="{left - 6}" y="{top + 4}" text-anchor="end">'
        f'{escape(fmt(peak if any(v for _l, v in items) else 0))}</text>'
        f'<text class="chart-tick" x="{left - 6}" y="{axis_y + 4}" text-anchor="end">'
        f'{escape(fmt(0))}</text>'
        f'<text class="chart-axis-label" x="{left + plot_w / 2:.0f}" y="{height - 10}" '
        f'text-anchor="middle">{escape(x_label)}</text>'
        f'<text class="chart-axis-label" transform="rotate(-90)" x="{-(top + plot_h / 2):.0f}" '
        f'y="16" text-anchor="middle">{escape(y_label)}</text>'
        "</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text in it went through escape()
