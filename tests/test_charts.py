"""The 6-12 chart: axis layout, series styles, units and scale, gaps, partial points."""

from __future__ import annotations

import dataclasses
import json
import shutil

import pytest

from tests.synthetic_deck import make_block
from wbr.engine.deck import MonthPoint
from wbr.render.charts import (
    GAP_LABEL,
    axis_format,
    chart_title,
    nice_range,
    six_twelve_figure,
    static_png,
    uses_two_axes,
)


def _traces(fig, name):
    return [t for t in fig.data if t.name == name]


def test_x_axis_is_six_weeks_a_gap_then_twelve_months():
    block = make_block(1)
    categories = list(six_twelve_figure(block).layout.xaxis.categoryarray)
    assert categories[:6] == [w.label for w in block.weeks]
    assert categories[6] == GAP_LABEL
    assert categories[7:] == [m.label for m in block.months]
    assert categories[0] == "wk 42" and categories[5] == "wk 47"


def test_cy_is_a_labelled_solid_line_py_a_plain_line_plan_triangles_without_line():
    fig = six_twelve_figure(make_block(1, base=2_400_000))
    cy, py, plan = _traces(fig, "CY"), _traces(fig, "PY"), _traces(fig, "Plan")
    assert len(cy) == len(py) == len(plan) == 2  # weekly and monthly parts
    assert all(t.mode == "lines+markers+text" for t in cy)
    assert all(t.mode == "lines" for t in py)
    assert all(t.mode == "markers" and t.marker.symbol == "triangle-up" for t in plan)
    assert cy[0].text[0].endswith("M") and cy[0].text[0] == f"{block_value(fig):.2f}M"
    # each series is listed once in the legend
    assert sorted(t.name for t in fig.data if t.showlegend) == ["CY", "PY", "Plan"]


def block_value(fig):
    return _traces(fig, "CY")[0].y[0]


def test_labels_are_scaled_per_unit():
    assert axis_format("count", [1_250.0, 1_310.0]).short(1_250.0) == "1.25K"
    assert axis_format("count", [12_600_000.0]).short(12_600_000.0) == "12.6M"
    assert axis_format("percent", [0.0263, 0.0335]).short(0.0263) == "2.63%"
    assert axis_format("currency", [8_900_000.0]).label(8_900_000.0) == "$8.90M"
    assert axis_format("ms", [449.2]).label(449.2) == "449 ms"


def test_missing_values_are_gaps_never_zeros():
    block = make_block(1, gap=True)
    cy_weeks = _traces(six_twelve_figure(block), "CY")[0]
    assert cy_weeks.y[2] is None
    assert cy_weeks.text[2] == ""
    assert 0 not in [v for v in cy_weeks.y if v is not None]


def test_non_finite_values_are_gaps():
    block = make_block(1)
    weeks = list(block.weeks)
    weeks[1] = dataclasses.replace(weeks[1], cy=float("nan"))
    fig = six_twelve_figure(dataclasses.replace(block, weeks=tuple(weeks)))
    assert _traces(fig, "CY")[0].y[1] is None
    assert any(a.text == "no data" for a in fig.layout.annotations)


def test_incomplete_points_are_starred_and_hollow():
    block = make_block(1, incomplete=True)
    fig = six_twelve_figure(block)
    cy = _traces(fig, "CY")[0]
    assert list(fig.layout.xaxis.categoryarray)[5] == "wk 47*"
    assert cy.text[5].endswith("*")
    assert cy.marker.color[5] == "#ffffff" and cy.marker.color[4] != "#ffffff"
    assert any("incomplete" in (a.text or "") for a in fig.layout.annotations)


def test_additive_metrics_get_a_monthly_axis_with_units_on_both():
    block = make_block(1, base=2_400_000, unit="currency")
    fig = six_twelve_figure(block)
    assert uses_two_axes(block)
    assert all(t.yaxis == "y2" for t in fig.data if t.name and t.x[0] == "Nov")
    assert fig.layout.yaxis.title.text == "Weekly ($M)"
    assert fig.layout.yaxis2.title.text == "Monthly ($M)"
    assert fig.layout.yaxis2.overlaying == "y" and fig.layout.yaxis2.side == "right"


def test_rates_share_one_axis():
    block = make_block(1, unit="percent", aggregation="ratio", comparison="bps", base=0.0335)
    fig = six_twelve_figure(block)
    assert not uses_two_axes(block)
    assert "yaxis2" not in fig.layout.to_plotly_json()
    assert chart_title(block) == "Orders (%)"


def test_a_mean_metric_whose_months_dwarf_its_weeks_gets_two_axes():
    block = make_block(1, aggregation="mean", base=100.0)
    months = tuple(dataclasses.replace(m, cy=m.cy * 5) for m in block.months)
    assert not uses_two_axes(block)
    assert uses_two_axes(dataclasses.replace(block, months=months))


def test_title_carries_units_and_scale():
    assert chart_title(make_block(1, label="Orders", base=125_000)) == "Orders (K)"
    assert chart_title(make_block(1, label="Revenue", unit="currency", base=300_000)) == (
        "Revenue ($K weekly, $M monthly)"
    )
    assert (
        chart_title(make_block(1, label="Delivery days", unit="days", aggregation="mean", base=2.4))
        == "Delivery days"
    )


def test_text_from_data_shows_as_typed_in_the_chart():
    fig = six_twelve_figure(make_block(1, label="<b>Orders</b> & <a href='x'>more</a>"))
    assert fig.layout.title.text.startswith("&lt;b&gt;Orders&lt;/b&gt; &amp; &lt;a href='x'&gt;")


def test_same_block_gives_the_same_chart():
    block = make_block(1, gap=True, incomplete=True, events=True)
    assert six_twelve_figure(block).to_json() == six_twelve_figure(block).to_json()


def test_ranges_hold_every_value_and_stay_non_negative():
    block = make_block(1, base=0.02, unit="percent", aggregation="ratio")
    fig = six_twelve_figure(block)
    low, high = fig.layout.yaxis.range
    values = [v for t in fig.data if t.name for v in t.y if v is not None]
    assert low <= min(values) and max(values) < high
    assert low >= 0


@pytest.mark.parametrize(
    ("values", "expected"),
    [([0.0, 10.0], (0.0, 12.5, 2.5)), ([95.0, 105.0], (90.0, 110.0, 5.0)), ([], (0.0, 1.0, 0.2))],
)
def test_nice_range(values, expected):
    assert nice_range(values) == pytest.approx(expected)


def test_a_repeated_month_name_gets_its_year():
    block = make_block(1)
    extra = MonthPoint("2026-11", "Nov", 1.0, 1.0, None, False)
    fig = six_twelve_figure(dataclasses.replace(block, months=(*block.months, extra)))
    categories = list(fig.layout.xaxis.categoryarray)
    assert categories[7] == "Nov" and categories[-1] == "Nov '26*"
    assert len(set(categories)) == len(categories)


def test_events_in_the_six_weeks_are_marked():
    fig = six_twelve_figure(make_block(1, events=True))
    assert [a.text for a in fig.layout.annotations if a.text == "E1"] == ["E1"]


def test_figure_json_is_plain_data():
    data = json.loads(six_twelve_figure(make_block(1)).to_json())
    assert "layout" not in data["layout"]["template"]  # no plotly theme: small and stable


def test_static_png_of_nothing_starts_no_browser():
    assert static_png([]) == []


@pytest.mark.e2e
@pytest.mark.skipif(shutil.which("chromium") is None, reason="needs Debian's chromium")
def test_static_png_draws_many_charts_in_one_session():
    figures = [six_twelve_figure(make_block(n)) for n in (1, 2)]
    images = static_png(figures)
    assert len(images) == 2
    assert all(image.startswith(b"\x89PNG\r\n\x1a\n") and len(image) > 10_000 for image in images)
