"""The flag pass's cheap screens for every metric at once, as arrays over metrics x weeks.

Two questions the flag pass asks of every metric before it judges one: does last year predict a
week better than the recent level (`flag_week.is_seasonal`, which picks the YoY or the raw XmR
chart), and does a day of the deck's week stand out from the same weekdays before it (the
weekday screen, `residuals.weekday_screen`, which decides whether STL fits the week)? Asked one
metric at a time they cost a few dozen small numpy calls each, seconds at 10,000 metrics; here
they are answered for all metrics in one pass with the same arithmetic, element for element
(the same cumulative sums, the same medians: the middle value, or the mean of the two middle
values, of the non-missing ones), so each answer is exactly the one-metric function's.

`screens` returns, per metric, what it could answer; flags.py falls back to the one-metric
functions for anything missing (a history not on the deck's shared calendar, say).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from wbr.analysis.flag_week import LEVEL_SPAN, SCREEN_SHARE, WEEKS_PER_YEAR
from wbr.analysis.residuals import MAD_TO_SIGMA, RESIDUAL_WEEKS
from wbr.engine.series import MetricHistory


@dataclass(frozen=True)
class Screens:
    """One metric's precomputed screens (None: not answered here, ask the one-metric function)."""

    seasonal: bool | None = None  # flag_week.is_seasonal(cy)
    weekday_z: float | None = None  # max |z| of the deck's week's days against their weekdays
    weekday_screened: bool = False  # False: the weekday screen does not apply (too short, no days)
    week_days: np.ndarray | None = None  # the deck's week's 7 daily values (NaN = missing)


def nan_median(values: np.ndarray, axis: int) -> np.ndarray:
    """The median of the non-missing values along `axis` (NaN where there are none), computed as
    np.median does: the middle value, or the mean of the two middle values."""
    ordered = np.sort(values, axis=axis)  # NaN sorts last
    ordered = np.moveaxis(ordered, axis, -1)
    count = (~np.isnan(ordered)).sum(axis=-1)
    high = np.clip(count // 2, 0, ordered.shape[-1] - 1)
    low = np.clip((count - 1) // 2, 0, ordered.shape[-1] - 1)
    upper = np.take_along_axis(ordered, high[..., None], axis=-1)[..., 0]
    lower = np.take_along_axis(ordered, low[..., None], axis=-1)[..., 0]
    middle = np.where(count % 2 == 1, upper, (lower + upper) / 2)
    return np.where(count == 0, np.nan, middle)


def _trailing_error(x: np.ndarray, span: int) -> np.ndarray:
    """flag_week._trailing_error of each row of x."""
    missing = np.isnan(x)
    zeros = np.zeros((len(x), 1))
    total = np.concatenate((zeros, np.cumsum(np.where(missing, 0.0, x), axis=1)), axis=1)
    gaps = np.concatenate((zeros.astype(int), np.cumsum(missing, axis=1)), axis=1)
    out = np.full_like(x, np.nan)
    out[:, span:] = x[:, span:] - (total[:, span:-1] - total[:, : -span - 1]) / span
    out[:, span:][gaps[:, span:-1] - gaps[:, : -span - 1] > 0] = np.nan
    return out


def _log_where_positive(x: np.ndarray) -> np.ndarray:
    """Each row in logs when all its non-missing values are positive (else as it is)."""
    positive = np.where(np.isnan(x), True, x > 0).all(axis=1)
    out = x.copy()
    out[positive] = np.log(x[positive])
    return out


def seasonal(cy: np.ndarray) -> np.ndarray:
    """flag_week.is_seasonal of each row of a metrics x weeks matrix (the deck's week last)."""
    x = _log_where_positive(np.asarray(cy[:, :-1], dtype=float))
    level_error = _trailing_error(x, LEVEL_SPAN)
    level_count = (~np.isnan(level_error)).sum(axis=1)
    yoy = np.full_like(x, np.nan)
    yoy[:, WEEKS_PER_YEAR:] = x[:, WEEKS_PER_YEAR:] - x[:, :-WEEKS_PER_YEAR]
    seasonal_error = _trailing_error(yoy, LEVEL_SPAN)
    seasonal_count = (~np.isnan(seasonal_error)).sum(axis=1)
    with np.errstate(invalid="ignore"):
        yoy_error = np.where(
            seasonal_count >= LEVEL_SPAN // 2,
            nan_median(np.abs(seasonal_error), axis=1),
            nan_median(np.abs(np.diff(x, axis=1)), axis=1),
        )
        decided = yoy_error < nan_median(np.abs(level_error), axis=1)
    return decided & (level_count >= LEVEL_SPAN // 2)


def weekday_z(values: np.ndarray) -> np.ndarray:
    """residuals.weekday_screen's largest |z| of the last week, for each row of a metrics x days
    matrix of whole weeks (NaN where none of its days is present)."""
    positive = np.fmin.reduce(values, axis=1) > 0  # fmin skips NaN, as np.nanmin does
    grid = values.copy()
    grid[positive] = np.log(values[positive])
    grid = grid.reshape(len(values), -1, 7)
    before = grid[:, :-1]
    weekday = nan_median(before - nan_median(before, axis=2)[..., None], axis=1)
    level = nan_median(grid - weekday[:, None, :], axis=2)[..., None]
    resid = grid - weekday[:, None, :] - level
    past = resid[:, :-1].reshape(len(values), -1)
    centre = nan_median(past, axis=1)[:, None]
    spread = MAD_TO_SIGMA * nan_median(np.abs(past - centre), axis=1)
    scored = resid[:, -1]
    with np.errstate(invalid="ignore", divide="ignore"):
        # no spread: every z is 0 (missing days too), as in weekday_residuals
        z = np.where((spread > 0)[:, None], scored / spread[:, None], 0.0)
    return np.fmax.reduce(np.abs(z), axis=1)  # fmax skips NaN, as np.nanmax does


def screens(
    histories: Mapping[str, MetricHistory],
    metrics: Sequence[str],
    reference: MetricHistory | None = None,
) -> dict[str, Screens]:
    """The screens of these metrics' histories that share the weeks and days of `reference`
    (default: the first one's). Each metric's screens depend only on its own history, so a deck
    may ask for them in parts (the analysis's two processes do) with the deck's first history
    as the reference: the same answers."""
    chosen = [histories[m] for m in metrics if m in histories]
    if not chosen:
        return {}
    reference = reference or chosen[0]
    ends, days = reference.ends, reference.daily_index
    same = [h for h in chosen if _same(h.ends, ends) and _same(h.daily_index, days)]
    if len(ends) < 2 or not same:
        return {}
    is_seasonal = seasonal(np.vstack([h.rows.cy for h in same]))
    z: np.ndarray | None = None
    window = np.empty((len(same), 0))
    any_day = np.zeros(len(same), dtype=bool)
    end = ends[-1]
    weeks = min(RESIDUAL_WEEKS, int(days.searchsorted(end, "right")) // 7)
    stop = int(days.searchsorted(end, side="right"))
    if weeks >= 5 and stop > 0 and days[stop - 1] == end:
        start = stop - weeks * 7
        window = np.vstack([h.daily_values[start:stop] for h in same])
        z = weekday_z(window)
        # a metric with no day this week: its screen says no at once
        any_day = np.asarray(~np.isnan(window[:, -7:]).all(axis=1))
    return {
        h.metric: Screens(
            seasonal=bool(is_seasonal[i]),
            weekday_z=None if z is None else float(z[i]),
            weekday_screened=z is not None and bool(any_day[i]),
            week_days=None if z is None else window[i, -7:],
        )
        for i, h in enumerate(same)
    }


def _same(index: pd.Index, other: pd.Index) -> bool:
    """The same dates (the same object, or equal: a column of a frame has its own index)."""
    return index is other or index.equals(other)


def screen_passes(found: Screens, seasonal_z: float) -> bool | None:
    """Does the weekday screen send the week to the STL fit (WeekDays.screen's answer)? None
    when it was not worked out here."""
    if found.weekday_z is None:
        return None
    return found.weekday_screened and bool(found.weekday_z >= SCREEN_SHARE * seasonal_z)
