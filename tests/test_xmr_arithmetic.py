"""The XmR limits' arithmetic, written for speed, gives numpy's mean and the pairwise moving
ranges to the last bit: the same limits, so the same flags, as the plain formulas."""

from __future__ import annotations

import itertools

import numpy as np

from wbr.analysis.weekly_series import _values_or_none
from wbr.analysis.xmr import _range_sum, xmr_limits


def _series(rng: np.random.Generator) -> np.ndarray:
    size = int(rng.integers(2, 160))
    kind = rng.integers(4)
    if kind == 0:
        values = rng.normal(1e5, 3e4, size)
    elif kind == 1:
        values = rng.lognormal(0, 3, size) * rng.choice([-1, 1], size)
    elif kind == 2:
        values = rng.integers(0, 5, size).astype(float)
    else:
        values = rng.normal(0, 1, size) * 10.0 ** rng.integers(-12, 12)
    gaps = rng.random(size) < 0.1
    values[gaps] = np.nan
    return values


def test_xmr_limits_are_the_plain_means_to_the_last_bit() -> None:
    rng = np.random.default_rng(14)
    for _ in range(2_000):
        values = _series(rng)
        x = values[~np.isnan(values)]
        if len(x) < 2:
            continue
        limits = xmr_limits(values)
        assert limits.mean == float(x.mean())
        assert limits.mr_mean == float(np.abs(np.diff(x)).mean())
        assert limits.points == len(x)


def test_range_sum_adds_the_moving_ranges_in_order() -> None:
    rng = np.random.default_rng(15)
    for _ in range(2_000):
        points = [v for v in _series(rng).tolist() if v == v]
        plain = sum(abs(b - a) for a, b in itertools.pairwise(points))
        assert _range_sum(points) == plain
        assert type(_range_sum(points)) is type(plain)


def test_weekly_values_keep_every_value_and_blank_only_what_is_not_finite() -> None:
    values = np.array([1.5, np.nan, -0.0, np.inf, 2.0])
    assert _values_or_none(values) == (1.5, None, -0.0, None, 2.0)
    finite = np.array([1.0, 2.5, -3.0])
    assert _values_or_none(finite) == (1.0, 2.5, -3.0)
    assert all(type(v) is float for v in _values_or_none(finite))
