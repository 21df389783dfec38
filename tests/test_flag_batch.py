"""flag_batch: the screens for every metric at once give exactly the one-metric answers."""

from __future__ import annotations

import datetime as dt
import warnings
from pathlib import Path

import numpy as np
import pytest

from wbr.analysis import flag_days, flag_week, rule_flags
from wbr.analysis.flag_batch import nan_median, seasonal, weekday_z
from wbr.analysis.flag_week import is_seasonal
from wbr.analysis.residuals import weekday_screen
from wbr.engine.build import build_deck
from wbr.engine.config import load_config

STAMP = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def _weekly(rng: np.random.Generator) -> np.ndarray:
    """Weekly series with a season, gaps, negative, zero and whole-number rows."""
    weeks = 156
    season = 1 + 0.2 * np.sin(np.arange(weeks) * 2 * np.pi / 52)
    cy = rng.lognormal(5, 0.3, (400, weeks)) * season
    cy[::7, ::13] = np.nan
    cy[1::11] = -cy[1::11]
    cy[2::17, :100] = np.nan
    cy[3::19, 5] = 0
    cy[4::23] = np.round(cy[4::23] / 100)
    return cy


def test_seasonal_matches_is_seasonal_row_by_row() -> None:
    cy = _weekly(np.random.default_rng(1))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        expected = np.array([is_seasonal(row) for row in cy])
    assert 0 < expected.sum() < len(expected)  # both answers occur
    np.testing.assert_array_equal(seasonal(cy), expected)


def test_weekday_z_is_the_screens_largest_z_to_the_last_bit() -> None:
    rng = np.random.default_rng(2)
    days = rng.lognormal(3, 0.2, (400, 84))
    days[::5, ::9] = np.nan
    days[1::7, -7:] = np.nan
    days[2::13] = -days[2::13]
    days[3::29] = 1.0  # no spread: every z is 0
    days[4::31, -3] *= 4  # an unusual day
    days[5::37] = np.nan
    days[6::41] = np.round(days[6::41] / 30)
    found = weekday_z(days)
    checked = 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        for row, z in zip(days, found, strict=True):
            if np.isnan(row[-7:]).all():
                continue  # the screen says no before it scores anything
            expected = float(np.nanmax(np.abs(weekday_screen(row))))
            assert z == expected or (np.isnan(z) and np.isnan(expected))
            checked += 1
    assert checked > 300 and (found > 4).any()


def test_nan_median_is_the_median_of_the_values_present() -> None:
    values = np.random.default_rng(3).normal(size=(300, 9))
    values[values > 1] = np.nan
    values[0] = np.nan
    found = nan_median(values, axis=1)
    assert np.isnan(found[0])
    for row, median in zip(values[1:], found[1:], strict=True):
        present = row[~np.isnan(row)]
        assert median == np.median(present) if len(present) else np.isnan(median)


def test_a_deck_asks_the_one_metric_screens_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.conftest import write_business

    config = load_config(write_business(tmp_path))
    reference = build_deck(config, generated_at=STAMP).to_json()

    def asked(*_args: object) -> None:
        raise AssertionError("a one-metric screen ran: the batch screens were not used")

    monkeypatch.setattr(flag_week, "is_seasonal", asked)
    monkeypatch.setattr(flag_days, "weekday_screen", asked)
    monkeypatch.setattr(rule_flags, "daily_window", asked)  # the week's days come from the batch
    assert build_deck(config, generated_at=STAMP).to_json() == reference


def test_screens_asked_in_parts_are_the_screens_asked_at_once(tmp_path: Path) -> None:
    """The analysis's two processes each screen their part of the metrics, against the deck's
    first history's calendar: each metric's answers are those of one pass over all of them."""
    import sys

    from wbr.analysis.flag_batch import screens
    from wbr.engine.aggregate import DailyMatrix
    from wbr.engine.histories import weekly_histories
    from wbr.engine.sources import load_data

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
    import scale

    config = load_config(scale.write_business(tmp_path, 60, shocked=4))
    dataset = load_data(config)
    week = dt.date(2026, 11, 21)
    histories = weekly_histories(
        config, dataset, DailyMatrix.from_frame(dataset.actuals), None, week
    )
    metrics = list(histories)
    whole = screens(histories, metrics)
    reference = histories[metrics[0]]
    parts = {
        **screens(histories, metrics[:23], reference),
        **screens(histories, metrics[23:], reference),
    }
    assert list(parts) == list(whole) and len(whole) == len(metrics)
    for metric, found in whole.items():
        other = parts[metric]
        assert (found.seasonal, found.weekday_screened) == (other.seasonal, other.weekday_screened)
        assert np.array([found.weekday_z]).tobytes() == np.array([other.weekday_z]).tobytes()
        assert found.week_days is not None and other.week_days is not None
        assert found.week_days.tobytes() == other.week_days.tobytes()
    assert any(found.seasonal for found in whole.values())
    assert any(not found.seasonal for found in whole.values())


def test_small_bases_of_many_rows_are_small_base_row_by_row() -> None:
    """The YoY views' small-base test across rows (flag_week._small_bases) is _small_base's."""
    rng = np.random.default_rng(11)
    cy = _weekly(rng)
    base = np.roll(cy, 52, axis=1) * rng.uniform(0.5, 1.5, cy.shape)
    base[5::9, 60] = 0.0  # a zero base
    base[6::13, 70] = -3.0  # a negative one
    base[7::10, 80] = 1e-3  # tiny against the median week: the rows that need their median
    cy[8::21, 90] = 1e301  # a week too large for the quick answer
    base[9::31] = np.nan  # nothing to read
    for start in (0, 30, 150):
        found = flag_week._small_bases(cy, base, start)
        want = [flag_week._small_base(cy[k], base[k], start) for k in range(len(cy))]
        assert found.tolist() == want
        assert 0 < sum(want) < len(want)


def test_a_deck_with_its_yoy_views_together_is_the_deck_one_by_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """charted_views works out the first-choice YoY views of many metrics at once."""
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
    import scale

    config = load_config(scale.write_business(tmp_path, 120, shocked=4))
    monkeypatch.setenv("WBR_WORKERS", "1")
    monkeypatch.setattr(flag_week, "_GROUP_AT_LEAST", 10**9)
    one_by_one = build_deck(config, generated_at=STAMP).to_json()
    together: list[int] = []
    real = flag_week._yoy_view_values

    def counted(weeks, wanted):  # type: ignore[no-untyped-def]
        found = real(weeks, wanted)
        together.append(len(found))
        return found

    monkeypatch.setattr(flag_week, "_GROUP_AT_LEAST", 2)
    monkeypatch.setattr(flag_week, "_yoy_view_values", counted)
    assert build_deck(config, generated_at=STAMP).to_json() == one_by_one
    assert sum(together) > 20  # most metrics' YoY views came from the batch
