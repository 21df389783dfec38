"""Mix versus rate: how much of a blended rate's change comes from the segments' shares of the
denominator moving (mix) and how much from the segments' own rates moving (rate).

Owns the decomposition (`decompose_rate`) and the JSON shape of one comparison's mix/rate result
in `Block.drivers["mix_rate"]` (`mix_rate_block`; the whole shape is in analysis.drivers). With
w = a segment's share of the denominator and r = its rate, between a base (0) and a current (1)
period: mix = sum (w1 - w0) r0, rate = sum w0 (r1 - r0), interaction = sum (w1 - w0)(r1 - r0),
and mix + rate + interaction = r1 - r0. A segment with no denominator in one period takes its
other period's rate there, so its whole effect is mix.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class RateDecomposition:
    """Mix/rate/interaction of a blended rate change, totals and per segment, in rate units."""

    r0: float
    r1: float
    mix: float
    rate: float
    interaction: float
    two_part_rate: float
    w0: np.ndarray
    w1: np.ndarray
    seg_r0: np.ndarray
    seg_r1: np.ndarray
    seg_mix: np.ndarray
    seg_rate: np.ndarray
    seg_interaction: np.ndarray

    @property
    def delta(self) -> float:
        """r1 - r0."""
        return self.r1 - self.r0


def decompose_rate(
    numerator_0: Iterable[float],
    denominator_0: Iterable[float],
    numerator_1: Iterable[float],
    denominator_1: Iterable[float],
) -> RateDecomposition | None:
    """Mix vs rate of a blended rate between a base (0) and a current (1) period, by segment.

    None when either period has no denominator.
    """
    n0, d0 = np.asarray(numerator_0, float), np.asarray(denominator_0, float)
    n1, d1 = np.asarray(numerator_1, float), np.asarray(denominator_1, float)
    total_0, total_1 = d0.sum(), d1.sum()
    if not total_0 > 0 or not total_1 > 0:
        return None
    w0, w1 = d0 / total_0, d1 / total_1
    with np.errstate(divide="ignore", invalid="ignore"):
        r0 = np.where(d0 > 0, n0 / d0, np.nan)
        r1 = np.where(d1 > 0, n1 / d1, np.nan)
    # a segment without a base (or current) rate borrows the other one: its effect is all mix
    base = np.where(np.isnan(r0), r1, r0)
    base = np.where(np.isnan(base), 0.0, base)
    current = np.where(np.isnan(r1), base, r1)
    shift = w1 - w0
    mix = shift * base
    rate = w0 * (current - base)
    interaction = shift * (current - base)
    return RateDecomposition(
        r0=float(n0.sum() / total_0),
        r1=float(n1.sum() / total_1),
        mix=float(mix.sum()),
        rate=float(rate.sum()),
        interaction=float(interaction.sum()),
        two_part_rate=float((w1 * (current - base)).sum()),
        w0=w0,
        w1=w1,
        seg_r0=r0,
        seg_r1=r1,
        seg_mix=mix,
        seg_rate=rate,
        seg_interaction=interaction,
    )


def _num(value: float) -> float | None:
    """A plain float for JSON, None for NaN."""
    return None if value is None or not np.isfinite(value) else float(value)


def json_number(value: float) -> float | None:
    """A plain float for JSON, None for NaN."""
    return None if value is None or not np.isfinite(value) else float(value)


def mix_rate_block(
    segments: np.ndarray,
    numerator_0: np.ndarray,
    denominator_0: np.ndarray,
    numerator_1: np.ndarray,
    denominator_1: np.ndarray,
    scale: float,
    unit: str,
    complete: bool,
) -> dict[str, Any] | None:
    """One comparison's mix/rate result (shape in analysis.drivers), base (0) vs current (1),
    in rate units times `scale`; None when either period has no denominator."""
    parts = decompose_rate(numerator_0, denominator_0, numerator_1, denominator_1)
    if parts is None:
        return None
    total = parts.seg_mix + parts.seg_rate + parts.seg_interaction
    order = np.argsort(-np.abs(total), kind="stable")
    return {
        "r0": parts.r0,
        "r1": parts.r1,
        "unit": unit,
        "delta": parts.delta * scale,
        "mix": parts.mix * scale,
        "rate": parts.rate * scale,
        "interaction": parts.interaction * scale,
        "two_part": {"mix": parts.mix * scale, "rate": parts.two_part_rate * scale},
        "complete": complete,
        "segments": [
            {
                "segment": str(segments[i]),
                "w0": float(parts.w0[i]),
                "w1": float(parts.w1[i]),
                "r0": json_number(parts.seg_r0[i]),
                "r1": json_number(parts.seg_r1[i]),
                "mix": float(parts.seg_mix[i] * scale),
                "rate": float(parts.seg_rate[i] * scale),
                "interaction": float(parts.seg_interaction[i] * scale),
            }
            for i in order
        ],
    }
