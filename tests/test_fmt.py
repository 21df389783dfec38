"""Display formatting: three significant figures, N/A for missing, % to 1 decimal, bps whole."""

from __future__ import annotations

import pytest

from wbr.fmt import format_change, format_value, scaled


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (7_563_000, "7.56M"),
        (12_640_000, "12.6M"),
        (126_400_000_000, "126B"),
        (999_999, "1.00M"),
        (999_400, "999K"),
        (1_234, "1.23K"),
        (-2_500_000, "-2.50M"),
        (42, "42"),
        (0.5, "0.500"),
    ],
)
def test_scaled_keeps_three_significant_figures(value, text):
    assert scaled(value) == text


def test_values_by_unit():
    assert format_value(0.0335, "percent") == "3.35%"
    assert format_value(0.0000412, "percent") == "0.00412%"
    assert format_value(7_563_000, "currency") == "$7.56M"
    assert format_value(453.2, "ms") == "453 ms"
    assert format_value(None, "count") == "N/A"
    assert format_value(float("nan"), "count") == "N/A"


def test_changes_round_only_for_display():
    assert format_change(2.449, "pct") == "+2.4%"
    assert format_change(-24.6, "bps") == "-25 bps"
    assert format_change(None, "pct") == "N/A"
    assert format_change(-0.04, "pct") == "0.0%"  # never "-0.0%"
    assert format_change(0.3, "bps") == "0 bps"


@pytest.mark.parametrize(("value", "text"), [(94.39, "94.4"), (86.7, "86.7"), (9.444, "9.44")])
def test_small_values_keep_three_significant_figures(value, text):
    assert scaled(value) == text
