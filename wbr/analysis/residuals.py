"""Daily seasonal residuals: which day of a week was unusual against its seasonal-trend fit.

Owns the daily half of the anomaly flags (wbr/analysis/flags.py decides what to raise): a cheap
same-weekday screen, and a robust statsmodels STL fit of a bounded window that scores the last
days with a robust z. Both are per-metric and bounded, so a deck of hundreds of metrics only fits
STL for the few whose week looks unusual.

Importing statsmodels' STL costs ~0.6 s (it pulls in scipy.signal), more than the rest of the
analysis of a 500-metric deck. So the same fit also exists as a numpy transcription of
statsmodels' `_stl.pyx` (`engine="numpy"`): the same weights and the same order of additions,
hence the same residuals to the last bit. wbr/analysis/flags.py scores a week with it first and fits
statsmodels only when a day is unusual enough to be cited in a flag; a deck in which no day is
pays no import.
"""

from __future__ import annotations

import datetime as dt
import importlib.metadata
import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd

RESIDUAL_WEEKS = 12  # weeks of days before the scored ones that the fit sees
MIN_FIT_WEEKS = 4  # fewer weeks of history than this: no fit
MAD_TO_SIGMA = 1.4826
# Measured on generated series: residuals at the window's end vary ~1.1x those before it (the
# fit has fewer neighbours there); scaling by it makes the end-of-window z close to unit variance.
END_SCALE = 1.1


@dataclass(frozen=True)
class ResidualDay:
    """One day against its STL seasonal-trend fit."""

    date: dt.date
    value: float
    expected: float
    z: float  # robust z of the residual against the residuals before the scored days
    residual: float  # in log units for a positive series, else in the metric's units
    scale: float  # one robust standard deviation, in the residual's units
    log: bool

    def band(self, z: float) -> tuple[float, float]:
        """The value range within `z` robust standard deviations of the fit."""
        fit = np.log(self.value) - self.residual if self.log else self.value - self.residual
        low, high = fit - z * self.scale, fit + z * self.scale
        return (float(np.exp(low)), float(np.exp(high))) if self.log else (low, high)


def daily_window(daily: pd.Series, end: pd.Timestamp, days: int) -> np.ndarray | None:
    """The `days` daily values ending on `end` (NaN where missing); None when out of range."""
    index = daily.index
    stop = int(index.searchsorted(end, side="right"))
    if stop == 0 or index[stop - 1] != end or stop < days:
        return None
    return daily.to_numpy(dtype=float)[stop - days : stop]


def sorted_median(a: np.ndarray, axis: int | None = None, keepdims: bool = False) -> np.ndarray:
    """np.median of an array without NaN (the same values): sorting a few dozen numbers costs a
    tenth of np.median's call overhead, and these medians run for every metric of a deck."""
    if axis is None:
        middle = sorted_median(np.ravel(a), 0)
        return np.reshape(middle, (1,) * np.ndim(a)) if keepdims else middle
    ordered = np.sort(a, axis=axis)
    size = ordered.shape[axis]
    mid = size // 2
    upper = np.take(ordered, [mid], axis=axis)
    if size % 2 == 0:  # np.median: mean of the two middle values, (a + b) / 2
        upper = (np.take(ordered, [mid - 1], axis=axis) + upper) / 2
    if keepdims:
        return upper
    upper = np.squeeze(upper, axis=axis)
    return upper[()] if upper.ndim == 0 else upper  # a scalar, as np.median gives


def weekday_residuals(values: np.ndarray, weeks: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Cheap robust fit of whole weeks: (z, residual) of the last `weeks` weeks' days.

    A two-way median fit, weekday effect plus weekly level, of the weeks before the scored ones:
    no model fit, so it can run on every metric (logs for a positive series). The STL fit runs
    only where this screen or a weekly signal says the week is unusual.
    """
    grid = np.log(values) if np.nanmin(values) > 0 else values.copy()
    grid = grid.reshape(-1, 7)
    median = np.nanmedian if np.isnan(grid).any() else sorted_median
    before = grid[:-weeks]
    weekday = median(before - median(before, axis=1, keepdims=True), axis=0)
    level = median(grid - weekday, axis=1, keepdims=True)
    resid = grid - weekday - level
    past = resid[:-weeks]
    spread = MAD_TO_SIGMA * median(np.abs(past - median(past)))
    scored = resid[-weeks:].ravel()
    if not spread > 0:
        return np.zeros_like(scored), scored
    return scored / spread, scored


def weekday_screen(values: np.ndarray) -> np.ndarray:
    """Robust z of the last 7 values against the same weekdays in the weeks before them."""
    return weekday_residuals(values, 1)[0]


def _robust_scale(resid: np.ndarray) -> float:
    """Standard deviation of the residuals within 3.5 MADs: robust, and steadier than a MAD."""
    mad = MAD_TO_SIGMA * float(sorted_median(np.abs(resid)))
    if not mad > 0:
        return float(np.std(resid))
    inside = resid[np.abs(resid) <= 3.5 * mad]
    return float(np.sqrt(np.mean(inside**2)))


# ----------------------------------------------------------------------------- the STL fit

# The fit's settings. Local-constant seasonal and trend smoothers (degree 0, a 13-cycle seasonal,
# a 29-day trend) keep a few unusual days at the window's end from bending the fit; the low-pass
# filter keeps statsmodels' defaults (9 days, degree 1); robust, 2 inner and 5 outer iterations.
STL_PERIOD, STL_SEASONAL, STL_TREND, STL_LOW_PASS = 7, 13, 29, 9
STL_SEASONAL_DEG, STL_TREND_DEG, STL_LOW_PASS_DEG = 0, 0, 1
STL_INNER, STL_OUTER = 2, 5
# statsmodels versions whose STL the numpy transcription was checked against, bit for bit (5,000
# generated, heavy-tailed, constant and stepped series of 5-13 weeks); with any other version the
# numpy engine fits statsmodels instead, so an upgrade can cost time but never change a flag.
STL_CHECKED = ("0.15.",)


def stl_residuals(x: np.ndarray, engine: str = "statsmodels") -> np.ndarray:
    """Residuals of the robust STL fit of a daily series without gaps (see STL_* for settings).

    engine "statsmodels" fits statsmodels' STL; "numpy" runs `_NumpyStl`, the transcription of
    the same code, without importing statsmodels (for whole weeks only; otherwise statsmodels).
    """
    whole_weeks = len(x) % STL_PERIOD == 0 and len(x) >= 2 * STL_PERIOD
    if engine == "numpy" and whole_weeks and _transcription_checked():
        return _NumpyStl.fit(np.asarray(x, dtype=float))
    from statsmodels.tsa.seasonal import STL  # deferred: statsmodels costs ~0.6 s to import

    stl = STL(
        x,
        period=STL_PERIOD,
        seasonal=STL_SEASONAL,
        seasonal_deg=STL_SEASONAL_DEG,
        trend=STL_TREND,
        trend_deg=STL_TREND_DEG,
        low_pass=STL_LOW_PASS,
        low_pass_deg=STL_LOW_PASS_DEG,
        robust=True,
    )
    return np.asarray(stl.fit(inner_iter=STL_INNER, outer_iter=STL_OUTER).resid)


@lru_cache(maxsize=1)
def _transcription_checked() -> bool:
    """Is the installed statsmodels one that `_NumpyStl` was checked against (STL_CHECKED)?"""
    try:
        return importlib.metadata.version("statsmodels").startswith(STL_CHECKED)
    except importlib.metadata.PackageNotFoundError:
        return False


def _rowsum(a: np.ndarray) -> np.ndarray:
    """Sums over the last axis, added left to right as the Cython loops add (not pairwise)."""
    return np.add.accumulate(a, axis=-1)[..., -1]


def _windows(n: int, span: int) -> list[tuple[int, int, int]]:
    """(x, first, last), 1-based, of every point of a LOESS of `span` points (`_ess`, jump 1)."""
    if span >= n:
        return [(i + 1, 1, n) for i in range(n)]
    half = (span + 2) // 2
    left, right, out = 1, span, []
    for i in range(n):
        if i + 1 > half and right != n:
            left, right = left + 1, right + 1
        out.append((i + 1, left, right))
    return out


class _Loess:
    """statsmodels' `_est` at fixed points: each point's neighbours and tricube weights, so one
    pass smooths a whole series (or a stack of them, such as the 7 weekday subseries)."""

    def __init__(self, n: int, span: int, degree: int, points: list[tuple[int, int, int]]) -> None:
        width = points[0][2] - points[0][1] + 1
        self.at = np.zeros((len(points), width), dtype=np.intp)
        self.tricube = np.zeros((len(points), width))
        reach = []
        for row, (x, left, right) in enumerate(points):
            h = float(max(x - left, right - x))
            if span > n:
                h += (span - n) // 2.0
            reach.append(h)
            for col, j in enumerate(range(left - 1, right)):
                self.at[row, col] = j
                r = math.fabs(j + 1 - x)
                if r <= 0.999 * h:  # Python's float ** calls C pow(), as the Cython code does
                    self.tricube[row, col] = 1.0 if r <= 0.001 * h else (1.0 - (r / h) ** 3) ** 3
        self.linear: np.ndarray | None = None
        if degree > 0:  # used without robustness weights only: the weights are fixed
            w = self.tricube / _rowsum(self.tricube)[:, None]
            xs = np.array([float(p[0]) for p in points])
            position = self.at + 1.0
            mean = _rowsum(w * position)
            offset = position - mean[:, None]
            spread = _rowsum(w * (offset * offset))
            use = (np.array(reach) > 0) & (np.sqrt(spread) > 0.001 * (n - 1.0))
            with np.errstate(invalid="ignore", divide="ignore"):
                slope = (xs - mean) / spread
            self.linear = np.where(use[:, None], w * (slope[:, None] * offset + 1.0), w)

    def __call__(
        self,
        y: np.ndarray,
        robustness: np.ndarray | None = None,
        fallback: np.ndarray | None = None,
    ) -> np.ndarray:
        """Smoothed values; where every weight is zero, `fallback` (NaN if None), as statsmodels."""
        if self.linear is not None:
            return _rowsum(self.linear * y[..., self.at])
        w = self.tricube if robustness is None else self.tricube * robustness[..., self.at]
        total = _rowsum(w)
        with np.errstate(invalid="ignore", divide="ignore"):
            fitted = _rowsum((w / total[..., None]) * y[..., self.at])
        return np.where(total > 0, fitted, np.nan if fallback is None else fallback)


def _moving_average(x: np.ndarray, span: int) -> np.ndarray:
    """statsmodels' `_ma`: a running sum, added and dropped one value at a time."""
    steps = np.empty(len(x) - span + 1)
    steps[0] = np.add.accumulate(np.concatenate(([0.0], x[:span])))[-1]
    steps[1:] = x[span:] - x[: len(x) - span]
    return np.add.accumulate(steps) / float(span)


class _NumpyStl:
    """statsmodels' STL (`statsmodels/tsa/stl/_stl.pyx`, jumps of 1) for a series of whole weeks,
    vectorised over points instead of looped; every sum keeps the loop's order of additions."""

    @staticmethod
    @lru_cache(maxsize=16)
    def smoothers(n: int) -> tuple[_Loess, _Loess, _Loess, _Loess]:
        """Cycle-subseries (inner points, and one before and after), low-pass and trend LOESS."""
        cycles = n // STL_PERIOD
        ends = [
            (0, 1, min(STL_SEASONAL, cycles)),
            (cycles + 1, max(1, cycles - STL_SEASONAL + 1), cycles),
        ]
        return (
            _Loess(cycles, STL_SEASONAL, STL_SEASONAL_DEG, _windows(cycles, STL_SEASONAL)),
            _Loess(cycles, STL_SEASONAL, STL_SEASONAL_DEG, ends),
            _Loess(n, STL_LOW_PASS, STL_LOW_PASS_DEG, _windows(n, STL_LOW_PASS)),
            _Loess(n, STL_TREND, STL_TREND_DEG, _windows(n, STL_TREND)),
        )

    @classmethod
    def fit(cls, y: np.ndarray) -> np.ndarray:
        """The residuals y - season - trend."""
        n, period = len(y), STL_PERIOD
        cycles = n // period
        subseries, ends, low_pass, trend_smoother = cls.smoothers(n)
        trend = np.zeros(n)
        season = np.zeros(n)
        weights = None  # robustness weights, from the second outer pass on
        for outer in range(STL_OUTER + 1):
            for _ in range(STL_INNER):
                by_weekday = (y - trend).reshape(cycles, period).T
                robust = None if weights is None else weights.reshape(cycles, period).T
                inner = subseries(by_weekday, robust, by_weekday)
                edges = ends(by_weekday, robust, inner[:, [0, -1]])
                cycle = np.concatenate((edges[:, :1], inner, edges[:, 1:]), axis=1).T.ravel()
                low = _moving_average(_moving_average(cycle, period), period)
                season = cycle[period : period + n] - low_pass(_moving_average(low, 3))
                deseasoned = y - season
                trend = trend_smoother(deseasoned, weights, deseasoned)
            if outer == STL_OUTER:
                break
            error = np.abs(y - (trend + season))
            middle = (n // 2, n - n // 2 - 1)
            ranked = np.partition(error, middle)
            cmad = 3.0 * (ranked[middle[0]] + ranked[middle[1]])
            if cmad == 0:
                weights = np.ones(n)
                continue
            scaled = error / cmad
            bisquare = (1.0 - scaled**2) ** 2
            weights = np.where(
                error <= 0.001 * cmad, 1.0, np.where(error <= 0.999 * cmad, bisquare, 0.0)
            )
        return y - season - trend


# ----------------------------------------------------------------------------- scoring days


def residual_fit(
    daily: pd.Series,
    end: dt.date,
    score: int = 7,
    weeks: int = RESIDUAL_WEEKS,
    engine: str = "statsmodels",
) -> tuple[ResidualDay, ...]:
    """The last `score` days up to `end` against a robust STL fit of them and `weeks` weeks before
    (or as many whole weeks as there are, at least 4).

    Local-constant seasonal and trend smoothers (see STL_*): on generated series the STL
    defaults gave 11% of plain weeks a day beyond z 5, these settings 0.7% (before the wider
    window and END_SCALE brought it lower). Logs for a positive series, so effects are relative.
    The z scale comes from the residuals before the scored days only. `engine`: see
    `stl_residuals` (the numpy one gives the same days without importing statsmodels).
    """
    stop = int(daily.index.searchsorted(pd.Timestamp(end), side="right"))
    days = min(weeks * 7, stop - score)  # a young metric: as many whole weeks as it has
    days -= days % 7
    if days < MIN_FIT_WEEKS * 7:
        return ()
    values = daily_window(daily, pd.Timestamp(end), days + score)
    if values is None:
        return ()
    present = ~np.isnan(values)
    if present[:-score].sum() < days * 0.8 or not present[-score:].any():
        return ()
    log = bool((values[present] > 0).all())
    with np.errstate(divide="ignore", invalid="ignore"):
        x = np.log(values) if log else values
    filled = pd.Series(x).interpolate(limit_direction="both").to_numpy() if not present.all() else x
    resid = stl_residuals(filled, engine)
    earlier = resid[:-score][present[:-score]]
    centre = float(sorted_median(earlier))
    scale = _robust_scale(earlier - centre) * END_SCALE
    if not scale > 0:
        return ()
    first = pd.Timestamp(end) - pd.Timedelta(days=score - 1)
    out = []
    for i in range(score):
        k = len(values) - score + i
        if present[k]:
            r = float(resid[k]) - centre
            expected = float(np.exp(x[k] - r)) if log else float(x[k] - r)
            day = (first + pd.Timedelta(days=i)).date()
            out.append(ResidualDay(day, float(values[k]), expected, r / scale, r, scale, log))
    return tuple(out)


def residual_days(
    daily: pd.Series, week_end: dt.date, engine: str = "statsmodels"
) -> tuple[ResidualDay, ...]:
    """The 7 days of the week ending `week_end`, scored against their STL seasonal-trend fit."""
    return residual_fit(daily, week_end, 7, engine=engine)
