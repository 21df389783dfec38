"""Absent slice rows: which days of a long file lack a slice they should have.

A long file's daily total is the sum of its slice rows (one row per combination of the slice
columns' values, such as region=West, channel=web). A blank value on one slice already makes the
day's total missing; a slice row that is simply not there would give a total that is silently too
low. This module finds those holes so the loader can treat such days like missing days.

A slice is *expected* on one of its metric's days (a day with rows split by the same slice
columns) when it has rows on an earlier day and either

- it has rows again on a later day, and the gap is at most SLICE_GAP_DAYS long (a hole; in a
  monthly plan, whose rows are a month apart, MONTHLY_GAP_DAYS: up to four months), or
- the gap runs to the metric's last day and is at most SLICE_LATE_DAYS long (late rows; one week
  or month of a weekly or monthly plan).

So a slice that starts mid-history is new, never missing before its first row; one that stops for
good is missing for at most SLICE_LATE_DAYS and then counts as retired; a slice that reappears
after a longer pause was dormant. A gap that starts on a day on which another slice of the metric
appears (one without rows the day before) reads as a slice renamed or re-split, not as missing rows.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

SLICE_GAP_DAYS = 28  # a slice absent at most this long between two of its days: missing rows
SLICE_LATE_DAYS = 7  # a slice absent at most this long up to the last day: late, not retired
MONTHLY_GAP_DAYS = 100  # four missing months span at most 93 days between their first days


SHOWN_VALUE_CHARS = 60  # a slice value is shown up to this many characters


def _describe(values: pd.Series, columns: list[str], names: list[str]) -> str:
    """'region=West, channel=web' for one slice (blank columns are left out)."""
    shown = {c: str(values[c]) for c in columns}
    shown = {
        c: t if len(t) <= SHOWN_VALUE_CHARS else f"{t[:SHOWN_VALUE_CHARS]}..."
        for c, t in shown.items()
    }
    parts = [f"{name}={shown[c]}" for c, name in zip(columns, names, strict=True)]
    kept = [p for p, c in zip(parts, columns, strict=True) if pd.notna(values[c])]
    return ", ".join(kept) or "(no slice values)"


DENSE_KEYS_PER_ROW = 4  # keys below this many times their count: marked in a table, not sorted


def _sorted_unique(keys: np.ndarray) -> np.ndarray:
    """np.unique of non-negative integer keys: marked in a table of every possible key when the
    keys are dense (a slice x day key of a long file, about one row per key), else by sorting
    (numpy's hash path is slower on millions of rows). The same sorted int64 array either way."""
    if not len(keys):
        return keys.astype(np.int64)
    bound = int(keys.max()) + 1
    if bound <= DENSE_KEYS_PER_ROW * len(keys) + 1024:
        seen = np.zeros(bound, dtype=bool)
        seen[keys] = True
        return np.flatnonzero(seen).astype(np.int64)
    ordered = np.sort(keys)  # equal keys are equal values: no need for a stable sort
    return ordered[np.concatenate([[True], ordered[1:] != ordered[:-1]])]


def _numbered(keys: np.ndarray) -> np.ndarray:
    """Integer keys renumbered 0, 1, ... (int64), equal keys alike: in the order of the keys when
    they are dense and not negative (a table of every possible key, no hashing), else in order
    of first appearance (pd.factorize). Only which rows share a number is used, never the
    numbers' order: the listing is sorted by date, metric and slice at the end."""
    if len(keys) and keys.min() >= 0:
        bound = int(keys.max()) + 1
        if bound <= DENSE_KEYS_PER_ROW * len(keys) + 1024:
            seen = np.zeros(bound, dtype=bool)
            seen[keys] = True
            return (np.cumsum(seen) - 1)[keys]
    return pd.factorize(keys)[0].astype(np.int64)


def _factorize(column: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """pd.factorize's codes (blank: -1) and values; a Categorical's own (the long loader's)."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        return column.cat.codes.to_numpy().astype(np.int64), column.cat.categories
    codes, values = pd.factorize(column)
    return codes, pd.Index(values)


def absent_slices(
    rows: pd.DataFrame, columns: list[str], names: list[str], gap_days: int = SLICE_GAP_DAYS
) -> pd.DataFrame:
    """Rows `date, metric, slice` for every expected slice that has no row on a day.

    rows: long rows with columns date, metric and the slice `columns` (None/NaN = blank);
    names: how to show each slice column in `slice` (the file's header names);
    gap_days: the longest gap between two of a slice's days that is a hole, not a pause.
    """
    empty = pd.DataFrame({"date": pd.Series(dtype="datetime64[ns]"), "metric": [], "slice": []})
    if rows.empty or not columns:
        return empty
    # Integer codes throughout: a long file can have millions of rows.
    metric_code, metric_names = _factorize(rows["metric"])
    combo = metric_code.astype(np.int64)  # the metric and its slice values
    pattern = np.zeros(len(rows), dtype=np.int64)  # which slice columns are filled
    bound = len(metric_names)  # combo < bound; made dense again only before it could overflow
    for column in columns:
        codes, values = _factorize(rows[column])  # -1 = blank
        if bound * (len(values) + 1) >= 2**62:
            combo = pd.factorize(combo)[0].astype(np.int64)
            bound = int(combo.max()) + 1
        combo = combo * (len(values) + 1) + codes + 1
        bound *= len(values) + 1
        pattern = pattern * 2 + (codes >= 0)
        if len(columns) > 60:  # 2**60 patterns: renumber them as they go
            pattern = pd.factorize(pattern)[0].astype(np.int64)
    combo = _numbered(combo)  # the same slices as renumbering each step
    pattern = _numbered(pattern)
    group = _numbered(metric_code.astype(np.int64) * (pattern.max() + 1) + pattern)
    combos, groups = combo.max() + 1, group.max() + 1
    if combos == groups:
        return empty  # one slice per metric and split: nothing can be absent
    day = rows["date"].to_numpy().astype("datetime64[D]").astype(np.int64)
    span = day.max() - day.min() + 1
    day -= day.min()
    group_of = np.empty(combos, dtype=np.int64)
    group_of[combo] = group
    metric_of = np.empty(combos, dtype=np.int64)
    metric_of[combo] = metric_code

    # Each (metric, split) group's days, numbered 0, 1, ... within the group (k).
    group_days = _sorted_unique(group.astype(np.int64) * span + day)
    sizes = np.bincount(group_days // span, minlength=groups)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    present = _sorted_unique(combo * span + day)  # sorted by slice, then day
    combo_p, day_p = present // span, present % span
    if len(present) == int((sizes * np.bincount(group_of, minlength=groups)).sum()):
        return empty  # every slice of every group on every one of its days
    group_p = group_of[combo_p]
    k = np.searchsorted(group_days, group_p * span + day_p) - starts[group_p]

    same_combo_after = np.concatenate([combo_p[:-1] == combo_p[1:], [False]])
    next_k = np.where(same_combo_after, np.concatenate([k[1:], [0]]), -1)
    last_k = sizes[group_p] - 1
    interior = same_combo_after & (next_k - k > 1)
    trailing = ~same_combo_after & (k < last_k)
    first = np.minimum(k + 1, last_k)  # only read where there is a gap after k
    last = np.where(interior, next_k - 1, last_k)
    base = starts[group_p]
    day_of = group_days % span
    span_days = day_of[base + last] - day_of[base + first] + 1
    holes = (interior | trailing) & (span_days <= np.where(interior, gap_days, SLICE_LATE_DAYS))
    if not holes.any():
        return empty

    # A slice with rows on one of its metric's days but not on the metric's day before is new
    # there (whatever columns split it).
    metric_days = _sorted_unique(metric_of[combo_p] * span + day_p)
    metric_day = np.searchsorted(metric_days, metric_of[combo_p] * span + day_p)
    same_combo_before = np.concatenate([[False], combo_p[1:] == combo_p[:-1]])
    previous = np.where(same_combo_before, np.concatenate([[-2], metric_day[:-1]]), -2)
    first_of_metric = np.concatenate([[True], metric_days[1:] // span != metric_days[:-1] // span])
    new = ~first_of_metric[metric_day] & (previous != metric_day - 1)
    new_days = set((metric_of[combo_p] * span + day_p)[new].tolist())

    # A slice that appears on the day this one vanished reads as a relabelling, not a gap.
    for index in np.flatnonzero(holes):
        gap_start = day_of[base[index] + first[index]]
        holes[index] = int(metric_of[combo_p[index]] * span + gap_start) not in new_days
    if not holes.any():
        return empty

    lengths = (last - first + 1)[holes]
    hole_combo = np.repeat(combo_p[holes], lengths)
    offsets = np.arange(lengths.sum()) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    hole_day = day_of[np.repeat((base + first)[holes], lengths) + offsets]
    absent_combos = np.unique(hole_combo)
    first_rows = np.full(combos, len(combo))
    np.minimum.at(first_rows, combo, np.arange(len(combo)))
    example = first_rows[absent_combos]  # each slice's first row
    keys = rows[columns]
    described = {
        c: _describe(keys.iloc[row], columns, names)
        for c, row in zip(absent_combos.tolist(), example.tolist(), strict=True)
    }
    first_day = rows["date"].min().normalize()
    result = pd.DataFrame(
        {
            "date": first_day + pd.to_timedelta(hole_day, unit="D"),
            "metric": np.asarray(metric_names)[metric_of[hole_combo]],
            "slice": [described[c] for c in hole_combo.tolist()],
        }
    )
    return result.sort_values(["date", "metric", "slice"], kind="stable").reset_index(drop=True)
