"""Data status: which days each metric is missing in the windows a deck reads, and through which
day the data is complete (per metric, and for the whole deck).

A missing day is never a zero: build marks a block provisional when any window it reads misses a
day, and the questions cite a metric's data that stops before the week ends.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np
import pandas as pd

from wbr.engine.aggregate import DailyMatrix
from wbr.engine.calendar import Window
from wbr.engine.config import Config, evaluation_order
from wbr.engine.sources import Dataset


def missing_days(
    config: Config,
    actual: DailyMatrix,
    windows: Sequence[Window],
    prior: Sequence[Window] = (),
) -> dict[str, tuple[dt.date, ...]]:
    """Per metric, every day read by any CY (`windows`) or PY (`prior`) window with no value.

    Days before a metric's first value are not missing: before the history begins there is no
    PY (N/A, and `Status.history_starts` says why), not a data issue. Only a CY week that the
    history begins inside (the deck's first, partly loaded week) counts them as missing.
    """
    every = [*windows, *prior]
    span = Window(min(w.start for w in every), max(w.end for w in every))
    read = np.zeros(span.days, dtype=bool)
    for window in every:
        offset = (window.start - span.start).days
        read[offset : offset + window.days] = True
    absent = np.isnan(actual.rows(span)) & read[:, None]
    partials: dict[dt.date, np.ndarray] = {}  # most metrics share their first day
    for i, first in enumerate(first_value_days(actual)):
        if first is None:
            continue
        # before the first value only a CY week the history begins inside (a partly loaded week
        # of this deck) misses days; months, periods to date and PY reaching back before the
        # history have no data yet, which is N/A (Status.history_starts), not missing data
        partial = partials.get(first)
        if partial is None:
            partial = partials[first] = np.zeros(span.days, dtype=bool)
            for window in windows:
                if window.days == 7 and window.start < first <= window.end:
                    offset = (window.start - span.start).days
                    partial[offset : offset + window.days] = True
        before = max(0, (first - span.start).days)
        absent[:before, i] &= partial[:before]
    misses = absent.any(axis=0).tolist()  # most metrics miss no day
    base: dict[str, set[int]] = {
        metric: set(np.flatnonzero(absent[:, i]).tolist()) if misses[i] else set()
        for i, metric in enumerate(actual.metrics)
    }

    everything = set(np.flatnonzero(read).tolist())  # a metric with no data misses every day
    offsets: dict[str, set[int]] = {}
    for metric in evaluation_order(config):  # operands first: no recursion on deep chains
        operands = config.metrics[metric].operands
        if operands:
            offsets[metric] = set().union(*(offsets[operand] for operand in operands))
        else:
            offsets[metric] = base.get(metric, everything)
    return {
        metric: tuple(span.start + dt.timedelta(days=o) for o in sorted(offsets[metric]))
        for metric in config.metrics
    }


def first_value_days(actual: DailyMatrix) -> list[dt.date | None]:
    """Per column of the matrix, the first day that has a value (None: no value at all)."""
    present = ~np.isnan(actual.values)
    first = present.argmax(axis=0).tolist()
    found = present.any(axis=0).tolist()
    day = actual.first_day
    return [
        day + dt.timedelta(days=at) if has else None for at, has in zip(first, found, strict=True)
    ]


def history_starts(
    config: Config, actual: DailyMatrix, windows: Sequence[Window]
) -> dict[str, dt.date | None]:
    """Per metric, its first day of data when a window the deck reads starts before it (those
    PY numbers are N/A because the history begins later), else None."""
    first = min(w.start for w in windows)
    days: dict[str, dt.date | None] = dict(
        zip(actual.metrics, first_value_days(actual), strict=True)
    )
    starts: dict[str, dt.date | None] = {}
    for metric in evaluation_order(config):  # operands first
        operands = config.metrics[metric].operands
        found = [days.get(m) for m in operands] if operands else [days.get(metric)]
        known = [d for d in found if d is not None]
        starts[metric] = max(known) if known and max(known) > first else None
    return starts


def last_value_days(
    actuals: pd.DataFrame, through: dt.date | None = None
) -> dict[str, dt.date | None]:
    """Per base metric, the last day (up to `through`, if given) that has a value; None: none."""
    upto = actuals if through is None else actuals.loc[: pd.Timestamp(through)]
    present = upto.notna().to_numpy()
    if present.size == 0:
        return dict.fromkeys(upto.columns)
    backwards = present[::-1]
    last = (len(present) - 1 - backwards.argmax(axis=0)).tolist()
    found = np.asarray(backwards.any(axis=0)).tolist()
    days = pd.DatetimeIndex(upto.index).date  # each day's date once, not a Timestamp per metric
    return {metric: days[last[i]] if found[i] else None for i, metric in enumerate(upto.columns)}


def complete_through(
    config: Config, last_days: dict[str, dt.date | None]
) -> dict[str, dt.date | None]:
    """Per metric, the last day it has a value (a ratio or derived metric: its operands' earliest,
    None when one has none), from `last_value_days`."""
    days: dict[str, dt.date | None] = {}
    for metric in evaluation_order(config):  # operands first: no recursion on deep chains
        operands = config.metrics[metric].operands
        if operands:
            found = [days[operand] for operand in operands]
            days[metric] = min(d for d in found if d is not None) if None not in found else None
        else:
            days[metric] = last_days.get(metric)
    return days


def data_complete_through(config: Config, dataset: Dataset) -> dt.date | None:
    """The last day on which every base metric has a value, counting from its last value."""
    last_days = last_value_days(dataset.actuals)
    lasts = [last_days.get(m) for m in config.base_metrics()]
    if not lasts or any(last is None for last in lasts):
        return None
    return min(d for d in lasts if d is not None)
