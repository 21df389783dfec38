"""The WBR App's daily CSV, read for `wbr import-wbr-app`, and the wide daily CSVs written from it.

Owns reading the App's file (through the loaders of wbr/engine/sources.py, so the same quirks are
accepted and the same file/line/column messages are raised), selecting the rows of a `filter`
metric, reducing several rows of one day to one value by the metric's own `aggf` (exactly as the
App does before it aggregates windows), and writing our wide `date, <metric>...` files.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from wbr.engine.sources import Problems, parse_dates, parse_numbers, read_table
from wbr.errors import DataError

# The App's aggf values, as reductions of one day's rows (the window's reduction is our engine's).
DAILY_REDUCERS: dict[str, Callable[[Any], pd.Series]] = {
    "sum": lambda grouped: grouped.sum(min_count=1),
    "mean": lambda grouped: grouped.mean(),
    "min": lambda grouped: grouped.min(),
    "max": lambda grouped: grouped.max(),
    "last": lambda grouped: grouped.last(),
    "first": lambda grouped: grouped.first(),
}
_FILTER = re.compile(r"^\s*(`[^`]+`|[A-Za-z_]\w*)\s*(==|!=|>=|<=|>|<)\s*(.+?)\s*$")
# The comparisons of an App filter, applied to a column element-wise.
FILTER_OPERATORS: dict[str, Callable[[Any, Any], Any]] = {
    "==": operator.eq,
    "!=": operator.ne,
    ">": operator.gt,
    "<": operator.lt,
    ">=": operator.ge,
    "<=": operator.le,
}


def parse_filter(query: str) -> tuple[str, str, str | float]:
    """`column OP value` from an App filter query; ValueError for anything more complex."""
    match = _FILTER.match(query or "")
    if not match:
        raise ValueError(f"only `column OP value` filters can be converted, got {query!r}")
    column, op, literal = match.groups()
    column = column.strip("`")
    quote = literal[0]
    if len(literal) >= 2 and quote in "'\"" and literal[-1] == quote and quote not in literal[1:-1]:
        if op not in ("==", "!="):
            raise ValueError(f"ordering a text column is not converted: {query!r}")
        return column, op, literal[1:-1]
    try:
        return column, op, float(literal)
    except ValueError:
        raise ValueError(
            f"the value in filter {query!r} is neither quoted text nor a number"
        ) from None


class AppTable:
    """The App's daily CSV: dates parsed once, numeric columns parsed on first use."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        frame = read_table(self.path)  # every column as text; blank lines already dropped
        self.raw = frame
        problems = Problems(self.path)
        if "Date" not in frame.columns:
            raise DataError(f"{self.path}: missing column 'Date' (the WBR App's date column)")
        if (frame["Date"].fillna("").str.strip() == "").all():
            raise DataError(f"{self.path}: no data rows (only a header)")
        self.dates = parse_dates(frame["Date"], problems, "Date")
        problems.raise_if_any()
        self._numbers: dict[str, pd.Series] = {}

    def has(self, column: str) -> bool:
        """True when the CSV has this column."""
        return column in self.raw.columns

    def numbers(self, column: str) -> pd.Series:
        """A column as floats (thousands separators and percent strings accepted)."""
        if column not in self._numbers:
            problems = Problems(self.path)
            self._numbers[column] = parse_numbers(self.raw[column], problems, column)
            problems.raise_if_any()
        return self._numbers[column]

    def daily(self, column: str, aggregation: str, rows: pd.Series | None = None) -> pd.Series:
        """One value per day: the (selected) rows of a column reduced by the metric's aggf."""
        values = self.numbers(column)
        dates = self.dates
        if rows is not None:
            values, dates = values[rows], dates[rows]
        return DAILY_REDUCERS[aggregation](values.groupby(dates.to_numpy()))

    def rows_where(self, query: str) -> pd.Series:
        """The rows an App filter query selects (each row keeps its own date)."""
        column, op, value = parse_filter(query)
        if not self.has(column):
            raise ValueError(f"filter column {column!r} is not in {self.path.name}")
        cells = self.raw[column].str.strip() if isinstance(value, str) else self.numbers(column)
        return FILTER_OPERATORS[op](cells, value)

    def rows_per_day(self) -> int:
        """The largest number of rows any single date has."""
        return int(self.dates.value_counts().max())


def write_wide(path: Path, series: dict[str, pd.Series | None]) -> None:
    """A wide daily CSV: date, then one column per metric id; days with no value dropped."""
    columns = {name: values for name, values in series.items() if values is not None}
    frame = pd.DataFrame(columns).sort_index().dropna(how="all")
    frame.index = pd.DatetimeIndex(frame.index).strftime("%Y-%m-%d")
    frame.to_csv(path, index_label="date")
