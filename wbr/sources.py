"""CSV sources -> Dataset (daily totals per metric, dimension slices, plan, commentary, events)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd


@dataclass(frozen=True)
class Dataset:
    """Everything the deck reads, already validated.

    actuals: daily totals, DatetimeIndex with every day from the first to the last date in the file,
        one float column per base metric found in the data; NaN = the day is missing.
    plan: same shape for the plan (may run past the last actual date), or None.
    slices: long rows `date, metric, value, <dimension columns>` for drill-down (dimension cells are
        NaN for metrics that are not split), or None when there are no dimensions.
    commentary: columns week_ending (datetime64), metric, author, text; or None.
    events: columns date (datetime64), metric (NaN = business-wide), description; or None.
    """

    actuals: pd.DataFrame
    plan: pd.DataFrame | None = None
    slices: pd.DataFrame | None = None
    commentary: pd.DataFrame | None = None
    events: pd.DataFrame | None = None

    @property
    def last_actual_date(self) -> dt.date:
        """The last date with any actual value."""
        return self.actuals.dropna(how="all").index.max().date()
