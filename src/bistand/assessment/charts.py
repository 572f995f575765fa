"""Small server-rendered SVG line charts (no JavaScript): levels per occasion, client and worker lines.

The SVG is decorative for screen readers (``aria-hidden``); each chart is shown next to a table with the
same values, which is the accessible text alternative."""

from __future__ import annotations

from django.utils.html import format_html, format_html_join

WIDTH, HEIGHT, PAD_X, PAD_Y = 320, 140, 34, 16
CLIENT_COLOUR, WORKER_COLOUR = "#005a9c", "#a23c00"  # both ≥ 4.5:1 on white


def _points(values: list[int | None], y_max: int, y_min: int) -> list[tuple[float, float] | None]:
    n = len(values)
    step = (WIDTH - 2 * PAD_X) / max(n - 1, 1)
    result = []
    for i, v in enumerate(values):
        if v is None:
            result.append(None)
            continue
        x = PAD_X + i * step if n > 1 else WIDTH / 2
        y = PAD_Y + (y_max - v) * (HEIGHT - 2 * PAD_Y) / (y_max - y_min)
        result.append((round(x, 1), round(y, 1)))
    return result


def _join(parts) -> str:
    """Pieces already built with format_html, as one safe string (each is escaped where it was made)."""
    return format_html_join("", "{}", ((part,) for part in parts))


def _series(values, y_max, y_min, colour, dash, marker) -> str:
    pts = _points(values, y_max, y_min)
    parts = []
    segment: list[tuple[float, float]] = []
    for p in pts + [None]:
        if p is None:
            if len(segment) > 1:
                parts.append(format_html('<polyline fill="none" stroke="{}" stroke-width="2" stroke-dasharray="{}" points="{}"/>',
                                         colour, dash, " ".join(f"{x},{y}" for x, y in segment)))
            segment = []
        else:
            segment.append(p)
    for p in pts:
        if p is not None:
            if marker == "circle":
                parts.append(format_html('<circle cx="{}" cy="{}" r="4" fill="{}"/>', p[0], p[1], colour))
            else:
                parts.append(format_html('<rect x="{}" y="{}" width="8" height="8" fill="{}"/>', p[0] - 4, p[1] - 4, colour))
    return _join(parts)


def line_chart(labels: list[str], series: list[tuple[str, list[int | None]]], *, y_min: int = 1, y_max: int = 5) -> str:
    """An SVG with one line per series (max two: client, worker) over ``labels`` (the occasions)."""
    grid = []
    for level in range(y_min, y_max + 1):
        y = PAD_Y + (y_max - level) * (HEIGHT - 2 * PAD_Y) / (y_max - y_min)
        grid.append(format_html('<line x1="{}" x2="{}" y1="{}" y2="{}" stroke="#ccc"/>'
                                '<text x="4" y="{}" font-size="11" fill="#333">{}</text>',
                                PAD_X - 6, WIDTH - PAD_X + 6, y, y, y + 4, level))
    styles = [(CLIENT_COLOUR, "0", "circle"), (WORKER_COLOUR, "5 3", "square")]
    lines = [_series(values, y_max, y_min, *styles[i % 2]) for i, (_, values) in enumerate(series)]
    return format_html('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {} {}" width="{}" height="{}" '
                       'aria-hidden="true" focusable="false" class="chart">{}{}</svg>',
                       WIDTH, HEIGHT, WIDTH, HEIGHT, _join(grid), _join(lines))


def legend() -> str:
    return format_html('<span class="legend"><span style="color:{}">● Den enskildes skattning</span> '
                       '<span style="color:{}">■ Handläggarens bedömning (streckad)</span></span>',
                       CLIENT_COLOUR, WORKER_COLOUR)

