"""MetricHistory: a metric's full weekly and daily series, handed from the engine to analysis.

The deck shows six weeks; flags, drivers and questions need the whole history. The engine
(wbr/engine/build.py) fills one MetricHistory per metric; wbr/analysis/ (flags, drivers,
questions)
read it and never recompute window values themselves.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd


@dataclass(frozen=True)
class MetricHistory:
    """Every complete week of one metric up to the deck's week ending, plus its daily values.

    weekly: index = week-end dates (DatetimeIndex, oldest first, last row = week_ending), columns
        cy, py (the week 364 days earlier), plan (NaN when no plan), complete (bool: all 7 days of
        CY present). Values are aggregated by the metric's type (ratio = sum/sum per week).
    daily: DatetimeIndex from the first data day to week_ending; NaN = missing day. For a ratio it
        is the daily numerator/denominator (for seasonal residuals only, never for window values).
    numerator, denominator: for ratios, the weekly history of the operands (same shape as weekly).
    """

    metric: str
    weekly: pd.DataFrame
    daily: pd.Series
    numerator: pd.DataFrame | None = None
    denominator: pd.DataFrame | None = None
