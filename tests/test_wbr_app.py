"""Unit tests of the WBR App converter (wbr/importers/) on small,
hand-written App configs; converted functions are checked through our engine's window values."""

from __future__ import annotations

import datetime as dt
import textwrap
from pathlib import Path

import pandas as pd
import pytest
import yaml

from wbr.engine.aggregate import DailyMatrix, window_values
from wbr.engine.calendar import Window
from wbr.engine.config import load_config
from wbr.engine.sources import load_data
from wbr.errors import ConfigError, DataError
from wbr.importers.wbr_app import (
    convert_wbr_app,
    fiscal_year_start_month,
    parse_week_ending,
    report_lines,
    unit_from_scaling,
)
from wbr.importers.wbr_app_data import parse_filter

SETUP = """\
setup:
  week_ending: 18-JAN-2020
  week_number: 3
  title: Test deck
"""


def daily_csv(columns: dict[str, list], start: str = "2020-01-05") -> str:
    """A one-row-per-day App CSV from column lists, ISO dates from `start`."""
    days = pd.date_range(start, periods=len(next(iter(columns.values()))), freq="D")
    frame = pd.DataFrame({"Date": days.strftime("%Y-%m-%d"), **columns})
    return frame.to_csv(index=False)


def convert(tmp_path: Path, config: str, csv_text: str, encoding: str = "utf-8"):
    """Write an App config and CSV, convert them, return (result, our yaml as dict)."""
    app_yaml = tmp_path / "app.yaml"
    app_csv = tmp_path / "app.csv"
    app_yaml.write_text(textwrap.dedent(config), encoding="utf-8")
    app_csv.write_text(csv_text, encoding=encoding)
    result = convert_wbr_app(app_yaml, app_csv, tmp_path / "out" / "wbr.yaml")
    ours = yaml.safe_load(result.config_path.read_text(encoding="utf-8"))
    return result, ours


def read_wide(path: Path) -> pd.DataFrame:
    """A derived wide CSV, indexed by date."""
    return pd.read_csv(path, index_col="date", parse_dates=["date"])


def not_converted_keys(result) -> list[str]:
    return [item.key.split(" (line")[0] for item in result.not_converted]


def engine_value(result, metric: str, start: str, end: str, source: str = "actuals"):
    """Our engine's value of a converted metric over [start, end], from the files written."""
    config = load_config(result.config_path)
    dataset = load_data(config)
    frame = dataset.actuals if source == "actuals" else dataset.plan
    window = Window(dt.date.fromisoformat(start), dt.date.fromisoformat(end))
    return window_values(config, DailyMatrix.from_frame(frame), [window]).value(0, metric)


def test_column_metric_keeps_the_app_name_as_metric_id(tmp_path):
    config = (
        SETUP
        + """
metrics:
  Page Views:
    column: PageViews
    aggf: sum
deck:
  - block:
      ui_type: 6_12Graph
      title: Total Page Views (Millions)
      y_scaling: "##MM"
      metrics:
        Page Views: {line_style: primary}
"""
    )
    result, ours = convert(tmp_path, config, daily_csv({"PageViews": [1, 2, 3]}))
    assert list(ours["metrics"]) == ["Page Views"]
    spec = ours["metrics"]["Page Views"]
    assert spec["aggregation"] == "sum"
    assert spec["label"] == "Total Page Views (Millions)"
    assert spec["show"] is True
    assert spec["unit"] == "count"
    actuals = read_wide(result.data_files[0])
    assert list(actuals.columns) == ["Page Views"]
    assert actuals["Page Views"].tolist() == [1, 2, 3]
    loaded = load_config(result.config_path)
    assert loaded.metrics["Page Views"].aggregation == "sum"


def test_two_app_metrics_on_one_column_are_two_metrics(tmp_path):
    config = (
        SETUP
        + """
metrics:
  PageViewsFiscal: {column: PageViews, aggf: sum}
  PageViewsTrailing: {column: PageViews, aggf: sum}
"""
    )
    result, ours = convert(tmp_path, config, daily_csv({"PageViews": [5, 6]}))
    actuals = read_wide(result.data_files[0])
    assert actuals["PageViewsFiscal"].tolist() == actuals["PageViewsTrailing"].tolist() == [5, 6]
    assert ours["metrics"]["PageViewsFiscal"]["show"] is False  # no block shows it


def test_week_ending_and_fiscal_year_are_converted(tmp_path):
    config = (
        SETUP.replace("title", "fiscal_year_end_month: MAY\n  title")
        + """
metrics:
  Orders: {column: Orders, aggf: sum}
"""
    )
    _, ours = convert(tmp_path, config, daily_csv({"Orders": [1, 2]}))
    assert ours["week_ending"] == dt.date(2020, 1, 18)
    assert ours["calendar"] == {"week_end_day": "saturday", "fiscal_year_start_month": 6}


@pytest.mark.parametrize(
    ("end_month", "start_month"),
    [("DEC", 1), ("MAY", 6), ("FEB", 3), ("jan", 2), ("", 1), (None, 1), (12, 1)],
)
def test_fiscal_year_end_month_becomes_the_next_month_as_start(end_month, start_month):
    assert fiscal_year_start_month(end_month, "app.yaml") == start_month


def test_unknown_fiscal_month_is_a_config_error():
    with pytest.raises(ConfigError, match=r"fiscal_year_end_month: expected JAN\.\.DEC"):
        fiscal_year_start_month("DECEMBER?", "app.yaml")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("25-SEP-2021", dt.date(2021, 9, 25)),
        ("2021-09-25", dt.date(2021, 9, 25)),
        (dt.date(2023, 3, 25), dt.date(2023, 3, 25)),
    ],
)
def test_week_ending_formats(text, expected):
    assert parse_week_ending(text, "app.yaml") == expected


def test_week_ending_that_is_not_a_date_names_the_key():
    with pytest.raises(ConfigError, match=r"setup\.week_ending"):
        parse_week_ending("next saturday", "app.yaml")


def test_week_ending_sunday_makes_weeks_end_on_sunday(tmp_path):
    config = (
        SETUP.replace("18-JAN-2020", "19-JAN-2020")
        + """
metrics:
  Orders: {column: Orders, aggf: sum}
"""
    )
    _, ours = convert(tmp_path, config, daily_csv({"Orders": [1, 2]}))
    assert ours["calendar"]["week_end_day"] == "sunday"


@pytest.mark.parametrize("aggf", ["sum", "mean", "min", "max", "last", "first"])
def test_every_app_aggf_we_share_is_kept(tmp_path, aggf):
    config = (
        SETUP
        + f"""
metrics:
  Latency: {{column: latency, aggf: {aggf}}}
"""
    )
    _, ours = convert(tmp_path, config, daily_csv({"latency": [1, 2]}))
    assert ours["metrics"]["Latency"]["aggregation"] == aggf


def test_aggf_first_is_the_value_on_the_windows_first_day(tmp_path):
    config = (
        SETUP
        + """
metrics:
  OpeningPMs: {column: PMs, aggf: first}
"""
    )
    result, ours = convert(tmp_path, config, daily_csv({"PMs": [7, 8, 9]}))
    assert ours["metrics"]["OpeningPMs"]["aggregation"] == "first"
    assert result.not_converted == ()
    assert engine_value(result, "OpeningPMs", "2020-01-05", "2020-01-07") == 7
    assert engine_value(result, "OpeningPMs", "2020-01-06", "2020-01-07") == 8


def test_divide_becomes_a_ratio_of_the_two_metric_ids(tmp_path):
    config = (
        SETUP
        + """
metrics:
  Clicks: {column: Clicks, aggf: sum}
  Impressions: {column: Impressions, aggf: sum}
  ClickThruRate:
    function:
      divide:
        - metric: {name: Clicks}
        - metric: {name: Impressions}
deck:
  - block:
      ui_type: 6_12Graph
      title: Click Through Rate
      y_scaling: "##.1%"
      metrics:
        ClickThruRate: {line_style: primary}
"""
    )
    result, ours = convert(tmp_path, config, daily_csv({"Clicks": [1, 2], "Impressions": [9, 9]}))
    spec = ours["metrics"]["ClickThruRate"]
    assert spec["aggregation"] == "ratio"
    assert (spec["numerator"], spec["denominator"]) == ("Clicks", "Impressions")
    assert spec["unit"] == "percent"
    assert spec["comparison"] == "pct"  # the App compares in % unless told bps
    assert "ClickThruRate" not in read_wide(result.data_files[0]).columns  # never stored daily


def test_metric_comparison_method_bps_is_kept(tmp_path):
    config = (
        SETUP
        + """
metrics:
  Desktop_Pct: {column: Desktop Pct, aggf: mean, metric_comparison_method: bps}
"""
    )
    _, ours = convert(tmp_path, config, daily_csv({"Desktop Pct": ["56.00%", "55.00%"]}))
    assert ours["metrics"]["Desktop_Pct"]["comparison"] == "bps"


def test_sum_and_difference_become_derived_metrics(tmp_path):
    config = (
        SETUP
        + """
metrics:
  Mobile: {column: mobile, aggf: sum}
  Desktop: {column: desktop, aggf: sum}
  Total:
    function:
      sum:
        - metric: {name: Mobile}
        - metric: {name: Desktop}
  Net:
    function:
      difference:
        - metric: {name: Mobile}
        - metric: {name: Desktop}
"""
    )
    csv_text = daily_csv({"mobile": [1, 2, None], "desktop": [10, 20, 30]})
    result, ours = convert(tmp_path, config, csv_text)
    assert ours["metrics"]["Total"]["aggregation"] == "derived"
    assert ours["metrics"]["Total"]["formula"] == {"op": "sum", "operands": ["Mobile", "Desktop"]}
    assert ours["metrics"]["Net"]["formula"] == {
        "op": "difference",
        "operands": ["Mobile", "Desktop"],
    }
    assert result.not_converted == ()
    # Never stored per day: the engine combines the operands' window values.
    assert list(read_wide(result.data_files[0]).columns) == ["Mobile", "Desktop"]
    assert engine_value(result, "Total", "2020-01-05", "2020-01-06") == 33
    assert engine_value(result, "Net", "2020-01-05", "2020-01-06") == -27
    # A window with a missing operand day is N/A, never a partial sum.
    assert engine_value(result, "Total", "2020-01-05", "2020-01-07") is None


def test_difference_of_means_is_the_difference_of_window_means(tmp_path):
    config = (
        SETUP
        + """
metrics:
  Conv: {column: conv, aggf: mean}
  ConvTarget: {column: conv_target, aggf: mean}
  Gap:
    function:
      difference:
        - metric: {name: Conv}
        - metric: {name: ConvTarget}
"""
    )
    result, ours = convert(
        tmp_path, config, daily_csv({"conv": [0.5, 0.7], "conv_target": [0.4, 0.4]})
    )
    assert ours["metrics"]["Gap"]["aggregation"] == "derived"
    assert engine_value(result, "Gap", "2020-01-05", "2020-01-06") == pytest.approx(0.2)


def test_product_is_a_product_of_window_values_not_a_sum_of_daily_products(tmp_path):
    config = (
        SETUP
        + """
metrics:
  CAC: {column: cac, aggf: sum}
  Trials: {column: trials, aggf: sum}
  Spend:
    function:
      product:
        - metric: {name: CAC}
        - metric: {name: Trials}
"""
    )
    result, ours = convert(tmp_path, config, daily_csv({"cac": [2, 3], "trials": [5, 7]}))
    assert ours["metrics"]["Spend"]["formula"] == {"op": "product", "operands": ["CAC", "Trials"]}
    # The App multiplies window totals: (2 + 3) * (5 + 7) = 60, not 2*5 + 3*7 = 31.
    assert engine_value(result, "Spend", "2020-01-05", "2020-01-06") == 60


def test_sum_of_a_sum_and_a_mean_aggregates_each_operand_its_own_way(tmp_path):
    config = (
        SETUP
        + """
metrics:
  Orders: {column: orders, aggf: sum}
  Customers: {column: customers, aggf: mean}
  Opening: {column: customers, aggf: first}
  Mixed:
    function:
      sum:
        - metric: {name: Orders}
        - metric: {name: Customers}
        - metric: {name: Opening}
"""
    )
    result, ours = convert(tmp_path, config, daily_csv({"orders": [1, 2], "customers": [4, 6]}))
    assert ours["metrics"]["Mixed"]["aggregation"] == "derived"
    assert engine_value(result, "Mixed", "2020-01-05", "2020-01-06") == 3 + 5 + 4


def test_function_of_an_unconverted_metric_is_listed_with_the_operand(tmp_path):
    config = (
        SETUP
        + """
metrics:
  Orders: {column: orders, aggf: sum}
  Opening: {column: pms, aggf: median}
  PerPM:
    function:
      divide:
        - metric: {name: Orders}
        - metric: {name: Opening}
"""
    )
    result, _ = convert(tmp_path, config, daily_csv({"orders": [1, 2], "pms": [5, 5]}))
    reasons = {item.key.split(" (")[0]: item.reason for item in result.not_converted}
    assert reasons["metrics.PerPM"] == "operand Opening is not converted"


def test_filter_metric_takes_each_rows_own_date(tmp_path):
    # Rows deliberately not in date order and UK before US on some days: the App pairs filtered
    # values with dates by row position; the converter must not.
    csv_text = textwrap.dedent("""\
        Date,latency,country
        2020-01-06,71,UK
        2020-01-05,60,US
        2020-01-05,90,UK
        2020-01-06,61,US
        2020-01-07,62,US
        """)
    config = (
        SETUP
        + """
metrics:
  LatencyUS:
    filter: {base_column: latency, query: "country == 'US'"}
    aggf: mean
  LatencyUK:
    filter: {base_column: latency, query: "country != 'US'"}
    aggf: max
"""
    )
    result, ours = convert(tmp_path, config, csv_text)
    actuals = read_wide(result.data_files[0])
    assert actuals["LatencyUS"].tolist() == [60, 61, 62]
    assert actuals["LatencyUK"].iloc[:2].tolist() == [90, 71]
    assert pd.isna(actuals["LatencyUK"].iloc[2])  # no UK row that day: missing, not zero
    assert ours["metrics"]["LatencyUS"]["aggregation"] == "mean"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Department == 'Engineering'", ("Department", "==", "Engineering")),
        ('latency_country != "UK"', ("latency_country", "!=", "UK")),
        ("Applicants >= 10", ("Applicants", ">=", 10.0)),
        ("`Desktop Pct` < 0.5", ("Desktop Pct", "<", 0.5)),
    ],
)
def test_filter_queries_we_convert(query, expected):
    assert parse_filter(query) == expected


@pytest.mark.parametrize(
    "query", ["a == 'x' and b == 'y'", "a in ['x', 'y']", "a > 'x'", "a == b", ""]
)
def test_filter_queries_we_refuse(query):
    with pytest.raises(ValueError):
        parse_filter(query)


def test_complex_filter_is_listed_not_guessed(tmp_path):
    config = (
        SETUP
        + """
metrics:
  Orders: {column: orders, aggf: sum}
  Both:
    filter: {base_column: orders, query: "region == 'EU' and channel == 'web'"}
    aggf: sum
"""
    )
    result, _ = convert(tmp_path, config, daily_csv({"orders": [1, 2], "region": ["EU", "EU"]}))
    assert not_converted_keys(result) == ["metrics.Both"]


def test_several_rows_per_day_are_reduced_by_each_metrics_aggf(tmp_path):
    csv_text = textwrap.dedent("""\
        Date,latency,orders
        2020-01-05,60,1
        2020-01-05,90,
        2020-01-06,70,2
        2020-01-06,50,3
        """)
    config = (
        SETUP
        + """
metrics:
  Opening: {column: latency, aggf: first}
  Peak: {column: latency, aggf: max}
  Typical: {column: latency, aggf: mean}
  Orders: {column: orders, aggf: sum}
"""
    )
    result, _ = convert(tmp_path, config, csv_text)
    actuals = read_wide(result.data_files[0])
    assert actuals["Opening"].tolist() == [60, 70]  # the day's first row
    assert actuals["Peak"].tolist() == [90, 70]
    assert actuals["Typical"].tolist() == [75, 60]
    assert actuals["Orders"].tolist() == [1, 5]
    assert any("2 rows per date" in note for note in result.notes)


def test_target_column_becomes_our_plan_with_our_metric_ids(tmp_path):
    csv_text = textwrap.dedent("""\
        Date,PageViews,PageViews__Target
        2020-01-05,100,110
        2020-01-06,120,115
        2020-01-07,,130
        """)
    config = (
        SETUP
        + """
metrics:
  PageViewsTrailing: {column: PageViews, aggf: sum}
"""
    )
    result, ours = convert(tmp_path, config, csv_text)
    actuals_path, plan_path = result.data_files
    assert ours["sources"]["plan"] == {"path": plan_path.name, "format": "wide"}
    plan = read_wide(plan_path)
    assert list(plan.columns) == ["PageViewsTrailing"]
    assert plan["PageViewsTrailing"].tolist() == [110, 115, 130]  # runs past the last actual
    actuals = read_wide(actuals_path)
    assert actuals.index.max() == pd.Timestamp("2020-01-06")  # the plan does not extend actuals


def test_app_metric_on_a_target_column_is_the_plan_not_a_block(tmp_path):
    csv_text = daily_csv({"PageViews": [100, 120], "PageViews__Target": [110, 115]})
    config = (
        SETUP
        + """
metrics:
  PageViews: {column: PageViews, aggf: sum}
  PageViews Target: {column: PageViews__Target, aggf: sum}
deck:
  - block:
      ui_type: 6_12Graph
      title: Total Page Views
      metrics:
        PageViews: {line_style: primary}
        PageViews Target: {line_style: target}
"""
    )
    result, ours = convert(tmp_path, config, csv_text)
    assert list(ours["metrics"]) == ["PageViews"]
    assert read_wide(result.data_files[1])["PageViews"].tolist() == [110, 115]
    assert "PageViews Target: became the plan of PageViews" in result.notes


def test_variance_to_plan_reads_the_target_kept_as_a_hidden_metric(tmp_path):
    csv_text = textwrap.dedent("""\
        Date,PageViews,PageViews__Target
        2020-01-05,100,110
        2020-01-06,120,115
        2020-01-07,,130
        """)
    config = (
        SETUP
        + """
metrics:
  PageViews: {column: PageViews, aggf: sum}
  PageViews Target: {column: PageViews__Target, aggf: sum}
  VarianceToPlanPageViews:
    function:
      difference:
        - metric: {name: PageViews}
        - metric: {name: PageViews Target}
deck:
  - block:
      ui_type: 6_12Graph
      title: Total Page Views
      metrics:
        PageViews: {line_style: primary}
        PageViews Target: {line_style: target}
  - block:
      ui_type: 6_12Graph
      title: Variance to plan
      metrics:
        VarianceToPlanPageViews: {line_style: primary}
"""
    )
    result, ours = convert(tmp_path, config, csv_text)
    assert result.not_converted == ()
    assert [n for n, spec in ours["metrics"].items() if spec["show"]] == [
        "PageViews",
        "VarianceToPlanPageViews",
    ]
    assert ours["metrics"]["PageViews Target"]["show"] is False
    actuals_path, plan_path = result.data_files
    assert read_wide(plan_path)["PageViews"].tolist() == [110, 115, 130]
    # The hidden target stops with the actuals: it must not move the last actual date.
    actuals = read_wide(actuals_path)
    assert actuals.index.max() == pd.Timestamp("2020-01-06")
    assert engine_value(result, "VarianceToPlanPageViews", "2020-01-05", "2020-01-06") == -5


def test_target_line_style_becomes_the_plan_of_the_blocks_main_line(tmp_path):
    csv_text = daily_csv({"MRR": [10, 11], "MRR_Target": [12, 12]})
    config = (
        SETUP
        + """
metrics:
  MRR: {column: MRR, aggf: last}
  MRR_TARGET: {column: MRR_Target, aggf: last}
deck:
  - block:
      ui_type: 6_12Graph
      title: MRR
      metrics:
        MRR: {line_style: primary}
        MRR_TARGET: {line_style: target}
"""
    )
    result, ours = convert(tmp_path, config, csv_text)
    assert list(ours["metrics"]) == ["MRR"]
    assert read_wide(result.data_files[1])["MRR"].tolist() == [12, 12]


def test_secondary_line_gets_its_own_block_with_its_legend_name(tmp_path):
    config = (
        SETUP
        + """
metrics:
  PageViews: {column: PageViews, aggf: sum}
  MobilePage_Views: {column: MobilePageViews, aggf: sum}
deck:
  - block:
      ui_type: 6_12Graph
      title: Total Page Views
      metrics:
        PageViews: {legend_name: Page Views}
        MobilePage_Views: {line_style: secondary, legend_name: Mobile Page Views}
"""
    )
    result, ours = convert(tmp_path, config, daily_csv({"PageViews": [3], "MobilePageViews": [1]}))
    assert ours["metrics"]["MobilePage_Views"]["label"] == "Mobile Page Views"
    assert ours["metrics"]["MobilePage_Views"]["show"] is True
    assert any("secondary line MobilePage_Views" in note for note in result.notes)


def test_section_blocks_become_sections(tmp_path):
    config = (
        SETUP
        + """
metrics:
  Orders: {column: orders, aggf: sum}
  Visits: {column: visits, aggf: sum}
deck:
  - block: {ui_type: section, title: ""}
  - block: {ui_type: 6_12Graph, title: Orders, metrics: {Orders: {}}}
  - block: {ui_type: section, title: Traffic}
  - block: {ui_type: 6_12Graph, title: Visits, metrics: {Visits: {}}}
"""
    )
    _, ours = convert(tmp_path, config, daily_csv({"orders": [1], "visits": [2]}))
    assert ours["sections"] == ["Traffic"]
    assert "section" not in ours["metrics"]["Orders"]
    assert ours["metrics"]["Visits"]["section"] == "Traffic"


def test_growth_series_blocks_and_fiscal_display_are_listed(tmp_path):
    config = (
        SETUP
        + """
metrics:
  Orders: {column: orders, aggf: sum}
deck:
  - block:
      ui_type: 6_12Graph
      title: Orders
      x_axis_monthly_display: fiscal_year
      metrics: {Orders: {}}
  - block:
      ui_type: 6_12Graph
      title: Orders growth
      metrics: {OrdersYOY: {}}
"""
    )
    result, _ = convert(tmp_path, config, daily_csv({"orders": [1]}))
    assert not_converted_keys(result) == [
        "deck[0].block.x_axis_monthly_display",
        "deck[1].block.metrics.OrdersYOY",
    ]


def test_table_rows_give_their_metrics_blocks(tmp_path):
    config = (
        SETUP
        + """
metrics:
  Orders: {column: orders, aggf: sum}
  Visits: {column: visits, aggf: sum}
deck:
  - block:
      ui_type: 12_MonthsTable
      title: Summary
      rows:
        - row: {header: "Orders", metric: Orders, y_scaling: "##KK"}
        - row: {header: "YOY", metric: OrdersYOY, y_scaling: "##%"}
"""
    )
    result, ours = convert(tmp_path, config, daily_csv({"orders": [1], "visits": [2]}))
    assert ours["metrics"]["Orders"]["show"] is True
    assert ours["metrics"]["Visits"]["show"] is False
    assert not_converted_keys(result) == ["deck[0].block.ui_type"]


def test_unknown_keys_are_listed_with_their_line(tmp_path):
    config = (
        SETUP
        + """  db_config_url: https://example.com/connections.yaml
metrics:
  Orders: {column: orders, aggf: sum, box_total_scaling: bps}
annotations: [events.csv]
"""
    )
    result, _ = convert(tmp_path, config, daily_csv({"orders": [1]}))
    keys = [item.key for item in result.not_converted]
    assert keys == [
        "setup.db_config_url (line 5)",
        "annotations (line 8)",
        "metrics.Orders.box_total_scaling (line 7)",
    ]
    # The list is also written at the top of our wbr.yaml, so nothing disappears silently.
    text = result.config_path.read_text(encoding="utf-8")
    assert "#   metrics.Orders.box_total_scaling (line 7)" in text


def test_csv_quirks_are_read_by_our_loader(tmp_path):
    csv_text = (
        "Date,Impressions,Desktop Pct\n"
        '"Sun, 05-Jan-2020","523,419",56.00%\n'
        '"Mon, 06-Jan-2020","564,364",55.50%\n'
    )
    config = (
        SETUP
        + """
metrics:
  Impressions: {column: Impressions, aggf: sum}
  Desktop_Pct: {column: Desktop Pct, aggf: mean}
"""
    )
    result, _ = convert(tmp_path, config, csv_text, encoding="utf-8-sig")
    actuals = read_wide(result.data_files[0])
    assert actuals.index.tolist() == [pd.Timestamp("2020-01-05"), pd.Timestamp("2020-01-06")]
    assert actuals["Impressions"].tolist() == [523419, 564364]
    assert actuals["Desktop_Pct"].tolist() == pytest.approx([0.56, 0.555])


def test_us_short_dates_are_read(tmp_path):
    csv_text = "Date,Orders\n1/1/21,5\n1/2/21,6\n"
    config = SETUP + "\nmetrics:\n  Orders: {column: Orders, aggf: sum}\n"
    result, _ = convert(tmp_path, config, csv_text)
    assert read_wide(result.data_files[0]).index[0] == pd.Timestamp("2021-01-01")


def test_a_cell_that_is_not_a_number_is_a_data_error_naming_the_line(tmp_path):
    config = SETUP + "\nmetrics:\n  Orders: {column: Orders, aggf: sum}\n"
    with pytest.raises(DataError, match=r"app.csv:3: column 'Orders': 'lots' is not a number"):
        convert(tmp_path, config, "Date,Orders\n2020-01-05,1\n2020-01-06,lots\n")


def test_missing_column_is_listed_not_fatal(tmp_path):
    config = (
        SETUP
        + """
metrics:
  Orders: {column: orders, aggf: sum}
  Visits: {column: visits, aggf: sum}
"""
    )
    result, ours = convert(tmp_path, config, daily_csv({"orders": [1]}))
    assert list(ours["metrics"]) == ["Orders"]
    assert "'visits' is not in app.csv" in result.not_converted[0].reason


def test_nothing_to_convert_is_a_config_error(tmp_path):
    config = SETUP + "\nmetrics:\n  Opening: {column: pms, aggf: median}\n"
    with pytest.raises(ConfigError, match="no App metric could be converted"):
        convert(tmp_path, config, daily_csv({"pms": [1]}))


def test_missing_app_config_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="WBR App config not found"):
        convert_wbr_app(tmp_path / "nope.yaml", tmp_path / "nope.csv", tmp_path / "wbr.yaml")


def test_app_config_without_metrics_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="missing section 'metrics'"):
        convert(tmp_path, SETUP, daily_csv({"orders": [1]}))


@pytest.mark.parametrize(
    ("scaling", "unit"),
    [
        ("##.1%", "percent"),
        ("##.2bps", "percent"),
        ("##MM", "count"),
        ("##", "count"),
        (None, None),
    ],
)
def test_unit_from_y_scaling(scaling, unit):
    assert unit_from_scaling(scaling) == unit


def test_written_yaml_loads_and_resolves_its_data_files(tmp_path):
    config = (
        SETUP
        + """
metrics:
  Clicks: {column: Clicks, aggf: sum}
  Impressions: {column: Impressions, aggf: sum}
  CTR:
    function:
      divide:
        - metric: {name: Clicks}
        - metric: {name: Impressions}
"""
    )
    csv_text = daily_csv({"Clicks": [1, 2], "Impressions": [9, 9], "Clicks__Target": [2, 2]})
    result, _ = convert(tmp_path, config, csv_text)
    loaded = load_config(result.config_path)
    assert loaded.resolve(loaded.sources.actuals.path) == result.data_files[0]
    assert loaded.resolve(loaded.sources.plan.path) == result.data_files[1]
    assert loaded.metrics["CTR"].comparison_method == "pct"


def test_growth_rows_and_blocks_show_their_metric(tmp_path):
    config = (
        SETUP
        + """
metrics:
  PageViews: {column: PageViews, aggf: sum}
  Clicks: {column: Clicks, aggf: sum}
deck:
  - block:
      ui_type: 12_MonthsTable
      title: Summary
      rows:
        - row: {header: "YOY", metric: PageViewsYOY, y_scaling: "##%"}
  - block:
      ui_type: 6_12Graph
      title: Clicks growth
      metrics: {ClicksWOW: {}}
  - block:
      ui_type: 6_12Graph
      title: Page views (Millions)
      metrics: {PageViews: {}}
"""
    )
    _, ours = convert(tmp_path, config, daily_csv({"PageViews": [3], "Clicks": [1]}))
    assert ours["metrics"]["Clicks"]["show"] is True  # its block's box holds the WoW
    # A later 6-12 block of the metric itself still gives it its title.
    assert ours["metrics"]["PageViews"]["label"] == "Page views (Millions)"


def test_report_lines_name_files_and_everything_left_out(tmp_path):
    config = (
        SETUP
        + """
metrics:
  Orders: {column: orders, aggf: sum}
  Opening: {column: pms, aggf: median}
"""
    )
    result, _ = convert(tmp_path, config, daily_csv({"orders": [1], "pms": [2]}))
    lines = report_lines(result)
    assert lines[0] == f"wrote {result.config_path}"
    assert lines[1] == f"wrote {result.data_files[0]}"
    assert lines[2] == "not converted (1):"
    assert lines[3] == (
        "  metrics.Opening (line 8): aggf 'median' is not converted "
        "(ours: sum, mean, min, max, last, first)"
    )


def test_database_query_prefix_reads_the_csv_column(tmp_path):
    config = (
        SETUP
        + """
data_sources:
  MyProdPostgres:
    main_metrics: {query: "SELECT date as Date, orders FROM t"}
metrics:
  Orders: {column: main_metrics.orders, aggf: sum}
  Other: {column: elsewhere.orders, aggf: sum}
"""
    )
    result, ours = convert(tmp_path, config, daily_csv({"orders": [4, 5]}))
    assert read_wide(result.data_files[0])["Orders"].tolist() == [4, 5]
    assert "Other" not in ours["metrics"]  # not a query of this config: not guessed


def test_derived_metric_has_a_plan_when_every_operand_has_one(tmp_path):
    csv_text = daily_csv(
        {
            "mobile": [1, 2],
            "mobile__Target": [2, 2],
            "desktop": [10, 20],
            "desktop__Target": [12, 12],
        }
    )
    config = (
        SETUP
        + """
metrics:
  Mobile: {column: mobile, aggf: sum}
  Desktop: {column: desktop, aggf: sum}
  Total:
    function:
      sum:
        - metric: {name: Mobile}
        - metric: {name: Desktop}
"""
    )
    result, _ = convert(tmp_path, config, csv_text)
    assert list(read_wide(result.data_files[1]).columns) == ["Mobile", "Desktop"]
    assert engine_value(result, "Total", "2020-01-05", "2020-01-06", source="plan") == 28


@pytest.mark.parametrize(
    ("function", "reason"),
    [
        (
            "{sum: [{metric: {name: Orders}}]}",
            "sum needs at least two operands, got 1",
        ),
        (
            "{difference: [{metric: {name: Orders}}, {metric: {name: Orders}}, "
            "{metric: {name: Orders}}]}",
            "difference needs exactly two operands, got 3",
        ),
        (
            "{modulo: [{metric: {name: Orders}}, {metric: {name: Orders}}]}",
            "function 'modulo' is not one of divide, sum, difference, product",
        ),
        (
            "{sum: [{metric: {name: Orders}}, "
            "{metric: {function: {sum: [{metric: {name: Orders}}]}}}]}",
            "function operands are converted only as `metric: {name: ...}`",
        ),
    ],
)
def test_functions_we_cannot_express_are_listed(tmp_path, function, reason):
    config = (
        SETUP
        + f"\nmetrics:\n  Orders: {{column: orders, aggf: sum}}\n  F: {{function: {function}}}\n"
    )
    result, ours = convert(tmp_path, config, daily_csv({"orders": [1, 2]}))
    assert "F" not in ours["metrics"]
    assert [(item.key.split(" (")[0], item.reason) for item in result.not_converted] == [
        ("metrics.F", reason)
    ]
