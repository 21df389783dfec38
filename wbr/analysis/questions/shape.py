"""Catalogue group B, WoW/YoY shape: Q7 seasonal WoW move, Q8 YoY deceleration, Q9 event shift,
Q10 base effect (last year's week was unusual)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from wbr.analysis.questions.engine import (
    SIGNAL,
    Facts,
    Fill,
    event_list,
    events_in,
    question,
    recurs,
)
from wbr.analysis.xmr import NPL_SCALING
from wbr.engine.compare import compare

# No sizes for comparison: abs (a unit's scale is the metric's own): Q7 is not asked, and Q8 only
# on a three-month slide past the plan threshold or a trend flag.
WOW_MOVE = {"pct": 5.0, "bps": 50.0}  # Q7: a WoW move big enough to ask whether it is seasonal
DECELERATION = {"pct": 5.0, "bps": 50.0}  # Q8: YoY slowdown (pp or bps) within six months


@question(
    "Q7",
    SIGNAL,
    "{metric} moved {wow} WoW, but YoY is steady at {yoy} (6-week average {yoy_mean}) and the same "
    "week last year moved {py_wow}. Is this the normal seasonal pattern? Is there anything to "
    "discuss beyond seasonality?",
)
def seasonal_wow(f: Facts) -> Fill | None:
    """Q7: a big WoW move that last year's same week also made, with YoY steady."""
    weeks = f.block.weeks
    wow, yoy = f.block.box.wow, f.block.box.yoy
    big = WOW_MOVE.get(f.method)
    if big is None or len(weeks) < 2 or wow is None or yoy is None or abs(wow) < big:
        return None
    yoys = [compare(w.cy, w.py, f.method) for w in weeks]
    known = [y for y in yoys if y is not None]
    if len(known) < len(yoys):
        return None
    yoy_mean = float(np.mean(known))
    py_wow = compare(weeks[-1].py, weeks[-2].py, f.method)
    if py_wow is None or py_wow * wow <= 0 or not abs(wow) / 2 <= abs(py_wow) <= abs(wow) * 2:
        return None
    if abs(yoy - yoy_mean) > abs(wow) / 3:
        return None
    return Fill(
        {
            "metric": f.label,
            "wow": f.change(wow),
            "yoy": f.change(yoy),
            "yoy_mean": f.change(yoy_mean),
            "py_wow": f.change(py_wow),
        },
        {"wow": wow, "yoy": yoy, "yoy_6wk_mean": yoy_mean, "py_wow": py_wow},
    )


MIN_NOISE_MONTHS = 6  # Q8: months of YoY needed to say how much it moves by itself


def _routine_swing(f: Facts) -> float:
    """How far a monthly YoY moves by itself: the natural process limits' half-width (2.66 x the
    average moving range) of the complete months the block shows; 0 with too few of them. A
    slowdown smaller than that is noise a reviewer has seen before, not a trend to explain."""
    found = [compare(m.cy, m.py, f.method) for m in f.block.months if m.complete]
    values = np.array([y for y in found if y is not None], dtype=float)
    if len(values) < MIN_NOISE_MONTHS:
        return 0.0
    return NPL_SCALING * float(np.mean(np.abs(np.diff(values))))


def _month_name(month: str) -> str:
    year, number = month.split("-")
    return f"{dt.date(int(year), int(number), 1):%b} {year}"


@question(
    "Q8",
    SIGNAL,
    "{metric} YoY growth {direction} from {start} in {start_month} to {end} in {end_month}. Which "
    "inputs ({inputs}) explain it, and when did it start?",
    "{metric} YoY growth {direction} from {start} in {start_month} to {end} in {end_month}. Which "
    "inputs explain it, and when did it start?",
    "{metric} YoY growth is decelerating ({detail}). Which inputs ({inputs}) explain it, and when "
    "did it start?",
    "{metric} YoY growth is decelerating ({detail}). Which inputs explain it, and when did it "
    "start?",
)
def yoy_deceleration(f: Facts) -> Fill | None:
    """Q8: monthly YoY worsened 3 months running, or by DECELERATION within six months.

    Asked in the deck of the week a month closes (the months only change then; asked every
    week, it filled half the blocks of a year of decks with the same words), or with a trend
    flag; never of a neutral metric, whose YoY has no good direction.
    """
    if f.block.polarity == "neutral" or _small_count(f):
        return None
    closed = (
        bool(f.block.months) and (f.week_ending - _month_end(f.block.months[-1].month)).days < 7
    )
    if not closed and not f.flags("trend"):
        return None
    changes = [(m.month, compare(m.cy, m.py, f.method)) for m in f.block.months[-7:] if m.complete]
    points = [(month, y) for month, y in changes if y is not None]
    trend = f.flags("trend")
    sign = -1.0 if f.block.polarity == "lower_is_better" else 1.0  # + means better
    scores = [sign * y for _, y in points]
    end = len(points) - 1
    run = 0
    while run < end and scores[end - run] < scores[end - run - 1]:
        run += 1
    start = end - run
    fired = run >= 3 and scores[start] - scores[end] >= f.material
    if not fired and len(points) >= 2 and f.method in DECELERATION:
        start = int(np.argmax(scores))
        fired = scores[start] - scores[end] >= DECELERATION[f.method]
    if fired and scores[start] - scores[end] < _routine_swing(f):
        fired = False  # monthly YoY moves this much anyway (footfall with its events and weather)
    if not fired:
        if not trend:
            return None
        return Fill(
            {"metric": f.label, "detail": trend[0].detail, "inputs": f.labels(f.inputs)},
            {"trend": trend[0].detail, "inputs": list(f.inputs)},
        )
    return Fill(
        {
            "metric": f.label,
            "direction": "rose" if sign < 0 else "slowed",
            "start": f.change(points[start][1]),
            "start_month": _month_name(points[start][0]),
            "end": f.change(points[end][1]),
            "end_month": _month_name(points[end][0]),
            "inputs": f.labels(f.inputs),
        },
        {
            "m_yoy": [y for _, y in points],
            "months": [m for m, _ in points],
            "inputs": list(f.inputs),
        },
    )


@question(
    "Q9",
    SIGNAL,
    "This week has {events_cy} but the comparable week last year (ending {py_week}) has no "
    "recorded event. What is YoY ({yoy}) adjusted for the shift? What is the combined YoY for the "
    "two affected weeks?",
    "The comparable week last year (ending {py_week}) had {events_py} but this week has no "
    "recorded event. What is YoY ({yoy}) adjusted for the shift? What is the combined YoY for the "
    "two affected weeks?",
    "This week has {once_cy}, which the comparable week last year (ending {py_week}) did not. What "
    "would YoY ({yoy}) be without it?",
    "The comparable week last year (ending {py_week}) had {once_py}, which this week did not. What "
    "is YoY ({yoy}) against a normal week last year?",
)
def event_shift(f: Facts) -> Fill | None:
    """Q9: an event in this week but not last year's comparable week (or the reverse), and a
    material YoY move. A holiday that moved weeks (the same event about a year apart) asks for
    the YoY adjusted for the shift; a one-off event (an outage, a storm) for the YoY without it."""
    if not f.events and not f.block.events:
        return None  # no event in either week (asked first: most metrics, the cheapest answer)
    yoy = f.block.box.yoy
    if yoy is None or abs(yoy) < f.material or _small_count(f) or _py_base_tiny(f):
        return None  # no YoY (no history a year back), not distorted enough, or a tiny base
    if f.block.kind == "diagnostic":
        return None  # the weather's YoY is context, not a result to adjust for a bank holiday
    if any(x.set_aside == "base_effect" for x in f.set_aside):
        return None  # Q10 asks about last year's week with its days
    py_week = f.week_ending - dt.timedelta(days=364)
    events = {*f.events, *f.block.events}
    cy = sorted(events_in(events, f.week_ending), key=lambda e: e.date)
    py = sorted(events_in(events, py_week), key=lambda e: e.date)
    if bool(cy) == bool(py):
        return None
    found = cy or py
    shifted = any(recurs(e, events) for e in found)
    side = "cy" if cy else "py"
    slots: dict[str, str | None] = {"py_week": py_week.isoformat(), "yoy": f.change(yoy)}
    slots[f"{'events' if shifted else 'once'}_{side}"] = event_list(found)
    return Fill(
        slots,
        {
            "events_cy": [e.description for e in cy],
            "events_py": [e.description for e in py],
            "shifted": shifted,
            "yoy": yoy,
        },
    )


MIN_PCT_BASE = 20.0  # a count's % change on a smaller base (months of 3 storm days) is noise


def _small_count(f: Facts) -> bool:
    """A count whose last week or months a year back are too small a base for a % change."""
    if f.block.unit != "count" or f.block.aggregation != "sum":
        return False
    week = f.block.weeks[-1].py if f.block.weeks else None
    if week is not None and week < MIN_PCT_BASE:
        return True
    return any(m.py is not None and m.py < MIN_PCT_BASE for m in f.block.months[-7:])


def _py_base_tiny(f: Facts) -> bool:
    """Is last year's week too small a base for a percent (the first weeks of a solar estimate
    read +10,727% YoY)?"""
    py = f.weekly["py"]
    return bool(len(py)) and f.tiny_base(float(py[-1]))


def _month_end(month: str) -> dt.date:
    """The last day of a 'YYYY-MM' month."""
    year, number = int(month[:4]), int(month[5:7])
    first_next = dt.date(year + number // 12, number % 12 + 1, 1)
    return first_next - dt.timedelta(days=1)


@question(
    "Q10",
    SIGNAL,
    "{metric} is {yoy} YoY for {week}, outside its routine YoY, but the base is what moved: last "
    "year's {py_days} stood out{events}. Against a normal base YoY is about {normal}. Is there "
    "anything in this week itself to discuss?",
    "{metric} is {yoy} YoY for {week}, outside its routine YoY, but the base is what moved: last "
    "year's week (ending {py_week}) stood out from the weeks around it{events}. What is YoY "
    "against the weeks around it, and is there anything in this week itself to discuss?",
)
def base_effect(f: Facts) -> Fill | None:
    """Q10: a YoY signal set aside because last year's week was unusual (a base effect)."""
    found = [x for x in f.set_aside if x.set_aside == "base_effect" and x.series == "yoy"]
    if not found:
        return None
    flag = found[0]
    daily = f.history.daily if f.history is not None else None
    py_end = f.week_ending - dt.timedelta(days=364)
    days = [d for d in flag.py_days if len(flag.py_days) < 7]  # a whole week cites no days
    shown = []
    for day in days:
        value = None
        if daily is not None and pd.Timestamp(day) in daily.index:
            value = float(daily[pd.Timestamp(day)])
        shown.append(f"{day:%a} {day.isoformat()}" + (f" ({f.value(value)})" if value else ""))
    named = "; ".join(f"'{text}'" for text in flag.events)
    return Fill(
        {
            "metric": f.label,
            "yoy": f.change(flag.value),
            "week": f.when(flag.date),
            "py_days": ", ".join(shown) or None,
            "py_week": py_end.isoformat(),
            "events": f" ({named})" if named else "",
            "normal": f.change(flag.normal_base_yoy),
        },
        {
            "yoy": flag.value,
            "py_days": list(flag.py_days),
            "events": list(flag.events),
            "normal_base_yoy": flag.normal_base_yoy,
        },
    )
