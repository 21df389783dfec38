"""MetricHistory: the engine hands over arrays, and the weekly DataFrame is built only on demand,
the same DataFrame the engine built for every metric before."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from tests.conftest import write_business
from wbr.engine.build import metric_histories
from wbr.engine.config import load_config
from wbr.engine.series import MetricHistory, WeeklyRows


def test_histories_hold_arrays_and_build_the_same_frame_on_demand(tmp_path: Path) -> None:
    config = load_config(write_business(tmp_path))
    histories = metric_histories(config)
    orders, conversion = histories["orders"], histories["conversion"]
    assert "weekly" not in vars(orders)  # no DataFrame until something asks for one
    rows = orders.rows
    assert rows.cy.flags.c_contiguous and len(rows.cy) == len(orders.ends)
    frame = orders.weekly
    assert list(frame.columns) == ["cy", "py", "plan", "complete"]
    assert frame.index.name == "week_end" and frame.index.equals(rows.ends)
    assert frame["complete"].dtype == bool and frame["cy"].dtype == float
    np.testing.assert_array_equal(frame["cy"].to_numpy(), rows.cy)
    np.testing.assert_array_equal(frame["py"].to_numpy()[52:], rows.cy[:-52])
    assert np.isnan(frame["py"].to_numpy()[:52]).all()
    # a ratio's operands are the operand metrics' rows
    assert conversion.numerator_rows is histories["orders"].rows
    assert conversion.denominator is not None
    np.testing.assert_array_equal(
        conversion.denominator["cy"].to_numpy(), histories["sessions"].rows.cy
    )
    assert orders.numerator is None and orders.denominator_rows is None
    # the week ends as dates, converted once for every metric
    assert orders.rows.dates == tuple(orders.ends.date)
    assert orders.rows.dates is histories["sessions"].rows.dates


def test_a_history_given_a_frame_reads_its_rows_once() -> None:
    ends = pd.DatetimeIndex(pd.date_range("2026-01-03", periods=4, freq="7D"), name="week_end")
    frame = pd.DataFrame(
        {"cy": [1.0, 2.0, 3.0, 4.0], "py": np.nan, "plan": 2.0, "complete": True}, index=ends
    )
    history = MetricHistory("m", frame, pd.Series(dtype=float), frame, frame)
    assert history.weekly is frame
    assert WeeklyRows.of(history) is history.rows
    assert history.rows.week_end == ends[-1].date()
    np.testing.assert_array_equal(history.denominator_rows.plan, [2.0] * 4)
    pd.testing.assert_frame_equal(history.rows.frame(), frame)


def test_daily_values_are_columns_of_one_matrix_and_the_series_is_built_on_demand(
    tmp_path: Path,
) -> None:
    from wbr.engine.build import resolve_week_ending
    from wbr.engine.sources import load_data

    config = load_config(write_business(tmp_path))
    dataset = load_data(config)
    histories = metric_histories(config, dataset)
    orders, sessions, conversion = (histories[m] for m in ("orders", "sessions", "conversion"))
    assert "daily" not in vars(orders)  # no Series until something asks for one
    assert orders.daily_index is sessions.daily_index  # one day index for every metric
    week = resolve_week_ending(config, dataset, None)
    daily = dataset.actuals.loc[: pd.Timestamp(week)]
    # the Series each metric had when it was read out of the frame column by column
    pd.testing.assert_series_equal(orders.daily, daily["orders"])
    pd.testing.assert_series_equal(sessions.daily, daily["sessions"])
    np.testing.assert_array_equal(orders.daily_values, daily["orders"].to_numpy(dtype=float))
    # a ratio's days: its operands combined day by day
    expected = daily["orders"] / daily["sessions"]
    pd.testing.assert_series_equal(conversion.daily, expected.rename("conversion"))


def test_a_history_given_a_daily_series_keeps_it() -> None:
    days = pd.Series([1.0, np.nan, 3.0], index=pd.date_range("2026-01-01", periods=3), name="x")
    ends = pd.DatetimeIndex(pd.date_range("2026-01-03", periods=1, freq="7D"), name="week_end")
    frame = pd.DataFrame({"cy": [4.0], "py": np.nan, "plan": np.nan, "complete": True}, index=ends)
    history = MetricHistory("m", frame, days)
    assert history.daily is days and history.daily_index is days.index
    np.testing.assert_array_equal(history.daily_values, [1.0, np.nan, 3.0])
