"""Catalogue group F, data quality: Q26 missing or collapsed data, Q28 stuck or zero values."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence

import numpy as np

from wbr.analysis.questions.engine import (
    DATA,
    Facts,
    Fill,
    events_in,
    question,
)

DROP_BELOW_MIN = 0.25  # Q26: last week is this far below the lowest of the trailing weeks
TRAILING_WEEKS = 12  # Q26: the trailing weeks of that check
STEADY_SHARE = 0.5  # Q26: ... when their lowest is at least this share of their median
SEASONAL_SHARE = 0.5  # Q26: ... unless last year's week fell at least half as far below its own
# Q26 asks "when will they be final?" of missing days that may still arrive (the last RECENT_DAYS
# days) or that weigh on the headline YoY (the same week last year). An older hole is a standing
# fact, marked on the numbers it touches: asked every week, it is the same question for months.
RECENT_DAYS = 28


def _days_text(days: Sequence[dt.date]) -> str:
    shown = ", ".join(d.isoformat() for d in days[:3])
    return shown + (f" and {len(days) - 3} more" if len(days) > 3 else "")


@question(
    "Q26",
    DATA,
    "Is last week's {metric} real or a data issue? Data is complete through {complete_through} and "
    "{days_present}/7 days of the week are loaded. When will it be final, and is the YoY "
    "comparable?",
    "Is last week's {metric} real or a data issue? {days_present}/7 days of the week are loaded. "
    "When will it be final, and is the YoY comparable?",
    "{metric} is missing {missing} in the periods this deck compares ({days}). Which numbers "
    "are not final, when will they be, and is the YoY comparable?",
    "The YoY of {metric} compares with last year's week, which is missing {py_missing} ({days}). "
    "Is the YoY comparable, or should it be read against a full week?",
    "Is last week's {metric} real or a data issue? At {value} it is {drop} below the lowest of the "
    "previous {weeks} weeks ({trailing_min}) and no event is recorded. When will it be confirmed?",
)
def data_issue(f: Facts) -> Fill | None:
    """Q26: missing days, data not complete through the week, or an unexplained collapse."""
    # the days before the metric's first value are before its history (a metric that starts
    # mid-week leaves its first week partial, and the status says so), not data to be finalised
    begins = f.block.status.history_starts
    missing = tuple(d for d in f.block.status.missing_days if begins is None or d >= begins)
    start = f.week_ending - dt.timedelta(days=6)
    in_week = [d for d in missing if start <= d <= f.week_ending]
    complete_through = f.complete_through
    if in_week or (complete_through is not None and complete_through < f.week_ending):
        present = (
            7 - len(in_week)
            if in_week or complete_through is None
            else max(0, (complete_through - start).days + 1)
        )
        return Fill(
            {
                "metric": f.label,
                "days_present": str(present),
                "complete_through": complete_through.isoformat() if complete_through else None,
            },
            {
                "days_present": present,
                "complete_through": complete_through,
                "missing_days": list(in_week),
            },
        )
    py_end = f.week_ending - dt.timedelta(days=364)
    asked = [
        d
        for d in missing
        if d > f.week_ending - dt.timedelta(days=RECENT_DAYS)
        or py_end - dt.timedelta(6) <= d <= py_end
    ]
    if asked or f.flags("data", "incomplete"):
        count = f"{len(asked)} day" + ("s" if len(asked) > 1 else "")
        # only last year's days: they will not become final, but they bend the headline YoY
        old = all(d <= py_end for d in asked)
        return Fill(
            {
                "metric": f.label,
                "py_missing" if old else "missing": count,
                "days": _days_text(asked),
            },
            {"missing_days": asked},
        )
    cy = f.weekly["cy"]
    value = f.block.box.last_week
    if value is None:
        return None
    if len(cy) >= 2 and np.isfinite(cy[-2]) and value >= float(cy[-2]) * (1 - DROP_BELOW_MIN):
        return None  # not below last week's floor, so not below the trailing weeks' lowest either
    trailing = cy[-TRAILING_WEEKS - 1 : -1]
    trailing = trailing[np.isfinite(trailing)]
    if len(trailing) < TRAILING_WEEKS or events_in(f.events, f.week_ending):
        return None
    lowest = float(trailing.min())
    if lowest <= 0 or value >= lowest * (1 - DROP_BELOW_MIN):
        return None
    # weeks this uneven (the lowest under half the middle one: rain hours, a small count) fall
    # below their lowest by chance; "below the lowest" says something only of steady weeks
    if lowest < STEADY_SHARE * float(np.median(trailing)):
        return None
    drop = (1 - value / lowest) * 100
    if _fell_last_year_too(f.weekly["py"], drop):
        return None
    return Fill(
        {
            "metric": f.label,
            "value": f.value(value),
            "drop": f"{drop:.1f}%",
            "weeks": str(TRAILING_WEEKS),
            "trailing_min": f.value(lowest),
        },
        {"value": value, "trailing_min": lowest, "drop_pct": drop},
    )


def _fell_last_year_too(py: np.ndarray, drop: float) -> bool:
    """Did last year's week fall below the lowest of its own previous TRAILING_WEEKS weeks by at
    least SEASONAL_SHARE of this year's drop (% points)? Then the fall is the season's (solar
    generation every autumn, a business closed for the holidays), not the data's."""
    if len(py) < TRAILING_WEEKS + 1 or not np.isfinite(py[-1]):
        return False
    before = py[-TRAILING_WEEKS - 1 : -1]
    before = before[np.isfinite(before)]
    if len(before) < TRAILING_WEEKS or float(before.min()) <= 0:
        return False
    fell = (1 - float(py[-1]) / float(before.min())) * 100
    return fell >= SEASONAL_SHARE * drop


@question(
    "Q28",
    DATA,
    "{metric} has shown exactly {value} for {weeks} weeks. Is the pipeline stuck?",
    "{metric} shows exactly {value} for {week}. Is the pipeline stuck, or did the activity stop?",
    "{metric} looks stuck ({detail}). Is the pipeline stuck?",
)
def stuck(f: Facts) -> Fill | None:
    """Q28: the same weekly value for stuck_weeks weeks or more, or exactly zero; asked only
    when the data rules flagged it (a count that is 0 most weeks is not stuck at 0)."""
    if not f.flags("data", "stuck", "zero"):
        return None
    cy = f.weekly["cy"]
    if len(cy) and math.isfinite(cy[-1]):
        same = 0
        for value in cy[::-1]:
            if value != cy[-1]:
                break
            same += 1
        if same >= f.settings.stuck_weeks:
            return Fill(
                {"metric": f.label, "value": f.value(cy[-1]), "weeks": str(same)},
                {"value": cy[-1], "weeks": same},
            )
        if cy[-1] == 0:
            return Fill(
                {"metric": f.label, "value": f.value(0.0), "week": f.when(f.week_ending)},
                {"value": 0.0, "weeks": 1},
            )
    flags = f.flags("data", "stuck", "zero")
    if flags:
        return Fill({"metric": f.label, "detail": flags[0].detail}, {"detail": flags[0].detail})
    return None
