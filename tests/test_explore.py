"""The notebook API (wbr.explore) and its live controls: every number from the deck's own Deck,
histories and drivers; drill-downs through analysis.drivers; pickers redraw in place."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import wbr
from tests.conftest import write_business
from wbr.analysis.residuals import residual_days
from wbr.analysis.seasonal_fit import seasonal_fit
from wbr.errors import ConfigError
from wbr.explore import Explorer, find_config

ROOT = Path(__file__).resolve().parents[1]
REGIONS = ("North", "South")
CHANNELS = ("web", "app")


def _sliced_business(folder: Path) -> Path:
    """orders and sessions split by region x channel; conversion = orders / sessions."""
    rng = np.random.default_rng(3)
    days = pd.date_range("2025-06-01", "2026-11-21")
    frames = []
    for metric, level in (("orders", 300.0), ("sessions", 9000.0)):
        for region in REGIONS:
            for channel in CHANNELS:
                frames.append(
                    pd.DataFrame(
                        {
                            "date": days.strftime("%Y-%m-%d"),
                            "metric": metric,
                            "value": (level * rng.uniform(0.8, 1.2, len(days))).round(0),
                            "region": region,
                            "channel": channel,
                        }
                    )
                )
    config = """\
    title: Sliced business
    sources:
      actuals: {path: metrics.csv, format: long}
    dimensions: [region, channel]
    metrics:
      orders: {label: Orders, section: Shopping}
      sessions: {label: Sessions, section: Traffic}
      conversion: {label: Conversion rate, aggregation: ratio, numerator: orders,
                   denominator: sessions, unit: percent}
    """
    return write_business(folder, config, {"metrics.csv": pd.concat(frames)})


@pytest.fixture(scope="module")
def explorer(tmp_path_factory: pytest.TempPathFactory) -> Explorer:
    return wbr.explore.open(_sliced_business(tmp_path_factory.mktemp("sliced")))


def test_open_builds_the_same_deck_as_build_deck(explorer: Explorer) -> None:
    from wbr.engine.build import build_deck

    deck = build_deck(explorer.config, week_ending="latest", generated_at=dt.datetime(2026, 1, 1))
    mine = explorer.deck()
    assert mine.week_ending == deck.week_ending == dt.date(2026, 11, 21)
    assert [b.box for b in mine.blocks] == [b.box for b in deck.blocks]
    assert [b.flags for b in mine.blocks] == [b.flags for b in deck.blocks]


def test_weeks_and_dimensions_offered(explorer: Explorer) -> None:
    weeks = explorer.weeks(3)
    assert weeks == [dt.date(2026, 11, 21), dt.date(2026, 11, 14), dt.date(2026, 11, 7)]
    assert explorer.dimensions() == ["region", "channel"]
    assert explorer.dimensions("conversion") == ["region", "channel"]
    assert explorer.segments("region") == list(REGIONS)
    assert explorer.deck(weeks[1]).week_ending == weeks[1]


def test_drivers_without_a_drill_down_are_the_decks_own(explorer: Explorer) -> None:
    block = explorer.block_data("orders")
    found = explorer.drivers("orders", "region")
    assert found["dimensions"] == block.drivers["dimensions"]["region"]
    ratio = explorer.drivers("conversion", "channel")
    assert ratio["mix_rate"] == explorer.block_data("conversion").drivers["mix_rate"]["channel"]


def test_nested_drill_down_splits_the_segment_it_is_within(explorer: Explorer) -> None:
    by_region = explorer.drivers("orders", "region")["dimensions"]["wow"]["segments"]
    north = next(s for s in by_region if s["segment"] == "North")
    within = explorer.drivers("orders", "channel", within={"region": "North"})
    wow = within["dimensions"]["wow"]
    assert {s["segment"] for s in wow["segments"]} == set(CHANNELS)
    # the channels of North add up to North's own numbers in the deck's drivers
    assert wow["cy"] == pytest.approx(north["cy"])
    assert wow["base"] == pytest.approx(north["base"])
    assert sum(s["delta"] for s in wow["segments"]) == pytest.approx(north["delta"])
    assert "plan" not in within["dimensions"]  # the plan has no segments to drill into


def test_nested_mix_rate_of_a_ratio(explorer: Explorer) -> None:
    found = explorer.drivers("conversion", "channel", within={"region": "South"})
    result = found["mix_rate"]["wow"]
    assert result["mix"] + result["rate"] + result["interaction"] == pytest.approx(result["delta"])
    rows = explorer.dataset.slices
    south = rows[(rows["region"] == "South")]
    week = south[south["date"].between("2026-11-15", "2026-11-21")]
    rate = (
        week.loc[week["metric"] == "orders", "value"].sum()
        / week.loc[week["metric"] == "sessions", "value"].sum()
    )
    assert result["r1"] == pytest.approx(rate)


def test_unknown_dimension_or_metric_is_a_clear_error(explorer: Explorer) -> None:
    with pytest.raises(KeyError, match="'country' is not a dimension"):
        explorer.drivers("orders", "country")
    with pytest.raises(KeyError, match="'refunds' has no block"):
        explorer.block_data("refunds")


def test_seasonal_fit_is_the_fit_the_flags_score(explorer: Explorer) -> None:
    end = explorer.week_ending
    daily = explorer.histories()["orders"].daily
    fit = seasonal_fit(daily, end, z=5.0)
    days = residual_days(daily, end)
    scored = fit[fit["scored"]]
    assert [d.date for d in days] == [stamp.date() for stamp in scored.index]
    assert list(scored["expected"]) == [d.expected for d in days]
    assert list(scored["z"]) == [d.z for d in days]
    bands = [d.band(5.0) for d in days]
    assert np.allclose(scored["lower"], [low for low, _ in bands], rtol=1e-12)
    assert np.allclose(scored["upper"], [high for _, high in bands], rtol=1e-12)
    assert len(fit) == 13 * 7  # the 12 weeks the fit sees and the week it scores


def test_charts_name_their_metric(explorer: Explorer) -> None:
    label = explorer.block_data("conversion").label
    for chart in (
        explorer.weekly("conversion"),
        explorer.daily("conversion"),
        explorer.mix_rate_chart("conversion", "channel", within={"region": "North"}),
        explorer.compare_chart("conversion", "2026-11-14", "2026-11-21", "region"),
    ):
        assert chart.figure.layout.title.text.startswith(label)
    weekly = explorer.weekly("conversion").figure
    assert list(weekly.data[0].y) == list(explorer.block_data("conversion").series.values)


def test_flags_and_block_html_show_each_flag_with_its_evidence(explorer: Explorer) -> None:
    from wbr.render import show

    for metric in explorer.metrics():
        block = explorer.block_data(metric)
        html = show.flags_html(block)
        for flag in block.flags:
            assert f"{flag.type}/{flag.rule}" in html
        assert block.label in explorer.block(metric).data


def test_controls_redraw_in_place_when_the_metric_changes(explorer: Explorer) -> None:
    controls = explorer.controls(metric="orders", dimension="region", static_images=False)
    weekly_widget = controls.weekly.widget
    assert controls.weekly.title.startswith("Orders")
    controls.metric.value = "conversion"
    assert controls.status.value == ""
    assert controls.weekly.widget is weekly_widget  # the same FigureWidget, redrawn
    label = explorer.block_data("conversion").label
    assert all(chart.title.startswith(label) for chart in controls.charts)
    controls.within.value = ("region", "North")
    controls.dimension.value = "channel"
    assert "within region North" in controls.mix_rate.title
    controls.week.value = dt.date(2026, 11, 7)
    assert "2026-11-07" in controls.compare_chart.title


def test_a_live_chart_displays_with_a_static_fallback(explorer: Explorer) -> None:
    controls = explorer.controls(static_images=False)
    bundle = controls.weekly._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    panel = controls.flags._repr_mimebundle_()
    assert panel["text/html"] == controls.flags.widget.value


@pytest.mark.e2e
def test_static_fallbacks_are_png_images(explorer: Explorer) -> None:
    controls = explorer.controls()
    bundle = controls.daily._repr_mimebundle_()
    assert bundle["image/png"].startswith("iVBORw0KGgo")  # base64 of the PNG signature
    chart = explorer.weekly("orders")._repr_mimebundle_()
    assert chart["image/png"].startswith("iVBORw0KGgo")
    assert chart["application/vnd.plotly.v1+json"]["layout"]["title"]["text"].startswith("Orders")


def test_find_config_looks_in_the_folders_above(tmp_path: Path) -> None:
    (tmp_path / "wbr.yaml").write_text("title: x\n", encoding="utf-8")
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    assert find_config("wbr.yaml", start=notebooks) == tmp_path / "wbr.yaml"
    assert find_config(tmp_path / "wbr.yaml") == tmp_path / "wbr.yaml"
    with pytest.raises(ConfigError, match=r"other\.yaml: config file not found in"):
        find_config("other.yaml", start=notebooks)


def test_the_bundled_sample_opens(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT / "notebooks")
    explorer = wbr.explore.open("wbr.yaml")
    assert explorer.config_path == ROOT / "wbr.yaml"
    assert explorer.drivers("orders", "channel", within={"region": "West"}) is not None


def test_an_xmr_flag_on_weekly_yoy_reads_in_bps_not_in_the_metrics_unit(
    explorer: Explorer,
) -> None:
    from dataclasses import replace

    from wbr.engine.deck import Flag
    from wbr.render import show

    block = explorer.block_data("conversion")
    flag = Flag("xmr", "outside_limits", dt.date(2026, 11, 21), 155.0, -103.0, 1.4, False, "")
    shown = show.flags_html(replace(block, flags=(flag,), series=replace(block.series, kind="yoy")))
    assert "+155 bps" in shown and "-103 bps to +1 bps" in shown
    raw = show.flags_html(replace(block, flags=(flag,), series=replace(block.series, kind="raw")))
    assert "15500.00%" in raw  # a raw series' value is the rate itself
    jump = replace(flag, rule="moving_range", lower=None, upper=0.64)
    shown = show.flags_html(replace(block, flags=(jump,), series=replace(block.series, kind="yoy")))
    assert "up to +1 bps" in shown and "N/A" not in shown  # a range limit has no lower end


def test_a_redraw_resets_what_only_the_old_figure_set() -> None:
    import plotly.graph_objects as go

    from wbr.render.widgets import LiveChart

    old = go.Figure(layout={"title": {"text": "A"}, "yaxis": {"ticksuffix": " bps"}})
    old.add_annotation(text="outside limits", x=0, y=0)
    new = go.Figure(layout={"title": {"text": "B"}})
    chart = LiveChart(owner=None)
    chart.draw(old)
    sent: list[dict] = []
    chart.widget._send_relayout_msg = lambda data, source_view_id=None: sent.append(data)
    chart.draw(new)
    reset = sent[0]
    assert reset["annotations"] == [] and reset["yaxis.ticksuffix"] is None
    assert reset["yaxis.autorange"] is True
    assert chart.title == "B" and chart.widget.layout.annotations == ()


def test_controls_work_for_a_config_without_dimensions(tmp_path: Path) -> None:
    explorer = wbr.explore.open(write_business(tmp_path))
    controls = explorer.controls(static_images=False)
    assert explorer.dimensions() == [] and controls.status.value == ""
    assert "pick a dimension" in json.dumps(controls.drivers.widget.layout.to_plotly_json())
    controls.metric.value = "conversion"
    assert controls.status.value == "" and controls.weekly.title.startswith("conversion: weekly")
    assert controls.compare_chart.title == "conversion: week ending 2026-11-14 vs 2026-11-21"


def test_tables_and_sql_sources_are_read_for_each_weeks_deck(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A warehouse is queried for the days one deck reads, so another week loads its own data."""
    import wbr.explore as explore

    loaded: list[object] = []
    real = explore.load_data

    def recording(config, week=None):
        loaded.append(week)
        return real(config, week)

    monkeypatch.setattr(explore, "load_data", recording)
    monkeypatch.setattr(explore, "_read_per_week", lambda config: True)
    explorer = explore.open(write_business(tmp_path), week="2026-11-21")
    assert loaded == ["2026-11-21"]
    explorer.deck()
    assert loaded == ["2026-11-21"]  # the opened week's data is reused
    explorer.deck("2026-10-31")
    explorer.histories("2026-10-31")
    assert loaded == ["2026-11-21", dt.date(2026, 10, 31)]
