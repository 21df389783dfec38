"""Reading one CSV file and parsing its cells: the header, blank lines kept so each row knows
its file line, numbers (thousands separators, percent strings, currency signs) and dates (one
format per file, never guessed per row), with every problem collected by file, line and column.
"""

from __future__ import annotations

import csv
import os
import re
import warnings
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd

from wbr.errors import DataError, Problem
from wbr.files import ensure_regular_file

__all__ = [
    "CELL_SHOWN_CHARS",
    "DATE_FORMATS",
    "FIRST_YEAR",
    "LAST_YEAR",
    "MAX_ABS_VALUE",
    "MAX_PROBLEMS_SHOWN",
    "MISSING_TOKENS",
    "NA_TOKENS",
    "Problems",
    "clip",
    "display_path",
    "find_column",
    "header_names",
    "parse_dates",
    "parse_numbers",
    "read_table",
    "reject_repeated_columns",
    "require_columns",
]

MAX_PROBLEMS_SHOWN = 20
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


class Problems:
    """Collects every problem found in one file; raises them together."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.items: list[Problem] = []

    def add(self, message: str, line: int | None = None, column: str | None = None) -> None:
        self.items.append(Problem(display_path(self.path), line or None, column or None, message))

    def raise_if_any(self) -> None:
        if not self.items:
            return
        shown = [str(problem) for problem in self.items[:MAX_PROBLEMS_SHOWN]]
        if len(self.items) > MAX_PROBLEMS_SHOWN:
            shown.append(f"... and {len(self.items) - MAX_PROBLEMS_SHOWN} more problems")
        raise DataError("\n".join(shown), problems=self.items)


def clip(cell: object) -> str:
    """A cell as quoted in an error: at most CELL_SHOWN_CHARS characters, saying how long it is."""
    text = str(cell)
    if len(text) <= CELL_SHOWN_CHARS:
        return text
    return f"{text[:CELL_SHOWN_CHARS]}... ({len(text):,} characters)"


def display_path(path: Path) -> str:
    """A path as the user would type it: relative to the working directory when inside it."""
    try:
        return os.path.relpath(path)
    except ValueError:
        return str(path)


def header_names(path: Path) -> list[str]:
    """The header row's names, as written (every CSV is read after this: regular files only)."""
    ensure_regular_file(path, "data file", shown=display_path(path))
    with open(path, encoding="utf-8-sig", newline="") as handle:
        first = next(csv.reader(handle), None)
    if first is None:
        raise pd.errors.EmptyDataError
    return first


def reject_repeated_columns(frame: pd.DataFrame, used: list[str], problems: Problems) -> None:
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
                    f"(extra: {clip(', '.join(repr(c) for c in row[width:] if c.strip()))})",
                    line=line,
                )
    problems.raise_if_any()


def read_table(path: Path, text_columns: set[str] | None = None) -> pd.DataFrame:
    """Read a CSV (BOM stripped) keeping blank lines, so frame row i is file line i + 2.

    Columns named in `text_columns` (lower case), or all when it is None, stay text; the others
    are parsed as numbers by the C parser, falling back to text when a cell is not a plain number.
    """
    display = display_path(path)
    try:
        names = header_names(path)
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


def find_column(frame: pd.DataFrame, name: str) -> str | None:
    """The frame's column matching `name` case-insensitively."""
    for column in frame.columns:
        if column.lower() == name.lower():
            return column
    return None


def require_columns(frame: pd.DataFrame, names: list[str], problems: Problems) -> dict[str, str]:
    """Map required column names to the file's spelling; record the missing ones."""
    found = {}
    for name in names:
        column = find_column(frame, name)
        if column is None:
            problems.add(
                f"missing column '{name}' (columns found: {clip(', '.join(frame.columns))})"
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
        cell = clip(text.iloc[index])
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
                f"'{clip(text.iloc[index])}': the weekday does not match the date "
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
                    f"'{clip(text.iloc[index])}' is not a number",
                    line=_line(raw, index),
                    column=column,
                )
    parsed = parsed.astype(float)
    values = parsed.to_numpy()
    for index in np.flatnonzero(~np.isnan(values) & ~(np.abs(values) <= MAX_ABS_VALUE)):
        shown = clip(text.iloc[index] if text is not None else parsed.iloc[index])
        problems.add(
            f"'{shown}' is not a finite number"
            if np.isinf(values[index])
            else f"'{shown}' is too large to add up (the limit is 1e18 either side of zero)",
            line=_line(raw, index),
            column=column,
        )
    return parsed
