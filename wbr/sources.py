"""CSV sources -> Dataset (daily totals per metric, dimension slices, plan, commentary, events).

The loaders survive real exports: a UTF-8 byte-order mark, quoted numbers with thousands
separators, percent strings, ISO, US and "Sun, 05-Jan-2020" dates (one format per file, never
guessed per row), extra columns and rows in any order. Every problem in a file is collected and
reported together, each with file, line and column.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from wbr.config import Config, SourceConfig
from wbr.errors import DataError

MAX_PROBLEMS_SHOWN = 20
DATE_FORMATS = (
    ("%Y-%m-%d", "YYYY-MM-DD"),
    ("%m/%d/%Y", "M/D/YYYY"),
    ("%m/%d/%y", "M/D/YY"),
    ("%a, %d-%b-%Y", "Ddd, DD-Mon-YYYY"),
)
MISSING_TOKENS = frozenset({"", "na", "n/a", "nan", "null", "none"})
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d*)?$")


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


class _Problems:
    """Collects every problem found in one file; raises them together."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.items: list[str] = []

    def add(self, message: str, line: int | None = None, column: str | None = None) -> None:
        where = _display(self.path) + (f":{line}" if line else "")
        where += f": column '{column}'" if column else ""
        self.items.append(f"{where}: {message}")

    def raise_if_any(self) -> None:
        if not self.items:
            return
        shown = self.items[:MAX_PROBLEMS_SHOWN]
        if len(self.items) > MAX_PROBLEMS_SHOWN:
            shown.append(f"... and {len(self.items) - MAX_PROBLEMS_SHOWN} more problems")
        raise DataError("\n".join(shown))


def _display(path: Path) -> str:
    """A path as the user would type it: relative to the working directory when inside it."""
    try:
        return os.path.relpath(path)
    except ValueError:
        return str(path)


def _read_table(path: Path) -> pd.DataFrame:
    """Read a CSV with BOM stripped; blank lines kept so frame row i is file line i + 2."""
    try:
        frame = pd.read_csv(
            path,
            encoding="utf-8-sig",
            skip_blank_lines=False,
            skipinitialspace=True,
            dtype=str,
            keep_default_na=False,
        )
    except FileNotFoundError:
        raise DataError(f"{_display(path)}: file not found") from None
    except pd.errors.EmptyDataError:
        raise DataError(f"{_display(path)}: file is empty (expected a header row)") from None
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise DataError(f"{_display(path)}: not a readable CSV file: {exc}") from None
    frame.columns = [str(name).strip() for name in frame.columns]
    return frame


def _find_column(frame: pd.DataFrame, name: str) -> str | None:
    """The frame's column matching `name` case-insensitively."""
    for column in frame.columns:
        if column.lower() == name.lower():
            return column
    return None


def _require_columns(frame: pd.DataFrame, names: list[str], problems: _Problems) -> dict[str, str]:
    """Map required column names to the file's spelling; record the missing ones."""
    found = {}
    for name in names:
        column = _find_column(frame, name)
        if column is None:
            problems.add(f"missing column '{name}' (columns found: {', '.join(frame.columns)})")
        else:
            found[name] = column
    return found


def _line(raw: pd.Series, position: int) -> int:
    """File line of the row at `position`: index labels are the rows' places in the file."""
    return int(raw.index[position]) + 2


def parse_dates(raw: pd.Series, problems: _Problems, column: str) -> pd.Series:
    """Parse a date column with the one format that fits the whole file; report rows that do not."""
    text = raw.str.strip()
    present = text != ""
    for index in np.flatnonzero(~present.to_numpy()):
        problems.add("empty date", line=_line(raw, index), column=column)
    values = text[present]
    if values.empty:
        return pd.Series(pd.NaT, index=raw.index, dtype="datetime64[ns]")
    uniques = pd.Series(values.unique())
    best, best_parsed, best_ok = None, None, -1
    for fmt, label in DATE_FORMATS:
        parsed = pd.to_datetime(uniques, format=fmt, errors="coerce")
        ok = int(parsed.notna().sum())
        if ok > best_ok:
            best, best_parsed, best_ok = (fmt, label), parsed, ok
        if ok == len(uniques):
            break
    assert best is not None and best_parsed is not None
    fmt, label = best
    lookup = dict(zip(uniques, best_parsed, strict=True))
    parsed_all = text.map(lookup)
    bad = present & parsed_all.isna()
    for index in np.flatnonzero(bad.to_numpy()):
        problems.add(
            f"'{text.iloc[index]}' is not a date in this file's format {label}",
            line=_line(raw, index),
            column=column,
        )
    if fmt.startswith("%a"):
        named = text.str[:3].str.lower()
        actual = parsed_all.dt.strftime("%a").str.lower()
        wrong = present & ~bad & (named != actual)
        for index in np.flatnonzero(wrong.to_numpy()):
            problems.add(
                f"'{text.iloc[index]}': the weekday does not match the date "
                f"({parsed_all.iloc[index]:%a %d %b %Y})",
                line=_line(raw, index),
                column=column,
            )
    return pd.to_datetime(parsed_all).astype("datetime64[ns]")


def parse_numbers(raw: pd.Series, problems: _Problems, column: str) -> pd.Series:
    """Numbers from text: thousands separators, percent strings and currency signs accepted."""
    text = raw.str.strip()
    parsed = pd.to_numeric(text, errors="coerce")
    unparsed = parsed.isna() & ~text.str.lower().isin(MISSING_TOKENS)
    if unparsed.any():
        cleaned = text[unparsed].str.replace("$", "", regex=False).str.strip()
        percent = cleaned.str.endswith("%")
        cleaned = cleaned.str.rstrip("%").str.strip()
        thousands = cleaned.str.match(_THOUSANDS)
        cleaned = cleaned.where(~thousands, cleaned.str.replace(",", "", regex=False))
        retry = pd.to_numeric(cleaned, errors="coerce")
        retry = retry.where(~percent, retry / 100.0)
        parsed.loc[unparsed] = retry
        for index in np.flatnonzero((unparsed & parsed.isna()).to_numpy()):
            problems.add(
                f"'{text.iloc[index]}' is not a number", line=_line(raw, index), column=column
            )
    infinite = np.isinf(parsed.to_numpy(dtype=float, na_value=np.nan))
    for index in np.flatnonzero(infinite):
        problems.add(
            f"'{text.iloc[index]}' is not a finite number", line=_line(raw, index), column=column
        )
    return parsed.astype(float)


def _drop_blank_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """Drop rows whose every cell is empty (trailing or blank lines), keeping original positions."""
    blank = (frame.apply(lambda column: column.str.strip()) == "").all(axis=1)
    return frame[~blank]


def _report_duplicates(
    frame: pd.DataFrame, keys: list[str], problems: _Problems, what: str
) -> None:
    """Name every duplicated key with the file lines it appears on."""
    duplicated = frame.duplicated(keys, keep=False)
    if not duplicated.any():
        return
    groups = frame[duplicated].groupby(keys, sort=True, dropna=False)
    for key, rows in groups:
        key = key if isinstance(key, tuple) else (key,)
        described = ", ".join(
            f"{name}={value:%Y-%m-%d}" if isinstance(value, pd.Timestamp) else f"{name}={value}"
            for name, value in zip(keys, key, strict=True)
        )
        lines = ", ".join(str(position + 2) for position in rows["_row"])
        problems.add(f"duplicate {what} ({described}) on lines {lines}")


def read_metric_table(
    path: Path,
    source: SourceConfig,
    metrics: list[str],
    dimensions: list[str],
    required: bool,
) -> pd.DataFrame:
    """Load a long or wide metric CSV into long rows `date, metric, value, <dims>` (validated)."""
    frame = _read_table(path)
    problems = _Problems(path)
    frame = _drop_blank_rows(frame)
    if source.format == "wide":
        rows = _wide_to_long(frame, metrics, problems, required)
    else:
        rows = _long_rows(frame, metrics, dimensions, problems, required)
    problems.raise_if_any()
    keys = ["date", "metric", *[d for d in dimensions if d in rows.columns]]
    if source.format == "long":
        # Floating-point sums depend on order: sort so totals never depend on the file's row order.
        rows = rows.sort_values(keys, kind="stable", na_position="first")
    if source.duplicates == "error":
        _report_duplicates(rows, keys, problems, "row")
        problems.raise_if_any()
    return rows.drop(columns="_row")


def _long_rows(
    frame: pd.DataFrame,
    metrics: list[str],
    dimensions: list[str],
    problems: _Problems,
    required: bool,
) -> pd.DataFrame:
    columns = _require_columns(frame, ["date", "metric", "value", *dimensions], problems)
    if len(columns) < 3 + len(dimensions):
        problems.raise_if_any()
    metric_names = frame[columns["metric"]].str.strip()
    wanted = metric_names.isin(metrics)
    if required:
        found = set(metric_names[wanted].unique())
        for metric in metrics:
            if metric not in found:
                problems.add(f"no rows for metric '{metric}' (named in the config)")
    frame = frame[wanted]
    rows = pd.DataFrame(
        {
            "date": parse_dates(frame[columns["date"]], problems, columns["date"]),
            "metric": metric_names[wanted],
            "value": parse_numbers(frame[columns["value"]], problems, columns["value"]),
        }
    )
    for dimension in dimensions:
        cells = frame[columns[dimension]].str.strip()
        rows[dimension] = cells.where(cells != "", None)
    rows["_row"] = frame.index.to_numpy()
    return rows


def _wide_to_long(
    frame: pd.DataFrame, metrics: list[str], problems: _Problems, required: bool
) -> pd.DataFrame:
    date_column = _find_column(frame, "date") or frame.columns[0]
    present = [m for m in metrics if m in frame.columns]
    if required:
        for metric in metrics:
            if metric not in frame.columns:
                problems.add(f"no column for metric '{metric}' (named in the config)")
    dates = parse_dates(frame[date_column], problems, date_column)
    if frame[date_column].duplicated().any():
        keyed = pd.DataFrame({"date": dates, "_row": frame.index.to_numpy()})
        _report_duplicates(keyed, ["date"], problems, "date")
    values = {m: parse_numbers(frame[m], problems, m) for m in present}
    wide = pd.DataFrame(values, index=frame.index)
    wide["date"] = dates
    wide["_row"] = frame.index.to_numpy()
    long = wide.melt(id_vars=["date", "_row"], var_name="metric", value_name="value")
    return long[["_row", "date", "metric", "value"]]


def daily_totals(
    rows: pd.DataFrame, metrics: list[str], days: pd.DatetimeIndex | None = None
) -> pd.DataFrame:
    """Sum dimension rows to one value per metric per day; days with no value are NaN."""
    totals = (
        rows.groupby(["date", "metric"], sort=False)["value"].sum(min_count=1).unstack("metric")
    )
    if days is None:
        days = pd.date_range(totals.index.min(), totals.index.max(), freq="D")
    present = [m for m in metrics if m in totals.columns]
    totals = totals.reindex(index=days, columns=present).astype(float)
    totals.index.name = "date"
    return totals


def _phase_plan(
    rows: pd.DataFrame, grain: str, config: Config, problems: _Problems
) -> pd.DataFrame:
    """Spread weekly or monthly plan rows over their days (sums divided, levels repeated)."""
    if grain == "daily":
        return rows
    week_end = config.calendar.week_end_weekday
    if grain == "weekly":
        off = rows["date"].dt.day_of_week != week_end
        for position in np.flatnonzero(off.to_numpy()):
            problems.add(
                f"weekly plan rows must be dated on the week end "
                f"({config.calendar.week_end_day.title()}), "
                f"got {rows['date'].iloc[position]:%a %Y-%m-%d}",
                line=int(rows["_row"].iloc[position]) + 2,
            )
        problems.raise_if_any()
        starts = rows["date"] - pd.Timedelta(days=6)
        lengths = pd.Series(7, index=rows.index)
    else:
        starts = rows["date"].dt.to_period("M").dt.start_time
        lengths = rows["date"].dt.days_in_month
    additive = rows["metric"].map(
        lambda m: config.metrics[m].aggregation == "sum" if m in config.metrics else True
    )
    repeated = rows.loc[rows.index.repeat(lengths)].copy()
    offsets = repeated.groupby(level=0).cumcount().to_numpy()
    repeated["date"] = starts.loc[repeated.index].to_numpy() + pd.to_timedelta(offsets, unit="D")
    divisor = np.where(additive.loc[repeated.index], lengths.loc[repeated.index], 1)
    repeated["value"] = repeated["value"] / divisor
    return repeated.reset_index(drop=True)


def _text_table(path: Path, names: list[str], date_column: str) -> pd.DataFrame:
    """Load a commentary or events CSV: required columns, parsed dates, text kept as is."""
    frame = _drop_blank_rows(_read_table(path))
    problems = _Problems(path)
    columns = _require_columns(frame, names, problems)
    problems.raise_if_any()
    table = pd.DataFrame({name: frame[columns[name]].str.strip() for name in names})
    table[date_column] = parse_dates(frame[columns[date_column]], problems, columns[date_column])
    problems.raise_if_any()
    table["metric"] = table["metric"].where(table["metric"] != "", None)
    return table.reset_index(drop=True)


def load_data(config: Config) -> Dataset:
    """Load and validate every source named in the config."""
    base_metrics = config.base_metrics()
    actual_source = config.sources.actuals
    rows = read_metric_table(
        config.resolve(actual_source.path),
        actual_source,
        base_metrics,
        config.dimensions if actual_source.format == "long" else [],
        required=True,
    )
    if rows["date"].isna().all() or rows.empty:
        raise DataError(f"{_display(config.resolve(actual_source.path))}: no data rows")
    actuals = daily_totals(rows, base_metrics)
    slices = None
    if config.dimensions and actual_source.format == "long":
        slices = rows.reset_index(drop=True)

    plan = None
    if config.sources.plan is not None:
        plan_source = config.sources.plan
        plan_path = config.resolve(plan_source.path)
        plan_rows = (
            read_metric_table(
                plan_path,
                plan_source,
                base_metrics,
                [],
                required=False,
            )
            if plan_source.grain == "daily"
            else _read_plan_rows(plan_path, plan_source, base_metrics, config)
        )
        if not plan_rows.empty:
            plan = daily_totals(plan_rows, base_metrics)

    commentary = events = None
    if config.sources.commentary is not None:
        commentary = _text_table(
            config.resolve(config.sources.commentary.path),
            ["week_ending", "metric", "author", "text"],
            "week_ending",
        )
    if config.sources.events is not None:
        events = _text_table(
            config.resolve(config.sources.events.path), ["date", "metric", "description"], "date"
        )
    return Dataset(actuals, plan, slices, commentary, events)


def _read_plan_rows(
    path: Path, source: SourceConfig, metrics: list[str], config: Config
) -> pd.DataFrame:
    """Weekly or monthly plan rows, validated, then phased to days."""
    frame = _drop_blank_rows(_read_table(path))
    problems = _Problems(path)
    if source.format == "wide":
        rows = _wide_to_long(frame, metrics, problems, required=False)
    else:
        rows = _long_rows(frame, metrics, [], problems, required=False)
    problems.raise_if_any()
    if source.duplicates == "error":
        _report_duplicates(rows, ["date", "metric"], problems, "row")
        problems.raise_if_any()
    phased = _phase_plan(rows.reset_index(drop=True), source.grain, config, problems)
    return phased.drop(columns="_row")
