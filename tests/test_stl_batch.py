"""The batched STL fit (wbr/analysis/stl_batch.py) gives statsmodels' residuals to the last bit,
and the flags' fits worked out together (residuals.fit_windows) are the one-by-one fits."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from wbr.analysis import flags, residuals, stl_batch
from wbr.analysis.residuals import fit_window, fit_windows, residual_days, residual_days_of
from wbr.analysis.stl_batch import covers, robust_stl_residuals
from wbr.analysis.stl_import import stl_class
from wbr.engine.build import build_deck
from wbr.engine.config import load_config

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
import scale

DATA = Path(__file__).resolve().parent.parent / "benchmarks" / "data"


def _statsmodels(row: np.ndarray, **settings: int) -> np.ndarray:
    """statsmodels' own fit of one series."""
    inner, outer = settings.pop("inner_iter"), settings.pop("outer_iter")
    stl = stl_class()(row, robust=True, **settings)
    return np.asarray(stl.fit(inner_iter=inner, outer_iter=outer).resid)


FLAG_SETTINGS = {
    "period": residuals.STL_PERIOD,
    "seasonal": residuals.STL_SEASONAL,
    "trend": residuals.STL_TREND,
    "low_pass": residuals.STL_LOW_PASS,
    "seasonal_deg": residuals.STL_SEASONAL_DEG,
    "trend_deg": residuals.STL_TREND_DEG,
    "low_pass_deg": residuals.STL_LOW_PASS_DEG,
    "inner_iter": residuals.STL_INNER,
    "outer_iter": residuals.STL_OUTER,
}


def _same_bits(got: np.ndarray, want: np.ndarray) -> None:
    assert got.shape == want.shape
    differ = np.flatnonzero((got.view(np.int64) != want.view(np.int64)).any(axis=1))
    assert not len(differ), f"rows {differ[:5]} differ by up to {np.abs(got - want).max()}"


def _generated(rng: np.random.Generator, count: int, n: int) -> np.ndarray:
    """Weekly-seasonal series with noise, trends, spikes, runs of outliers, steps and ties."""
    days = np.arange(n)
    week = np.tile(rng.normal(0, 0.2, (count, 7)), n // 7 + 1)[:, :n]
    x = 5 + week + rng.normal(0, 0.05, (count, n)) + np.outer(rng.normal(0, 0.01, count), days)
    x[::5, -3] += 2.0  # a spike in the scored week
    x[1::5, n // 2 : n // 2 + 15] += 3.0  # a run of outliers longer than a loess window
    x[2::5, n // 3 :] -= 1.0  # a step
    x[3::5] = np.round(x[3::5], 1)  # ties in the medians
    x[4::10] = 0.0  # constant: every residual 0, robustness weights all 1
    x[9::10, ::7] = 1.0  # zero but one day a week
    x[9::10, 1::7] = 0.0
    return x


@pytest.mark.parametrize("n", [35, 42, 56, 84, 91, 36, 40, 95])
def test_batched_fit_is_statsmodels_bit_for_bit(n: int) -> None:
    rng = np.random.default_rng(n)
    x = _generated(rng, 40, n)
    want = np.array([_statsmodels(row, **FLAG_SETTINGS) for row in x])
    _same_bits(robust_stl_residuals(x, **FLAG_SETTINGS), want)


@pytest.mark.parametrize(
    "settings",
    [
        {**FLAG_SETTINGS, "seasonal_deg": 1, "trend_deg": 1, "outer_iter": 2},
        {**FLAG_SETTINGS, "seasonal": 7, "trend": 15, "low_pass": 11, "low_pass_deg": 0},
        {**FLAG_SETTINGS, "period": 12, "seasonal": 5, "trend": 25, "low_pass": 13},
    ],
)
def test_other_settings_are_statsmodels_bit_for_bit(settings: dict[str, int]) -> None:
    """Local lines in every smoother, other windows, another period: the same loops."""
    x = _generated(np.random.default_rng(7), 30, 77)
    want = np.array([_statsmodels(row, **settings) for row in x])
    _same_bits(robust_stl_residuals(x, **settings), want)


def _real_windows() -> np.ndarray:
    """91-day windows (logs of positive ones, gaps interpolated) of the shipped real series."""
    windows = []
    for name in ("bikeshare", "uk_grid", "metro_traffic", "nyc_taxi", "melbourne_footfall"):
        frame = pd.read_csv(DATA / name / "daily.csv", index_col="date")
        for column in frame.columns:
            values = frame[column].to_numpy(dtype=float)
            for end in range(91, len(values), 70):
                window = values[end - 91 : end]
                if np.isnan(window).mean() > 0.2 or np.isnan(window).all():
                    continue
                with np.errstate(divide="ignore", invalid="ignore"):
                    positive = np.nanmin(window) > 0
                    x = np.log(window) if positive else window
                windows.append(pd.Series(x).interpolate(limit_direction="both").to_numpy())
    return np.array(windows)


def test_real_series_are_statsmodels_bit_for_bit() -> None:
    x = _real_windows()
    assert len(x) > 300
    want = np.array([_statsmodels(row, **FLAG_SETTINGS) for row in x])
    _same_bits(robust_stl_residuals(x, **FLAG_SETTINGS), want)


def test_too_short_series_are_refused() -> None:
    assert not covers(13, 7, 13, 29, 9) and covers(14, 7, 13, 29, 9)
    with pytest.raises(ValueError, match="too short"):
        robust_stl_residuals(np.zeros((2, 13)), **FLAG_SETTINGS)


def _daily(rng: np.random.Generator, days: int, start_blank: int = 0) -> pd.Series:
    index = pd.date_range("2025-01-01", periods=days, freq="D")
    values = 100 * np.exp(np.tile(rng.normal(0, 0.2, 7), days // 7 + 1)[:days])
    values = values * np.exp(rng.normal(0, 0.05, days))
    values[:start_blank] = np.nan
    return pd.Series(values, index=index)


def test_fits_together_are_the_one_by_one_fits() -> None:
    """Full and young windows, gaps, a negative series, too short and unfittable ones."""
    rng = np.random.default_rng(3)
    end = dt.date(2025, 6, 30)
    requests = []
    for k in range(60):
        daily = _daily(rng, 181, start_blank=[0, 0, 120, 140, 160][k % 5])
        if k % 7 == 1:
            daily.iloc[150:153] = np.nan  # a gap, interpolated
        if k % 7 == 2:
            daily = daily - 150.0  # not positive: fitted in its own units
        if k % 11 == 3:
            daily.iloc[-3:] = np.nan  # the scored days partly missing
        requests.append((daily, end))
    together = fit_windows(requests)
    alone = [fit_window(daily, when) for daily, when in requests]
    assert sum(fit is None for fit in alone) >= 10 and sum(fit is not None for fit in alone) >= 40
    for a, b in zip(together, alone, strict=True):
        assert (a is None) == (b is None)
        if a is not None and b is not None:
            assert a.resid.tobytes() == b.resid.tobytes()
            assert (a.centre, a.scale, a.weeks, a.log) == (b.centre, b.scale, b.weeks, b.log)
    assert residual_days_of(requests) == [residual_days(daily, when) for daily, when in requests]


def test_a_deck_with_its_days_fitted_together_is_the_deck_fitted_one_by_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The flag pass fits the weeks' days together (flags._assessed_together): first those sure
    to need a fit, then those an assessment deferred."""
    stamp = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    config = load_config(scale.write_business(tmp_path, 150, shocked=4))
    monkeypatch.setenv("WBR_WORKERS", "1")
    monkeypatch.setattr(flags, "BATCH_AT_LEAST", 10**9)
    one_by_one = build_deck(config, generated_at=stamp).to_json()
    batched: list[int] = []
    fit = stl_batch.robust_stl_residuals

    def counted(x: np.ndarray, **settings: int) -> np.ndarray:
        batched.append(len(x))
        return fit(x, **settings)

    monkeypatch.setattr(flags, "BATCH_AT_LEAST", 1)
    monkeypatch.setattr(residuals, "BATCH_AT_LEAST", 1)
    monkeypatch.setattr(stl_batch, "robust_stl_residuals", counted)
    assert build_deck(config, generated_at=stamp).to_json() == one_by_one
    # the weeks sure to need a fit, then one found to need it when assessed (a point signal)
    assert len(batched) == 2 and batched[0] >= 5 and batched[1] >= 1
