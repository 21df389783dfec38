"""Window values per metric type (sum, ratio, mean, last, first, min, max, derived), vectorised.

A window's value is null when any of its days is missing: a missing day is never a zero and never
a silent six-day week. Ratios are sum(numerator) / sum(denominator) over the window, and derived
metrics (sum, difference, product, divide) combine their operands' window values: each operand is
aggregated by its own type first, for current year, prior year and plan alike.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any, cast

import numpy as np
import pandas as pd

from wbr.engine.calendar import Window
from wbr.engine.config import Config, MetricConfig, evaluation_order

# metric -> (window start, window end) -> value: window values that days cannot give
WindowCounts = dict[str, dict[tuple[dt.date, dt.date], float]]


@dataclass(frozen=True)
class DailyMatrix:
    """Daily values, one row per day from `first_day`, one column per metric; NaN = missing."""

    first_day: dt.date
    values: np.ndarray
    metrics: tuple[str, ...]

    @cached_property
    def column(self) -> dict[str, int]:
        """Each metric's column (a dict: `metrics.index` per metric is quadratic in a deck)."""
        return {metric: i for i, metric in enumerate(self.metrics)}

    @classmethod
    def from_frame(cls, frame: pd.DataFrame) -> DailyMatrix:
        """From a daily DataFrame (continuous DatetimeIndex, one column per metric)."""
        return cls(
            frame.index[0].date(),
            frame.to_numpy(dtype=float, na_value=np.nan),
            tuple(frame.columns),
        )

    def rows(self, window: Window) -> np.ndarray:
        """The window's rows, padded with NaN where it reaches outside the data."""
        start = (window.start - self.first_day).days
        stop = start + window.days
        n_days, n_metrics = self.values.shape
        if start >= 0 and stop <= n_days:
            return self.values[start:stop]
        block = np.full((window.days, n_metrics), np.nan)
        lo, hi = max(start, 0), min(stop, n_days)
        if lo < hi:
            block[lo - start : hi - start] = self.values[lo:hi]
        return block


@dataclass(frozen=True)
class WindowValues:
    """Values of every metric over a list of windows: arrays shaped (windows, metrics)."""

    metrics: tuple[str, ...]
    values: np.ndarray
    complete: np.ndarray

    @cached_property
    def column(self) -> dict[str, int]:
        """Each metric's column (a dict: `metrics.index` per metric is quadratic in a deck)."""
        return {metric: i for i, metric in enumerate(self.metrics)}

    @cached_property
    def by_metric(self) -> list[list[float | None]]:
        """Each metric's values over the windows as Python numbers, None when N/A (one
        conversion for the deck, not one numpy scalar per block and window)."""
        by_metric = self.values.T
        cells = by_metric.astype(object)  # Python floats, as tolist() makes them
        cells[np.isnan(by_metric)] = None
        return cast(list[list[float | None]], cells.tolist())

    @cached_property
    def complete_by_metric(self) -> list[list[bool]]:
        """Each metric's completeness over the windows, as Python booleans."""
        return self.complete.astype(bool).T.tolist()

    def value(self, window_index: int, metric: str) -> float | None:
        """One window's value for one metric, None when N/A."""
        column = self.column[metric]
        value = self.values[window_index, column]
        return None if np.isnan(value) else float(value)


_BASE_REDUCERS = {
    "sum": lambda rows: rows.sum(axis=0),
    "mean": lambda rows: rows.mean(axis=0),
    "last": lambda rows: rows[-1],
    "first": lambda rows: rows[0],
    "min": lambda rows: rows.min(axis=0),
    "max": lambda rows: rows.max(axis=0),
}


def base_window_values(
    matrix: DailyMatrix,
    aggregations: Sequence[str],
    windows: Sequence[Window],
    counted: WindowCounts | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """(values, complete) of the matrix's own metrics; incomplete windows are NaN.

    A `distinct` metric's window value is never made from its days: it is looked up in
    `counted` (metric -> (start, end) -> value, counted over the window where the data is).
    """
    n_metrics = len(matrix.metrics)
    values = np.full((len(windows), n_metrics), np.nan)
    complete = np.zeros((len(windows), n_metrics), dtype=bool)
    groups = {
        kind: np.array([i for i, a in enumerate(aggregations) if a == kind], dtype=int)
        for kind in _BASE_REDUCERS
    }
    distinct = [column for column, kind in enumerate(aggregations) if kind == "distinct"]
    first, count = _back_to_back(matrix, windows)
    by_metric = matrix.values.T  # the loader's matrix holds each metric's days together
    if count and by_metric.flags.c_contiguous:
        # A run of windows of one length, each starting the day after the last ends, inside
        # the data (a metric's weeks): one (metrics, windows, days) view of the matrix, reduced
        # over its days at once. numpy reduces each metric's days of a window as the loop
        # below does (contiguous, so summed in the same pairwise order), so the numbers are
        # the loop's to the last bit (tests/test_aggregate.py holds them to it).
        days = windows[first].days
        start = (windows[first].start - matrix.first_day).days
        run = by_metric[:, start : start + count * days].reshape(n_metrics, count, days)
        taken = slice(first, first + count)
        complete[taken] = ~np.isnan(run).any(axis=-1).T
        # every metric's sums at once, for the sums and means (no copy of their days)
        totals = np.add.reduce(run, axis=-1)
        for kind, columns in groups.items():
            if not columns.size:
                continue
            if kind == "sum":
                found = totals[columns]
            elif kind == "mean":
                found = np.true_divide(totals[columns], days)
            elif kind == "first":
                found = run[columns, :, 0]
            elif kind == "last":
                found = run[columns, :, -1]
            else:
                found = _RUN_REDUCERS[kind](run[columns])
            values[taken, columns] = found.T
    else:
        count = 0
    for w, window in enumerate(windows):
        in_run = first <= w < first + count
        if not in_run:
            rows = matrix.rows(window)
            complete[w] = ~np.isnan(rows).any(axis=0)
            for kind, columns in groups.items():
                if columns.size:
                    values[w, columns] = _BASE_REDUCERS[kind](rows[:, columns])
        for column in distinct:
            found = (counted or {}).get(matrix.metrics[column], {})
            values[w, column] = found.get((window.start, window.end), np.nan)
        if not in_run:
            values[w, ~complete[w]] = np.nan
    if count:  # the run's incomplete windows, at once
        np.copyto(values[first : first + count], np.nan, where=~complete[first : first + count])
    return values, complete


# min and max over a run of windows: (metrics, windows, days) -> (metrics, windows)
_RUN_REDUCERS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "min": lambda cube: np.minimum.reduce(cube, axis=-1),
    "max": lambda cube: np.maximum.reduce(cube, axis=-1),
}


def _back_to_back(matrix: DailyMatrix, windows: Sequence[Window]) -> tuple[int, int]:
    """(first, count): the longest run of windows of one length, each starting the day after
    the one before ends, all inside the matrix's days; count 0 when no run is worth it."""
    n_days = len(matrix.values)
    best = (0, 0)
    k = 0
    while k < len(windows):
        start = (windows[k].start - matrix.first_day).days
        if start < 0 or start + windows[k].days > n_days:
            k += 1
            continue
        end = k + 1
        while (
            end < len(windows)
            and windows[end].days == windows[k].days
            and windows[end].start == windows[end - 1].end + dt.timedelta(days=1)
            and (windows[end].end - matrix.first_day).days < n_days
        ):
            end += 1
        if end - k > best[1]:
            best = (k, end - k)
        k = end
    return best if best[1] >= _RUN_AT_LEAST else (0, 0)


_RUN_AT_LEAST = 8  # windows: below this, the window-by-window loop costs less than the set-up


def window_values(
    config: Config,
    matrix: DailyMatrix | None,
    windows: Sequence[Window],
    counted: WindowCounts | None = None,
) -> WindowValues:
    """Every configured metric over every window, ratios evaluated after their operands.

    `counted` holds the window values of distinct counts (see base_window_values).
    """
    order = evaluation_order(config)
    values = np.full((len(windows), len(order)), np.nan)
    complete = np.zeros((len(windows), len(order)), dtype=bool)
    column = {metric: i for i, metric in enumerate(order)}
    if matrix is not None:
        aggregations = [config.metrics[m].aggregation for m in matrix.metrics]
        base_values, base_complete = base_window_values(matrix, aggregations, windows, counted)
        # every base metric's columns copied at once (one assignment per metric: 8,000 at
        # 10,000 metrics, ~20 ms for each set of windows)
        taken = [(i, column[m]) for i, m in enumerate(matrix.metrics) if m in column]
        if taken:
            sources, targets = (list(side) for side in zip(*taken, strict=True))
            values[:, targets] = base_values[:, sources]
            complete[:, targets] = base_complete[:, sources]
    for level in combined_levels(config, order):
        for (op, _), members in level.items():
            if op is None:  # one metric: combine() itself
                alone = members[0]
                spec = config.metrics[alone]
                operands = [column[operand] for operand in spec.operands]
                combined, ready = combine(spec, values[:, operands].T, complete[:, operands].T)
                values[:, column[alone]] = combined
                complete[:, column[alone]] = ready
                continue
            # the group's two operands stacked: (2, windows, metrics), combined at once
            targets = [column[m] for m in members]
            pairs = [config.metrics[m].operands for m in members]
            sides = [[column[pair[k]] for pair in pairs] for k in (0, 1)]
            combined, ready = combine(
                config.metrics[members[0]],
                np.stack([values[:, side] for side in sides]),
                np.stack([complete[:, side] for side in sides]),
            )
            values[:, targets] = combined
            complete[:, targets] = ready
    return WindowValues(tuple(order), values, complete)


_PAIRWISE = ("divide", "difference", "product")


def combined_levels(
    config: Config, order: Sequence[str]
) -> list[dict[tuple[str | None, str | None], list[str]]]:
    """The ratio and derived metrics by level (level 1: operands are all base metrics; level k:
    an operand at level k - 1), each level's two-operand divisions, differences and products
    grouped by op, to be worked out together by one combine() over their stacked operands (the
    same element-wise arithmetic, each metric's values the same to the last bit); any other
    metric alone, keyed (None, id)."""
    # a deck asks for the levels of the same metrics once per set of windows
    if _LAST_LEVELS and _LAST_LEVELS[0][0] is config.metrics and _LAST_LEVELS[0][1] == order:
        return _LAST_LEVELS[0][2]
    depth: dict[str, int] = {}
    levels: list[dict[tuple[str | None, str | None], list[str]]] = []
    for metric in order:
        spec = config.metrics[metric]
        if not spec.operands:
            depth[metric] = 0
            continue
        level = 1 + max(depth.get(operand, 0) for operand in spec.operands)
        depth[metric] = level
        while len(levels) < level:
            levels.append({})
        op = "divide" if spec.aggregation == "ratio" else spec.formula.op if spec.formula else None
        key = (op, None) if op in _PAIRWISE and len(spec.operands) == 2 else (None, metric)
        levels[level - 1].setdefault(key, []).append(metric)
    _LAST_LEVELS[:] = [(config.metrics, list(order), levels)]
    return levels


# the last config's metrics, the order asked for and their levels (see combined_levels)
_LAST_LEVELS: list[tuple[Any, list[str], list[dict[tuple[str | None, str | None], list[str]]]]] = []


def combine(
    spec: MetricConfig, operands: np.ndarray, complete: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """A ratio's or derived metric's values from its operands' (the first axis = operands, in
    order; element-wise over the rest, so one call may combine many metrics of one op).

    Complete only where every operand is; a division by zero is N/A, never infinity.
    """
    ready = np.asarray(complete.all(axis=0))
    if spec.aggregation == "ratio":
        op = "divide"
    else:
        assert spec.formula is not None  # the config requires a formula for a derived metric
        op = spec.formula.op
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if op == "divide":
            result = operands[0] / operands[1]
            result[operands[1] == 0] = np.nan
        elif op == "difference":
            result = operands[0] - operands[1]
        elif op == "product":
            result = np.prod(operands, axis=0)
        else:
            result = np.sum(operands, axis=0)
    result = np.where(ready & np.isfinite(result), result, np.nan)
    return result, ready


def weekly_history(
    config: Config, matrix: DailyMatrix, week_ending: dt.date, counted: WindowCounts | None = None
) -> tuple[list[dt.date], WindowValues]:
    """Every whole week in the data up to `week_ending` (oldest first) for every metric."""
    # At least the deck's own week, even when the data starts inside it (its days pad as NaN).
    first_end = matrix.first_day + dt.timedelta(days=6)
    n_weeks = max(1, (week_ending - first_end).days // 7 + 1)
    ends = [week_ending - dt.timedelta(days=7 * k) for k in range(n_weeks - 1, -1, -1)]
    windows = [Window(end - dt.timedelta(days=6), end) for end in ends]
    return ends, window_values(config, matrix, windows, counted)


def has_plan(config: Config, plan: DailyMatrix | None, metric: str) -> bool:
    """True when the plan covers the metric (for a ratio or derived metric: every operand)."""
    if plan is None:
        return False
    spec = config.metrics[metric]
    if spec.operands:
        return all(has_plan(config, plan, operand) for operand in spec.operands)
    if spec.aggregation == "distinct":  # a plan's days cannot give a distinct count either
        return False
    if metric not in plan.column:
        return False
    return bool(np.isfinite(plan.values[:, plan.column[metric]]).any())


def quarter_forecast_totals(
    actual: DailyMatrix,
    plan: DailyMatrix,
    metrics: Sequence[str],
    quarter: Window,
    week_ending: dt.date,
) -> dict[str, tuple[float, float]]:
    """Per summed metric: (actual from the quarter's start to `week_ending` plus the plan for the
    rest of the quarter, the whole quarter's plan). A metric with any actual day to date or any
    plan day of the quarter missing is left out."""
    to_date = Window(quarter.start, week_ending)
    rest = Window(week_ending + dt.timedelta(days=1), quarter.end)  # empty on the quarter's end
    actual_sums, _ = base_window_values(actual, ["sum"] * len(actual.metrics), [to_date])
    plan_sums, _ = base_window_values(plan, ["sum"] * len(plan.metrics), [rest, quarter])
    totals = {}
    for metric in metrics:
        if metric not in actual.column or metric not in plan.column:
            continue
        column = plan.column[metric]
        forecast = actual_sums[0, actual.column[metric]] + plan_sums[0, column]
        planned = plan_sums[1, column]
        if np.isfinite(forecast) and np.isfinite(planned):
            totals[metric] = (float(forecast), float(planned))
    return totals
