"""The server-rendered SVG history chart."""

from bistand.assessment.charts import line_chart


def test_chart_draws_a_line_per_rater_and_a_marker_per_value():
    svg = line_chart(["a", "b", "c"], [("client", [1, 2, 4]), ("worker", [2, None, 3])])
    assert svg.startswith("<svg") and 'aria-hidden="true"' in svg
    assert svg.count("<polyline") == 1  # the worker's line is broken by the missing value; one point alone is no line
    assert svg.count("<circle") == 3 and svg.count("<rect") == 2


def test_higher_levels_are_drawn_higher():
    svg = line_chart(["a", "b"], [("client", [1, 5])])
    first, second = [part.split('cy="')[1].split('"')[0] for part in svg.split("<circle")[1:]]
    assert float(second) < float(first)
