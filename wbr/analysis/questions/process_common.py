"""What the process-signal questions (Q12-Q18) share: which weekly series an XmR flag is about,
its central line, the run of points on one side of it, and how limits are worded."""

from __future__ import annotations

import math

import numpy as np

from wbr.analysis.questions.engine import Facts
from wbr.analysis.xmr import RUN_LENGTH
from wbr.engine.deck import Flag

__all__ = [
    "continues_last_week",
    "has_new_flag",
    "is_yoy",
    "limits_text",
    "mean_of",
    "run_on_side",
    "series_name",
    "shift_run",
    "weekly_series_of",
]


def is_yoy(flag: Flag) -> bool:
    """Is an XmR flag about the weekly YoY series? (Flag.series, never its words.)"""
    return flag.series == "yoy"


def series_name(flag: Flag) -> str:
    """How a question names the series an XmR flag is about."""
    return " YoY growth" if is_yoy(flag) else ""


def limits_text(f: Facts, lower: float | None, upper: float | None, series: str) -> str:
    """Natural process limits as a question words them (one side may be missing)."""
    if lower is not None and upper is not None:
        return f"{f.series_value(lower, series)} to {f.series_value(upper, series)}"
    if upper is not None:
        return f"upper limit {f.series_value(upper, series)}; no lower limit"
    if lower is not None:
        return f"lower limit {f.series_value(lower, series)}; no upper limit"
    return "N/A"


def weekly_series_of(f: Facts, yoy: bool) -> np.ndarray:
    """The weekly series an XmR flag is about: values or YoY growth."""
    return f.yoy_weekly if yoy else f.weekly["cy"]


def mean_of(f: Facts, flag: Flag) -> float | None:
    """The XmR central line behind a flag: its own (Flag.mean), else the chart's, else the
    midpoint of the limits."""
    if flag.mean is not None:
        return flag.mean
    yoy = is_yoy(flag)
    if f.xmr is not None and (f.xmr.series == "yoy") == yoy:
        return f.xmr.mean
    if flag.lower is not None and flag.upper is not None:
        return (flag.lower + flag.upper) / 2
    return None


def run_on_side(values: np.ndarray, mean: float) -> tuple[int, int]:
    """(side, length) of the run of points on one side of the mean ending at the last point."""
    if len(values) == 0 or not math.isfinite(values[-1]) or values[-1] == mean:
        return 0, 0
    side = 1 if values[-1] > mean else -1
    n = 0
    for value in values[::-1]:
        if not math.isfinite(value) or (value - mean) * side <= 0:
            break
        n += 1
    return side, n


def shift_run(f: Facts, flag: Flag) -> tuple[float, str, np.ndarray, int, int] | None:
    """A shift flag's (mean, series kind, weekly series, side, run length), None without a mean."""
    mean = mean_of(f, flag)
    if mean is None:
        return None
    series = "yoy" if is_yoy(flag) else "raw"
    values = weekly_series_of(f, series == "yoy")
    side, run = run_on_side(values, mean)
    return mean, series, values, side, run


def _three_of_four_last_week(f: Facts, flag: Flag) -> bool:
    """Were 3 of the 4 weeks before the deck's week beyond half-way to the flag's limit?"""
    mean = mean_of(f, flag)
    if mean is None or flag.value is None:
        return False
    side = {"up": 1, "down": -1}.get(flag.direction or "", 1 if flag.value > mean else -1)
    limit = flag.upper if side == 1 else flag.lower
    if limit is None:
        return False
    before = weekly_series_of(f, is_yoy(flag))[-5:-1]
    halfway = mean + (limit - mean) / 2
    return len(before) == 4 and int(np.sum((before - halfway) * side > 0)) >= 3


def continues_last_week(f: Facts, flag: Flag) -> bool:
    """Did the flag's rule already hold at the week before, so this week only extends a streak?

    Deck memory's streak says so when there is one; else the weekly series: a run of 8 that is
    longer than 8, 3 of 4 beyond half-way that held a week earlier, a plan streak longer than
    `plan_streak_weeks`. A point signal (outside the limits, a jump, an unusual day) is this
    week's own, and so is any flag whose series cannot tell.
    """
    if flag.streak is not None:
        return flag.streak > 1
    if flag.type == "xmr" and flag.rule == "run_of_eight":
        shift = shift_run(f, flag)
        return shift is not None and shift[4] > RUN_LENGTH
    if flag.type == "xmr" and flag.rule == "three_of_four":
        return _three_of_four_last_week(f, flag)
    if flag.type == "plan" and f.block.polarity != "neutral":
        weeks = {"miss_streak": f.below_plan_streak, "widening_gap": f.gap_widening}.get(flag.rule)
        return weeks is not None and weeks > f.settings.plan_streak_weeks
    return False


def has_new_flag(f: Facts) -> bool:
    """Is any of the block's flags new this week (not only last week's streak going on)?"""
    return any(not continues_last_week(f, flag) for flag in f.block.flags)
