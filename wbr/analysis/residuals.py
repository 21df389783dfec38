"""Daily seasonal residuals: which day of a week was unusual against its seasonal-trend fit.

Owns the daily half of the anomaly flags (wbr/analysis/flags.py decides what to raise): a cheap
same-weekday screen, and a robust statsmodels STL fit of a bounded window that scores the last
days with a robust z. Both are per-metric and bounded, so a deck of hundreds of metrics only fits
STL for the few whose week looks unusual. statsmodels' STL is imported at the first fit (0.2 s
without the scipy.signal and scipy.stats its package pulls in: stl_import.py), so a deck whose
screens find nothing unusual never imports it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from wbr.analysis import stl_batch
from wbr.analysis.stl_import import stl_class

RESIDUAL_WEEKS = 12  # weeks of days before the scored ones that the fit sees
MIN_FIT_WEEKS = 4  # fewer weeks of history than this: no fit
MAD_TO_SIGMA = 1.4826
# Measured on generated series: residuals at the window's end vary ~1.1x those before it (the
# fit has fewer neighbours there); scaling by it makes the end-of-window z close to unit variance.
END_SCALE = 1.1
# A young metric's fit sees fewer than RESIDUAL_WEEKS weeks: its scale comes from fewer residuals
# and its trend from fewer neighbours, so a plain day's z spreads wider. On generated plain series
# (tuning seeds 0-59, 2,160 weeks per length) the 99th percentile of a week's largest |z| grew with
# n fit weeks as 1 + 2.8 (1/n - 1/12): 1.47x at 4 weeks, 1.23x at 6, 1.12x at 8, 1.04x at 10. The
# scale is widened by that factor, so robust z 5 is as rare on a plain week at 4 weeks as at 12
# (benchmarks/README.md, "Short histories"); a full window is unchanged.
SHORT_FIT_WIDENING = 2.8


def short_fit_widening(weeks: int) -> float:
    """How much wider a fit of `weeks` weeks scores than a full RESIDUAL_WEEKS window (>= 1)."""
    return 1.0 + SHORT_FIT_WIDENING * max(0.0, 1.0 / weeks - 1.0 / RESIDUAL_WEEKS)


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
    weeks: int = RESIDUAL_WEEKS  # weeks of days before the scored ones that the fit saw

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


def weekday_residuals(values: np.ndarray, weeks: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Cheap robust fit of whole weeks: (z, residual) of the last `weeks` weeks' days.

    A two-way median fit, weekday effect plus weekly level, of the weeks before the scored ones:
    no model fit, so it can run on every metric (logs for a positive series). The STL fit runs
    only where this screen or a weekly signal says the week is unusual.
    """
    grid = np.log(values) if np.nanmin(values) > 0 else values.copy()
    grid = grid.reshape(-1, 7)
    median = np.nanmedian if np.isnan(grid).any() else np.median
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
    mad = MAD_TO_SIGMA * float(np.median(np.abs(resid)))
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


def import_stl() -> None:
    """Import statsmodels' STL now: before the analysis forks a worker that will fit, so that
    the import is paid once, not in each process."""
    stl_class()


def stl_residuals(x: np.ndarray) -> np.ndarray:
    """Residuals of statsmodels' robust STL fit of a daily series without gaps (see STL_*)."""
    stl = stl_class()(  # imported at the first fit (~0.2 s, without scipy.signal: stl_import)
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


# ----------------------------------------------------------------------------- scoring days


@dataclass(frozen=True)
class WindowFit:
    """A robust STL fit of the scored days and the weeks before them (see fit_window)."""

    values: np.ndarray  # the window's daily values, NaN = missing, the scored days last
    present: np.ndarray  # bool: a value that day
    log: bool  # fitted in logs (a positive series)
    filled: np.ndarray  # the series fitted (logs if `log`), missing days interpolated
    resid: np.ndarray  # STL residuals of `filled`
    centre: float  # median residual before the scored days
    scale: float  # robust scale of those residuals (x END_SCALE, x short_fit_widening(weeks))
    weeks: int  # weeks of days before the scored ones


@dataclass(frozen=True)
class _Window:
    """The days a fit sees, before the fit (see fit_window)."""

    values: np.ndarray
    present: np.ndarray
    log: bool
    filled: np.ndarray
    weeks: int


def _window(daily: pd.Series, end: dt.date, score: int, weeks: int) -> _Window | None:
    """fit_window's days, or None when too short or too gappy."""
    stop = int(daily.index.searchsorted(pd.Timestamp(end), side="right"))
    # the days before a metric's first value are before its history, not missing: a metric that
    # starts later than the others in its file has blank days there
    present_all = ~np.isnan(daily.to_numpy(dtype=float))
    begins = int(present_all.argmax())  # the first value's day (0 when there is none)
    days = min(weeks * 7, stop - score - begins)  # a young metric: as many whole weeks as it has
    days -= days % 7
    if days < MIN_FIT_WEEKS * 7:
        return None
    values = daily_window(daily, pd.Timestamp(end), days + score)
    if values is None:
        return None
    present = ~np.isnan(values)
    if present[:-score].sum() < days * 0.8 or not present[-score:].any():
        return None
    log = bool((values[present] > 0).all())
    with np.errstate(divide="ignore", invalid="ignore"):
        x = np.log(values) if log else values
    filled = pd.Series(x).interpolate(limit_direction="both").to_numpy() if not present.all() else x
    return _Window(values, present, log, filled, days // 7)


def _fitted(window: _Window, resid: np.ndarray, score: int) -> WindowFit | None:
    """The window with its STL residuals, centred and scaled; None when the scale is 0."""
    earlier = resid[:-score][window.present[:-score]]
    centre = float(np.median(earlier))
    scale = _robust_scale(earlier - centre) * END_SCALE * short_fit_widening(window.weeks)
    if not scale > 0:
        return None
    return WindowFit(
        window.values, window.present, window.log, window.filled, resid, centre, scale, window.weeks
    )


def fit_window(
    daily: pd.Series, end: dt.date, score: int = 7, weeks: int = RESIDUAL_WEEKS
) -> WindowFit | None:
    """The window the residual flags fit for the `score` days up to `end`: `weeks` weeks before
    them (or as many whole weeks as there are, at least MIN_FIT_WEEKS); None when too short or too
    gappy. The flags (residual_fit) and the explore view (seasonal_fit) read the same fit."""
    window = _window(daily, end, score, weeks)
    return None if window is None else _fitted(window, stl_residuals(window.filled), score)


BATCH_AT_LEAST = 8  # fewer windows of one length than this: statsmodels fits them one by one


def fit_windows(
    requests: Sequence[tuple[pd.Series, dt.date]], score: int = 7, weeks: int = RESIDUAL_WEEKS
) -> list[WindowFit | None]:
    """fit_window of each (daily, end), the STL fits of windows of one length worked out together
    (stl_batch: the same residuals to the last bit, ~5x sooner from a few dozen windows on)."""
    windows = [_window(daily, end, score, weeks) for daily, end in requests]
    by_length: dict[int, list[int]] = {}
    for at, window in enumerate(windows):
        if window is not None and np.isfinite(window.filled).all():
            by_length.setdefault(len(window.filled), []).append(at)
    resid: dict[int, np.ndarray] = {}
    for length, positions in by_length.items():
        if len(positions) >= BATCH_AT_LEAST and stl_batch.covers(
            length, STL_PERIOD, STL_SEASONAL, STL_TREND, STL_LOW_PASS
        ):
            matrix = np.vstack([windows[at].filled for at in positions])  # type: ignore[union-attr]
            resid.update(zip(positions, _batch_residuals(matrix), strict=True))
    return [
        None
        if window is None
        else _fitted(window, resid[at] if at in resid else stl_residuals(window.filled), score)
        for at, window in enumerate(windows)
    ]


def _batch_residuals(matrix: np.ndarray) -> np.ndarray:
    """stl_residuals of each row, worked out together."""
    return stl_batch.robust_stl_residuals(
        matrix,
        period=STL_PERIOD,
        seasonal=STL_SEASONAL,
        trend=STL_TREND,
        low_pass=STL_LOW_PASS,
        seasonal_deg=STL_SEASONAL_DEG,
        trend_deg=STL_TREND_DEG,
        low_pass_deg=STL_LOW_PASS_DEG,
        inner_iter=STL_INNER,
        outer_iter=STL_OUTER,
    )


def scored_days(fit: WindowFit | None, end: dt.date, score: int = 7) -> tuple[ResidualDay, ...]:
    """The last `score` days of a fit (up to `end`) with a value, scored (see residual_fit)."""
    if fit is None:
        return ()
    values, present, log, resid = fit.values, fit.present, fit.log, fit.resid
    centre, scale = fit.centre, fit.scale
    with np.errstate(divide="ignore", invalid="ignore"):
        x = np.log(values) if log else values
    last = pd.Timestamp(end).date()
    out = []
    for i in range(score):
        k = len(values) - score + i
        if present[k]:
            r = float(resid[k]) - centre
            expected = float(np.exp(x[k] - r)) if log else float(x[k] - r)
            day = last - dt.timedelta(days=score - 1 - i)
            found = ResidualDay(
                day, float(values[k]), expected, r / scale, r, scale, log, fit.weeks
            )
            out.append(found)
    return tuple(out)


def residual_fit(
    daily: pd.Series,
    end: dt.date,
    score: int = 7,
    weeks: int = RESIDUAL_WEEKS,
) -> tuple[ResidualDay, ...]:
    """The last `score` days up to `end` against a robust STL fit of them and `weeks` weeks before
    (or as many whole weeks as there are, at least MIN_FIT_WEEKS; a shorter window's scale is
    widened by short_fit_widening, so its z means what a full window's does).

    Local-constant seasonal and trend smoothers (see STL_*): on generated series the STL
    defaults gave 11% of plain weeks a day beyond z 5, these settings 0.7% (before the wider
    window and END_SCALE brought it lower). Logs for a positive series, so effects are relative.
    The z scale comes from the residuals before the scored days only.
    """
    return scored_days(fit_window(daily, end, score, weeks), end, score)


def residual_days(daily: pd.Series, week_end: dt.date) -> tuple[ResidualDay, ...]:
    """The 7 days of the week ending `week_end`, scored against their STL seasonal-trend fit."""
    return residual_fit(daily, week_end, 7)


def residual_days_of(
    requests: Sequence[tuple[pd.Series, dt.date]],
) -> list[tuple[ResidualDay, ...]]:
    """residual_days of each (daily, week_end), the fits worked out together (fit_windows)."""
    fits = fit_windows(requests, 7)
    return [scored_days(fit, end, 7) for fit, (_, end) in zip(fits, requests, strict=True)]
