"""Display formatting of values and comparisons (the only place numbers are rounded)."""

from __future__ import annotations

import math

PERCENT_UNITS = ("percent", "%")
CURRENCY_UNITS = ("currency", "usd", "$")


def scaled(value: float) -> str:
    """7.56M / 12.6M / 1.23K / 126B: three significant figures for large magnitudes."""
    magnitude = abs(value)
    for threshold, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
        if magnitude >= threshold * 0.9995:  # 999,999 is 1.00M, not 1,000K
            short = value / threshold
            decimals = 2 if abs(short) < 9.995 else 1 if abs(short) < 99.95 else 0
            return f"{short:,.{decimals}f}{suffix}"
    if magnitude >= 100 or value == int(value):
        return f"{value:,.0f}"
    return f"{value:,.{1 if magnitude >= 10 else 2}f}"


def format_value(value: float | None, unit: str) -> str:
    """A metric value for display: N/A when missing; % for percent units; $ for currency."""
    if value is None or not math.isfinite(value):
        return "N/A"
    if unit in PERCENT_UNITS:
        return f"{value * 100:.2f}%"
    if unit in CURRENCY_UNITS:
        return ("-$" if value < 0 else "$") + scaled(abs(value))
    text = scaled(value)
    return text if unit in ("count", "") else f"{text} {unit}"


def format_change(change: float | None, method: str) -> str:
    """A comparison for display: +2.5% (1 decimal) or +25 bps (whole), N/A when undefined."""
    if change is None or not math.isfinite(change):
        return "N/A"
    if method == "bps":
        return f"{change:+,.0f} bps"
    return f"{change:+,.1f}%"
