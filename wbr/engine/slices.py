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


def _describe(values: pd.Series, columns: list[str], names: list[str]) -> str:
    """'region=West, channel=web' for one slice (blank columns are left out)."""
    parts = [f"{name}={values[c]}" for c, name in zip(columns, names, strict=True)]
    kept = [p for p, c in zip(parts, columns, strict=True) if pd.notna(values[c])]
    return ", ".join(kept) or "(no slice values)"


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
    keys = rows[columns]
    pattern = np.zeros(len(rows), dtype=np.int64)  # which slice columns are filled: bit i
    for i, column in enumerate(columns):
        pattern |= keys[column].notna().to_numpy().astype(np.int64) << i
    frame = pd.DataFrame(
        {"date": rows["date"].to_numpy(), "metric": rows["metric"].to_numpy(), "pattern": pattern}
    )
    frame["combo"] = (
        pd.concat([frame[["metric"]], keys.reset_index(drop=True)], axis=1)
        .set_axis(frame.index)
        .groupby(["metric", *columns], dropna=False, sort=False)
        .ngroup()
        .to_numpy()
    )
    frame["group"] = frame.groupby(["metric", "pattern"], sort=False).ngroup()
    if frame["combo"].max() == frame["group"].max():
        return empty  # one slice per metric and split: nothing can be absent

    # The days of each (metric, split) group, numbered 0, 1, ... within the group.
    days = frame[["group", "date"]].drop_duplicates().sort_values(["group", "date"])
    days["k"] = days.groupby("group").cumcount()
    sizes = days.groupby("group")["k"].size()
    starts = np.concatenate([[0], np.cumsum(sizes.to_numpy())[:-1]])
    day_dates = days["date"].to_numpy()
    group_start = pd.Series(starts, index=sizes.index)

    present = frame[["combo", "group", "metric", "date"]].drop_duplicates()
    present = present.merge(days, on=["group", "date"]).sort_values(["combo", "k"])
    combo = present["combo"].to_numpy()
    group = present["group"].to_numpy()
    k = present["k"].to_numpy()
    # A slice with rows on one of its metric's days but not on the metric's day before is new
    # there (whatever columns split it).
    metric_day = present.groupby("metric")["date"].rank(method="dense").to_numpy()
    same_combo_before = np.concatenate([[False], combo[1:] == combo[:-1]])
    previous_day = np.where(same_combo_before, np.concatenate([[0], metric_day[:-1]]), 0)
    new = (metric_day > 1) & (previous_day != metric_day - 1)
    new_days = set(zip(present["metric"][new], present["date"][new], strict=True))

    same_combo_after = np.concatenate([combo[:-1] == combo[1:], [False]])
    next_k = np.where(same_combo_after, np.concatenate([k[1:], [0]]), -1)
    last_k = sizes.loc[group].to_numpy() - 1
    interior = same_combo_after & (next_k - k > 1)
    trailing = ~same_combo_after & (k < last_k)
    first = np.minimum(k + 1, last_k)  # only read where there is a gap after k
    last = np.where(interior, next_k - 1, last_k)
    base = group_start.loc[group].to_numpy()
    span_days = (day_dates[base + last] - day_dates[base + first]) / np.timedelta64(1, "D") + 1
    limit = np.where(interior, gap_days, SLICE_LATE_DAYS)
    holes = (interior | trailing) & (span_days <= limit)
    # A slice that appears on the day this one vanished reads as a relabelling, not a gap.
    metrics = present["metric"].to_numpy()
    for index in np.flatnonzero(holes):
        gap_start = pd.Timestamp(day_dates[base[index] + first[index]])
        holes[index] = (metrics[index], gap_start) not in new_days
    if not holes.any():
        return empty

    lengths = (last - first + 1)[holes]
    hole_group = np.repeat(group[holes], lengths)
    hole_combo = np.repeat(combo[holes], lengths)
    offsets = np.arange(lengths.sum()) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    hole_k = np.repeat(first[holes], lengths) + offsets
    example = pd.Series(np.arange(len(frame))).groupby(frame["combo"].to_numpy()).first()
    described = {
        c: _describe(keys.iloc[example.loc[c]], columns, names) for c in np.unique(hole_combo)
    }
    metric_of = frame.drop_duplicates("combo").set_index("combo")["metric"]
    result = pd.DataFrame(
        {
            "date": day_dates[group_start.loc[hole_group].to_numpy() + hole_k],
            "metric": metric_of.loc[hole_combo].to_numpy(),
            "slice": [described[c] for c in hole_combo],
        }
    )
    return result.sort_values(["date", "metric", "slice"], kind="stable").reset_index(drop=True)
