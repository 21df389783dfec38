"""Numbers on the 6-12 chart's axes: K/M/B scale, unit marks and three significant figures (the
box score's rule), tick steps of 1-2-2.5-5 with headroom for data labels, and text shown as typed.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from dataclasses import dataclass

from wbr.fmt import CURRENCY_UNITS, PERCENT_UNITS
from wbr.fmt import significant_decimals as _significant_decimals  # the box score rule

# d3-format's largest precision: a tick step of 1e-20 still prints distinct ticks
MAX_TICK_DECIMALS = 20


def plain(text: str) -> str:
    """Text shown as typed: plotly.js reads a few HTML tags (<b>, <a href>) in chart text."""
    return html.escape(text, quote=False)


@dataclass(frozen=True)
class AxisFormat:
    """How one y axis shows numbers: values divided by `divisor`, then prefix/suffix added."""

    divisor: float
    prefix: str
    suffix: str
    decimals: int
    unit_label: str

    def label(self, value: float | None) -> str:
        """A full label for hover text, such as $12.6M, 1.25K, 3.35% or 245 ms; empty for a gap."""
        if value is None:
            return ""
        scaled = value / self.divisor
        sign = "-" if scaled < 0 else ""
        return f"{sign}{self.prefix}{abs(scaled):,.{self.decimals}f}{self.suffix}"

    def short(self, value: float | None) -> str:
        """A data label on the line: scale and % kept, currency sign and unit words left to the
        axis title, so 18 labels fit side by side (12.6M, 1.25K, 3.35%, 245)."""
        if value is None:
            return ""
        scaled = value / self.divisor
        mark = self.suffix if self.suffix in ("K", "M", "B", "%") else self.suffix[:1].strip()
        return f"{scaled:,.{self.decimals}f}{mark}"


def finite(values: Sequence[float | None]) -> list[float]:
    """The values that are numbers (no gaps, no infinities)."""
    return [v for v in values if v is not None and math.isfinite(v)]


def gap(value: float | None) -> float | None:
    """None for missing or non-finite values, so they draw as gaps and never as zeros."""
    return value if value is not None and math.isfinite(value) else None


def axis_format(unit: str, values: Sequence[float | None]) -> AxisFormat:
    """Scale (K/M/B), unit marks and decimals for an axis showing `values` of a metric unit."""
    shown = finite(values)
    largest = max((abs(v) for v in shown), default=0.0)
    if unit in PERCENT_UNITS:
        return AxisFormat(0.01, "", "%", _decimals(largest * 100), "%")
    if unit == "bps":
        return AxisFormat(1e-4, "", " bps", 0, "bps")
    divisor, scale = 1.0, ""
    for threshold, name in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
        if largest >= threshold:
            divisor, scale = threshold, name
            break
    decimals = _decimals(largest / divisor)
    if unit in CURRENCY_UNITS:
        return AxisFormat(divisor, "$", scale, decimals, f"${scale}")
    if unit in ("count", ""):
        return AxisFormat(divisor, "", scale, decimals, scale or "count")
    unit = plain(unit)  # free text from wbr.yaml, shown as typed
    suffix = f"{scale} {unit}" if scale else f" {unit}"
    return AxisFormat(divisor, "", suffix, decimals, f"{scale} {unit}".strip())


def _decimals(largest_scaled: float) -> int:
    """Decimals for three significant figures at the axis's largest value, as in the box score
    (0.00400, not 0.00, for a rate around 0.004)."""
    if largest_scaled == 0 or not math.isfinite(largest_scaled):
        return 2
    return _significant_decimals(abs(float(f"{largest_scaled:.3g}")))


def _nice_step(span: float) -> float:
    """A 1-2-2.5-5 step giving about five gridlines over `span`."""
    raw = span / 5
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5, 10):
        if factor * power >= raw:
            return factor * power
    return 10 * power


def step_decimals(step: float) -> int:
    """Fewest decimals that print every tick of a `step` grid exactly (2.5 -> 1, 0.25 -> 2,
    2e-7 -> 7), so neighbouring ticks never print the same text."""
    for decimals in range(MAX_TICK_DECIMALS):
        if abs(round(step, decimals) - step) < step * 1e-6:
            return decimals
    return MAX_TICK_DECIMALS


def nice_range(values: Sequence[float | None]) -> tuple[float, float, float]:
    """(low, high, tick step) fitted to the values, with headroom above for data labels."""
    shown = finite(values)
    if not shown:
        return 0.0, 1.0, 0.2
    low, high = min(shown), max(shown)
    span = high - low or abs(high) or 1.0
    low, high = low - 0.08 * span, high + 0.22 * span
    if min(shown) >= 0 > low:
        low = 0.0  # a non-negative metric never gets a negative axis
    step = _nice_step(high - low)
    low = math.floor(round(low / step, 9)) * step
    high = math.ceil(round(high / step, 9)) * step
    return low, high, step
