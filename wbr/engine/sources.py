"""CSV sources -> Dataset (daily totals per metric, dimension slices, plan, commentary, events).

The loaders survive real exports: a UTF-8 byte-order mark, quoted numbers with thousands
separators, percent strings, ISO, US and "Sun, 05-Jan-2020" dates (one format per file, never
guessed per row), extra columns and rows in any order. Every problem in a file is collected and
reported together, each with file, line and column.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import re
import warnings
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from wbr.engine.config import Config, SourceConfig
from wbr.engine.plan_grain import check_plan_grain
from wbr.engine.slices import MONTHLY_GAP_DAYS, SLICE_GAP_DAYS, absent_slices
from wbr.errors import DataError, Problem
from wbr.files import ensure_regular_file

MAX_PROBLEMS_SHOWN = 20
ROW = "\x00row"  # the file position of a row: a name no CSV header can hold, so no metric clashes
EXTRA_PREFIX = "_extra:"  # undeclared slice columns of a long file, kept only to key its rows
INCOMPLETE = "\x00incomplete"  # a row of a day that lacks one of its slices (see slices.py)
FIRST_YEAR, LAST_YEAR = 1900, 2200  # outside: placeholder dates such as 9999-12-31
DATE_FORMATS = (
    ("%Y-%m-%d", "YYYY-MM-DD"),
    ("%m/%d/%Y", "M/D/YYYY"),
    ("%m/%d/%y", "M/D/YY"),
    ("%a, %d-%b-%Y", "Ddd, DD-Mon-YYYY"),
)
# Beyond this size no daily figure is real, and window sums, products and changes could overflow.
MAX_ABS_VALUE = 1e18
CELL_SHOWN_CHARS = 60  # a bad cell is quoted up to this many characters
MISSING_TOKENS = frozenset({"", "na", "n/a", "nan", "null", "none"})
NA_TOKENS = ["", "NA", "N/A", "n/a", "na", "NaN", "nan", "null", "NULL", "None", "none"]
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


class Problems:
    """Collects every problem found in one file; raises them together."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.items: list[Problem] = []

    def add(self, message: str, line: int | None = None, column: str | None = None) -> None:
        self.items.append(Problem(_display(self.path), line or None, column or None, message))

    def raise_if_any(self) -> None:
        if not self.items:
            return
        shown = [str(problem) for problem in self.items[:MAX_PROBLEMS_SHOWN]]
        if len(self.items) > MAX_PROBLEMS_SHOWN:
            shown.append(f"... and {len(self.items) - MAX_PROBLEMS_SHOWN} more problems")
        raise DataError("\n".join(shown), problems=self.items)


def _clip(cell: object) -> str:
    """A cell as quoted in an error: at most CELL_SHOWN_CHARS characters, saying how long it is."""
    text = str(cell)
    if len(text) <= CELL_SHOWN_CHARS:
        return text
    return f"{text[:CELL_SHOWN_CHARS]}... ({len(text):,} characters)"


def _display(path: Path) -> str:
    """A path as the user would type it: relative to the working directory when inside it."""
    try:
        return os.path.relpath(path)
    except ValueError:
        return str(path)


def _header(path: Path) -> list[str]:
    """The header row's names, as written (every CSV is read after this: regular files only)."""
    ensure_regular_file(path, "data file", shown=_display(path))
    with open(path, encoding="utf-8-sig", newline="") as handle:
        first = next(csv.reader(handle), None)
    if first is None:
        raise pd.errors.EmptyDataError
    return first


def _reject_repeated_columns(frame: pd.DataFrame, used: list[str], problems: Problems) -> None:
    """A column the deck reads must appear once: pandas would keep one and rename the other."""
    for name in frame.attrs.get("repeated_columns", ()):
        if name in used:
            problems.add(f"column '{name}' appears more than once in the header", line=1)


def _check_extra_fields(path: Path, width: int) -> None:
    """Rows with more fields than the header: fine when the extras are empty (trailing commas)."""
    problems = Problems(path)
    with open(path, encoding="utf-8-sig", newline="") as handle:
        for line, row in enumerate(csv.reader(handle), start=1):
            if line > 1 and len(row) > width and any(cell.strip() for cell in row[width:]):
                problems.add(
                    f"{len(row)} fields but the header names {width} columns "
                    f"(extra: {_clip(', '.join(repr(c) for c in row[width:] if c.strip()))})",
                    line=line,
                )
    problems.raise_if_any()


def read_table(path: Path, text_columns: set[str] | None = None) -> pd.DataFrame:
    """Read a CSV (BOM stripped) keeping blank lines, so frame row i is file line i + 2.

    Columns named in `text_columns` (lower case), or all when it is None, stay text; the others
    are parsed as numbers by the C parser, falling back to text when a cell is not a plain number.
    """
    display = _display(path)
    try:
        names = _header(path)
        text = [c for c in names if text_columns is None or c.strip().lower() in text_columns]
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", pd.errors.ParserWarning)
            frame = pd.read_csv(
                path,
                encoding="utf-8-sig",
                skip_blank_lines=False,
                skipinitialspace=True,
                index_col=False,  # a trailing comma on data rows must not become an index
                dtype={column: str for column in text},
                keep_default_na=False,
                na_values={column: NA_TOKENS for column in names if column not in text},
            )
    except FileNotFoundError as exc:
        raise DataError(f"{display}: file not found") from exc
    except pd.errors.EmptyDataError as exc:
        raise DataError(f"{display}: file is empty (expected a header row)") from exc
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise DataError(f"{display}: not a readable CSV file: {exc}") from exc
    except OSError as exc:
        raise DataError(f"{display}: cannot read: {exc.strerror or exc}") from exc
    if any(issubclass(w.category, pd.errors.ParserWarning) for w in caught):
        _check_extra_fields(path, len(names))
    frame.columns = [str(name).strip() for name in frame.columns]
    counts = Counter(name.strip() for name in names)  # stripped.count per name: quadratic
    frame.attrs["repeated_columns"] = sorted(
        name for name, count in counts.items() if name and count > 1
    )
    blank = np.ones(len(frame), dtype=bool)
    for column in frame.columns:
        cells = frame[column]
        empty = cells.isna()
        if not pd.api.types.is_numeric_dtype(cells.dtype):
            empty |= cells.astype(str).str.strip() == ""
        blank &= empty.to_numpy()
    return frame[~blank]


def _find_column(frame: pd.DataFrame, name: str) -> str | None:
    """The frame's column matching `name` case-insensitively."""
    for column in frame.columns:
        if column.lower() == name.lower():
            return column
    return None


def _require_columns(frame: pd.DataFrame, names: list[str], problems: Problems) -> dict[str, str]:
    """Map required column names to the file's spelling; record the missing ones."""
    found = {}
    for name in names:
        column = _find_column(frame, name)
        if column is None:
            problems.add(
                f"missing column '{name}' (columns found: {_clip(', '.join(frame.columns))})"
            )
        else:
            found[name] = column
    return found


def _line(raw: pd.Series, position: int | np.integer) -> int:
    """File line of the row at `position`: index labels are the rows' places in the file."""
    return int(raw.index[int(position)]) + 2


def parse_dates(raw: pd.Series, problems: Problems, column: str) -> pd.Series:
    """Parse a date column with the one format that fits the whole file; report rows that do not."""
    text = raw.fillna("").astype(str).str.strip()
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
    years = best_parsed.dt.year
    in_range = best_parsed.notna() & (years >= FIRST_YEAR) & (years <= LAST_YEAR)
    out_of_range = set(uniques[best_parsed.notna() & ~in_range])
    lookup = dict(zip(uniques, best_parsed.where(in_range), strict=True))
    parsed_all = text.map(lookup)
    bad = present & parsed_all.isna()
    for index in np.flatnonzero(bad.to_numpy()):
        cell = _clip(text.iloc[index])
        problems.add(
            f"'{cell}' is outside the years {FIRST_YEAR}-{LAST_YEAR} (a placeholder date?)"
            if text.iloc[index] in out_of_range
            else f"'{cell}' is not a date in this file's format {label}",
            line=_line(raw, index),
            column=column,
        )
    if fmt.startswith("%a"):
        named = text.str[:3].str.lower()
        actual = parsed_all.dt.strftime("%a").str.lower()
        wrong = present & ~bad & (named != actual)
        for index in np.flatnonzero(wrong.to_numpy()):
            problems.add(
                f"'{_clip(text.iloc[index])}': the weekday does not match the date "
                f"({parsed_all.iloc[index]:%a %d %b %Y})",
                line=_line(raw, index),
                column=column,
            )
    return pd.to_datetime(parsed_all).astype("datetime64[ns]")


def parse_numbers(raw: pd.Series, problems: Problems, column: str) -> pd.Series:
    """Numbers from text: thousands separators, percent strings and currency signs accepted."""
    if pd.api.types.is_numeric_dtype(raw.dtype):
        parsed = raw.astype(float)
        text = None
    else:
        text = raw.fillna("").astype(str).str.strip()
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
                    f"'{_clip(text.iloc[index])}' is not a number",
                    line=_line(raw, index),
                    column=column,
                )
    parsed = parsed.astype(float)
    values = parsed.to_numpy()
    for index in np.flatnonzero(~np.isnan(values) & ~(np.abs(values) <= MAX_ABS_VALUE)):
        shown = _clip(text.iloc[index] if text is not None else parsed.iloc[index])
        problems.add(
            f"'{shown}' is not a finite number"
            if np.isinf(values[index])
            else f"'{shown}' is too large to add up (the limit is 1e18 either side of zero)",
            line=_line(raw, index),
            column=column,
        )
    return parsed


def _report_duplicates(frame: pd.DataFrame, keys: list[str], problems: Problems, what: str) -> None:
    """Name every duplicated key with the file lines it appears on."""
    duplicated = frame.duplicated(keys, keep=False)
    if not duplicated.any():
        return
    groups = frame[duplicated].groupby(keys, sort=True, dropna=False)
    for key, rows in groups:
        key = key if isinstance(key, tuple) else (key,)
        described = ", ".join(
            f"{name}={value:%Y-%m-%d}"
            if isinstance(value, pd.Timestamp)
            else f"{name.removeprefix(EXTRA_PREFIX)}=(blank)"
            if value is None or (isinstance(value, float) and np.isnan(value))  # blank slice
            else f"{name.removeprefix(EXTRA_PREFIX)}={_clip(value)}"
            for name, value in zip(keys, key, strict=True)
        )
        lines = ", ".join(str(position + 2) for position in rows[ROW])
        problems.add(f"duplicate {what} ({described}) on lines {lines}")


def _text_columns(path: Path, source: SourceConfig, dimensions: list[str]) -> set[str]:
    """Lower-case names of the columns that hold text (dates, metric names, dimensions)."""
    if source.format == "long":
        return {"date", "metric", *(d.lower() for d in dimensions)}
    ensure_regular_file(path, "data file", shown=_display(path))
    try:
        first = [str(c) for c in pd.read_csv(path, encoding="utf-8-sig", nrows=0).columns[:1]]
    except (OSError, pd.errors.EmptyDataError, pd.errors.ParserError, UnicodeDecodeError):
        first = []
    return {"date", *(c.strip().lower() for c in first)}


def read_metric_rows(
    path: Path,
    source: SourceConfig,
    metrics: list[str],
    dimensions: list[str],
    required: bool,
) -> pd.DataFrame:
    """Load a long or wide metric CSV as long rows `date, metric, value, <dims>` (validated).

    Rows of a long file also carry INCOMPLETE, True on every row of a day that lacks one of its
    slices (slices.absent_slices), which are listed in the frame's attrs["absent_slices"].
    """
    frame = read_table(path, _text_columns(path, source, dimensions))
    problems = Problems(path)
    if source.format == "wide":
        wide = _wide_values(frame, metrics, problems, required)
        problems.raise_if_any()
        rows = wide.melt(id_vars=["date", ROW], var_name="metric", value_name="value")
        return rows[["date", "metric", "value"]]
    rows = _long_rows(frame, metrics, dimensions, problems, required)
    problems.raise_if_any()
    extras = [c for c in rows.columns if c.startswith(EXTRA_PREFIX)]
    keys = ["date", "metric", *dimensions, *extras]
    # Floating-point sums depend on order: sort so totals never depend on the file's row order.
    rows = rows.sort_values(keys, kind="stable", na_position="first")
    if source.duplicates == "error":
        _report_duplicates(rows, keys, problems, "row")
    _report_totals_beside_slices(rows, dimensions, problems)
    problems.raise_if_any()
    if source.grain == "monthly":  # by slice: a monthly plan may be split like the actuals
        _report_months_given_twice(path, rows, [*dimensions, *extras])
    names = [*dimensions, *(extra.removeprefix(EXTRA_PREFIX) for extra in extras)]
    gap_days = MONTHLY_GAP_DAYS if source.grain == "monthly" else SLICE_GAP_DAYS
    absent = absent_slices(rows, [*dimensions, *extras], names, gap_days)
    rows = rows.drop(columns=[ROW, *extras])
    rows[INCOMPLETE] = pd.MultiIndex.from_frame(rows[["date", "metric"]]).isin(
        pd.MultiIndex.from_frame(absent[["date", "metric"]])
    )
    rows.attrs["absent_slices"] = absent
    return rows


def _report_totals_beside_slices(
    rows: pd.DataFrame, dimensions: list[str], problems: Problems
) -> None:
    """A day's rows must all be split by a dimension or all not: a total beside its slices
    would be counted twice."""
    for dimension in dimensions:
        blank = rows[dimension].isna()
        if not blank.any() or blank.all():
            continue
        by_day = blank.groupby([rows["date"], rows["metric"]], sort=False)
        mixed = by_day.transform("any") & ~by_day.transform("all")
        for (day, metric), group in rows[mixed].groupby(["date", "metric"], sort=True):
            lines = ", ".join(str(position + 2) for position in group[ROW])
            problems.add(
                f"rows for {metric} on {day:%Y-%m-%d} mix a blank {dimension} (a total?) with "
                f"{dimension} values on lines {lines}: a total beside its slices would be "
                f"counted twice"
            )


def read_wide_daily(
    path: Path, source: SourceConfig, metrics: list[str], required: bool
) -> pd.DataFrame:
    """Load a wide metric CSV straight into daily values (one column per metric)."""
    frame = read_table(path, _text_columns(path, source, []))
    problems = Problems(path)
    wide = _wide_values(frame, metrics, problems, required)
    problems.raise_if_any()
    if wide.empty:
        raise DataError(f"{_display(path)}: no data rows")
    values = wide.drop(columns=ROW).set_index("date").sort_index()
    days = pd.date_range(values.index.min(), values.index.max(), freq="D", name="date")
    return values.reindex(days).astype(float)


def _long_rows(
    frame: pd.DataFrame,
    metrics: list[str],
    dimensions: list[str],
    problems: Problems,
    required: bool,
) -> pd.DataFrame:
    columns = _require_columns(frame, ["date", "metric", "value", *dimensions], problems)
    _reject_repeated_columns(frame, list(columns.values()), problems)
    if len(columns) < 3 + len(dimensions):
        problems.raise_if_any()
    metric_names = frame[columns["metric"]].fillna("").str.strip()
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
        cells = frame[columns[dimension]].fillna("").str.strip()
        rows[dimension] = cells.where(cells != "", None)
    # Columns after date, metric, value are slices by definition (date,metric,value[,dims]):
    # undeclared ones still tell rows apart, they are just not offered for drill-down.
    for extra in [c for c in frame.columns if c not in set(columns.values())]:
        cells = frame[extra].astype(str).str.strip().where(frame[extra].notna(), "")
        rows[EXTRA_PREFIX + extra] = cells.where(cells != "", None)
    rows[ROW] = frame.index.to_numpy()
    return rows


def _wide_values(
    frame: pd.DataFrame, metrics: list[str], problems: Problems, required: bool
) -> pd.DataFrame:
    """Columns date, _row and one parsed float column per configured metric in the file."""
    date_column = _find_column(frame, "date") or frame.columns[0]
    _reject_repeated_columns(frame, [date_column, *metrics], problems)
    if required:
        for metric in metrics:
            if metric not in frame.columns:
                problems.add(f"no column for metric '{metric}' (named in the config)")
    dates = parse_dates(frame[date_column], problems, date_column)
    if dates.duplicated().any():
        keyed = pd.DataFrame({"date": dates, ROW: frame.index.to_numpy()})
        _report_duplicates(keyed, ["date"], problems, "date")
    present = [m for m in metrics if m in frame.columns]
    # Columns pandas already read as numbers are taken as one 2-D block (a DataFrame built from
    # a thousand Series, one parse each, took most of the load); a column of text, or holding a
    # value too large to add up, goes through parse_numbers, which names each bad cell.
    numeric = [m for m in present if pd.api.types.is_numeric_dtype(frame[m].dtype)]
    block = frame[numeric].to_numpy(dtype=float) if numeric else np.empty((len(frame), 0))
    usable = np.asarray((np.isnan(block) | (np.abs(block) <= MAX_ABS_VALUE)).all(axis=0), bool)
    taken = {m: i for i, m in enumerate(numeric) if usable[i]}
    matrix = np.empty((len(frame), len(present)))
    for j, metric in enumerate(present):
        if metric in taken:
            matrix[:, j] = block[:, taken[metric]]
        else:
            matrix[:, j] = parse_numbers(frame[metric], problems, metric).to_numpy()
    wide = pd.DataFrame(matrix, index=frame.index, columns=present)
    wide.insert(0, ROW, frame.index.to_numpy())
    wide.insert(0, "date", dates)
    return wide


def daily_totals(rows: pd.DataFrame, metrics: list[str]) -> pd.DataFrame:
    """Sum dimension rows to one value per metric per day; days with no value are NaN."""
    grouped = rows.groupby(["date", "metric"], sort=False)["value"]
    sums = grouped.sum(min_count=1)
    # One blank slice makes the day's total unknown, never a partial sum that looks final.
    sums[grouped.count() < grouped.size()] = np.nan
    if INCOMPLETE in rows.columns:  # so does an absent one
        sums = sums.mask(rows.groupby(["date", "metric"], sort=False)[INCOMPLETE].any())
    totals = sums.unstack("metric")
    days = pd.date_range(totals.index.min(), totals.index.max(), freq="D", name="date")
    present = [m for m in metrics if m in totals.columns]
    return totals.reindex(index=days, columns=present).astype(float)


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
    columns = _require_columns(frame, names, problems)
    problems.raise_if_any()
    table = pd.DataFrame({name: frame[columns[name]].fillna("").str.strip() for name in names})
    for name in optional:
        column = _find_column(frame, name)
        table[name] = frame[column].fillna("").astype(str).str.strip() if column else ""
    table[date_column] = parse_dates(frame[columns[date_column]], problems, columns[date_column])
    problems.raise_if_any()
    table["metric"] = table["metric"].where(table["metric"] != "", None)
    return table.reset_index(drop=True)


def _reject_computed_metrics(path: Path, source: SourceConfig, config: Config) -> None:
    """A plan for a ratio or derived metric is computed from its operands' plans, never read."""
    if source.format == "wide":
        names = {name.strip() for name in _header(path)}
    else:
        frame = read_table(path)
        column = _find_column(frame, "metric")
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


def _report_months_given_twice(
    path: Path, rows: pd.DataFrame, slice_columns: list[str] | None = None
) -> None:
    """Monthly plan rows: one per metric (and slice) per month (two would double its plan)."""
    months = rows.assign(month=rows["date"].dt.strftime("%Y-%m"))
    keys = ["month", "metric", *(slice_columns or [])]
    twice = months[months.duplicated(keys, keep=False)]
    problems = Problems(path)
    for key, group in twice.groupby(keys, sort=True, dropna=False):
        month, metric = key[0], key[1]
        dates = ", ".join(f"{day:%Y-%m-%d}" for day in group["date"])
        problems.add(f"{len(group)} monthly plan rows for {metric} in {month} ({dates})")
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
        _report_months_given_twice(path, rows)
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
        raise DataError(f"{_display(config.resolve(source.path))}: no data rows")
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
