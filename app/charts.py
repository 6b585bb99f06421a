"""Server-rendered charts: pure functions that return SVG (and its data table) as markup.

No chart JavaScript: each chart is an inline `<svg role="img">` with a `<title>` and `<desc>`,
followed by a table with the same numbers, so a screen reader, a text browser or a printout
gets every value. Colours are SVG presentation attributes (the CSP forbids inline styles).
Coordinates are rounded to 0.1 px; the numbers shown are the caller's exact texts.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Sequence

from markupsafe import Markup, escape

WIDTH = 640
LABEL_WIDTH = 200
VALUE_WIDTH = 150
BAR_HEIGHT = 22
ROW_GAP = 10
TOP = 10
MAX_LABEL_CHARS = 30
COLOURS = {"normal": "#0b4f8a", "highlight": "#1d6b36", "muted": "#6b7680", "line": "#a4161a"}


@dataclass(frozen=True)
class Bar:
    label: str
    value: Fraction | int  # what is plotted; never negative
    text: str  # the value as the reader should see it, e.g. "6,120 (62.4 %)"
    highlight: bool = False  # a winner, an option that carried
    muted: bool = False  # abstentions and other non-votes


@dataclass(frozen=True)
class Marker:
    """A vertical line at `value` on the bars' scale, e.g. a threshold or a quota."""

    value: Fraction | int
    label: str


def _x(value: Fraction | int, scale: Fraction | int, span: int) -> str:
    if scale <= 0:
        return "0"
    return f"{float(Fraction(value) / Fraction(scale) * span):.1f}"


def _short(label: str) -> str:
    return label if len(label) <= MAX_LABEL_CHARS else label[: MAX_LABEL_CHARS - 1] + "…"


def bar_chart(chart_id: str, title: str, bars: Sequence[Bar], *, description: str = "",
              marker: Marker | None = None, scale: Fraction | int | None = None) -> Markup:
    """A horizontal bar chart; `scale` is the value of a full-width bar (default: the largest)."""
    span = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    top = max([Fraction(b.value) for b in bars] + [Fraction(marker.value) if marker else Fraction(0)] + [Fraction(0)])
    full = Fraction(scale) if scale is not None else top
    if full < top:
        full = top
    label_room = 18 if marker else 0
    height = TOP + label_room + len(bars) * (BAR_HEIGHT + ROW_GAP) + TOP
    title_id, desc_id = f"{chart_id}-title", f"{chart_id}-desc"
    parts = [
        f'<svg class="chart" id="{escape(chart_id)}" role="img" aria-labelledby="{title_id} {desc_id}" '
        f'viewBox="0 0 {WIDTH} {height}" width="100%" preserveAspectRatio="xMinYMin meet" '
        f'xmlns="http://www.w3.org/2000/svg" font-family="DejaVu Sans, Liberation Sans, sans-serif" font-size="13">',
        f'<title id="{title_id}">{escape(title)}</title>',
        f'<desc id="{desc_id}">{escape(description or title)}</desc>',
    ]
    for i, bar in enumerate(bars):
        y = TOP + label_room + i * (BAR_HEIGHT + ROW_GAP)
        colour = COLOURS["highlight"] if bar.highlight else COLOURS["muted"] if bar.muted else COLOURS["normal"]
        width = _x(bar.value, full, span)
        parts.append(
            f'<g><title>{escape(bar.label)}: {escape(bar.text)}</title>'
            f'<text x="{LABEL_WIDTH - 8}" y="{y + BAR_HEIGHT - 6}" text-anchor="end" fill="#1b1f24">{escape(_short(bar.label))}</text>'
            f'<rect x="{LABEL_WIDTH}" y="{y}" width="{width}" height="{BAR_HEIGHT}" fill="{colour}"/>'
            f'<text x="{float(width) + LABEL_WIDTH + 6:.1f}" y="{y + BAR_HEIGHT - 6}" fill="#1b1f24">{escape(bar.text)}</text></g>'
        )
    if marker is not None:
        x = f"{float(_x(marker.value, full, span)) + LABEL_WIDTH:.1f}"
        parts.append(
            f'<g><line x1="{x}" y1="{TOP + 14}" x2="{x}" y2="{height - TOP}" stroke="{COLOURS["line"]}" '
            f'stroke-width="2" stroke-dasharray="5 3"/>'
            f'<text x="{x}" y="{TOP + 8}" text-anchor="middle" fill="{COLOURS["line"]}">{escape(marker.label)}</text></g>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def data_table(caption: str, headers: Sequence[str], rows: Sequence[Sequence[str]], *,
               numeric_from: int = 1) -> Markup:
    """The chart's numbers as an accessible table: row headers in the first column."""
    head = "".join(f'<th scope="col">{escape(h)}</th>' for h in headers)
    body = []
    for row in rows:
        cells = [f'<th scope="row">{escape(row[0])}</th>']
        cells += [f'<td class="num">{escape(c)}</td>' if i >= numeric_from else f"<td>{escape(c)}</td>"
                  for i, c in enumerate(row[1:], start=1)]
        body.append("<tr>" + "".join(cells) + "</tr>")
    return Markup(f'<div class="table-scroll" tabindex="0"><table><caption>{escape(caption)}</caption>'
                  f'<thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table></div>')


def chart_with_table(chart_id: str, title: str, bars: Sequence[Bar], *, headers: Sequence[str],
                     rows: Sequence[Sequence[str]], description: str = "", marker: Marker | None = None,
                     scale: Fraction | int | None = None) -> Markup:
    """A figure: the chart, then the same data as a table (the fallback every reader gets)."""
    chart = bar_chart(chart_id, title, bars, description=description, marker=marker, scale=scale)
    table = data_table(title, headers, rows)
    return Markup(f'<figure class="chart-figure">{chart}{table}</figure>')
