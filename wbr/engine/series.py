"""MetricHistory: a metric's full weekly and daily series, handed from the engine to analysis.

The deck shows six weeks; flags, drivers and questions need the whole history. The engine
(wbr/engine/build.py) fills one MetricHistory per metric; wbr/analysis/ (flags, drivers,
questions) read it and never recompute window values themselves.

The engine hands the weekly rows over as arrays (`WeeklyRows`, views of one weeks x metrics
matrix) and the DataFrame `MetricHistory.weekly` is built only when something asks for it: a deck
of 10,000 metrics spent seconds building and reading one small DataFrame per metric. The daily
values likewise (`DailyValues`: an array and the shared day index; the Series `daily` is built on
demand): reading 10,000 columns out of the daily frame as Series took 0.4-0.6 s.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cached_property
from typing import cast

import numpy as np
import pandas as pd

WEEKLY_COLUMNS = ("cy", "py", "plan", "complete")


@dataclass(frozen=True, eq=False)
class DailyValues:
    """A metric's daily values as an array over a day index shared by every metric."""

    values: np.ndarray  # float; NaN = missing day
    index: pd.DatetimeIndex


@dataclass(frozen=True)
class WeeklyRows:
    """A metric's weekly rows as arrays (what MetricHistory.weekly holds, without a DataFrame)."""

    ends: pd.DatetimeIndex  # week ends, oldest first; the last is the deck's week ending
    cy: np.ndarray
    py: np.ndarray  # the week 364 days earlier
    plan: np.ndarray  # NaN when no plan
    complete: np.ndarray  # bool: all 7 days of CY present
    # `ends` as dates, when the caller converted them once for many metrics' rows
    known_dates: tuple[dt.date, ...] | None = field(default=None, compare=False, repr=False)
    # `ends[-1]`, when the caller read it once for many metrics' rows (a Timestamp is ~10 us)
    known_last: pd.Timestamp | None = field(default=None, compare=False, repr=False)

    @cached_property
    def dates(self) -> tuple[dt.date, ...]:
        """The week ends as dates."""
        return self.known_dates if self.known_dates is not None else tuple(self.ends.date)

    @cached_property
    def last(self) -> pd.Timestamp:
        """The deck's week ending."""
        return self.known_last if self.known_last is not None else self.ends[-1]

    @cached_property
    def week_end(self) -> dt.date:
        """The deck's week ending, as a date."""
        return self.known_dates[-1] if self.known_dates else self.last.date()

    @staticmethod
    def of(history: MetricHistory) -> WeeklyRows:
        """A history's weekly rows (read from its DataFrame once, when it was given one)."""
        return history.rows

    @classmethod
    def of_frame(cls, weekly: pd.DataFrame) -> WeeklyRows:
        """The rows of a weekly DataFrame (columns cy, py, plan, complete)."""
        ends = weekly.index
        ends = ends if isinstance(ends, pd.DatetimeIndex) else pd.DatetimeIndex(ends)
        return cls(
            ends,
            weekly["cy"].to_numpy(dtype=float),
            weekly["py"].to_numpy(dtype=float),
            weekly["plan"].to_numpy(dtype=float),
            weekly["complete"].to_numpy(),
        )

    def frame(self) -> pd.DataFrame:
        """The rows as MetricHistory.weekly's DataFrame."""
        columns = {"cy": self.cy, "py": self.py, "plan": self.plan, "complete": self.complete}
        return pd.DataFrame(columns, index=self.ends)


class MetricHistory:
    """Every complete week of one metric up to the deck's week ending, plus its daily values.

    weekly: index = week-end dates (DatetimeIndex, oldest first, last row = week_ending), columns
        cy, py (the week 364 days earlier), plan (NaN when no plan), complete (bool: all 7 days of
        CY present). Values are aggregated by the metric's type (ratio = sum/sum per week).
        Given as a DataFrame or as WeeklyRows; `rows` and `weekly` each convert once, on demand.
    daily: DatetimeIndex from the first data day to week_ending; NaN = missing day. For a ratio it
        is the daily numerator/denominator (for seasonal residuals only, never for window values).
    numerator, denominator: for ratios, the weekly history of the operands (same shape as weekly).
    """

    def __init__(
        self,
        metric: str,
        weekly: pd.DataFrame | WeeklyRows,
        daily: pd.Series | DailyValues,
        numerator: pd.DataFrame | WeeklyRows | None = None,
        denominator: pd.DataFrame | WeeklyRows | None = None,
    ) -> None:
        self.metric = metric
        self._daily = daily
        self._weekly = weekly
        self._operands = (numerator, denominator)

    def __repr__(self) -> str:
        return f"MetricHistory({self.metric!r}, {len(self.ends)} weeks)"

    @cached_property
    def daily(self) -> pd.Series:
        """The daily values as a Series (see the class docstring), named after the metric."""
        given = self._daily
        if isinstance(given, DailyValues):
            return pd.Series(given.values, index=given.index, name=self.metric)
        return given

    @property
    def daily_index(self) -> pd.DatetimeIndex:
        """The days of the daily values."""
        return cast(pd.DatetimeIndex, self._daily.index)

    @cached_property
    def daily_values(self) -> np.ndarray:
        """The daily values as floats (NaN = missing day)."""
        given = self._daily
        if isinstance(given, DailyValues):
            return given.values
        return given.to_numpy(dtype=float)

    @cached_property
    def rows(self) -> WeeklyRows:
        """The weekly rows as arrays."""
        given = self._weekly
        return given if isinstance(given, WeeklyRows) else WeeklyRows.of_frame(given)

    @cached_property
    def weekly(self) -> pd.DataFrame:
        """The weekly rows as a DataFrame (see the class docstring)."""
        given = self._weekly
        return given.frame() if isinstance(given, WeeklyRows) else given

    @property
    def ends(self) -> pd.DatetimeIndex:
        """The week ends of the weekly rows."""
        return self.rows.ends

    @cached_property
    def numerator(self) -> pd.DataFrame | None:
        """A ratio's numerator's weekly rows as a DataFrame (None for other metrics)."""
        return _frame(self._operands[0])

    @cached_property
    def denominator(self) -> pd.DataFrame | None:
        """A ratio's denominator's weekly rows as a DataFrame (None for other metrics)."""
        return _frame(self._operands[1])

    @cached_property
    def numerator_rows(self) -> WeeklyRows | None:
        """A ratio's numerator's weekly rows as arrays (None for other metrics)."""
        return _rows(self._operands[0])

    @cached_property
    def denominator_rows(self) -> WeeklyRows | None:
        """A ratio's denominator's weekly rows as arrays (None for other metrics)."""
        return _rows(self._operands[1])


def _frame(given: pd.DataFrame | WeeklyRows | None) -> pd.DataFrame | None:
    return given.frame() if isinstance(given, WeeklyRows) else given


def _rows(given: pd.DataFrame | WeeklyRows | None) -> WeeklyRows | None:
    return WeeklyRows.of_frame(given) if isinstance(given, pd.DataFrame) else given
