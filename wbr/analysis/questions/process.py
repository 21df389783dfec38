"""Catalogue group C, the process signals of a metric's own series: Q12 outside limits, Q13
sustained shift, Q14 big jump, Q15 explaining noise. Launches and input/output links (Q16-Q18)
are in process_links, their helpers in process_common; their names are importable from here."""

from __future__ import annotations

import datetime as dt
from typing import Any

from wbr.analysis import commentary as lint
from wbr.analysis.questions.engine import (
    SIGNAL,
    XMR_RULE_1,
    Facts,
    Fill,
    finite,
    question,
    recurs,
)
from wbr.analysis.questions.process_common import (
    is_yoy,
    limits_text,
    mean_of,
    run_on_side,
    series_name,
    shift_run,
    weekly_series_of,
)
from wbr.analysis.rule_flags import count_variance, count_weeks
from wbr.engine.deck import Flag
from wbr.fmt import format_change

__all__ = [
    "LAUNCH_WEEKS",
    "SUSTAINED_WEEKS",
    "big_jump",
    "explaining_noise",
    "input_without_output",
    "is_yoy",
    "launch_without_signal",
    "limits_text",
    "mean_of",
    "output_without_inputs",
    "outside_limits",
    "run_on_side",
    "series_name",
    "shift_run",
    "sustained_shift",
    "weekly_series_of",
]


def _step(f: Facts, number: float | None) -> str | None:
    """A difference between two YoY growth figures: percentage points, or bps for rates, or
    the metric's unit for abs."""
    if number is None:
        return None
    if f.method in ("bps", "abs"):
        return f.size(number)
    return f"{abs(number):.1f} pp"


def _jump(f: Facts, number: float | None) -> str | None:
    """A week-to-week difference of the metric: bps for rates, else a value with its unit."""
    if number is None:
        return None
    if f.method == "bps":
        return format_change(abs(number) * 10_000, "bps").lstrip("+")
    return f.value(abs(number))


def _uneven_weeks(f: Facts, flag: Flag) -> str | None:
    """How many weeks a count flag's limit was drawn from, when they vary more than a steady
    rate's would (flags._count_flags then uses a negative binomial); None for a Poisson limit."""
    cy = f.weekly["cy"]
    if flag.mean is None or count_variance(cy, flag.mean) <= flag.mean:
        return None
    return str(len(count_weeks(cy)))


def _day(day: dt.date) -> str:
    return f"{day:%a} {day.isoformat()}"


def _named(flag: Flag) -> str:
    return "; ".join(f"'{text}'" for text in flag.events)


def _every_year(f: Facts, flag: Flag) -> bool:
    """Does every event the flag names recur about a year apart (a holiday, an annual sale)?"""
    events = {*f.events, *f.block.events}
    return all(
        any(e.description == text and recurs(e, events) for e in events) for text in flag.events
    )


def _ending(f: Facts, flag: Flag, days: list[dt.date]) -> str:
    """What to ask about a move, from its evidence: the events file's entry on its days, the
    days themselves, the inputs, or (knowing nothing else) whether it lasts."""
    if flag.events and f.block.polarity == "neutral":
        return f"{_named(flag)} is recorded then: is that the whole story?"
    if flag.events and _every_year(f, flag):
        # a holiday in both years' weeks is no cost of this week: the move is in how it differed
        verb = "recurs" if len(flag.events) == 1 else "recur"
        return (
            f"{_named(flag)} {verb} every year: what made this year's different from last year's?"
        )
    if flag.events:
        return (
            f"{_named(flag)} is recorded then: what did it cost, and is anything still recovering?"
        )
    if days:
        return f"What happened on {', '.join(_day(d) for d in days[:3])}?"
    if f.inputs:
        return f"Which of its inputs ({f.labels(f.inputs)}) moved with it?"
    return "Is it a one-off or a new level, and what changed in the process?"


@question(
    "Q12",
    XMR_RULE_1,
    "{metric}{series} for {week} was {value}, outside its natural process limits ({limits})"
    "{driven}. {ending}",
    "{metric} counted {value} for {week}, where weeks as uneven as its last {weeks} (mean {mean} "
    "a week) reach {limit} less than 1 week in 700. {ending}",
    "{metric} counted {value} for {week}, where a steady rate of {mean} a week reaches {limit} "
    "less than 1 week in 700. {ending}",
    "{metric} on {day} was {value}, outside its expected range for that day ({limits}). {ending}",
    "{metric} was outside its expected daily range on {n} days of the week: {days}. {ending}",
)
def outside_limits(f: Facts) -> list[Fill]:
    """Q12: XmR rule 1 (a point outside the limits), a rare count above its Poisson limit; or
    days outside their seasonal band."""
    fills = []
    for flag in f.flags("xmr", "outside_limits"):
        if flag.series == "count":
            fills.append(
                Fill(
                    {
                        "metric": f.label,
                        "value": f.value(flag.value),
                        "week": f.when(flag.date),
                        "mean": f"{flag.mean:.2g}" if flag.mean is not None else None,
                        "limit": f.value(flag.upper),
                        "weeks": _uneven_weeks(f, flag),
                        "ending": _ending(f, flag, list(flag.days)),
                    },
                    {
                        "xmr_rule": 1,
                        "xmr_series": "count",
                        "value": flag.value,
                        "expected_weekly_count": flag.mean,
                        "count_limit": flag.upper,
                        "date": flag.date,
                    },
                )
            )
            continue
        series = "yoy" if is_yoy(flag) else "raw"
        driven = ""
        if flag.days:
            driven = f", driven by {', '.join(_day(d) for d in flag.days[:3])}"
        fills.append(
            Fill(
                {
                    "metric": f.label,
                    "series": series_name(flag),
                    "week": f.when(flag.date),
                    "value": f.series_value(flag.value, series),
                    "limits": limits_text(f, flag.lower, flag.upper, series),
                    "driven": driven,
                    "ending": _ending(f, flag, [])
                    if flag.events or not flag.days
                    else "What happened on those days, and is it over?",
                },
                {
                    "xmr_rule": 1,
                    "xmr_series": series,
                    "value": flag.value,
                    "xmr_lnpl": flag.lower,
                    "xmr_unpl": flag.upper,
                    "date": flag.date,
                    "days": list(flag.days),
                    "events": list(flag.events),
                    "inputs": list(f.inputs),
                },
            )
        )
    days = sorted((x for x in f.flags("seasonal") if x.days), key=lambda x: x.days[0])
    if len(days) == 1:
        flag = days[0]
        fills.append(
            Fill(
                {
                    "metric": f.label,
                    "day": _day(flag.days[0]),
                    "value": f.value(flag.value),
                    "limits": limits_text(f, flag.lower, flag.upper, "raw"),
                    "ending": _ending(f, flag, []) if flag.events else "What happened that day?",
                },
                {
                    "rule": flag.rule,
                    "date": flag.days[0],
                    "value": flag.value,
                    "lower": flag.lower,
                    "upper": flag.upper,
                    "events": list(flag.events),
                },
            )
        )
    elif days:
        shown = "; ".join(
            f"{_day(x.days[0])} {f.value(x.value)} (expected "
            f"{limits_text(f, x.lower, x.upper, 'raw')})"
            for x in days[:3]
        )
        more = f"; and {len(days) - 3} more" if len(days) > 3 else ""
        named = next((x for x in days if x.events), None)
        fills.append(
            Fill(
                {
                    "metric": f.label,
                    "n": str(len(days)),
                    "days": shown + more,
                    "ending": _ending(f, named, []) if named else "What happened on those days?",
                },
                {"dates": [x.days[0] for x in days], "values": [x.value for x in days]},
            )
        )
    return fills


def _shift_ending(f: Facts, flag: Flag) -> str:
    """What to ask about a shift: the event it starts near, the inputs, or whether to reset."""
    if flag.events:
        return f"It starts near {_named(flag)}: is that the cause, and is this the new level?"
    if f.inputs:
        return (
            f"Which of its inputs ({f.labels(f.inputs)}) shifted first? If this is the new level,"
            " reset the limits and the plan."
        )
    return "What changed, when, and should the limits and the plan be reset to the new level?"


@question(
    "Q13",
    SIGNAL,
    "{metric}{series} has been {side} its average of {mean} for {run} weeks, since the week ending "
    "{since}. {ending}",
    "{metric}{series} was beyond {halfway}, half-way from its average of {mean} to its {limit}, in "
    "3 of the 4 weeks to {week}. {ending}",
)
def sustained_shift(f: Facts) -> Fill | None:
    """Q13: XmR rule 2 (3 of 4 beyond half-way) or rule 3 (run of 8)."""
    found = f.flags("xmr", "run_of_eight") or f.flags("xmr", "three_of_four")
    if not found:
        return None
    flag = found[0]
    shift = shift_run(f, flag)
    if shift is None:
        return None
    mean, series, values, side, run = shift
    slots = {
        "metric": f.label,
        "series": series_name(flag),
        "mean": f.series_value(mean, series),
        "ending": _shift_ending(f, flag),
    }
    evidence: dict[str, Any] = {
        "xmr_rule": 3 if flag.rule == "run_of_eight" else 2,
        "xmr_mean": mean,
        "xmr_series": series,
        "value": flag.value,
    }
    if flag.rule == "run_of_eight" and run >= 8:
        since = f.week_ends[-run]
        slots |= {
            "side": "above" if side > 0 else "below",
            "run": str(run),
            "since": since.isoformat(),
        }
        return Fill(slots, evidence | {"xmr_since": since, "run": run})
    value = flag.value if flag.value is not None else finite(values[-1] if len(values) else None)
    if value is None:
        return None
    upper = value > mean
    limit = flag.upper if upper else flag.lower
    if limit is None:
        return None
    halfway = (mean + limit) / 2
    slots |= {
        "halfway": f.series_value(halfway, series),
        "limit": f"{'upper' if upper else 'lower'} limit of {f.series_value(limit, series)}",
        "week": f.when(flag.date),
    }
    return Fill(slots, evidence | {"halfway": halfway, "limit": limit})


@question(
    "Q14",
    SIGNAL,
    "The week-to-week jump{series} of {jump} in {metric} is larger than anything routine (upper "
    "range limit {url}). What happened between {before} and {after}?",
)
def big_jump(f: Facts) -> list[Fill]:
    """Q14: a moving range above its upper range limit."""
    fills = []
    for flag in f.flags("xmr", "moving_range"):
        series = "yoy" if is_yoy(flag) else "raw"
        if flag.value is None:
            continue
        after = flag.date or f.week_ending
        before = after - dt.timedelta(days=7)
        jump = _step(f, flag.value) if series == "yoy" else _jump(f, flag.value)
        url = _step(f, flag.upper) if series == "yoy" else _jump(f, flag.upper)
        fills.append(
            Fill(
                {
                    "metric": f.label,
                    "series": " in YoY growth" if series == "yoy" else "",
                    "jump": jump,
                    "url": url,
                    "before": f.week_label(before),
                    "after": f.week_label(after),
                },
                {
                    "xmr_mr_last": flag.value,
                    "xmr_url": flag.upper,
                    "xmr_series": series,
                    "date": flag.date,
                },
            )
        )
    return fills


@question(
    "Q15",
    SIGNAL,
    "The move in {metric} ({move}) is inside normal variation ({limits}). Are we sure '{cause}' "
    "explains it, or are we explaining noise?",
)
def explaining_noise(f: Facts) -> Fill | None:
    """Q15: commentary claims a cause, but there is no signal and the plan variance is routine."""
    if f.commentary is None or not f.commentary.current or f.xmr is None:
        return None
    cause = lint.stated_cause(f.commentary.text)
    if cause is None or f.signalled(f.block.metric):
        return None
    plan = f.block.plan
    if (
        plan is not None
        and plan.last_week_var is not None
        and abs(plan.last_week_var) >= f.material
    ):
        return None
    x = f.xmr
    if x.series == "yoy":
        move = f"YoY {f.change(f.block.box.yoy)}"
    else:
        move = f"{f.wow()} WoW to {f.value(f.block.box.last_week)}"
    return Fill(
        {
            "metric": f.label,
            "move": move,
            "limits": limits_text(f, x.lower, x.upper, x.series),
            "cause": cause,
        },
        {"xmr_lnpl": x.lower, "xmr_unpl": x.upper, "xmr_series": x.series, "cause": cause},
    )


# Imported last: the catalogue keeps registration order, and Q16-Q18 come after Q12-Q15.
from wbr.analysis.questions.process_links import (  # noqa: E402
    LAUNCH_WEEKS,
    SUSTAINED_WEEKS,
    input_without_output,
    launch_without_signal,
    output_without_inputs,
)
