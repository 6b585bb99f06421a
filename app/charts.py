"""Server-rendered charts: pure functions that return SVG (and its data table) as markup.

No chart JavaScript: each chart is an inline `<svg role="img">` with a `<title>` and `<desc>`,
followed by a table with the same numbers, so a screen reader, a text browser or a printout
gets every value. Colours are SVG presentation attributes (the CSP forbids inline styles).
Coordinates are rounded to 0.1 px; the numbers shown are the caller's exact texts.

Labels sit on their own line above each bar and wrap instead of being cut, and the drawing is
narrow (400 units) with large text, so that on a 375 px phone, where the chart is about 340 px
wide, its text is still at least 12 px; the stylesheet caps its width on wide screens.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from fractions import Fraction
from typing import Sequence

from markupsafe import Markup, escape

WIDTH = 400
FONT_SIZE = 17
LINE = 22  # height of one line of text
BAR_HEIGHT = 20
ROW_GAP = 14
TOP = 6
CHAR_WIDTH = 0.6 * FONT_SIZE  # a generous average advance of DejaVu/Liberation Sans, for wrapping
INK = "#1b1f24"
COLOURS = {"normal": "#0b4f8a", "highlight": "#1d6b36", "muted": "#6b7680", "line": "#a4161a", "other": "#8fa8c2"}


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


@dataclass(frozen=True)
class Contest:
    """One head-to-head comparison: `ours` for the option the chart is about, `theirs` against it."""

    label: str  # the other option
    ours: int
    theirs: int
    text: str  # e.g. "3,360 to 2,477"


def _x(value: Fraction | int, scale: Fraction | int, span: int) -> str:
    if scale <= 0:
        return "0"
    return f"{float(Fraction(value) / Fraction(scale) * span):.1f}"


def _text_width(text: str) -> float:
    return len(text) * CHAR_WIDTH


def _wrap(label: str, room: float) -> list[str]:
    """The label in lines that fit `room` units (whole words; a word longer than a line is split)."""
    chars = max(8, int(room // CHAR_WIDTH))
    return textwrap.wrap(label, chars, break_long_words=True) or [""]


def _marks(x: float, bar_tops: Sequence[float], colour: str) -> str:
    """A dashed vertical line at `x` across each bar (not through the labels between bars)."""
    return "".join(f'<line x1="{x:.1f}" y1="{top - 4:.0f}" x2="{x:.1f}" y2="{top + BAR_HEIGHT + 4:.0f}" '
                   f'stroke="{colour}" stroke-width="2" stroke-dasharray="5 3"/>' for top in bar_tops)


def _svg_open(chart_id: str, title: str, description: str, height: float) -> list[str]:
    title_id, desc_id = f"{chart_id}-title", f"{chart_id}-desc"
    return [
        f'<svg class="chart" id="{escape(chart_id)}" role="img" aria-labelledby="{title_id} {desc_id}" '
        f'viewBox="0 0 {WIDTH} {height:.0f}" width="100%" preserveAspectRatio="xMinYMin meet" '
        f'xmlns="http://www.w3.org/2000/svg" font-family="DejaVu Sans, Liberation Sans, sans-serif" '
        f'font-size="{FONT_SIZE}">',
        f'<title id="{title_id}">{escape(title)}</title>',
        f'<desc id="{desc_id}">{escape(description or title)}</desc>',
    ]


def _label_lines(label: str, value_text: str, y: float) -> tuple[list[str], float]:
    """The label (left, wrapped) and the value (right, on the first line); returns the parts and
    the height they take."""
    lines = _wrap(label, WIDTH - _text_width(value_text) - 12)
    parts = [f'<text x="0" y="{y + LINE * (i + 1) - 5:.0f}" fill="{INK}">{escape(line)}</text>'
             for i, line in enumerate(lines)]
    parts.append(f'<text x="{WIDTH}" y="{y + LINE - 5:.0f}" text-anchor="end" fill="{INK}">{escape(value_text)}</text>')
    return parts, len(lines) * LINE


def _row_height(label: str, value_text: str) -> float:
    return len(_wrap(label, WIDTH - _text_width(value_text) - 12)) * LINE + BAR_HEIGHT + ROW_GAP


def bar_chart(chart_id: str, title: str, bars: Sequence[Bar], *, description: str = "",
              marker: Marker | None = None, scale: Fraction | int | None = None) -> Markup:
    """A horizontal bar chart; `scale` is the value of a full-width bar (default: the largest)."""
    span = WIDTH
    top = max([Fraction(b.value) for b in bars] + [Fraction(marker.value) if marker else Fraction(0)] + [Fraction(0)])
    full = Fraction(scale) if scale is not None else top
    if full < top:
        full = top
    label_room = LINE + 4 if marker else 0
    height = TOP + label_room + sum(_row_height(b.label, b.text) for b in bars) + TOP
    parts = _svg_open(chart_id, title, description, height)
    y = TOP + label_room
    bar_tops = []
    for bar in bars:
        colour = COLOURS["highlight"] if bar.highlight else COLOURS["muted"] if bar.muted else COLOURS["normal"]
        texts, used = _label_lines(bar.label, bar.text, y)
        parts.append(f'<g><title>{escape(bar.label)}: {escape(bar.text)}</title>{"".join(texts)}'
                     f'<rect x="0" y="{y + used:.0f}" width="{_x(bar.value, full, span)}" height="{BAR_HEIGHT}" '
                     f'fill="{colour}"/></g>')
        bar_tops.append(y + used)
        y += used + BAR_HEIGHT + ROW_GAP
    if marker is not None:
        x = float(_x(marker.value, full, span))
        anchor, text_x = ("end", x - 4) if x > WIDTH / 2 else ("start", x + 4)
        parts.append(f'<g>{_marks(x, bar_tops, COLOURS["line"])}'
                     f'<text x="{text_x:.1f}" y="{TOP + LINE - 5}" text-anchor="{anchor}" fill="{COLOURS["line"]}">'
                     f'{escape(marker.label)}</text></g>')
    parts.append("</svg>")
    return Markup("".join(parts))


def contest_chart(chart_id: str, title: str, contests: Sequence[Contest], *, description: str = "",
                  half_label: str = "") -> Markup:
    """Head-to-head bars: one full-width bar per contest, split into `ours` (green, from the left)
    and `theirs` (light blue), with a line at half, so a win is a green part past the line."""
    label_room = LINE + 4 if half_label else 0
    height = TOP + label_room + sum(_row_height(c.label, c.text) for c in contests) + TOP
    parts = _svg_open(chart_id, title, description, height)
    y = TOP + label_room
    bar_tops = []
    for contest in contests:
        total = contest.ours + contest.theirs
        ours = _x(contest.ours, total, WIDTH) if total else "0"
        texts, used = _label_lines(contest.label, contest.text, y)
        bar_y = y + used
        parts.append(
            f'<g><title>{escape(contest.label)}: {escape(contest.text)}</title>{"".join(texts)}'
            f'<rect x="0" y="{bar_y:.0f}" width="{WIDTH}" height="{BAR_HEIGHT}" fill="{COLOURS["other"]}"/>'
            f'<rect x="0" y="{bar_y:.0f}" width="{ours}" height="{BAR_HEIGHT}" fill="{COLOURS["highlight"]}"/></g>')
        bar_tops.append(bar_y)
        y += used + BAR_HEIGHT + ROW_GAP
    half = WIDTH / 2
    parts.append(_marks(half, bar_tops, INK))
    if half_label:
        parts.append(f'<text x="{half + 4:.1f}" y="{TOP + LINE - 5}" fill="{INK}">{escape(half_label)}</text>')
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


def _figure(chart: Markup, table: Markup) -> Markup:
    return Markup(f'<figure class="chart-figure">{chart}{table}</figure>')


def chart_with_table(chart_id: str, title: str, bars: Sequence[Bar], *, headers: Sequence[str],
                     rows: Sequence[Sequence[str]], description: str = "", marker: Marker | None = None,
                     scale: Fraction | int | None = None) -> Markup:
    """A figure: the chart, then the same data as a table (the fallback every reader gets)."""
    chart = bar_chart(chart_id, title, bars, description=description, marker=marker, scale=scale)
    return _figure(chart, data_table(title, headers, rows))


def contests_with_table(chart_id: str, title: str, contests: Sequence[Contest], *, headers: Sequence[str],
                        rows: Sequence[Sequence[str]], description: str = "", half_label: str = "") -> Markup:
    """A head-to-head figure: the split bars, then the same numbers as a table."""
    chart = contest_chart(chart_id, title, contests, description=description, half_label=half_label)
    return _figure(chart, data_table(title, headers, rows))


