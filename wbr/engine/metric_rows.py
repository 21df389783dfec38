"""An actuals or plan CSV, long or wide, read as validated metric rows and daily totals:
duplicate rows, totals beside their slices, absent slices and monthly rows given twice reported."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from wbr.engine.config import SourceConfig
from wbr.engine.csv_table import (
    MAX_ABS_VALUE,
    Problems,
    clip,
    display_path,
    find_column,
    parse_date_codes,
    parse_dates,
    parse_numbers,
    read_table,
    reject_repeated_columns,
    require_columns,
    text_codes,
)
from wbr.engine.long_keys import (
    as_text,
    mixed_runs,
    on_absent_days,
    sorted_categorical,
    stable_order,
)
from wbr.engine.slices import MONTHLY_GAP_DAYS, SLICE_GAP_DAYS, absent_slices
from wbr.errors import DataError
from wbr.files import ensure_regular_file

__all__ = [
    "EXTRA_PREFIX",
    "INCOMPLETE",
    "ROW",
    "daily_totals",
    "read_metric_rows",
    "read_wide_daily",
    "report_months_given_twice",
]

ROW = "\x00row"  # the file position of a row: a name no CSV header can hold, so no metric clashes
EXTRA_PREFIX = "_extra:"  # undeclared slice columns of a long file, kept only to key its rows
INCOMPLETE = "\x00incomplete"  # a row of a day that lacks one of its slices (see slices.py)


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
            else f"{name.removeprefix(EXTRA_PREFIX)}={clip(value)}"
            for name, value in zip(keys, key, strict=True)
        )
        lines = ", ".join(str(position + 2) for position in rows[ROW])
        problems.add(f"duplicate {what} ({described}) on lines {lines}")


def _text_columns(path: Path, source: SourceConfig, dimensions: list[str]) -> set[str]:
    """Lower-case names of the columns that hold text (dates, metric names, dimensions)."""
    if source.format == "long":
        return {"date", "metric", *(d.lower() for d in dimensions)}
    ensure_regular_file(path, "data file", shown=display_path(path))
    try:
        # usecols: the first column's name as pandas reads it, without an empty frame of every
        # column (100,000 metrics: 15 s)
        header = pd.read_csv(path, encoding="utf-8-sig", nrows=0, usecols=[0])
        first = [str(c) for c in header.columns[:1]]
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
    long = source.format == "long"  # its text columns as codes: millions of repeated cells
    frame = read_table(path, _text_columns(path, source, dimensions), coded=long)
    problems = Problems(path)
    if source.format == "wide":
        wide = _wide_values(frame, metrics, problems, required)
        problems.raise_if_any()
        rows = wide.melt(id_vars=["date", ROW], var_name="metric", value_name="value")
        return rows[["date", "metric", "value"]]
    rows, keys, days = _long_rows(frame, metrics, dimensions, problems, required)
    del frame  # the rows hold what is read; memory, at tens of millions of rows
    problems.raise_if_any()
    extras = [c for c in rows.columns if c.startswith(EXTRA_PREFIX)]
    key_names = ["date", "metric", *dimensions, *extras]
    # Floating-point sums depend on order: sort so totals never depend on the file's row order.
    # Sorted as pandas sorts the key columns (stable, blanks first), on integer codes.
    order, same_key = stable_order(keys)
    rows = rows.take(order)
    day_codes, metric_codes = keys[0][order], keys[1][order]
    del keys, order
    if source.duplicates == "error" and same_key.any():
        duplicated = np.zeros(len(rows), dtype=bool)
        duplicated[1:] |= same_key
        duplicated[:-1] |= same_key
        _report_duplicates(as_text(rows[duplicated]), key_names, problems, "row")
    _report_totals_beside_slices(rows, dimensions, day_codes, metric_codes, problems)
    problems.raise_if_any()
    if source.grain == "monthly":  # by slice: a monthly plan may be split like the actuals
        report_months_given_twice(path, as_text(rows), [*dimensions, *extras])
    names = [*dimensions, *(extra.removeprefix(EXTRA_PREFIX) for extra in extras)]
    gap_days = MONTHLY_GAP_DAYS if source.grain == "monthly" else SLICE_GAP_DAYS
    absent = absent_slices(rows, [*dimensions, *extras], names, gap_days)
    metric_names = rows["metric"].cat.categories
    rows = as_text(rows.drop(columns=[ROW, *extras]))
    rows[INCOMPLETE] = on_absent_days(day_codes, days, metric_codes, metric_names, absent)
    rows.attrs["absent_slices"] = absent
    return rows


def _report_totals_beside_slices(
    rows: pd.DataFrame,
    dimensions: list[str],
    day_codes: np.ndarray,
    metric_codes: np.ndarray,
    problems: Problems,
) -> None:
    """A day's rows must all be split by a dimension or all not: a total beside its slices
    would be counted twice. Rows sorted by day and metric (their codes), so a day's rows of a
    metric are consecutive."""
    for dimension in dimensions:
        blank = rows[dimension].isna().to_numpy()
        if not blank.any() or blank.all():
            continue
        day_metric = day_codes.astype(np.int64) * (int(metric_codes.max()) + 1) + metric_codes
        mixed = as_text(rows[mixed_runs(day_metric, blank)])
        for (day, metric), group in mixed.groupby(["date", "metric"], sort=True):
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
        raise DataError(f"{display_path(path)}: no data rows")
    values = wide.drop(columns=ROW).set_index("date").sort_index()
    days = pd.date_range(values.index.min(), values.index.max(), freq="D", name="date")
    return values.reindex(days).astype(float)


def _long_rows(
    frame: pd.DataFrame,
    metrics: list[str],
    dimensions: list[str],
    problems: Problems,
    required: bool,
) -> tuple[pd.DataFrame, list[np.ndarray], np.ndarray]:
    """(rows, keys, days): the configured metrics' rows `date, metric, value, <dims>, <extras>,
    ROW` (metric and dimensions as sorted Categoricals, see long_keys); per key column (date,
    metric, dims, extras) each row's place among that column's sorted distinct values (-1:
    blank); the sorted distinct dates (a row's date is days[keys[0]])."""
    columns = require_columns(frame, ["date", "metric", "value", *dimensions], problems)
    reject_repeated_columns(frame, list(columns.values()), problems)
    if len(columns) < 3 + len(dimensions):
        problems.raise_if_any()
    metric_codes, metric_texts = text_codes(frame[columns["metric"]])
    is_wanted = metric_texts.isin(metrics).to_numpy()
    wanted = is_wanted[metric_codes]
    if required:
        occurs = np.bincount(metric_codes, minlength=len(metric_texts)) > 0
        found = set(metric_texts[is_wanted & occurs])
        for metric in metrics:
            if metric not in found:
                problems.add(f"no rows for metric '{metric}' (named in the config)")
    if not wanted.all():
        frame, metric_codes = frame[wanted], metric_codes[wanted]
    date_codes, dates = parse_date_codes(frame[columns["date"]], problems, columns["date"])
    values = parse_numbers(frame[columns["value"]], problems, columns["value"])
    days, day_of_text = np.unique(dates, return_inverse=True)  # NaT (bad dates) last
    day_of_text = day_of_text.astype(np.int32)  # keys as small as they can be: memory
    metric_column, metric_ranks = sorted_categorical(metric_codes, metric_texts, False)
    keys = [day_of_text[date_codes], metric_ranks]
    rows = pd.DataFrame(
        {"date": dates[date_codes], "metric": metric_column, "value": values.to_numpy()},
        index=frame.index,
    )
    for dimension in dimensions:
        codes, texts = text_codes(frame[columns[dimension]])
        rows[dimension], ranks = sorted_categorical(codes, texts, blank_missing=True)
        keys.append(ranks)
    # Columns after date, metric, value are slices by definition (date,metric,value[,dims]):
    # undeclared ones still tell rows apart, they are just not offered for drill-down.
    for extra in [c for c in frame.columns if c not in set(columns.values())]:
        cells = frame[extra].astype(str).str.strip().where(frame[extra].notna(), "")
        rows[EXTRA_PREFIX + extra] = cells.where(cells != "", None)
        extra_codes, extra_texts = pd.factorize(cells)
        keys.append(sorted_categorical(extra_codes, pd.Series(extra_texts), blank_missing=True)[1])
    rows[ROW] = frame.index.to_numpy()
    return rows, keys, days


def _wide_values(
    frame: pd.DataFrame, metrics: list[str], problems: Problems, required: bool
) -> pd.DataFrame:
    """Columns date, _row and one parsed float column per configured metric in the file."""
    date_column = find_column(frame, "date") or frame.columns[0]
    reject_repeated_columns(frame, [date_column, *metrics], problems)
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
    if frame.columns.is_unique:  # each column's dtype read once (frame[m] per metric: 60 us)
        dtype_of = dict(zip(frame.columns, frame.dtypes.tolist(), strict=True))
        numeric = [m for m in present if pd.api.types.is_numeric_dtype(dtype_of[m])]
    else:
        numeric = [m for m in present if pd.api.types.is_numeric_dtype(frame[m].dtype)]
    block = frame[numeric].to_numpy(dtype=float) if numeric else np.empty((len(frame), 0))
    # a column is usable when every cell is missing or at most MAX_ABS_VALUE across: fmax and
    # fmin skip NaN (a column of only NaN gives NaN, which compares False), and make no
    # temporary the size of the file (those cost 50-130 ms at 10,000 metrics, in page faults)
    usable = ~(np.fmax.reduce(block, axis=0) > MAX_ABS_VALUE) & ~(
        np.fmin.reduce(block, axis=0) < -MAX_ABS_VALUE
    )
    if len(numeric) == len(present) and usable.all():
        matrix = block  # every column read as numbers (numeric is present, in order): no copy
    else:
        taken = {m: i for i, m in enumerate(numeric) if usable[i]}
        matrix = np.empty((len(frame), len(present)))
        for j, metric in enumerate(present):
            if metric in taken:
                matrix[:, j] = block[:, taken[metric]]
            else:
                matrix[:, j] = parse_numbers(frame[metric], problems, metric).to_numpy()
    wide = pd.DataFrame(matrix, index=frame.index, columns=present, copy=False)
    wide.insert(0, ROW, frame.index.to_numpy())
    wide.insert(0, "date", dates)
    return wide


def daily_totals(rows: pd.DataFrame, metrics: list[str]) -> pd.DataFrame:
    """Sum dimension rows to one value per metric per day; days with no value are NaN."""
    by_day = rows.groupby(["date", "metric"], sort=False)  # grouped once, read three times
    grouped = by_day["value"]
    sums = grouped.sum(min_count=1)
    # One blank slice makes the day's total unknown, never a partial sum that looks final.
    sums[grouped.count() < grouped.size()] = np.nan
    if INCOMPLETE in rows.columns:  # so does an absent one
        sums = sums.mask(by_day[INCOMPLETE].any())
    totals = sums.unstack("metric")
    days = pd.date_range(totals.index.min(), totals.index.max(), freq="D", name="date")
    present = [m for m in metrics if m in totals.columns]
    return totals.reindex(index=days, columns=present).astype(float)


def report_months_given_twice(
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
