"""CSV sources -> Dataset (daily totals per metric, dimension slices, plan, commentary, events).

The loaders survive real exports: a UTF-8 byte-order mark, quoted numbers with thousands
separators, percent strings, ISO, US and "Sun, 05-Jan-2020" dates (one format per file, never
guessed per row), extra columns and rows in any order. Every problem in a file is collected and
reported together, each with file, line and column.

This module owns the Dataset and load_data (which sources a deck reads, plans spread over their
days, commentary and events); reading a CSV and its cells is in csv_table, the metric rows of an
actuals or plan file in metric_rows. Their public names are importable from here too.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from wbr.engine.config import Config, SourceConfig
from wbr.engine.csv_table import (
    CELL_SHOWN_CHARS,
    DATE_FORMATS,
    FIRST_YEAR,
    LAST_YEAR,
    MAX_ABS_VALUE,
    MAX_PROBLEMS_SHOWN,
    MISSING_TOKENS,
    NA_TOKENS,
    Problems,
    display_path,
    find_column,
    header_names,
    parse_dates,
    parse_numbers,
    read_table,
    require_columns,
)
from wbr.engine.metric_rows import (
    EXTRA_PREFIX,
    INCOMPLETE,
    ROW,
    daily_totals,
    read_metric_rows,
    read_wide_daily,
    report_months_given_twice,
)
from wbr.engine.plan_grain import check_plan_grain
from wbr.errors import DataError

__all__ = [
    "CELL_SHOWN_CHARS",
    "DATE_FORMATS",
    "EXTRA_PREFIX",
    "FIRST_YEAR",
    "INCOMPLETE",
    "LAST_YEAR",
    "MAX_ABS_VALUE",
    "MAX_PROBLEMS_SHOWN",
    "MISSING_TOKENS",
    "NA_TOKENS",
    "ROW",
    "Dataset",
    "Problems",
    "daily_totals",
    "load_data",
    "parse_dates",
    "parse_numbers",
    "read_metric_rows",
    "read_table",
    "read_wide_daily",
]


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
    absent_slices: columns source (actuals or plan), date, metric, slice: the slice rows a day
        lacks (that day's total is NaN, like a missing day); or None when none are absent.
    """

    actuals: pd.DataFrame
    plan: pd.DataFrame | None = None
    slices: pd.DataFrame | None = None
    commentary: pd.DataFrame | None = None
    events: pd.DataFrame | None = None
    # Values that days cannot give (a distinct count over a window), by metric then (start, end);
    # filled by the warehouse loader for the windows the deck reads.
    window_values: dict[str, dict[tuple[dt.date, dt.date], float]] | None = None
    absent_slices: pd.DataFrame | None = None

    @property
    def last_actual_date(self) -> dt.date:
        """The last date with any actual value."""
        return self.actuals.dropna(how="all").index.max().date()


def _phase_plan(rows: pd.DataFrame, grain: str, config: Config, problems: Problems) -> pd.DataFrame:
    """Spread weekly or monthly plan rows over their days (sums divided, levels repeated)."""
    week_end = config.calendar.week_end_weekday
    rows = rows.reset_index(drop=True)
    if grain == "weekly":
        off = rows["date"].dt.day_of_week != week_end
        for position in np.flatnonzero(off.to_numpy()):
            problems.add(
                f"weekly plan rows must be dated on the week end "
                f"({config.calendar.week_end_day.title()}), "
                f"got {rows['date'].iloc[position]:%a %Y-%m-%d}"
            )
        problems.raise_if_any()
        starts = rows["date"] - pd.Timedelta(days=6)
        lengths = pd.Series(7, index=rows.index)
    else:
        starts = rows["date"].dt.to_period("M").dt.start_time
        lengths = rows["date"].dt.days_in_month
    additive = rows["metric"].map(lambda m: config.metrics[m].aggregation == "sum")
    repeated = rows.loc[rows.index.repeat(lengths)].copy()
    offsets = repeated.groupby(level=0).cumcount().to_numpy()
    repeated["date"] = starts.loc[repeated.index].to_numpy() + pd.to_timedelta(offsets, unit="D")
    divisor = np.where(additive.loc[repeated.index], lengths.loc[repeated.index], 1)
    repeated["value"] = repeated["value"] / divisor
    return repeated.reset_index(drop=True)


def _text_table(
    path: Path, names: list[str], date_column: str, optional: tuple[str, ...] = ()
) -> pd.DataFrame:
    """Load a commentary or events CSV: required columns (and `optional` ones, blank when the
    file has none), parsed dates, text kept as is."""
    frame = read_table(path)
    problems = Problems(path)
    columns = require_columns(frame, names, problems)
    problems.raise_if_any()
    table = pd.DataFrame({name: frame[columns[name]].fillna("").str.strip() for name in names})
    for name in optional:
        column = find_column(frame, name)
        table[name] = frame[column].fillna("").astype(str).str.strip() if column else ""
    table[date_column] = parse_dates(frame[columns[date_column]], problems, columns[date_column])
    problems.raise_if_any()
    table["metric"] = table["metric"].where(table["metric"] != "", None)
    return table.reset_index(drop=True)


def _reject_computed_metrics(path: Path, source: SourceConfig, config: Config) -> None:
    """A plan for a ratio or derived metric is computed from its operands' plans, never read."""
    if source.format == "wide":
        names = {name.strip() for name in header_names(path)}
    else:
        frame = read_table(path)
        column = find_column(frame, "metric")
        names = set(frame[column].fillna("").str.strip()) if column else set()
    problems = Problems(path)
    for metric, spec in config.metrics.items():
        if metric in names and spec.operands:
            problems.add(
                f"plan rows for '{metric}', a {spec.aggregation} metric: its plan is computed "
                f"from its operands' plans; give plan rows for {' and '.join(spec.operands)} "
                f"instead"
            )
    problems.raise_if_any()


def _load_metric_source(
    config: Config, source: SourceConfig, required: bool
) -> tuple[pd.DataFrame | None, pd.DataFrame | None, pd.DataFrame | None]:
    """(daily values, long rows with dimensions or None, absent slices or None) of an actuals
    or plan source."""
    assert source.path is not None  # a query source is read by the warehouse loader instead
    path = config.resolve(source.path)
    metrics = config.base_metrics()
    if source.format == "wide" and source.grain == "daily":
        return read_wide_daily(path, source, metrics, required), None, None
    dimensions = config.dimensions if (required and source.format == "long") else []
    if not required:
        _reject_computed_metrics(path, source, config)
    rows = read_metric_rows(path, source, metrics, dimensions, required)
    absent = rows.attrs.pop("absent_slices", None)
    if rows.empty:
        return None, None, None
    if source.grain == "monthly" and source.format == "wide":
        report_months_given_twice(path, rows)
    if source.grain != "daily":
        rows = _phase_plan(rows, source.grain, config, Problems(path))
    slices = rows.drop(columns=INCOMPLETE, errors="ignore") if dimensions else None
    return (
        daily_totals(rows, metrics),
        slices,
        absent if absent is not None and len(absent) else None,
    )


def load_data(config: Config, week_ending: dt.date | str | None = None) -> Dataset:
    """Load and validate every source named in the config.

    Tables and SQL sources are read for the deck of `week_ending` (default: the config's).
    """
    from wbr.engine.warehouse.load import load_mixed, reads_warehouse

    if reads_warehouse(config):
        return load_mixed(config, week_ending)
    source = config.sources.actuals
    assert source is not None and source.path is not None  # else the warehouse loader reads it
    actuals, slices, absent = _load_metric_source(config, source, required=True)
    if actuals is None or actuals.dropna(how="all").empty:
        raise DataError(f"{display_path(config.resolve(source.path))}: no data rows")
    plan = None
    absent_by_source = {"actuals": absent}
    if config.sources.plan is not None:
        plan, _, absent_by_source["plan"] = _load_metric_source(
            config, config.sources.plan, required=False
        )
        check_plan_grain(config, plan)  # monthly or weekly rows read as daily: all N/A
    commentary = events = None
    if config.sources.commentary is not None:
        commentary = _text_table(
            config.resolve(config.sources.commentary.path),
            ["week_ending", "metric", "author", "text"],
            "week_ending",
            optional=("question",),  # the id of a question this row answers
        )
    if config.sources.events is not None:
        events = _text_table(
            config.resolve(config.sources.events.path), ["date", "metric", "description"], "date"
        )
    return Dataset(
        actuals,
        plan,
        slices.reset_index(drop=True) if slices is not None else None,
        commentary,
        events,
        absent_slices=_absent_listing(absent_by_source),
    )


def _absent_listing(by_source: dict[str, pd.DataFrame | None]) -> pd.DataFrame | None:
    """One table of the absent slices of every source, or None when there are none."""
    found = [frame.assign(source=name) for name, frame in by_source.items() if frame is not None]
    if not found:
        return None
    listing = pd.concat(found, ignore_index=True)
    return listing[["source", "date", "metric", "slice"]]
