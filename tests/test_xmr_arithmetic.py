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


def test_two_years_back_is_the_reindex_by_date_on_regular_and_irregular_weeks() -> None:
    import pandas as pd

    from wbr.analysis.flag_week import _two_years_back

    rng = np.random.default_rng(16)
    for size in (1, 50, 104, 105, 160):
        ends = pd.DatetimeIndex(pd.date_range("2022-01-01", periods=size, freq="7D"))
        cy = rng.normal(100, 10, size)
        expected = pd.Series(cy, index=ends).reindex(ends - pd.Timedelta(days=728))
        np.testing.assert_array_equal(_two_years_back(cy, ends), expected.to_numpy(dtype=float))
        irregular = ends.delete(size // 2) if size > 2 else ends
        cy = cy[: len(irregular)]
        expected = pd.Series(cy, index=irregular).reindex(irregular - pd.Timedelta(days=728))
        np.testing.assert_array_equal(
            _two_years_back(cy, irregular), expected.to_numpy(dtype=float)
        )


def test_week_end_and_last_read_once_for_all_rows_are_the_index_s() -> None:
    import pandas as pd

    from wbr.engine.series import WeeklyRows

    ends = pd.DatetimeIndex(pd.date_range("2026-01-03", periods=3, freq="7D"), name="week_end")
    values = np.ones(3)
    shared = WeeklyRows(ends, values, values, values, values > 0, tuple(ends.date), ends[-1])
    alone = WeeklyRows(ends, values, values, values, values > 0)
    assert shared.last == alone.last == ends[-1]
    assert shared.week_end == alone.week_end == ends[-1].date()
