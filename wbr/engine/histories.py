"""Every metric's MetricHistory for the analysis: the full weekly CY/PY/plan rows and daily values
up to the deck's week, from the same daily matrices the deck's windows read.

The weekly rows of all metrics are one weeks x metrics matrix per column (CY, PY, plan,
complete); each metric's WeeklyRows are views of its row of them, and no DataFrame is built per
metric (engine/series.py builds one only when a caller asks for MetricHistory.weekly).
"""

from __future__ import annotations

import datetime as dt
from typing import cast

import numpy as np
import pandas as pd

from wbr.engine.aggregate import (
    DailyMatrix,
    combine,
    combined_levels,
    weekly_history,
    window_values,
)
from wbr.engine.calendar import Window
from wbr.engine.config import Config, evaluation_order
from wbr.engine.series import DailyValues, MetricHistory, WeeklyRows
from wbr.engine.sources import Dataset


def weekly_histories(
    config: Config,
    dataset: Dataset,
    actual: DailyMatrix,
    plan: DailyMatrix | None,
    week_ending: dt.date,
) -> dict[str, MetricHistory]:
    """Full weekly CY/PY/plan series and daily values of every metric, for flags and drivers."""
    ends, weekly = weekly_history(config, actual, week_ending, dataset.window_values)
    windows = [Window(end - dt.timedelta(days=6), end) for end in ends]
    planned = window_values(config, plan, windows) if plan is not None else None
    index = pd.DatetimeIndex(ends, name="week_end")
    # One weeks x metrics matrix per column, transposed so that each metric's row is contiguous;
    # each metric's WeeklyRows are views of it (no DataFrame per metric: see engine/series.py).
    cy_rows = np.ascontiguousarray(weekly.values.T, dtype=float)
    py_rows = np.full_like(cy_rows, np.nan)
    py_rows[:, 52:] = cy_rows[:, :-52]
    if planned:
        plan_rows = np.ascontiguousarray(planned.values.T, dtype=float)
    else:
        plan_rows = np.full_like(cy_rows, np.nan)
    complete_rows = np.ascontiguousarray(weekly.complete.T, dtype=bool)
    dates = tuple(index.date)  # converted once, shared by every metric's rows
    last = index[-1] if len(index) else None
    rows = {
        metric: WeeklyRows(
            index,
            cy_rows[column],
            py_rows[column],
            plan_rows[column],
            complete_rows[column],
            dates,
            last,
        )
        for column, metric in enumerate(weekly.metrics)
    }
    daily = dataset.actuals.loc[: pd.Timestamp(week_ending)]
    daily_values = _daily_values(config, daily)
    histories = {}
    for metric, spec in config.metrics.items():
        if spec.aggregation == "ratio" and spec.numerator and spec.denominator:
            histories[metric] = MetricHistory(
                metric,
                rows[metric],
                daily_values[metric],
                rows[spec.numerator],
                rows[spec.denominator],
            )
        else:
            histories[metric] = MetricHistory(metric, rows[metric], daily_values[metric])
    return histories


def _daily_values(config: Config, daily: pd.DataFrame) -> dict[str, DailyValues]:
    """Every metric's daily values; a ratio's or derived metric's combine its operands day by day.

    Operands come first in evaluation order, so each metric is combined once, without
    recursion, however deep a chain of derived metrics runs. Used for residual checks only,
    never for window values (those combine window aggregates). The frame is read as one float
    matrix (a view when it is one float block, as loaded) and each metric's values are a column of
    it over the one shared day index: a Series per metric cost 50-60 us each.
    """
    matrix = daily.to_numpy(dtype=float)
    column = {name: j for j, name in enumerate(daily.columns)}
    index = cast(pd.DatetimeIndex, daily.index)
    order = evaluation_order(config)
    values: dict[str, DailyValues] = {
        metric: DailyValues(matrix[:, column[metric]], index)
        for metric in order
        if not config.metrics[metric].operands
    }
    # level by level, the two-operand divisions, differences and products together (rows =
    # metrics, so that each metric's days stay contiguous), as window_values does
    for level in combined_levels(config, order):
        for (op, _), members in level.items():
            if op is None:
                spec = config.metrics[members[0]]
                stacked = np.vstack([values[operand].values for operand in spec.operands])
                combined, _ = combine(spec, stacked, ~np.isnan(stacked))
                values[members[0]] = DailyValues(combined, index)
                continue
            pairs = [config.metrics[metric].operands for metric in members]
            stacked = np.stack(
                [np.vstack([values[pair[k]].values for pair in pairs]) for k in (0, 1)]
            )
            rows, _ = combine(config.metrics[members[0]], stacked, ~np.isnan(stacked))
            for metric, row in zip(members, rows, strict=True):
                values[metric] = DailyValues(row, index)
    return values
