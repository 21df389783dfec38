"""`query` / `query_file` sources: SQL the data team writes, run on a connection, whose result has
the shape of a metrics CSV (long: date, metric, value[, slices]; or wide: date, <metric>...).

The result is checked like a file: the columns it must have, a date per row (a day, not a time),
numbers, and no key twice unless the source says `duplicates: sum`. Problems name the source.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from wbr.engine.warehouse.connect import Connection, WarehouseError, run

MAX_SHOWN = 5


def query_text(source: Any, base_dir: Path, role: str) -> str:
    """The SQL of a source: `query`, or the text of `query_file` (relative to the YAML file)."""
    if source.query is not None:
        return source.query
    path = source.query_file if source.query_file.is_absolute() else base_dir / source.query_file
    try:
        return path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise WarehouseError(
            f"sources.{role}.query_file: cannot read {path}: {exc.strerror or exc}"
        ) from None


def run_query(connection: Connection, sql: str, role: str) -> pd.DataFrame:
    """The result of a source's SQL as a DataFrame (errors name the source and connection)."""
    doing = f"sources.{role} query failed"
    table = run(connection, doing, lambda: connection.backend.sql(sql.strip().rstrip(";")))
    return run(connection, doing, table.execute)


def _fail(where: str, message: str) -> WarehouseError:
    return WarehouseError(f"{where}: {message}")


def _days(values: pd.Series, where: str) -> pd.Series:
    """A result's date column as midnight timestamps; a time of day or a bad value is an error."""
    try:
        parsed = pd.to_datetime(values)
    except (ValueError, TypeError) as exc:
        raise _fail(where, f"column 'date' does not hold dates ({exc})") from None
    if getattr(parsed.dt, "tz", None) is not None:
        parsed = parsed.dt.tz_localize(None)
    if parsed.isna().any():
        raise _fail(where, f"column 'date' is empty on {int(parsed.isna().sum())} rows")
    if (parsed != parsed.dt.normalize()).any():
        raise _fail(
            where,
            "column 'date' holds times of day; return the local day (cast it to a date in "
            "the query, in the business time zone)",
        )
    return parsed.astype("datetime64[ns]")


def _numbers(values: pd.Series, where: str, column: str) -> pd.Series:
    numbers = pd.to_numeric(values, errors="coerce")
    bad = numbers.isna() & values.notna()
    if bad.any():
        shown = ", ".join(repr(v) for v in values[bad].head(MAX_SHOWN))
        raise _fail(where, f"column '{column}' holds values that are not numbers: {shown}")
    return numbers.astype(float)


def result_rows(
    frame: pd.DataFrame,
    source: Any,
    metrics: list[str],
    dimensions: list[str],
    where: str,
) -> pd.DataFrame:
    """A query result as long rows date, metric, value, <dimensions>, checked like a file."""
    lower = {str(c).lower(): c for c in frame.columns}
    found = ", ".join(map(str, frame.columns))
    if source.format == "wide":
        if "date" not in lower:
            raise _fail(where, f"the result has no column 'date' (columns: {found})")
        present = [m for m in metrics if m in frame.columns]
        if not present:
            raise _fail(where, f"the result has no column for any metric (columns: {found})")
        dates = _days(frame[lower["date"]], where)
        if dates.duplicated().any():
            twice = ", ".join(f"{d:%Y-%m-%d}" for d in dates[dates.duplicated()].head(MAX_SHOWN))
            raise _fail(where, f"the result gives a date twice: {twice}")
        parts = [
            pd.DataFrame({"date": dates, "metric": m, "value": _numbers(frame[m], where, m)})
            for m in present
        ]
        return pd.concat(parts, ignore_index=True)
    missing = [c for c in ("date", "metric", "value") if c not in lower]
    if missing:
        raise _fail(
            where,
            f"the result has no column {', '.join(repr(m) for m in missing)} (a long result "
            f"is date, metric, value[, slices]; columns: {found})",
        )
    rows = pd.DataFrame(
        {
            "date": _days(frame[lower["date"]], where),
            "metric": frame[lower["metric"]].astype(str).str.strip(),
            "value": _numbers(frame[lower["value"]], where, lower["value"]),
        }
    )
    slices = [c for c in frame.columns if str(c).lower() not in ("date", "metric", "value")]
    for column in slices:
        cells = frame[column]
        rows[str(column)] = cells.astype(object).where(cells.notna(), None)
    missing_dims = [d for d in dimensions if d not in rows.columns]
    if missing_dims:
        raise _fail(where, f"the result has no column for dimension {', '.join(missing_dims)}")
    rows = rows[rows["metric"].isin(metrics)]
    keys = ["date", "metric", *map(str, slices)]
    repeated = rows.duplicated(keys, keep=False)
    if repeated.any() and source.duplicates == "error":
        first = rows[repeated].iloc[0]
        raise _fail(
            where,
            f"{int(repeated.sum())} rows share a key (e.g. {first['date']:%Y-%m-%d}, "
            f"{first['metric']}); aggregate them in the query or set duplicates: sum",
        )
    extra = [str(c) for c in slices if str(c) not in dimensions]
    return rows.drop(columns=extra).reset_index(drop=True) if extra else rows


def daily_values(rows: pd.DataFrame, metrics: list[str]) -> pd.DataFrame:
    """Daily totals (one column per metric, every day from first to last); NaN = missing."""
    grouped = rows.groupby(["date", "metric"], sort=False)["value"]
    sums = grouped.sum(min_count=1)
    sums[grouped.count() < grouped.size()] = np.nan  # a blank slice: the day's total is unknown
    totals = sums.unstack("metric")
    days = pd.date_range(totals.index.min(), totals.index.max(), freq="D", name="date")
    present = [m for m in metrics if m in totals.columns]
    return totals.reindex(index=days, columns=present).astype(float)
