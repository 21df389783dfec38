"""Catalogue group E, ratios and segments (from Block.drivers): Q21 mix shift, Q22 denominator
moved, Q23 segments against the total (Simpson), Q24 small denominator, Q25 concentrated change."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any

from wbr.analysis.questions.engine import (
    SIGNAL,
    Facts,
    Fill,
    finite,
    question,
)
from wbr.engine.compare import compare, pct_change
from wbr.fmt import format_change, format_value

DENOMINATOR_MOVE_PCT = 10.0  # Q22: the denominator moved this much YoY
MIX_SHARE = 1 / 3  # Q21: mix is at least this share of the rate change
CONCENTRATION = 0.6  # Q25: one segment holds more than this share of the change


PERIOD_WORDS = {"wow": "WoW", "yoy": "YoY", "plan": "vs plan"}


def _ratio_units(f: Facts, entry: Mapping[str, Any], number: float) -> str:
    """A mix/rate term: bps, or a signed value in the metric's unit."""
    if entry.get("unit") == "bps":
        return format_change(number, "bps")
    text = f.value(abs(number))
    return ("-" if number < 0 else "+") + text


def _share(fraction: float) -> str:
    return f"{fraction * 100:.1f}%"


def _mix_rate(f: Facts) -> Iterable[tuple[str, str, Mapping[str, Any]]]:
    drivers = f.block.drivers or {}
    for dimension, periods in (drivers.get("mix_rate") or {}).items():
        for period in ("wow", "yoy"):
            if period in periods:
                yield dimension, period, periods[period]


def _moved(f: Facts, entry: Mapping[str, Any]) -> bool:
    """The ratio moved beyond the material threshold in this comparison."""
    if entry.get("unit") == "bps":
        return abs(entry["delta"]) >= f.settings.plan_miss_bps
    change = pct_change(entry["r1"], entry["r0"])
    return change is not None and abs(change) >= f.settings.plan_miss_pct


@question(
    "Q21",
    SIGNAL,
    "{metric} moved {delta} {period}. By {dimension}, {mix} is mix (share shift toward {segment}, "
    "{w0} to {w1} of {denominator}) and {rate} is rate (interaction {interaction}). Which one are "
    "we explaining, and is the mix shift something we caused?",
)
def mix_shift(f: Facts) -> Fill | None:
    """Q21: a material ratio move of which mix is at least a third."""
    for dimension, period, entry in _mix_rate(f):
        if not _moved(f, entry) or abs(entry["mix"]) < MIX_SHARE * abs(entry["delta"]):
            continue
        toward = max(entry["segments"], key=lambda s: s["w1"] - s["w0"])
        return Fill(
            {
                "metric": f.label,
                "delta": _ratio_units(f, entry, entry["delta"]),
                "period": PERIOD_WORDS[period],
                "dimension": dimension,
                "mix": _ratio_units(f, entry, entry["mix"]),
                "segment": toward["segment"],
                "w0": _share(toward["w0"]),
                "w1": _share(toward["w1"]),
                "denominator": f.config.metric_label(f.metric.denominator)
                if f.metric.denominator in f.config.metrics
                else "the denominator",
                "rate": _ratio_units(f, entry, entry["rate"]),
                "interaction": _ratio_units(f, entry, entry["interaction"]),
            },
            {
                "period": period,
                "dimension": dimension,
                "delta": entry["delta"],
                "mix": entry["mix"],
                "rate": entry["rate"],
                "interaction": entry["interaction"],
                "unit": entry.get("unit"),
                "segment": toward["segment"],
                "w0": toward["w0"],
                "w1": toward["w1"],
            },
        )
    return None


def _direction(f: Facts, change: float | None, method: str | None = None) -> str:
    """'rose 12.0%' / 'fell 30 bps' / 'was flat'."""
    if change is None:
        return "N/A"
    if change == 0:
        return "was flat"
    size = format_change(abs(change), method or f.method, f.block.unit).lstrip("+")
    return f"{'rose' if change > 0 else 'fell'} {size}"


@question(
    "Q22",
    SIGNAL,
    "{metric} {rate_move} YoY while {denominator} {den_move} and {numerator} {num_move}. Is the "
    "rate moving because {numerator} changed, or because {denominator} changed, for example by "
    "losing low-intent traffic?",
)
def denominator_moved(f: Facts) -> Fill | None:
    """Q22: the ratio has a signal, and its denominator moved more than DENOMINATOR_MOVE_PCT YoY."""
    history = f.history
    numerator, denominator = f.metric.numerator, f.metric.denominator
    if f.block.aggregation != "ratio" or history is None or history.denominator_rows is None:
        return None
    if numerator is None or denominator is None:
        return None
    rate_yoy = f.block.box.yoy
    if rate_yoy is None or abs(rate_yoy) < f.material:
        return None
    num_rows, den_rows = history.numerator_rows, history.denominator_rows
    if num_rows is None or den_rows is None:
        return None
    if not f.signalled(f.block.metric):  # a routine rate: asked every week of a growth year
        return None
    den = {"cy": float(den_rows.cy[-1]), "py": float(den_rows.py[-1])}
    num = {"cy": float(num_rows.cy[-1]), "py": float(num_rows.py[-1])}
    den_yoy, num_yoy = pct_change(den["cy"], den["py"]), pct_change(num["cy"], num["py"])
    if den_yoy is None or num_yoy is None or abs(den_yoy) < DENOMINATOR_MOVE_PCT:
        return None
    return Fill(
        {
            "metric": f.label,
            "rate_move": _direction(f, rate_yoy),
            "denominator": f.config.metric_label(denominator),
            "den_move": _direction(f, den_yoy, "pct"),
            "numerator": f.config.metric_label(numerator),
            "num_move": _direction(f, num_yoy, "pct"),
        },
        {
            "yoy": rate_yoy,
            "den_yoy": den_yoy,
            "num_yoy": num_yoy,
            "den": den["cy"],
            "num": num["cy"],
        },
    )


@dataclass(frozen=True)
class _SegmentMoves:
    """How the total and each segment moved in one comparison, for sums and ratios alike."""

    dimension: str
    period: str
    material: bool  # the total moved beyond the threshold
    total: float
    total_text: str
    segments: list[tuple[str, float]]  # (segment, change) with the same sign convention as total
    show: Callable[[float], str]  # formats a segment's change


def _segment_moves(f: Facts) -> Iterable[_SegmentMoves]:
    """Each dimension and comparison of the block's drivers: total move and segment moves."""
    drivers = f.block.drivers or {}
    for dimension, periods in (drivers.get("dimensions") or {}).items():
        for period in ("wow", "yoy"):
            entry = periods.get(period)
            total = compare(entry["cy"], entry["base"], f.method) if entry else None
            if entry is None or total is None:
                continue
            segments = [(s["segment"], s["delta"]) for s in entry["segments"]]
            yield _SegmentMoves(
                dimension,
                period,
                abs(total) >= f.material,
                total,
                f.change(total),
                segments,
                lambda change: _signed_value(f, change),
            )
    for dimension, period, entry in _mix_rate(f):
        scale = 10_000 if entry.get("unit") == "bps" else 1.0
        segments = [
            (s["segment"], (s["r1"] - s["r0"]) * scale)
            for s in entry["segments"]
            if s["r0"] is not None and s["r1"] is not None
        ]
        yield _SegmentMoves(
            dimension,
            period,
            _moved(f, entry),
            entry["delta"],
            _ratio_units(f, entry, entry["delta"]),
            segments,
            partial(_ratio_units, f, entry),
        )


@question(
    "Q23",
    SIGNAL,
    "{metric} moved {total} {period}, but {k} of {n} {dimension} segments moved the other way "
    "({examples}). Which view should drive the action?",
)
def simpsons(f: Facts) -> Fill | None:
    """Q23: the total moved materially one way while most segments moved the other."""
    for moves in _segment_moves(f):
        if not moves.material:
            continue
        moving = [(name, change) for name, change in moves.segments if change != 0]
        against = [(name, change) for name, change in moving if change * moves.total < 0]
        if len(moving) < 2 or len(against) * 2 <= len(moving):
            continue
        shown = sorted(against, key=lambda pair: -abs(pair[1]))[:3]
        examples = ", ".join(f"{name} {moves.show(change)}" for name, change in shown)
        return Fill(
            {
                "metric": f.label,
                "total": moves.total_text,
                "period": PERIOD_WORDS[moves.period],
                "k": str(len(against)),
                "n": str(len(moving)),
                "dimension": moves.dimension,
                "examples": examples,
            },
            {
                "period": moves.period,
                "dimension": moves.dimension,
                "total": moves.total,
                "segments_against": [name for name, _ in against],
                "segments": len(moving),
            },
        )
    return None


def _signed_value(f: Facts, number: float) -> str:
    return ("-" if number < 0 else "+") + f.value(abs(number))


@question(
    "Q24",
    SIGNAL,
    "{metric} last week rests on {den} {denominator}; at that volume one standard error is {se}. "
    "Is the move of {move} WoW bigger than what small numbers alone would produce?",
    "{metric} last week rests on {den} {denominator}, below the minimum of {minimum}. Is the move "
    "of {move} WoW bigger than what small numbers alone would produce?",
    "{metric} last week rests on {den} {denominator}, below the minimum of {minimum}. Is any move "
    "bigger than what small numbers alone would produce?",
)
def small_denominator(f: Facts) -> Fill | None:
    """Q24: the denominator is below the configured minimum volume."""
    history = f.history
    denominator = f.metric.denominator
    if f.block.aggregation != "ratio" or history is None or history.denominator_rows is None:
        return None
    if denominator is None:
        return None
    den = finite(history.denominator_rows.cy[-1])
    minimum = f.settings.min_denominator
    if den is None or den >= minimum:
        return None
    rate = f.block.box.last_week
    slots = {
        "metric": f.label,
        "den": format_value(den, "count"),
        "denominator": f.config.metric_label(denominator),
        "minimum": format_value(minimum, "count"),
        "move": f.change(f.block.box.wow),
    }
    evidence: dict[str, Any] = {"den": den, "min_denominator": minimum, "wow": f.block.box.wow}
    if rate is not None and 0 <= rate <= 1 and den > 0 and f.block.box.wow is not None:
        se = math.sqrt(rate * (1 - rate) / den)
        se_text = format_change(se * 10_000, "bps") if f.method == "bps" else f.value(se)
        slots["se"] = se_text.lstrip("+")
        evidence["standard_error"] = se
    return Fill(slots, evidence)


@question(
    "Q25",
    SIGNAL,
    "{segment} accounts for {share} of the {period} change in {metric} ({segment_delta} of "
    "{total_delta}). Is this broad-based or one {dimension}? What happened there?",
)
def concentrated(f: Facts) -> Fill | None:
    """Q25: one segment holds more than CONCENTRATION of a material change."""
    drivers = f.block.drivers or {}
    for dimension, periods in (drivers.get("dimensions") or {}).items():
        for period in ("wow", "yoy"):
            entry = periods.get(period)
            if entry is None or len(entry["segments"]) < 2:
                continue
            change = compare(entry["cy"], entry["base"], f.method)
            top = entry["segments"][0]
            if change is None or abs(change) < f.material or top["segment"] == "(not split)":
                continue
            if top["share"] is None or top["share"] <= CONCENTRATION:
                continue
            return Fill(
                {
                    "segment": top["segment"],
                    "share": _share(top["share"]),
                    "period": PERIOD_WORDS[period],
                    "metric": f.label,
                    "segment_delta": _signed_value(f, top["delta"]),
                    "total_delta": _signed_value(f, entry["delta"]),
                    "dimension": dimension,
                },
                {
                    "period": period,
                    "dimension": dimension,
                    "segment": top["segment"],
                    "share": top["share"],
                    "segment_delta": top["delta"],
                    "total_delta": entry["delta"],
                },
            )
    return None
