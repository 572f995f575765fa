"""Server-rendered SVG charts of the dashboards (no JavaScript, no CDN), after assessment/charts.py.

The SVG is decorative for screen readers (``aria-hidden``); every chart stands beside a table with the
same values, which is its text alternative. Colours have at least 4.5:1 contrast on white, and the two
lines differ by dash and marker too (never by colour alone)."""

from __future__ import annotations

from decimal import Decimal

from django.utils.html import format_html, format_html_join

WIDTH, HEIGHT, PAD_LEFT, PAD_RIGHT, PAD_Y = 360, 170, 56, 10, 18
THIS_YEAR_COLOUR, LAST_YEAR_COLOUR, TARGET_COLOUR = "#005a9c", "#595959", "#a23c00"
MONTH_LETTERS = "JFMAMJJASOND"


def _join(parts) -> str:
    return format_html_join("", "{}", ((part,) for part in parts))


def _nice_max(value: Decimal) -> Decimal:
    """A round top of the scale at or above ``value`` (1, 2, 5 × a power of ten)."""
    if value <= 0:
        return Decimal(1)
    power = Decimal(1)
    while power * 10 <= value:
        power *= 10
    for step in (1, 2, 5, 10):
        if power * step >= value:
            return power * step
    return power * 10


def _label(value: Decimal) -> str:
    return f"{int(value):,}".replace(",", "\u00a0")


def line_chart(labels: list[str], series: list[tuple[str, list]], *, target=None) -> str:
    """An SVG with one line per series (``[(name, values)]``, at most three) over ``labels``; values may be
    None (a gap). ``target``: a horizontal dashed line (an implementation goal)."""
    values = [Decimal(v) for _, vs in series for v in vs if v is not None]
    if target is not None:
        values.append(Decimal(target))
    top = _nice_max(max(values, default=Decimal(0)))
    inner_w, inner_h = WIDTH - PAD_LEFT - PAD_RIGHT, HEIGHT - 2 * PAD_Y - 14
    step = inner_w / max(len(labels) - 1, 1)

    def y_of(value) -> float:
        return round(PAD_Y + inner_h - float(Decimal(value) / top) * inner_h, 1)

    parts = []
    for fraction in (0, Decimal("0.5"), 1):
        y = y_of(top * fraction)
        parts.append(format_html('<line x1="{}" x2="{}" y1="{}" y2="{}" stroke="#ccc"/>'
                                 '<text x="{}" y="{}" font-size="11" fill="#333" text-anchor="end">{}</text>',
                                 PAD_LEFT, WIDTH - PAD_RIGHT, y, y, PAD_LEFT - 4, y + 4, _label(top * fraction)))
    for i, label in enumerate(labels):
        parts.append(format_html('<text x="{}" y="{}" font-size="11" fill="#333" text-anchor="middle">{}</text>',
                                 round(PAD_LEFT + i * step, 1), HEIGHT - 6, label))
    if target is not None:
        y = y_of(target)
        parts.append(format_html('<line x1="{}" x2="{}" y1="{}" y2="{}" stroke="{}" stroke-width="2" '
                                 'stroke-dasharray="2 3"/>', PAD_LEFT, WIDTH - PAD_RIGHT, y, y, TARGET_COLOUR))
    styles = [(THIS_YEAR_COLOUR, "", "circle"), (LAST_YEAR_COLOUR, "6 4", "square"), (TARGET_COLOUR, "2 2", "circle")]
    for (_name, vs), (colour, dash, marker) in zip(series, styles, strict=False):
        points = [None if v is None else (round(PAD_LEFT + i * step, 1), y_of(v)) for i, v in enumerate(vs)]
        segment: list = []
        for point in points + [None]:
            if point is None:
                if len(segment) > 1:
                    parts.append(format_html(
                        '<polyline fill="none" stroke="{}" stroke-width="2" stroke-dasharray="{}" points="{}"/>',
                        colour, dash, " ".join(f"{x},{y}" for x, y in segment)))
                segment = []
            else:
                segment.append(point)
        for point in points:
            if point is None:
                continue
            if marker == "circle":
                parts.append(format_html('<circle cx="{}" cy="{}" r="3.5" fill="{}"/>', point[0], point[1], colour))
            else:
                parts.append(format_html('<rect x="{}" y="{}" width="7" height="7" fill="{}"/>',
                                         point[0] - 3.5, point[1] - 3.5, colour))
    return format_html('<svg class="chart" viewBox="0 0 {} {}" width="100%" aria-hidden="true" '
                       'focusable="false" xmlns="http://www.w3.org/2000/svg">{}</svg>', WIDTH, HEIGHT, _join(parts))


def month_chart(points, measure: str) -> str:
    """The monthly trend of one measure: the year (solid, circles) and the year before (dashed, squares)."""
    return line_chart(list(MONTH_LETTERS), [
        ("i år", [point.values[measure] for point in points]),
        ("året före", [point.last_year[measure] for point in points]),
    ])
