"""Display formatting of values and comparisons (the only place numbers are rounded)."""

from __future__ import annotations

import math

PERCENT_UNITS = ("percent", "%")
CURRENCY_UNITS = ("currency", "usd", "$")


def scaled(value: float) -> str:
    """Three significant figures: 7.56M, 12.6M, 1.23K, 126B, 94.4, 0.00490; counts stay whole."""
    if value == 0 or not math.isfinite(value):
        return f"{value:,.0f}" if value == 0 else str(value)
    rounded = float(f"{value:.3g}")  # round first, so 99.96 is 100 and 999,999 is 1.00M
    magnitude = abs(rounded)
    for threshold, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
        if magnitude >= threshold:
            return f"{rounded / threshold:,.{significant_decimals(magnitude / threshold)}f}{suffix}"
    if magnitude >= 100 or value == int(value):
        return f"{rounded:,.0f}"
    return f"{rounded:,.{significant_decimals(magnitude)}f}"


def significant_decimals(magnitude: float) -> int:
    """Decimals that show three significant figures of a number already rounded to them."""
    if magnitude >= 100:
        return 0
    return min(9, 2 - math.floor(math.log10(magnitude)))


def format_value(value: float | None, unit: str) -> str:
    """A metric value for display: N/A when missing; % for percent units; $ for currency."""
    if value is None or not math.isfinite(value):
        return "N/A"
    if unit in PERCENT_UNITS:
        points = value * 100
        if points != 0 and abs(points) < 0.01:  # never show a real rate as 0.00%
            return f"{scaled(points)}%"
        return f"{points:.2f}%"
    if unit in CURRENCY_UNITS:
        return ("-$" if value < 0 else "$") + scaled(abs(value))
    text = scaled(value)
    return text if unit in ("count", "") else f"{text} {unit}"


def format_change(change: float | None, method: str) -> str:
    """A comparison for display: +2.5% (1 decimal) or +25 bps (whole), N/A when undefined."""
    if change is None or not math.isfinite(change):
        return "N/A"
    if method == "bps":
        return "0 bps" if round(change) == 0 else f"{change:+,.0f} bps"
    return "0.0%" if round(change, 1) == 0 else f"{change:+,.1f}%"
