"""Comparisons: percent change, basis points or the difference in the metric's unit (abs), plan
variance and favourability from polarity."""

from __future__ import annotations

import math

import numpy as np

BPS_PER_UNIT = 10_000.0
PCT_PER_UNIT = 100.0


def _number(value: float | None) -> float | None:
    """None for missing or non-finite values."""
    if value is None or not math.isfinite(value):
        return None
    return float(value)


def pct_change(current: float | None, base: float | None) -> float | None:
    """(current / base - 1) x 100; None when either is missing or the base is zero or negative."""
    current, base = _number(current), _number(base)
    if current is None or base is None or base <= 0:
        return None
    return (current / base - 1.0) * PCT_PER_UNIT


def bps_change(current: float | None, base: float | None) -> float | None:
    """(current - base) x 10,000 for rates stored as fractions; None when either is missing."""
    current, base = _number(current), _number(base)
    if current is None or base is None:
        return None
    return (current - base) * BPS_PER_UNIT


def abs_change(current: float | None, base: float | None) -> float | None:
    """current - base in the metric's own unit (temperatures, NPS, a variance to plan: where a
    percent change is meaningless or the base can be zero or negative); None when either is
    missing."""
    current, base = _number(current), _number(base)
    if current is None or base is None:
        return None
    return current - base


COMPARATORS = {"pct": pct_change, "bps": bps_change, "abs": abs_change}


def compare(current: float | None, base: float | None, method: str) -> float | None:
    """Change from base to current by the metric's comparison method (pct, bps or abs)."""
    return COMPARATORS[method](current, base)


def compare_arrays(current: np.ndarray, base: np.ndarray, method: str) -> np.ndarray:
    """Element-wise compare(): % change where the base is positive, bps, or the difference in
    the metric's unit (abs); NaN when undefined."""
    current, base = np.asarray(current, dtype=float), np.asarray(base, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        if method == "bps":
            return (current - base) * BPS_PER_UNIT
        if method == "abs":
            return current - base
        return np.where(base > 0, (current / base - 1.0) * PCT_PER_UNIT, np.nan)


def favourable(change: float | None, polarity: str) -> bool | None:
    """Is a change good news? None when neutral, missing or zero."""
    if change is None or not math.isfinite(change) or change == 0 or polarity == "neutral":
        return None
    return (change > 0) == (polarity == "higher_is_better")
