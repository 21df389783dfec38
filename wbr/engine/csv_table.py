"""Reading one CSV file and parsing its cells: the header, blank lines kept so each row knows
its file line, numbers (thousands separators, percent strings, currency signs) and dates (one
format per file, never guessed per row), with every problem collected by file, line and column.
"""

from __future__ import annotations

import csv
import os
import re
import threading
import warnings
from collections import Counter
from pathlib import Path
from typing import Any, cast

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
    "parse_date_codes",
    "parse_dates",
    "parse_numbers",
    "read_table",
    "reject_repeated_columns",
    "require_columns",
    "text_codes",
]

MAX_PROBLEMS_SHOWN = 20
CODED_CHUNK_ROWS = 1_000_000  # rows read at a time by read_table(coded=True)
SCAN_BLOCK_BYTES = 1 << 22  # bytes read at a time by _fields_at_most
SCAN_LINES_ONE_BY_ONE = 4096  # at most this many lines in a block: each counted on its own
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


def read_table(
    path: Path, text_columns: set[str] | None = None, coded: bool = False
) -> pd.DataFrame:
    """Read a CSV (BOM stripped) keeping blank lines, so frame row i is file line i + 2.

    Columns named in `text_columns` (lower case), or all when it is None, stay text; the others
    are parsed as numbers by the C parser, falling back to text when a cell is not a plain number.
    `coded`: the text columns may come back as Categoricals of their cells (see _read_coded).
    """
    display = display_path(path)
    try:
        names = header_names(path)
        text = [c for c in names if text_columns is None or c.strip().lower() in text_columns]
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", pd.errors.ParserWarning)
            # A text column asked for as str goes through Python objects (3-4x slower than the
            # read itself), so the file is read with inferred types first; a column inferred as
            # anything but text (numbers, booleans, mixed chunks) could have lost its spelling
            # ("01" -> 1), and then the file is read again with text asked for.
            repeated = len(set(names)) < len(names)
            frame = _read_coded(path, names, text) if coded and not repeated else None
            if frame is None and text_columns is not None and not coded and not repeated:
                warned = len(caught)
                frame = _read_flat_if_flat(path, names, text)
                if frame is None:  # not read flat: what that read warned of does not count
                    del caught[warned:]
            if frame is None:
                frame = _read_csv(path, names, text, ask_text=False)
                inferred = [frame[c].dtype for c in text if c in frame.columns]
                if repeated or any(dtype != "str" for dtype in inferred):
                    frame = _read_csv(path, names, text, ask_text=True)
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
    # Number columns first: once a row has a value it is not blank, and the text columns are
    # then stripped only on the rows that may still be blank (few or none).
    dtypes = frame.dtypes.tolist()
    numbers_first = sorted(
        range(len(dtypes)), key=lambda j: not pd.api.types.is_numeric_dtype(dtypes[j])
    )
    for position in numbers_first:
        maybe = np.flatnonzero(blank)
        if not len(maybe):
            break
        cells = frame.iloc[maybe, position]
        empty = cells.isna()
        if not pd.api.types.is_numeric_dtype(cells.dtype):
            empty |= cells.astype(str).str.strip() == ""
        blank[maybe] = empty.to_numpy()
    return frame[~blank] if blank.any() else frame


def _read_csv(path: Path, names: list[str], text: list[str], ask_text: bool) -> pd.DataFrame:
    """pandas' read of a CSV with blank lines kept, no default NA tokens in the `text` columns
    (read as str when `ask_text`, else with inferred types) and NA_TOKENS in the others."""
    return cast(pd.DataFrame, pd.read_csv(path, **_read_options(names, text, ask_text)))


def _read_flat_if_flat(path: Path, names: list[str], text: list[str]) -> pd.DataFrame | None:
    """`_read_flat`'s frame when `_fields_at_most` accepts the file, else None.

    The file is scanned by a thread while pandas reads it: the scan is file reads and numpy
    passes, which let the read go on (0.03-0.08 s of a 73 MB file). A file with a quote in its
    first block is never read flat, so the usual quoted export is not read twice; a read that
    turns out not flat (its exception included) is thrown away.
    """
    with open(path, "rb") as handle:
        if b'"' in handle.read(SCAN_BLOCK_BYTES):
            return None
    scanned: list[bool | BaseException] = []

    def scan() -> None:
        try:
            scanned.append(_fields_at_most(path, len(names)))
        except BaseException as exc:  # raised again by the reading thread
            scanned.append(exc)

    scanner = threading.Thread(target=scan, name="wbr-csv-scan", daemon=True)
    scanner.start()
    failed: Exception | None = None
    try:
        frame = _read_flat(path, names, text)
    except Exception as exc:  # raised only if the scan accepts the file
        frame, failed = None, exc
    scanner.join()
    flat = scanned[0]
    if isinstance(flat, BaseException):
        raise flat
    if not flat:
        return None
    if failed is not None:
        raise failed
    return frame


def _fields_at_most(path: Path, width: int) -> bool:
    """True when no line can hold more than `width` fields: no quotes, at most width - 1 commas.

    pandas warns of a row with more fields than the header (and _check_extra_fields then
    reads the file) unless the one extra column is all missing: with NA_TOKENS for every column,
    an extra "NA" would be missing and go unreported, so _read_flat reads only files without.
    """
    carried = 0  # the commas of the line still open at the end of the blocks read so far
    with open(path, "rb") as handle:
        while block := handle.read(SCAN_BLOCK_BYTES):
            if b'"' in block:
                return False
            data = np.frombuffer(block, dtype=np.uint8)
            is_comma = data == ord(",")
            ends = np.flatnonzero(data == ord("\n"))
            if len(ends) <= SCAN_LINES_ONE_BY_ONE:  # long lines: counted one by one
                starts = [0, *(ends + 1).tolist()]
                counts = [
                    int(np.count_nonzero(is_comma[start:end]))
                    for start, end in zip(starts, [*ends.tolist(), len(data)], strict=True)
                ]
            else:  # short lines: each line's commas from where they all are
                before = np.searchsorted(np.flatnonzero(is_comma), ends)
                counts = [*np.diff(before, prepend=0).tolist(), int(is_comma.sum() - before[-1])]
            counts[0] += carried
            if len(counts) > 1 and max(counts[:-1]) >= width:
                return False
            carried = int(counts[-1])  # the last line goes on in the next block, or ends the file
            if carried >= width:
                return False
    return True


def _read_flat(path: Path, names: list[str], text: list[str]) -> pd.DataFrame | None:
    """The frame `_read_csv` gives (after its second read when that is needed), read faster:
    NA_TOKENS as one list for every column (a dict of thousands of columns costs pandas a
    second per read) and the whole file typed at once, then the text columns read again as
    text, alone, when a cell of theirs came back missing or as anything but text (an "NA"
    date keeps its spelling, and a blank one is "").

    A number column read as anything but ints or floats may be typed otherwise chunk by chunk
    (a chunk of numbers beside one of text is a column of mixed cells): the file is then read
    chunk by chunk, with the one list. None when that read's text columns are not all text
    without a missing cell, or pandas reads the header otherwise: the caller reads as before.
    """
    options = {**_read_options([], [], ask_text=False), "low_memory": False}
    flat = {**options, "na_values": NA_TOKENS}
    frame = cast(pd.DataFrame, pd.read_csv(path, **flat))
    if frame.columns.tolist() != names:
        return None
    text_set = set(text)
    is_text = [name in text_set for name in names]
    positions = [j for j, as_text in enumerate(is_text) if as_text]

    def text_as_spelled(read: pd.DataFrame) -> bool:
        """Did every text column come back as text with no cell taken for missing?"""
        dtypes = read.dtypes.tolist()
        return all(dtypes[j] == "str" and not read.iloc[:, j].isna().any() for j in positions)

    for dtype, as_text in zip(frame.dtypes.tolist(), is_text, strict=True):
        if not as_text and not (isinstance(dtype, np.dtype) and dtype.kind in "if"):
            # Read as pandas reads by default, chunk by chunk: the number columns then come
            # back as in the per-column read, and so do text columns with no missing cell (no
            # cell of theirs is an NA token, the one difference in the options).
            frame = cast(pd.DataFrame, pd.read_csv(path, **{**flat, "low_memory": True}))
            return frame if text_as_spelled(frame) else None
    if not text_as_spelled(frame):
        cells = pd.read_csv(path, **{**options, "usecols": positions, "dtype": str})
        for k, j in enumerate(positions):
            frame.isetitem(j, cells.iloc[:, k])
    return frame


def _read_options(names: list[str], text: list[str], ask_text: bool) -> dict[str, Any]:
    """The read_csv options of `_read_csv`, shared with the chunked read."""
    return {
        "encoding": "utf-8-sig",
        "skip_blank_lines": False,
        "skipinitialspace": True,
        "index_col": False,  # a trailing comma on data rows must not become an index
        "dtype": {column: str for column in text} if ask_text else None,
        "keep_default_na": False,
        "na_values": {column: NA_TOKENS for column in names if column not in text},
    }


def _read_coded(path: Path, names: list[str], text: list[str]) -> pd.DataFrame | None:
    """The file read CODED_CHUNK_ROWS rows at a time, each text column kept as a Categorical of
    its distinct cells, so a long file's millions of strings are never all held at once.

    None when the chunks do not all read a column the same way (a text column not as text, a
    number column as numbers in one chunk and text in another): a whole read then settles the
    column's type as pandas does. The frame is otherwise the one a whole read gives, with each
    text column's cells as they were read.
    """
    kinds: dict[str, str] = {}
    parts: dict[str, list] = {}
    distinct: dict[str, list] = {}
    options = _read_options(names, text, ask_text=False)
    with pd.read_csv(path, chunksize=CODED_CHUNK_ROWS, **options) as reader:
        for chunk in reader:
            for column in chunk.columns:
                dtype = chunk[column].dtype
                kind = "str" if dtype == "str" else dtype.kind if dtype.kind in "if" else "?"
                if kind == "?" or (column in text and kind != "str"):
                    return None
                if kinds.setdefault(column, kind if kind == "str" else "number") != (
                    kind if kind == "str" else "number"
                ):
                    return None
                if column in text:
                    codes, cells = pd.factorize(chunk[column])
                    parts.setdefault(column, []).append(codes.astype(np.int32))
                    distinct.setdefault(column, []).append(pd.Series(cells, dtype=dtype))
                else:
                    parts.setdefault(column, []).append(chunk[column].array)
    if not kinds:
        return None
    columns: dict[str, object] = {}
    for column, read_as in kinds.items():
        if column in text:
            columns[column] = _joined_codes(parts[column], distinct[column])
        elif read_as == "str":
            columns[column] = pd.concat([pd.Series(a) for a in parts[column]], ignore_index=True)
        else:  # ints and floats together are floats, as pandas joins its own chunks
            columns[column] = np.concatenate([np.asarray(a) for a in parts[column]])
    count = sum(len(codes) for codes in parts[next(iter(text))]) if text else None
    return pd.DataFrame(columns, index=pd.RangeIndex(count) if count is not None else None)


def _joined_codes(codes: list[np.ndarray], cells: list[pd.Series]) -> pd.Categorical:
    """One Categorical from each chunk's codes into its own distinct cells (-1: missing)."""
    joined_codes, joined_cells = pd.factorize(pd.concat(cells, ignore_index=True))
    offsets = np.cumsum([0, *(len(c) for c in cells[:-1])])
    mapped = [
        np.where(part >= 0, joined_codes[offset + np.maximum(part, 0)], -1)
        for part, offset in zip(codes, offsets, strict=True)
    ]
    return pd.Categorical.from_codes(
        np.concatenate(mapped), categories=pd.Index(joined_cells), validate=False
    )


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


def text_codes(raw: pd.Series) -> tuple[np.ndarray, pd.Series]:
    """(codes, texts): cell i's stripped text ("" when missing) is texts[codes[i]]; each distinct
    text once, so a column of millions of cells is stripped and parsed per distinct cell."""
    coded = isinstance(raw.dtype, pd.CategoricalDtype) and raw.cat.categories.dtype == "str"
    if coded or isinstance(raw.dtype, pd.StringDtype):
        if coded:  # read_table(coded=True): the cells' codes already; only those still used
            codes, distinct = _used_categories(raw)
        else:
            codes, cells = pd.factorize(raw)  # a missing cell: -1
            distinct = pd.Series(cells, dtype=raw.dtype)
        # Each distinct cell converted as a whole column's cells were: fillna(""), str, strip.
        texts = distinct.astype(str).str.strip()
        texts = pd.concat([texts, pd.Series([""], dtype=texts.dtype)], ignore_index=True)
    else:  # numbers or objects: hash-equal cells (1, 1.0) can print differently, convert each
        codes = np.arange(len(raw))
        texts = raw.fillna("").astype(str).str.strip().reset_index(drop=True)
    merged, unique_texts = pd.factorize(texts)  # " north" and "north" are one text
    return merged[codes], pd.Series(unique_texts)  # code -1 reads the last text, ""


def _used_categories(raw: pd.Series) -> tuple[np.ndarray, pd.Series]:
    """A Categorical column's codes (-1: missing) and its categories, renumbered to the ones
    its cells use (remove_unused_categories sorts every code; this counts them)."""
    codes = raw.cat.codes.to_numpy().astype(np.int64)
    count = len(raw.cat.categories)
    used = np.bincount(codes + 1, minlength=count + 1)[1:] > 0
    renumber = np.full(count + 1, -1, dtype=np.int64)  # the last entry: -1 stays -1
    renumber[:count][used] = np.arange(int(used.sum()))
    return renumber[codes], pd.Series(raw.cat.categories.array[used])


def parse_date_codes(
    raw: pd.Series, problems: Problems, column: str
) -> tuple[np.ndarray, np.ndarray]:
    """(codes, dates) of a date column: row i's date is dates[codes[i]] (datetime64[ns], NaT
    where empty or bad). The one format that fits the whole file; rows that do not are reported."""
    codes, texts = text_codes(raw)
    is_present = (texts != "").to_numpy()
    present = is_present[codes]
    for index in np.flatnonzero(~present):
        problems.add("empty date", line=_line(raw, index), column=column)
    dates = np.full(len(texts), np.datetime64("NaT"), dtype="datetime64[ns]")
    if not present.any():
        return codes, dates
    uniques = texts[is_present].reset_index(drop=True)
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
    out_of_range = np.zeros(len(texts), dtype=bool)
    out_of_range[is_present] = (best_parsed.notna() & ~in_range).to_numpy()
    dates[is_present] = best_parsed.where(in_range).astype("datetime64[ns]").to_numpy()
    is_bad = is_present & np.isnat(dates)
    for index in np.flatnonzero(is_bad[codes]):
        cell = clip(texts.iloc[codes[index]])
        problems.add(
            f"'{cell}' is outside the years {FIRST_YEAR}-{LAST_YEAR} (a placeholder date?)"
            if out_of_range[codes[index]]
            else f"'{cell}' is not a date in this file's format {label}",
            line=_line(raw, index),
            column=column,
        )
    if fmt.startswith("%a"):
        named = texts.str[:3].str.lower()
        actual = pd.Series(dates).dt.strftime("%a").str.lower()
        is_wrong = is_present & ~is_bad & (named != actual).to_numpy()
        for index in np.flatnonzero(is_wrong[codes]):
            problems.add(
                f"'{clip(texts.iloc[codes[index]])}': the weekday does not match the date "
                f"({pd.Timestamp(dates[codes[index]]):%a %d %b %Y})",
                line=_line(raw, index),
                column=column,
            )
    return codes, dates


def parse_dates(raw: pd.Series, problems: Problems, column: str) -> pd.Series:
    """Parse a date column with the one format that fits the whole file; report rows that do not."""
    codes, dates = parse_date_codes(raw, problems, column)
    return pd.Series(dates[codes], index=raw.index, name=raw.name)


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
