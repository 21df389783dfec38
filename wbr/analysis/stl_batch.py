"""statsmodels' robust STL fit of many daily series at once, the same numbers to the last bit.

The daily residual flags fit STL (residuals.stl_residuals) on the few metrics whose week looks
unusual: ~2 ms each in statsmodels' compiled loop, most of it `pow` in the loess weights. A
10,000-metric deck fits ~500 of them, a second of CPU. Here the fits of series of one length are
worked out together: the loess weights of each point's window depend only on the window's
geometry (the robustness weights aside), so they are computed once per length with the same
`pow` (math.pow is the C library's, as statsmodels' is), and every other step is numpy arithmetic
over all series in the order statsmodels' loop does it: the same products and quotients, every
sum accumulated left to right from 0.0 (a loop over the window, or cumsum: never numpy's
pairwise sum), the medians taken as the same middle elements. Squares are products (`x ** 2` in
the Cython source is compiled to `x * x`). tests/test_stl_batch.py holds every residual equal to
statsmodels' bit for bit on generated and real series, robust and not.

Only the settings STL runs with here are covered: jumps of 1 (statsmodels' default), windows
that fit the series; `robust_stl_residuals` says which (`covers`).
"""

from __future__ import annotations

import functools
import math

import numpy as np


def covers(n: int, period: int, seasonal: int, trend: int, low_pass: int) -> bool:
    """Can robust_stl_residuals fit series of `n` days with these windows?"""
    return n >= 2 * period and period >= 2 and min(seasonal, trend, low_pass) >= 3


def robust_stl_residuals(
    x: np.ndarray,
    *,
    period: int,
    seasonal: int,
    trend: int,
    low_pass: int,
    seasonal_deg: int,
    trend_deg: int,
    low_pass_deg: int,
    inner_iter: int,
    outer_iter: int,
) -> np.ndarray:
    """STL(row, period=..., ..., robust=True).fit(inner_iter, outer_iter).resid of each row of
    `x` (series x days, finite values), as statsmodels computes it (module doc)."""
    n = x.shape[1]
    if not covers(n, period, seasonal, trend, low_pass):
        raise ValueError(f"series of {n} days are too short for period {period}")
    y = np.ascontiguousarray(x.T, dtype=float)  # days x series: a day is a contiguous row
    season = np.zeros_like(y)
    trend_now = np.zeros_like(y)
    weights: np.ndarray | None = None  # the robustness weights, once the first pass has run
    windows = (period, seasonal, trend, low_pass, seasonal_deg, trend_deg, low_pass_deg)
    for k in range(outer_iter + 1):
        season, trend_now = _passes(y, trend_now, weights, inner_iter, *windows)
        if k == outer_iter:
            break
        weights = _robustness_weights(y, trend_now + season)
    return ((y - season) - trend_now).T.copy()


def _passes(
    y: np.ndarray,
    trend: np.ndarray,
    weights: np.ndarray | None,
    inner_iter: int,
    period: int,
    seasonal: int,
    trend_window: int,
    low_pass: int,
    seasonal_deg: int,
    trend_deg: int,
    low_pass_deg: int,
) -> tuple[np.ndarray, np.ndarray]:
    """statsmodels' `_onestp`: `inner_iter` passes of the seasonal and trend smoothers."""
    n = len(y)
    season = trend  # replaced in the first pass
    for _ in range(inner_iter):
        cycles = _cycle_smooth(y - trend, weights, period, seasonal, seasonal_deg)
        low = _moving_average(_moving_average(_moving_average(cycles, period), period), 3)
        low = _smooth(low, low_pass, low_pass_deg, None)
        season = cycles[period : period + n] - low
        trend = _smooth(y - season, trend_window, trend_deg, weights)
    return season, trend


def _cycle_smooth(
    detrended: np.ndarray, weights: np.ndarray | None, period: int, window: int, degree: int
) -> np.ndarray:
    """statsmodels' `_ss`: each cycle-subseries (every period-th day) smoothed and extended one
    cycle either side: n + 2 * period rows."""
    n, count = detrended.shape
    out = np.empty((n + 2 * period, count))
    for length, phases in _phases_by_length(n, period).items():
        rows = np.arange(length)[:, None] * period + phases[None, :]
        sub = detrended[rows].reshape(length, -1)  # one column per (phase, series)
        sub_weights = None if weights is None else weights[rows].reshape(length, -1)
        smoothed = _smooth_points(sub, degree, sub_weights, _cycle_plan(length, window))
        inner = smoothed[1:-1]
        np.copyto(inner, sub, where=np.isnan(inner))
        np.copyto(smoothed[0], smoothed[1], where=np.isnan(smoothed[0]))
        np.copyto(smoothed[-1], smoothed[-2], where=np.isnan(smoothed[-1]))
        at = np.arange(length + 2)[:, None] * period + phases[None, :]
        out[at.ravel()] = smoothed.reshape(length + 2, len(phases), count).reshape(-1, count)
    return out


def _phases_by_length(n: int, period: int) -> dict[int, np.ndarray]:
    """The phases (0 .. period-1) of the cycle-subseries, grouped by their length."""
    found: dict[int, list[int]] = {}
    for phase in range(period):
        found.setdefault((n - (phase + 1)) // period + 1, []).append(phase)
    return {length: np.array(phases) for length, phases in found.items()}


def _moving_average(x: np.ndarray, length: int) -> np.ndarray:
    """statsmodels' `_ma`: the running mean of `length` rows, its running sum kept as the loop
    keeps it (the first window summed from 0.0, then + (entering - leaving))."""
    first = np.cumsum(np.vstack((np.zeros((1, x.shape[1])), x[:length])), axis=0)[-1]
    steps = x[length:] - x[: len(x) - length]
    return np.cumsum(np.vstack((first[None, :], steps)), axis=0) / float(length)


def _smooth(y: np.ndarray, window: int, degree: int, weights: np.ndarray | None) -> np.ndarray:
    """statsmodels' `_ess` with a jump of 1: loess of every row (a point whose window has no
    weight keeps its value)."""
    out = _smooth_points(y, degree, weights, _point_plan(len(y), window))
    np.copyto(out, y, where=np.isnan(out))
    return out


class _Plan:
    """The loess windows of some points: where each starts, and its tricube weights."""

    def __init__(self, n: int, window: int, points: list[tuple[int, int, int]]) -> None:
        # points: (xs, nleft, nright), 1-based as in statsmodels (xs may be 0 or n + 1)
        width = min(window, n)
        self.width = width
        self.rng = n - 1.0
        self.starts = np.array([left - 1 for _, left, _ in points])
        self.xs = np.array([float(xs) for xs, _, _ in points])
        self.index = self.starts[None, :] + np.arange(width)[:, None]  # width x points
        self.position = (self.index + 1).astype(float)
        tricube = np.zeros((width, len(points)))
        spread = np.zeros(len(points))
        for p, (xs, left, right) in enumerate(points):
            assert right - left + 1 == width
            h = float(max(xs - left, right - xs))
            if window > n:
                h += (window - n) // 2.0
            spread[p] = h
            h9, h1 = 0.999 * h, 0.001 * h
            for t in range(width):
                r = float(abs(left + t - xs))
                if r <= h9:
                    tricube[t, p] = 1.0 if r <= h1 else math.pow(1.0 - math.pow(r / h, 3), 3)
        self.tricube = tricube[:, :, None]
        self.sloped = (spread > 0)[:, None]
        self._unweighted: dict[int, tuple[np.ndarray, np.ndarray]] = {}

    def unweighted(self, degree: int) -> tuple[np.ndarray, np.ndarray]:
        """The normalised weights without robustness weights (width x points x 1), and which
        points have any."""
        if degree not in self._unweighted:
            self._unweighted[degree] = _normalised(self.tricube, degree, self)
        return self._unweighted[degree]


def _point_windows(n: int, window: int) -> list[tuple[int, int, int]]:
    """`_ess`'s windows of all n points, jump 1: (xs, nleft, nright), 1-based."""
    if window >= n:
        return [(i + 1, 1, n) for i in range(n)]
    half = (window + 2) // 2
    left, right, points = 1, window, []
    for i in range(n):
        if i + 1 > half and right != n:
            left, right = left + 1, right + 1
        points.append((i + 1, left, right))
    return points


@functools.lru_cache(maxsize=32)
def _point_plan(n: int, window: int) -> _Plan:
    """`_ess`'s plan: every point's window."""
    return _Plan(n, window, _point_windows(n, window))


@functools.lru_cache(maxsize=32)
def _cycle_plan(length: int, window: int) -> _Plan:
    """`_ss`'s windows: a point before the subseries, its own points, a point after it."""
    before = (0, 1, min(window, length))
    after = (length + 1, max(1, length - window + 1), length)
    return _Plan(length, window, [before, *_point_windows(length, window), after])


def _smooth_points(
    y: np.ndarray, degree: int, weights: np.ndarray | None, plan: _Plan
) -> np.ndarray:
    """statsmodels' `_est` at each of the plan's points, for every column of `y` (rows are
    days): NaN where a window has no weight."""
    index = plan.index
    out = np.zeros((len(plan.xs), y.shape[1]))
    if weights is None:  # the same weights for every series: worked out once per plan
        w, has_weight = plan.unweighted(degree)
    else:
        w = np.empty((plan.width, *out.shape))
        for t, rows in enumerate(index):
            np.multiply(plan.tricube[t], weights[rows], out=w[t])
        if degree == 0:  # each weight divided by the sum as it is used: no second array
            total = _running_sum(w)
            with np.errstate(divide="ignore", invalid="ignore"):
                for t, rows in enumerate(index):
                    term = w[t] / total
                    term *= y[rows]
                    out += term
            out[~(total > 0)] = np.nan
            return out
        w, has_weight = _normalised(w, degree, plan)
    for t, rows in enumerate(index):
        out += w[t] * y[rows]
    out[~np.broadcast_to(has_weight, out.shape)] = np.nan
    return out


def _normalised(w: np.ndarray, degree: int, plan: _Plan) -> tuple[np.ndarray, np.ndarray]:
    """The loess weights `w` (window x points x series) divided by their sum and, for a local
    line, tilted (`_est`'s second half); with where the sum is positive."""
    total = _running_sum(w)
    with np.errstate(divide="ignore", invalid="ignore"):
        w = w / total
        if degree > 0:
            position = plan.position[:, :, None]
            mean = _running_sum(w * position)
            offset = position - mean
            c = _running_sum(w * (offset * offset))
            tilt = plan.sloped & (np.sqrt(c) > 0.001 * plan.rng)
            w = np.where(tilt, w * (((plan.xs[:, None] - mean) / c) * offset + 1.0), w)
    return w, total > 0


def _running_sum(terms: np.ndarray) -> np.ndarray:
    """The sum over the first axis, accumulated left to right from 0.0 as a C loop does."""
    total = np.zeros(terms.shape[1:])
    for term in terms:
        total += term
    return total


def _robustness_weights(y: np.ndarray, fit: np.ndarray) -> np.ndarray:
    """statsmodels' `_rwts`: bisquare weights of the residuals, scaled by 6 median |residual|."""
    n = len(y)
    error = np.abs(y - fit)
    ordered = np.sort(error, axis=0)
    cmad = 3.0 * (ordered[n // 2] + ordered[n - n // 2 - 1])
    with np.errstate(divide="ignore", invalid="ignore"):
        share = error / cmad
        bisquare = 1.0 - share * share
        weights = np.where(
            error <= 0.001 * cmad, 1.0, np.where(error <= 0.999 * cmad, bisquare * bisquare, 0.0)
        )
    weights[:, cmad == 0] = 1.0
    return weights


__all__ = ["covers", "robust_stl_residuals"]
