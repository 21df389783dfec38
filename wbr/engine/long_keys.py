"""Integer keys for the rows of a long file: text columns as Categoricals of their sorted
distinct values, the stable sort of rows by several keys, the runs of a day's rows of a metric.

A long file repeats a few hundred dates, metrics and slice values over millions of rows; each
distinct cell is stripped, parsed and ranked once, and rows are sorted and compared on integer
codes, never on strings. The order is the one pandas gives sorting the text columns (stable,
blanks first, text by code point), so sums and messages are those of a string sort.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

__all__ = ["as_text", "mixed_runs", "on_absent_days", "sorted_categorical", "stable_order"]


def sorted_categorical(
    codes: np.ndarray, texts: pd.Series, blank_missing: bool
) -> tuple[pd.Categorical, np.ndarray]:
    """(column, ranks): cell i = texts[codes[i]] as a Categorical whose categories are the sorted
    distinct texts, and its codes as int32 (each cell's place in sorted order, so they sort like
    the texts); with `blank_missing`, "" is a missing cell (code -1)."""
    keep = (texts != "").to_numpy() if blank_missing else np.ones(len(texts), dtype=bool)
    kept = texts[keep]
    order = np.argsort(np.asarray(kept, dtype=object), kind="stable")  # code point order
    rank = np.full(len(texts), -1, dtype=np.int32)
    rank[np.flatnonzero(keep)[order]] = np.arange(len(order))
    ranks = rank[codes]
    categories = pd.Index(kept.iloc[order].array)
    return pd.Categorical.from_codes(ranks, categories=categories, validate=False), ranks


def as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` with each Categorical column back as text (missing: NaN), as the file gave it."""
    text = {
        column: frame[column].cat.categories.array.take(
            frame[column].cat.codes.to_numpy(), allow_fill=True
        )
        for column in frame.columns
        if isinstance(frame[column].dtype, pd.CategoricalDtype)
    }
    if not text:
        return frame
    converted = frame.copy(deep=False)
    for column, values in text.items():
        converted[column] = pd.Series(values, index=frame.index, name=column)
    return converted


def stable_order(keys: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """(order, same): the stable sort of rows by integer keys (the first sorts first; -1 before
    0), and whether each sorted row after the first has the same keys as the row before it."""
    count = len(keys[0])
    if not count:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=bool)
    sizes = [int(key.max()) + 2 for key in keys]  # -1 (blank) is 0 once shifted
    if math.prod(sizes) * count < 2**62:
        combined = np.zeros(count, dtype=np.int64)
        for key, size in zip(keys, sizes, strict=True):
            combined = combined * size + (key + 1)
        # The row number as the last key makes every value distinct: sorting the values (much
        # faster than a stable argsort) keeps equal keys in file order.
        ordered = np.sort(combined * count + np.arange(count))
        order = ordered % count
        ordered //= count
        return order, ordered[1:] == ordered[:-1]
    order = np.lexsort(keys[::-1])  # stable; its last key sorts first
    same = np.ones(count - 1, dtype=bool)
    for key in keys:
        ordered = key[order]
        same &= ordered[1:] == ordered[:-1]
    return order, same


def mixed_runs(run_key: np.ndarray, flag: np.ndarray) -> np.ndarray:
    """Rows sorted by `run_key`: whether each row's run of equal keys has the flag on some
    rows and off on others."""
    if not len(run_key):
        return np.zeros(0, dtype=bool)
    starts = np.flatnonzero(np.concatenate([[True], run_key[1:] != run_key[:-1]]))
    sizes = np.diff(np.append(starts, len(run_key)))
    mixed = np.logical_or.reduceat(flag, starts) & ~np.logical_and.reduceat(flag, starts)
    return np.repeat(mixed, sizes)


def on_absent_days(
    day_codes: np.ndarray,
    days: np.ndarray,
    metric_codes: np.ndarray,
    metrics: pd.Index,
    absent: pd.DataFrame,
) -> np.ndarray:
    """Whether each row's date (days[day_codes], days sorted) and metric (metrics[metric_codes])
    is a pair listed in `absent` (columns date, metric), on integer codes."""
    if absent.empty or not len(day_codes):
        return np.zeros(len(day_codes), dtype=bool)
    wanted = absent["date"].to_numpy(dtype="datetime64[ns]")
    places = np.minimum(np.searchsorted(days, wanted), len(days) - 1)
    known = (days[places] == wanted) & absent["metric"].isin(metrics).to_numpy()
    ranks = metrics.get_indexer(absent["metric"][known])
    width = len(metrics) + 1
    day_metric = day_codes.astype(np.int64) * width + metric_codes
    return np.isin(day_metric, places[known] * width + ranks)
