"""Loaders survive real exports: BOM, quoted thousands, percents, date styles, extra columns."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from tests.conftest import write_business
from wbr.engine.config import load_config
from wbr.engine.sources import load_data

WIDE = """\
title: T
sources:
  actuals: {path: metrics.csv, format: wide}
metrics:
  Impressions: {}
  Rate: {aggregation: mean, unit: percent}
"""


def _load(tmp_path, config: str, csv: str | bytes, plan: str | None = None):
    files = {"metrics.csv": csv} if isinstance(csv, str) else {}
    if plan is not None:
        files["plan.csv"] = plan
    path = write_business(tmp_path, config, files)
    if isinstance(csv, bytes):
        (tmp_path / "metrics.csv").write_bytes(csv)
    return load_data(load_config(path))


def test_wide_export_with_bom_quoted_thousands_percent_and_named_weekdays(tmp_path):
    csv = (
        "\ufeffDate,Impressions,Rate,Unused\n"
        '"Sun, 05-Jan-2020","523,419",56.00%,x\n'
        '"Mon, 06-Jan-2020","1,234,567.5", 7.5% ,y\n'
    ).encode()
    data = _load(tmp_path, WIDE, csv)
    assert list(data.actuals.index.strftime("%Y-%m-%d")) == ["2020-01-05", "2020-01-06"]
    assert data.actuals["Impressions"].tolist() == [523419.0, 1234567.5]
    assert data.actuals["Rate"].tolist() == pytest.approx([0.56, 0.075])


@pytest.mark.parametrize(
    ("first", "second"),
    [("1/5/2020", "1/6/2020"), ("1/5/20", "1/6/20"), ("2020-01-05", "2020-01-06")],
)
def test_us_and_iso_dates_are_detected_per_file(tmp_path, first, second):
    data = _load(tmp_path, WIDE, f"date,Impressions,Rate\n{first},1,0.1\n{second},2,0.2\n")
    assert list(data.actuals.index.strftime("%Y-%m-%d")) == ["2020-01-05", "2020-01-06"]


def test_long_rows_in_any_order_with_dimensions_sum_to_daily_totals(tmp_path):
    config = """\
    title: T
    sources:
      actuals: {path: metrics.csv}
    dimensions: [region]
    metrics:
      orders: {}
    """
    csv = """\
    date,region,value,metric,comment
    2026-01-02,north,5,orders,late
    2026-01-01,south,3,orders,
    2026-01-01,north,4,orders,
    2026-01-02,south,1,orders,
    2026-01-01,north,99,unconfigured_metric,
    """
    data = _load(tmp_path, config, csv)
    assert data.actuals["orders"].tolist() == [7.0, 6.0]
    assert set(data.slices["region"]) == {"north", "south"}
    assert "unconfigured_metric" not in data.actuals.columns


def test_a_day_absent_from_the_file_is_missing_not_zero(tmp_path):
    data = _load(tmp_path, WIDE, "date,Impressions,Rate\n2020-01-01,1,0.1\n2020-01-03,3,0.3\n")
    assert len(data.actuals) == 3
    assert math.isnan(data.actuals.loc["2020-01-02", "Impressions"])


def test_empty_cells_are_missing_values(tmp_path):
    data = _load(tmp_path, WIDE, "date,Impressions,Rate\n2020-01-01,,0.1\n2020-01-02,N/A,0.2\n")
    assert data.actuals["Impressions"].isna().all()


def test_blank_lines_do_not_shift_reported_line_numbers(tmp_path):
    from wbr.errors import DataError

    with pytest.raises(DataError, match=r"metrics.csv:4: column 'Rate': 'oops' is not a number"):
        _load(tmp_path, WIDE, "date,Impressions,Rate\n2020-01-01,1,0.1\n\n2020-01-02,2,oops\n")


def test_plan_may_run_past_actuals_and_weekly_plans_are_phased_to_days(tmp_path):
    config = """\
    title: T
    sources:
      actuals: {path: metrics.csv, format: wide}
      plan: {path: plan.csv, format: wide, grain: weekly}
    metrics:
      orders: {}
      latency: {aggregation: mean}
    """
    data = _load(
        tmp_path,
        config,
        "date,orders,latency\n2026-11-21,1,2\n",
        plan="date,orders,latency\n2026-11-21,700,140\n2026-11-28,1400,70\n",
    )
    plan = data.plan
    assert plan.index[0] == pd.Timestamp("2026-11-15") and plan.index[-1] == pd.Timestamp(
        "2026-11-28"
    )
    assert plan["orders"].iloc[:7].tolist() == [100.0] * 7
    assert plan["orders"].iloc[7:].tolist() == [200.0] * 7
    assert plan["latency"].iloc[:7].tolist() == [140.0] * 7


def test_monthly_plans_are_spread_evenly_over_the_month(tmp_path):
    config = """\
    title: T
    sources:
      actuals: {path: metrics.csv, format: wide}
      plan: {path: plan.csv, format: wide, grain: monthly}
    metrics:
      orders: {}
    """
    data = _load(
        tmp_path, config, "date,orders\n2026-11-21,1\n", plan="date,orders\n2026-02-01,280\n"
    )
    assert len(data.plan) == 28 and data.plan["orders"].sum() == pytest.approx(280.0)


def test_commentary_and_events_load_with_their_dates(tmp_path):
    config = """\
    title: T
    sources:
      actuals: {path: metrics.csv, format: wide}
      commentary: {path: commentary.csv}
      events: {path: events.csv}
    metrics:
      orders: {}
    """
    files = {
        "metrics.csv": "date,orders\n2026-11-21,1\n",
        "commentary.csv": 'week_ending,metric,author,text\n2026-11-21,orders,Dana,"Up 5%, promo"\n',
        "events.csv": "date,metric,description\n2026-11-20,,Site outage 2h\n",
    }
    data = load_data(load_config(write_business(tmp_path, config, files)))
    assert data.commentary.loc[0, "text"] == "Up 5%, promo"
    assert data.events.loc[0, "date"] == pd.Timestamp("2026-11-20")
    assert pd.isna(data.events.loc[0, "metric"])


def test_undeclared_slice_columns_of_a_long_file_are_summed_not_duplicates(tmp_path):
    config = """\
    title: T
    sources:
      actuals: {path: metrics.csv}
    metrics:
      orders: {}
    """
    csv = """\
    date,metric,value,region
    2026-01-01,orders,4,north
    2026-01-01,orders,3,south
    2026-01-02,orders,5,north
    2026-01-02,orders,1,south
    """
    data = _load(tmp_path, config, csv)
    assert data.actuals["orders"].tolist() == [7.0, 6.0]
    assert data.slices is None  # not declared under `dimensions:`, so no drill-down


def test_rows_equal_in_every_column_but_the_value_are_still_duplicates(tmp_path):
    from wbr.errors import DataError

    config = "title: T\nsources:\n  actuals: {path: metrics.csv}\nmetrics:\n  orders: {}\n"
    csv = "date,metric,value,region\n2026-01-01,orders,4,north\n2026-01-01,orders,3,north\n"
    with pytest.raises(
        DataError,
        match=r"duplicate row \(date=2026-01-01, metric=orders, region=north\) on lines 2, 3",
    ):
        _load(tmp_path, config, csv)


def test_a_wide_metric_named_like_an_internal_column_loads(tmp_path):
    config = (
        "title: T\nsources:\n  actuals: {path: metrics.csv, format: wide}\nmetrics:\n  _row: {}\n"
    )
    data = _load(tmp_path, config, "date,_row\n2026-01-01,5\n2026-01-02,6\n")
    assert data.actuals["_row"].tolist() == [5.0, 6.0]
