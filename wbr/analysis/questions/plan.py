"""Catalogue group A, plan: Q1 plan miss, Q2 widening gap, Q3 plan beat, Q4 YTD cushion, Q6
quarter at risk."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from wbr.analysis.questions.engine import (
    PLAN,
    Facts,
    Fill,
    event_list,
    events_in,
    question,
)

YTD_CUSHION_WEEKS = 4  # Q4: the recent weeks that all missed plan


def _ptd_miss(f: Facts) -> tuple[str, float, float | None, float | None] | None:
    """The first period-to-date window missing plan beyond the threshold: (name, var, cy, plan)."""
    plan, box = f.block.plan, f.block.box
    if plan is None:
        return None
    for name, variance, actual, planned in (
        ("QTD", plan.qtd_var, box.qtd, plan.qtd),
        ("MTD", plan.mtd_var, box.mtd, plan.mtd),
        ("YTD", plan.ytd_var, box.ytd, plan.ytd),
    ):
        if f.unfavourable(variance) and abs(variance) >= f.material:
            return name, variance, actual, planned
    return None


@question(
    "Q1",
    PLAN,
    "{metric} has missed plan {weeks} weeks running: {wk_var} last week, {qtd_var} QTD. What is "
    "the root cause, is it controllable, and on what date will it be back on plan?",
    "{metric} has missed plan {weeks} weeks running ({wk_var} last week). What is the root cause, "
    "is it controllable, and on what date will it be back on plan?",
    "{metric} missed plan by {wk_miss} last week ({value} vs plan {plan}). What is the root cause, "
    "is it controllable, and on what date will it be back on plan?",
    "{metric} is {ptd_var} vs plan {ptd} ({ptd_value} vs plan {ptd_plan}). What is the root cause, "
    "is it controllable, and on what date will it be back on plan?",
    "{metric} is off plan by {off_by} {side} it ({value} vs plan {plan}) last week; for a metric "
    "that is neither better higher nor lower, either way is a miss. What moved it, and is the plan "
    "or the process wrong?",
)
def plan_miss(f: Facts) -> Fill | None:
    """Q1: a plan miss beyond the threshold, or misses for plan_streak_weeks weeks running; a
    neutral metric misses its plan in either direction (its plan flag says which)."""
    plan = f.block.plan
    if plan is not None and f.block.polarity == "neutral":
        missed = f.flags("plan", "miss")
        if not missed or plan.last_week_var is None or abs(plan.last_week_var) < f.material:
            return None
        return Fill(
            {
                "metric": f.label,
                "off_by": f.size(plan.last_week_var),
                "side": "above" if plan.last_week_var > 0 else "below",
                "value": f.value(f.block.box.last_week),
                "plan": f.value(plan.last_week),
            },
            {"var_plan_last_week": plan.last_week_var, "direction": missed[0].direction},
        )
    if plan is None or f.block.polarity == "neutral":
        return None
    week_var = plan.last_week_var
    streak = f.below_plan_streak
    slots = {"metric": f.label, "wk_var": f.change(week_var), "qtd_var": f.change(plan.qtd_var)}
    evidence = {
        "streak_below_plan": streak,
        "var_plan_last_week": week_var,
        "var_plan_qtd": plan.qtd_var,
    }
    if streak >= f.settings.plan_streak_weeks and f.unfavourable(week_var):
        return Fill({**slots, "weeks": str(streak)}, evidence)
    if f.unfavourable(week_var) and abs(week_var) >= f.material:
        slots.pop("qtd_var")
        slots |= {
            "wk_miss": f.size(week_var),
            "value": f.value(f.block.box.last_week),
            "plan": f.value(plan.last_week),
        }
        return Fill(slots, evidence | {"value": f.block.box.last_week, "plan": plan.last_week})
    miss = _ptd_miss(f)
    if miss:
        name, variance, actual, planned = miss
        return Fill(
            {
                "metric": f.label,
                "ptd": name,
                "ptd_var": f.change(variance),
                "ptd_value": f.value(actual),
                "ptd_plan": f.value(planned),
            },
            {"period": name, "var_plan": variance, "value": actual, "plan": planned},
        )
    return None


@question(
    "Q2",
    PLAN,
    "The gap to plan on {metric} went from {start} to {latest} in {weeks} weeks. Is the plan wrong "
    "or is the business off track? What does this do to the quarter: forecast {forecast} vs plan "
    "{q_plan} ({q_var})?",
    "The gap to plan on {metric} went from {start} to {latest} in {weeks} weeks. Is the plan wrong "
    "or is the business off track? What does this do to the quarter?",
)
def widening_gap(f: Facts) -> Fill | None:
    """Q2: the unfavourable plan gap grew plan_streak_weeks weeks in a row."""
    weeks = f.gap_widening
    if weeks < f.settings.plan_streak_weeks or f.block.polarity == "neutral":
        return None
    series = f.plan_variances[-(weeks + 1) :]
    slots = {
        "metric": f.label,
        "start": f.change(series[0]),
        "latest": f.change(series[-1]),
        "weeks": str(weeks),
    }
    evidence: dict[str, Any] = {"var_plan": list(series), "weeks": weeks}
    if f.forecast is not None:
        q = f.forecast
        slots |= {
            "forecast": f.value(q.forecast),
            "q_plan": f.value(q.plan),
            "q_var": f.change(q.variance),
        }
        evidence |= {"q_forecast": q.forecast, "q_plan": q.plan, "q_var_forecast": q.variance}
    return Fill(slots, evidence)


@question(
    "Q3",
    PLAN,
    "{metric} beat plan by {beat} last week ({value} vs plan {plan}; events that week: {events}). "
    "One-time event, a plan set too low, or a real process change? Is it repeatable, and should "
    "we raise the bar?",
    "{metric} beat plan by {beat} last week ({value} vs plan {plan}). One-time event, a plan set "
    "too low, or a real process change? Is it repeatable, and should we raise the bar?",
)
def plan_beat(f: Facts) -> Fill | None:
    """Q3: favourable plan variance beyond the threshold, or XmR rule 1 on the good side."""
    plan = f.block.plan
    if plan is None or not f.good(plan.last_week_var):
        return None
    outside_good = any(x.favourable for x in f.flags("xmr", "outside_limits"))
    if abs(plan.last_week_var) < f.material and not outside_good:
        return None
    events = events_in(f.events, f.week_ending)
    return Fill(
        {
            "metric": f.label,
            "beat": f.size(plan.last_week_var),
            "value": f.value(f.block.box.last_week),
            "plan": f.value(plan.last_week),
            "events": event_list(events),
        },
        {
            "var_plan_last_week": plan.last_week_var,
            "value": f.block.box.last_week,
            "plan": plan.last_week,
            "xmr_rule_1_favourable": outside_good,
            "events_cy": [e.description for e in events],
        },
    )


@question(
    "Q4",
    PLAN,
    "YTD {metric} is {ytd_var} vs plan, but each of the last {weeks} weeks missed (latest "
    "{wk_var}). Are we living off an early-year cushion? At the last {weeks} weeks' average "
    "shortfall of {shortfall} a week, the YTD cushion of {cushion} is gone in {weeks_left} weeks: "
    "what brings the weekly number back to plan?",
    "YTD {metric} is {ytd_var} vs plan, but each of the last {weeks} weeks missed (latest "
    "{wk_var}). Are we living off an early-year cushion? When does YTD cross below plan at this "
    "rate?",
)
def ytd_cushion(f: Facts) -> Fill | None:
    """Q4: YTD on or above plan while each of the last 4 weeks missed."""
    plan = f.block.plan
    if plan is None or plan.ytd_var is None or f.block.polarity == "neutral":
        return None
    if f.unfavourable(plan.ytd_var) or f.below_plan_streak < YTD_CUSHION_WEEKS:
        return None
    n = YTD_CUSHION_WEEKS
    slots = {
        "metric": f.label,
        "ytd_var": f.change(plan.ytd_var),
        "weeks": str(n),
        "wk_var": f.change(plan.last_week_var),
    }
    evidence: dict[str, Any] = {
        "var_plan_ytd": plan.ytd_var,
        "var_plan": list(f.plan_variances[-n:]),
    }
    if f.block.aggregation == "sum" and f.block.box.ytd is not None and plan.ytd is not None:
        sign = 1.0 if f.block.polarity == "higher_is_better" else -1.0
        cushion = sign * (f.block.box.ytd - plan.ytd)
        shortfall = -sign * float(np.mean(f.weekly["cy"][-n:] - f.weekly["plan"][-n:]))
        if cushion >= 0 and shortfall > 0:
            weeks_left = max(1, math.ceil(cushion / shortfall))
            slots |= {
                "shortfall": f.value(shortfall),
                "cushion": f.value(cushion),
                "weeks_left": str(weeks_left),
            }
            evidence |= {
                "cushion": cushion,
                "weekly_shortfall": shortfall,
                "weeks_left": weeks_left,
            }
    return Fill(slots, evidence)


@question(
    "Q6",
    PLAN,
    "At QTD actual plus plan for the rest of the quarter, {metric} lands at {forecast} vs plan "
    "{q_plan} ({q_var}) for the quarter ending {quarter_end}, although last week was {wk_var} vs "
    "plan. What would have to be true to close the gap?",
    "At QTD actual plus plan for the rest of the quarter, {metric} lands at {forecast} vs plan "
    "{q_plan} ({q_var}) for the quarter ending {quarter_end}. What would have to be true to close "
    "the gap?",
)
def quarter_at_risk(f: Facts) -> Fill | None:
    """Q6: the quarter forecast misses plan beyond the threshold while last week looks fine."""
    q, plan = f.forecast, f.block.plan
    if q is None or not f.unfavourable(q.variance) or abs(q.variance) < f.material:
        return None
    week_var = plan.last_week_var if plan else None
    if f.unfavourable(week_var) and abs(week_var) >= f.material:
        return None  # the week does not look fine: Q1 asks about it
    return Fill(
        {
            "metric": f.label,
            "forecast": f.value(q.forecast),
            "q_plan": f.value(q.plan),
            "q_var": f.change(q.variance),
            "quarter_end": q.quarter_end.isoformat(),
            "wk_var": f.change(week_var),
        },
        {
            "q_forecast": q.forecast,
            "q_plan": q.plan,
            "q_var_forecast": q.variance,
            "var_plan_last_week": week_var,
        },
    )
