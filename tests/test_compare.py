"""Comparison vectors of section 2.10: % change, bps, N/A bases, favourability."""

from __future__ import annotations

import pytest

from wbr.engine.compare import bps_change, compare, favourable, pct_change


def test_rate_comparison_is_in_basis_points():
    assert bps_change(0.0335, 0.0310) == pytest.approx(25.0)


def test_volume_comparison_is_percent():
    assert pct_change(1100, 1000) == pytest.approx(10.0)


@pytest.mark.parametrize("base", [0, 0.0, -5.0, None, float("nan")])
def test_percent_is_na_when_base_is_zero_missing_or_negative(base):
    assert pct_change(100.0, base) is None


def test_bps_is_na_when_either_side_is_missing():
    assert bps_change(None, 0.02) is None
    assert bps_change(0.02, None) is None


def test_compare_dispatches_on_method():
    assert compare(0.02, 0.015, "bps") == pytest.approx(50.0)
    assert compare(0.02, 0.015, "pct") == pytest.approx(33.333333333)


@pytest.mark.parametrize(
    ("change", "polarity", "expected"),
    [
        (5.0, "higher_is_better", True),
        (-5.0, "higher_is_better", False),
        (-5.0, "lower_is_better", True),
        (5.0, "lower_is_better", False),
        (5.0, "neutral", None),
        (0.0, "higher_is_better", None),
        (None, "higher_is_better", None),
    ],
)
def test_favourability_follows_polarity(change, polarity, expected):
    assert favourable(change, polarity) is expected
