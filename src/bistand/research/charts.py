"""The what-if page's chart: cost before and after per household type, as a server-rendered SVG bar chart.

The SVG is decorative for screen readers (``aria-hidden``); the table beside it holds the same figures and
is the text alternative. Colours have at least 4.5:1 contrast on white, and the two series differ also by
pattern (solid and hatched), not by colour alone."""

from __future__ import annotations

from django.utils.html import format_html, format_html_join

from bistand.common.formatting import format_kronor

from .simulation import Group

BEFORE_COLOUR, AFTER_COLOUR = "#005a9c", "#a23c00"
WIDTH, LABEL_W, BAR_H, GAP = 640, 190, 14, 14


def cost_chart(groups: list[Group]) -> str:
    shown = [g for g in groups if not g.suppressed]
    if not shown:
        return ""
    top = max(max(g.cost_before, g.cost_after) for g in shown) or 1
    span = WIDTH - LABEL_W - 110
    row_h = 2 * BAR_H + GAP
    height = 30 + row_h * len(shown)
    parts = [format_html(
        '<defs><pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">'
        '<rect width="6" height="6" fill="{}"/><line x1="0" y1="0" x2="0" y2="6" stroke="#fff" stroke-width="2"/>'
        '</pattern></defs>', AFTER_COLOUR)]
    parts.append(format_html('<rect x="{}" y="4" width="12" height="12" fill="{}"/><text x="{}" y="14">Före</text>'
                             '<rect x="{}" y="4" width="12" height="12" fill="url(#hatch)"/><text x="{}" y="14">Efter</text>',
                             LABEL_W, BEFORE_COLOUR, LABEL_W + 16, LABEL_W + 70, LABEL_W + 86))
    for i, g in enumerate(shown):
        y = 26 + i * row_h
        w_before = round(span * max(g.cost_before, 0) / top, 1)
        w_after = round(span * max(g.cost_after, 0) / top, 1)
        parts.append(format_html(
            '<text x="{}" y="{}" text-anchor="end">{}</text>'
            '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"/><text x="{}" y="{}">{}</text>'
            '<rect x="{}" y="{}" width="{}" height="{}" fill="url(#hatch)"/><text x="{}" y="{}">{}</text>',
            LABEL_W - 8, y + BAR_H + 4, g.label,
            LABEL_W, y, w_before, BAR_H, BEFORE_COLOUR, LABEL_W + w_before + 4, y + BAR_H - 3, format_kronor(g.cost_before * 100),
            LABEL_W, y + BAR_H, w_after, BAR_H, LABEL_W + w_after + 4, y + 2 * BAR_H - 3, format_kronor(g.cost_after * 100),
        ))
    body = format_html_join("", "{}", ((p,) for p in parts))
    return format_html('<svg class="chart" viewBox="0 0 {} {}" width="100%" aria-hidden="true" '
                       'focusable="false" font-size="12" font-family="sans-serif">{}</svg>', WIDTH, height, body)
