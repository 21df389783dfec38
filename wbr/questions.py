"""The probing-question catalogue of WBR_PRACTICE.md section 5, as a registry of small triggers.

Owns which question a reviewer would ask of a block, and its wording. Each catalogue entry is a
`QuestionSpec(id, severity, trigger, templates)`: the trigger reads a block's `Facts` (the field
dictionary of section 5) and returns a `Fill` (formatted slot text plus the raw evidence), a list
of them, or None when it does not fire. The first template whose slots are all filled is used, so a
question never shows an empty slot, "None", "nan" or "N/A". Numbers are formatted by wbr.fmt: % to
1 decimal, bps whole, values with their unit.

Severity (higher = more severe; the deck lists the most severe first, WBR_PRACTICE.md section 5):
DATA 5 (Q26, Q28) > XMR_RULE_1 4 (Q12) > PLAN 3 (Q1-Q6) > SIGNAL 2 (shape, process signals, inputs,
ratios: Q7-Q9, Q13-Q18, Q21-Q25) > OTHER 1 (commentary and accountability: Q31-Q37). Ties keep
catalogue order.

Thresholds: "material" means the metric's plan-miss threshold (FlagSettings.plan_miss_pct or
plan_miss_bps, 2% / 25 bps by default); the other constants below are named where they are used.

Implemented: Q1-Q4, Q6-Q9, Q12-Q18, Q21-Q26, Q28, Q31-Q33, Q35, Q37. Not implemented (the data
has no field for them yet): Q5 (committed ETAs), Q10 (PY annotations), Q11 (day counts), Q19
(registry review), Q20 (counter metrics), Q27 (deck snapshots), Q29 (anecdotes), Q30 (audit
dates), Q34 (controllability tags), Q36 (action register). A flagged block that no entry covers
gets the safety-net question Q0 so that every flagged block carries a question.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import string
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np

from wbr import commentary as lint
from wbr.compare import compare, favourable, pct_change
from wbr.config import Config, FlagSettings, MetricConfig
from wbr.deck import Block, DeckQuestion, Event, Flag, Question
from wbr.fmt import format_change, format_value
from wbr.history import MetricHistory
from wbr.xmr import NPL_SCALING, URL_SCALING, XmrLimits, xmr_signals

DATA, XMR_RULE_1, PLAN, SIGNAL, OTHER = 5, 4, 3, 2, 1

WOW_MOVE = {"pct": 5.0, "bps": 50.0}  # Q7: a WoW move big enough to ask whether it is seasonal
DECELERATION = {"pct": 5.0, "bps": 50.0}  # Q8: YoY slowdown (pp or bps) within six months
DENOMINATOR_MOVE_PCT = 10.0  # Q22: the denominator moved this much YoY
MIX_SHARE = 1 / 3  # Q21: mix is at least this share of the rate change
CONCENTRATION = 0.6  # Q25: one segment holds more than this share of the change
DROP_BELOW_MIN = 0.25  # Q26: last week is this far below the lowest of the trailing weeks
TRAILING_WEEKS = 12  # Q26: the trailing weeks of that check
LAUNCH_WEEKS = (4, 13)  # Q16: a launch this many weeks old with no signal since
SUSTAINED_WEEKS = 6  # Q18: an input's favourable shift has lasted this long
YTD_CUSHION_WEEKS = 4  # Q4: the recent weeks that all missed plan
SIGNAL_TYPES = ("xmr", "seasonal")  # flags that mean the metric moved outside routine variation
_LAUNCH = re.compile(
    r"\b(launch\w*|roll(?:ed)? ?out|go-live|went live|releas\w*|introduc\w*|initiative|"
    r"experiment|pilot|new feature)\b",
    re.IGNORECASE,
)
_UNFILLED = re.compile(r"[{}]|\bNone\b|\bnan\b|\bNaN\b|N/A")  # a slot that is not filled


# ----------------------------------------------------------------------------- inputs


@dataclass(frozen=True)
class XmrView:
    """The XmR chart behind a block's flags: which weekly series, its values and its limits."""

    series: str  # "raw" (weekly values) or "yoy" (weekly YoY growth, % or bps)
    values: np.ndarray  # the series, aligned with MetricHistory.weekly rows
    mean: float
    mr_mean: float
    no_lower: bool = False  # a non-negative metric whose LNPL is below zero: no lower limit

    @property
    def upper(self) -> float:
        """UNPL."""
        return self.mean + NPL_SCALING * self.mr_mean

    @property
    def lower(self) -> float | None:
        """LNPL, or None when the metric has no lower limit."""
        return None if self.no_lower else self.mean - NPL_SCALING * self.mr_mean

    @property
    def url(self) -> float:
        """Upper range limit of the moving ranges."""
        return URL_SCALING * self.mr_mean


@dataclass(frozen=True)
class QuarterForecast:
    """QTD actual plus the plan for the rest of the fiscal quarter, against the quarter's plan."""

    forecast: float
    plan: float
    variance: float | None  # % or bps, like the box score
    quarter_end: dt.date


@dataclass(frozen=True)
class Facts:
    """Everything a trigger reads about one block (the field dictionary of section 5)."""

    block: Block
    history: MetricHistory | None
    metric: MetricConfig
    config: Config
    week_ending: dt.date
    flags_by_metric: Mapping[str, tuple[Flag, ...]] = field(default_factory=dict)
    commentary: lint.MetricCommentary | None = None
    forecast: QuarterForecast | None = None
    events: tuple[Event, ...] = ()  # this metric's and business-wide events
    input_events: tuple[tuple[str, Event], ...] = ()  # (input metric, event)
    complete_through: dt.date | None = None
    xmr: XmrView | None = None

    # -- identity
    @property
    def label(self) -> str:
        """The metric's display label."""
        return self.block.label

    @property
    def method(self) -> str:
        """pct or bps."""
        return self.block.comparison

    @cached_property
    def settings(self) -> FlagSettings:
        """The metric's flag thresholds."""
        if self.block.metric in self.config.metrics:
            return self.config.flag_settings(self.block.metric)
        return self.config.flags

    @property
    def material(self) -> float:
        """The plan-miss threshold in the block's comparison unit."""
        s = self.settings
        return s.plan_miss_bps if self.method == "bps" else s.plan_miss_pct

    @cached_property
    def inputs(self) -> tuple[str, ...]:
        """Metrics whose `drives` list this one."""
        return tuple(
            m for m, spec in self.config.metrics.items() if self.block.metric in spec.drives
        )

    @property
    def outputs(self) -> tuple[str, ...]:
        """Metrics this one is believed to drive."""
        return tuple(self.metric.drives)

    def labels(self, metrics: Iterable[str]) -> str | None:
        """Display labels of metrics, comma separated; None when there are none."""
        names = [self.config.metric_label(m) for m in metrics if m in self.config.metrics]
        return ", ".join(names) or None

    # -- formatting
    def value(self, number: float | None) -> str:
        """A value of this metric with its unit."""
        return format_value(number, self.block.unit)

    def change(self, number: float | None) -> str:
        """A % or bps change of this metric."""
        return format_change(number, self.method)

    def size(self, number: float | None) -> str:
        """A % or bps change without its sign (how big, when the words give the direction)."""
        return "N/A" if number is None else format_change(abs(number), self.method).lstrip("+")

    def series_value(self, number: float | None, series: str) -> str:
        """A point of an XmR series: a value, or a YoY change for the YoY series."""
        return self.change(number) if series == "yoy" else self.value(number)

    # -- flags
    def flags(self, kind: str, *rules: str) -> list[Flag]:
        """This block's flags of a type (and rule)."""
        return [f for f in self.block.flags if f.type == kind and (not rules or f.rule in rules)]

    def signalled(self, metric: str) -> bool | None:
        """Whether a metric has an XmR or seasonal signal; None when its flags are not known."""
        if metric == self.block.metric:
            return any(f.type in SIGNAL_TYPES for f in self.block.flags)
        if metric not in self.flags_by_metric:
            return None
        return any(f.type in SIGNAL_TYPES for f in self.flags_by_metric[metric])

    # -- plan
    def unfavourable(self, change: float | None) -> bool:
        """A change that is bad news for this metric's polarity."""
        return favourable(change, self.block.polarity) is False

    def good(self, change: float | None) -> bool:
        """A change that is good news for this metric's polarity."""
        return favourable(change, self.block.polarity) is True

    @cached_property
    def weekly(self) -> dict[str, np.ndarray]:
        """Whole weekly history as arrays: cy, py, plan (empty when there is no history)."""
        if self.history is None or self.history.weekly.empty:
            return {"cy": np.array([]), "py": np.array([]), "plan": np.array([])}
        frame = self.history.weekly
        return {k: frame[k].to_numpy(dtype=float) for k in ("cy", "py", "plan")}

    @cached_property
    def week_ends(self) -> list[dt.date]:
        """Week-end dates of the weekly history."""
        if self.history is None:
            return []
        return [day.date() for day in self.history.weekly.index]

    @cached_property
    def plan_variances(self) -> np.ndarray:
        """Weekly variance to plan, % or bps (NaN when no plan)."""
        return _changes(self.weekly["cy"], self.weekly["plan"], self.method)

    @cached_property
    def yoy_weekly(self) -> np.ndarray:
        """Weekly YoY, % or bps."""
        return _changes(self.weekly["cy"], self.weekly["py"], self.method)

    @cached_property
    def below_plan_streak(self) -> int:
        """Weeks running, ending last week, with an unfavourable variance to plan."""
        n = 0
        for variance in self.plan_variances[::-1]:
            if not self.unfavourable(_finite(variance)):
                break
            n += 1
        return n

    @cached_property
    def gap_widening(self) -> int:
        """Weeks running, ending last week, in which the plan variance moved the bad way and
        ended behind plan (the gap may have started ahead of plan)."""
        if self.block.polarity == "neutral":
            return 0
        sign = 1.0 if self.block.polarity == "higher_is_better" else -1.0
        gaps = -sign * self.plan_variances[::-1]  # positive = behind plan
        n = 0
        while n + 1 < len(gaps) and gaps[n] > 0 and gaps[n] > gaps[n + 1]:
            n += 1
        return n

    def week_label(self, day: dt.date) -> str:
        """'wk 47' for a week shown on the block, else the week-end date."""
        for point in self.block.weeks:
            if point.end == day:
                return point.label
        return day.isoformat()

    def when(self, day: dt.date | None) -> str:
        """'last week (wk 47)' or 'the week ending 2026-11-07'."""
        if day is None or day == self.week_ending:
            return f"last week ({self.week_label(self.week_ending)})"
        return f"the week ending {day.isoformat()}"


def _finite(value: Any) -> float | None:
    """A finite float, or None."""
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def _changes(current: np.ndarray, base: np.ndarray, method: str) -> np.ndarray:
    """Element-wise compare(): % change (base > 0) or bps difference; NaN when undefined."""
    if len(current) == 0:
        return np.array([])
    with np.errstate(divide="ignore", invalid="ignore"):
        if method == "bps":
            return (current - base) * 10_000.0
        return np.where(base > 0, (current / base - 1.0) * 100.0, np.nan)


# ----------------------------------------------------------------------------- registry


@dataclass(frozen=True)
class Fill:
    """What a trigger found: slot text for the template and the raw evidence it cites."""

    slots: dict[str, str | None]  # None (or text with N/A, None, nan, braces) = not available
    evidence: dict[str, Any] = field(default_factory=dict)


Trigger = Callable[[Facts], "Fill | Sequence[Fill] | None"]


@dataclass(frozen=True)
class QuestionSpec:
    """One catalogue entry: id, severity, trigger and templates (richest first)."""

    id: str
    severity: int
    trigger: Trigger
    templates: tuple[str, ...]

    def render(self, fill: Fill) -> Question | None:
        """The question from the first template whose slots are all filled; None if none is."""
        usable = {k: v for k, v in fill.slots.items() if v is not None and not _UNFILLED.search(v)}
        for template in self.templates:
            names = {name for _, name, _, _ in string.Formatter().parse(template) if name}
            if names <= usable.keys():
                text = template.format(**usable)
                return Question(self.id, self.severity, text, _plain(fill.evidence))
        return None


CATALOGUE: dict[str, QuestionSpec] = {}


def question(qid: str, severity: int, *templates: str) -> Callable[[Trigger], Trigger]:
    """Register a trigger function as catalogue entry `qid`."""

    def register(trigger: Trigger) -> Trigger:
        CATALOGUE[qid] = QuestionSpec(qid, severity, trigger, templates)
        return trigger

    return register


def _plain(evidence: dict[str, Any]) -> dict[str, Any]:
    """Evidence as JSON values: floats (None for NaN), ints, strings, lists; dates as ISO."""

    def convert(value: Any) -> Any:
        if isinstance(value, dt.date):
            return value.isoformat()
        if isinstance(value, list | tuple):
            return [convert(v) for v in value]
        if isinstance(value, bool | int | str) or value is None:
            return value
        if isinstance(value, np.integer):
            return int(value)
        return _finite(value)

    return {key: convert(value) for key, value in evidence.items()}


def _order(qid: str) -> int:
    """Catalogue position of a question id (Q0, the safety net, last)."""
    number = _ORDER.get(qid)
    if number is None:
        number = _ORDER[qid] = int(qid[1:]) if qid[1:].isdigit() and qid != "Q0" else 999
    return number


_ORDER: dict[str, int] = {}


# ----------------------------------------------------------------------------- A. plan


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
)
def plan_miss(f: Facts) -> Fill | None:
    """Q1: a plan miss beyond the threshold, or misses for plan_streak_weeks weeks running."""
    plan = f.block.plan
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


def _events_in(events: Iterable[Event], end: dt.date) -> list[Event]:
    """Events inside the week ending `end`."""
    start = end - dt.timedelta(days=6)
    return [e for e in events if start <= e.date <= end]


def _event_list(events: Sequence[Event]) -> str | None:
    if not events:
        return None
    return "; ".join(f"'{e.description}' ({e.date.isoformat()})" for e in events)


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
    events = _events_in(f.events, f.week_ending)
    return Fill(
        {
            "metric": f.label,
            "beat": f.size(plan.last_week_var),
            "value": f.value(f.block.box.last_week),
            "plan": f.value(plan.last_week),
            "events": _event_list(events),
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


# ----------------------------------------------------------------------------- B. WoW / YoY


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
    if len(weeks) < 2 or wow is None or yoy is None or abs(wow) < WOW_MOVE[f.method]:
        return None
    yoys = [compare(w.cy, w.py, f.method) for w in weeks]
    if any(y is None for y in yoys):
        return None
    yoy_mean = float(np.mean(yoys))
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
    """Q8: monthly YoY worsened 3 months running, or by DECELERATION within six months."""
    points = [(m.month, compare(m.cy, m.py, f.method)) for m in f.block.months[-7:] if m.complete]
    points = [(month, y) for month, y in points if y is not None]
    trend = f.flags("trend")
    sign = -1.0 if f.block.polarity == "lower_is_better" else 1.0  # + means better
    scores = [sign * y for _, y in points]
    end = len(points) - 1
    run = 0
    while run < end and scores[end - run] < scores[end - run - 1]:
        run += 1
    start = end - run
    fired = run >= 3 and scores[start] - scores[end] >= f.material
    if not fired and len(points) >= 2:
        start = int(np.argmax(scores))
        fired = scores[start] - scores[end] >= DECELERATION[f.method]
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
    "This week has {events_cy} but the comparable week last year (ending {py_week}) has no "
    "recorded event. What is YoY adjusted for the shift? What is the combined YoY for the two "
    "affected weeks?",
    "The comparable week last year (ending {py_week}) had {events_py} but this week has no "
    "recorded event. What is YoY adjusted for the shift? What is the combined YoY for the two "
    "affected weeks?",
)
def event_shift(f: Facts) -> Fill | None:
    """Q9: an event in this week but not last year's comparable week (or the reverse), and a
    material YoY move (or no YoY at all)."""
    yoy = f.block.box.yoy
    if yoy is not None and abs(yoy) < f.material:
        return None  # YoY is not distorted enough to ask
    py_week = f.week_ending - dt.timedelta(days=364)
    events = {*f.events, *f.block.events}
    cy = sorted(_events_in(events, f.week_ending), key=lambda e: e.date)
    py = sorted(_events_in(events, py_week), key=lambda e: e.date)
    if bool(cy) == bool(py):
        return None
    slots = {"py_week": py_week.isoformat(), "yoy": f.change(f.block.box.yoy)}
    slots |= {"events_cy": _event_list(cy)} if cy else {"events_py": _event_list(py)}
    return Fill(
        slots,
        {
            "events_cy": [e.description for e in cy],
            "events_py": [e.description for e in py],
            "yoy": f.block.box.yoy,
        },
    )


# ----------------------------------------------------------------------------- C. process control


def _step(f: Facts, number: float | None) -> str | None:
    """A difference between two YoY growth figures: percentage points, or bps for rates."""
    if number is None:
        return None
    if f.method == "bps":
        return format_change(abs(number), "bps").lstrip("+")
    return f"{abs(number):.1f} pp"


def _jump(f: Facts, number: float | None) -> str | None:
    """A week-to-week difference of the metric: bps for rates, else a value with its unit."""
    if number is None:
        return None
    if f.method == "bps":
        return format_change(abs(number) * 10_000, "bps").lstrip("+")
    return f.value(abs(number))


def _is_yoy(flag: Flag) -> bool:
    """Is an XmR flag about the weekly YoY series? Its detail names the series before a colon."""
    return "yoy" in flag.detail.split(":", 1)[0].lower()


def _series_name(flag: Flag) -> str:
    return " YoY growth" if _is_yoy(flag) else ""


def _limits_text(f: Facts, lower: float | None, upper: float | None, series: str) -> str:
    if lower is not None and upper is not None:
        return f"{f.series_value(lower, series)} to {f.series_value(upper, series)}"
    if upper is not None:
        return f"upper limit {f.series_value(upper, series)}; no lower limit"
    if lower is not None:
        return f"lower limit {f.series_value(lower, series)}; no upper limit"
    return "N/A"


@question(
    "Q12",
    XMR_RULE_1,
    "{metric}{series} for {week} was {value}, outside its natural process limits ({limits}). What "
    "changed in the process? One-off or new level? Which input ({inputs}) moved?",
    "{metric}{series} for {week} was {value}, outside its natural process limits ({limits}). What "
    "changed in the process? One-off or new level? Which input moved?",
    "{metric} on {day} was {value}, outside its expected range for that day ({limits}). What "
    "happened that day? One-off or new level? Which input moved?",
    "{metric} was outside its expected daily range on {n} days of the week: {days}. What happened? "
    "One-off or new level? Which input moved?",
)
def outside_limits(f: Facts) -> list[Fill]:
    """Q12: XmR rule 1 (a point outside the limits); or days outside their seasonal band."""
    fills = []
    for flag in f.flags("xmr", "outside_limits"):
        series = "yoy" if _is_yoy(flag) else "raw"
        fills.append(
            Fill(
                {
                    "metric": f.label,
                    "series": _series_name(flag),
                    "week": f.when(flag.date),
                    "value": f.series_value(flag.value, series),
                    "limits": _limits_text(f, flag.lower, flag.upper, series),
                    "inputs": f.labels(f.inputs),
                },
                {
                    "xmr_rule": 1,
                    "xmr_series": series,
                    "value": flag.value,
                    "xmr_lnpl": flag.lower,
                    "xmr_unpl": flag.upper,
                    "date": flag.date,
                    "inputs": list(f.inputs),
                },
            )
        )
    days = sorted((x for x in f.flags("seasonal") if x.date is not None), key=lambda x: x.date)
    if len(days) == 1:
        flag = days[0]
        fills.append(
            Fill(
                {
                    "metric": f.label,
                    "day": f"{flag.date:%a} {flag.date.isoformat()}",
                    "value": f.value(flag.value),
                    "limits": _limits_text(f, flag.lower, flag.upper, "raw"),
                },
                {
                    "rule": flag.rule,
                    "date": flag.date,
                    "value": flag.value,
                    "lower": flag.lower,
                    "upper": flag.upper,
                },
            )
        )
    elif days:
        shown = "; ".join(
            f"{x.date:%a} {x.date.isoformat()} {f.value(x.value)} (expected "
            f"{_limits_text(f, x.lower, x.upper, 'raw')})"
            for x in days[:3]
        )
        more = f"; and {len(days) - 3} more" if len(days) > 3 else ""
        fills.append(
            Fill(
                {"metric": f.label, "n": str(len(days)), "days": shown + more},
                {"dates": [x.date for x in days], "values": [x.value for x in days]},
            )
        )
    return fills


def _series(f: Facts, yoy: bool) -> np.ndarray:
    """The weekly series an XmR flag is about: values or YoY growth."""
    return f.yoy_weekly if yoy else f.weekly["cy"]


def _mean_of(f: Facts, flag: Flag) -> float | None:
    """The XmR central line behind a flag: the chart's, else the midpoint of the limits."""
    yoy = _is_yoy(flag)
    if f.xmr is not None and (f.xmr.series == "yoy") == yoy:
        return f.xmr.mean
    if flag.lower is not None and flag.upper is not None:
        return (flag.lower + flag.upper) / 2
    return None


def _run_on_side(values: np.ndarray, mean: float) -> tuple[int, int]:
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


@question(
    "Q13",
    SIGNAL,
    "{metric}{series} has been {side} its average of {mean} for {run} weeks, since the week ending "
    "{since}. The process has shifted. What caused it: something we did (which input?) or "
    "something external? Should the limits and the plan be reset?",
    "{metric}{series} was beyond {halfway}, half-way from its average of {mean} to its {limit}, in "
    "3 of the 4 weeks to {week}. The process has shifted. What caused it: something we did (which "
    "input?) or something external? Should the limits and the plan be reset?",
)
def sustained_shift(f: Facts) -> Fill | None:
    """Q13: XmR rule 2 (3 of 4 beyond half-way) or rule 3 (run of 8)."""
    found = f.flags("xmr", "run_of_eight") or f.flags("xmr", "three_of_four")
    if not found:
        return None
    flag = found[0]
    mean = _mean_of(f, flag)
    if mean is None:
        return None
    series = "yoy" if _is_yoy(flag) else "raw"
    values = _series(f, series == "yoy")
    side, run = _run_on_side(values, mean)
    slots = {"metric": f.label, "series": _series_name(flag), "mean": f.series_value(mean, series)}
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
    value = flag.value if flag.value is not None else _finite(values[-1] if len(values) else None)
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
        series = "yoy" if _is_yoy(flag) else "raw"
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
        move = f"{f.change(f.block.box.wow)} WoW to {f.value(f.block.box.last_week)}"
    return Fill(
        {
            "metric": f.label,
            "move": move,
            "limits": _limits_text(f, x.lower, x.upper, x.series),
            "cause": cause,
        },
        {"xmr_lnpl": x.lower, "xmr_unpl": x.upper, "xmr_series": x.series, "cause": cause},
    )


@question(
    "Q16",
    SIGNAL,
    "{metric} shows no XmR signal (limits {limits}) in the {weeks} weeks since '{initiative}' "
    "({owner_metric}, {date}). Did the change work? If not, is this the right lever, and should it "
    "stay in the deck?",
)
def launch_without_signal(f: Facts) -> Fill | None:
    """Q16: a launch on this metric or its inputs, 4-13 weeks old, with no XmR signal since."""
    if f.xmr is None or f.signalled(f.block.metric) or not f.week_ends:
        return None
    own = [(f.block.metric, e) for e in f.events if e.description]
    candidates = [
        (metric, e)
        for metric, e in [*own, *f.input_events]
        if _LAUNCH.search(e.description)
        and LAUNCH_WEEKS[0] * 7 <= (f.week_ending - e.date).days <= LAUNCH_WEEKS[1] * 7
    ]
    if not candidates:
        return None
    metric, event = max(candidates, key=lambda pair: pair[1].date)
    x = f.xmr
    first = next(i for i, end in enumerate(f.week_ends) if end >= event.date)
    since = xmr_signals(x.values[first:], XmrLimits(x.mean, x.mr_mean, 0))
    if any(s.rule in ("outside_limits", "run_of_eight", "three_of_four") for s in since):
        return None
    weeks = (f.week_ending - event.date).days // 7
    return Fill(
        {
            "initiative": lint.quote(event.description),
            "owner_metric": f.config.metric_label(metric) if metric in f.config.metrics else metric,
            "date": event.date.isoformat(),
            "weeks": str(weeks),
            "metric": f.label,
            "limits": _limits_text(f, x.lower, x.upper, x.series),
        },
        {
            "event": event.description,
            "event_date": event.date,
            "event_metric": metric,
            "weeks": weeks,
        },
    )


# ----------------------------------------------------------------------------- D. inputs/outputs


def _moves(f: Facts) -> str:
    box = f.block.box
    parts = [
        f"{f.change(box.yoy)} YoY" if box.yoy is not None else "",
        f"{f.change(box.wow)} WoW" if box.wow is not None else "",
    ]
    return " and ".join(p for p in parts if p) or "N/A"


@question(
    "Q17",
    SIGNAL,
    "{metric} moved {moves} but none of its inputs ({inputs}) moved outside routine variation. "
    "What input are we missing? What could we have tracked that would have warned us?",
)
def output_without_inputs(f: Facts) -> Fill | None:
    """Q17: the output is signalled, and none of its (known) inputs is."""
    if not f.signalled(f.block.metric):
        return None
    statuses = {m: f.signalled(m) for m in f.inputs}
    known = [m for m, status in statuses.items() if status is not None]
    if not known or any(statuses[m] for m in known):
        return None
    return Fill(
        {"metric": f.label, "moves": _moves(f), "inputs": f.labels(known)},
        {"inputs": known, "inputs_flagged": [], "wow": f.block.box.wow, "yoy": f.block.box.yoy},
    )


@question(
    "Q18",
    SIGNAL,
    "We pushed {metric}{series} {direction} from an average of {mean} to {recent} over the last "
    "{weeks} weeks, but {outputs} show no signal. Is this still the right controllable input, or "
    "has it stopped working?",
)
def input_without_output(f: Facts) -> Fill | None:
    """Q18: an input shifted favourably (rule 2 or 3) for 6+ weeks; its outputs show no signal."""
    if not f.outputs:
        return None
    shifts = [x for x in f.flags("xmr", "run_of_eight", "three_of_four") if x.favourable]
    if not shifts:
        return None
    flag = shifts[0]
    mean = _mean_of(f, flag)
    if mean is None:
        return None
    series = "yoy" if _is_yoy(flag) else "raw"
    values = _series(f, series == "yoy")
    side, run = _run_on_side(values, mean)
    quiet = [m for m in f.outputs if f.signalled(m) is False]
    if run < SUSTAINED_WEEKS or not quiet:
        return None
    recent = float(np.mean(values[-run:]))
    return Fill(
        {
            "metric": f.label,
            "series": _series_name(flag),
            "direction": "up" if side > 0 else "down",
            "mean": f.series_value(mean, series),
            "recent": f.series_value(recent, series),
            "weeks": str(run),
            "outputs": f.labels(quiet),
        },
        {
            "xmr_mean": mean,
            "recent_mean": recent,
            "weeks": run,
            "outputs": quiet,
            "xmr_series": series,
        },
    )


# ----------------------------------------------------------------------------- E. ratios and mix

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
    size = format_change(abs(change), method or f.method).lstrip("+")
    return f"{'rose' if change > 0 else 'fell'} {size}"


@question(
    "Q22",
    SIGNAL,
    "{metric} {rate_move} YoY while {denominator} {den_move} and {numerator} {num_move}. Is the "
    "rate moving because {numerator} changed, or because {denominator} changed, for example by "
    "losing low-intent traffic?",
)
def denominator_moved(f: Facts) -> Fill | None:
    """Q22: the ratio moved and its denominator moved more than DENOMINATOR_MOVE_PCT YoY."""
    history = f.history
    if f.block.aggregation != "ratio" or history is None or history.denominator is None:
        return None
    rate_yoy = f.block.box.yoy
    if rate_yoy is None or abs(rate_yoy) < f.material or history.numerator is None:
        return None
    den, num = history.denominator.iloc[-1], history.numerator.iloc[-1]
    den_yoy, num_yoy = pct_change(den["cy"], den["py"]), pct_change(num["cy"], num["py"])
    if den_yoy is None or num_yoy is None or abs(den_yoy) < DENOMINATOR_MOVE_PCT:
        return None
    return Fill(
        {
            "metric": f.label,
            "rate_move": _direction(f, rate_yoy),
            "denominator": f.config.metric_label(f.metric.denominator),
            "den_move": _direction(f, den_yoy, "pct"),
            "numerator": f.config.metric_label(f.metric.numerator),
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
            lambda change, entry=entry: _ratio_units(f, entry, change),
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
    if f.block.aggregation != "ratio" or history is None or history.denominator is None:
        return None
    den = _finite(history.denominator["cy"].iloc[-1])
    minimum = f.settings.min_denominator
    if den is None or den >= minimum:
        return None
    rate = f.block.box.last_week
    slots = {
        "metric": f.label,
        "den": format_value(den, "count"),
        "denominator": f.config.metric_label(f.metric.denominator),
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


# ----------------------------------------------------------------------------- F. data quality


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
    "{metric} is missing {missing} days in the periods this deck compares ({days}). Which numbers "
    "are not final, when will they be, and is the YoY comparable?",
    "Is last week's {metric} real or a data issue? At {value} it is {drop} below the lowest of the "
    "previous {weeks} weeks ({trailing_min}) and no event is recorded. When will it be confirmed?",
)
def data_issue(f: Facts) -> Fill | None:
    """Q26: missing days, data not complete through the week, or an unexplained collapse."""
    missing = tuple(f.block.status.missing_days)
    start = f.week_ending - dt.timedelta(days=6)
    in_week = [d for d in missing if start <= d <= f.week_ending]
    complete_through = f.complete_through
    if in_week or (complete_through is not None and complete_through < f.week_ending):
        present = 7 - len(in_week) if in_week else max(0, (complete_through - start).days + 1)
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
    if missing or f.flags("data", "incomplete"):
        return Fill(
            {"metric": f.label, "missing": str(len(missing)), "days": _days_text(missing)},
            {"missing_days": list(missing)},
        )
    cy = f.weekly["cy"]
    value = f.block.box.last_week
    trailing = cy[-TRAILING_WEEKS - 1 : -1]
    trailing = trailing[np.isfinite(trailing)]
    if value is None or len(trailing) < TRAILING_WEEKS or _events_in(f.events, f.week_ending):
        return None
    lowest = float(trailing.min())
    if lowest <= 0 or value >= lowest * (1 - DROP_BELOW_MIN):
        return None
    drop = (1 - value / lowest) * 100
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


@question(
    "Q28",
    DATA,
    "{metric} has shown exactly {value} for {weeks} weeks. Is the pipeline stuck?",
    "{metric} shows exactly {value} for {week}. Is the pipeline stuck, or did the activity stop?",
    "{metric} looks stuck ({detail}). Is the pipeline stuck?",
)
def stuck(f: Facts) -> Fill | None:
    """Q28: the same weekly value for stuck_weeks weeks or more, or exactly zero."""
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


# ----------------------------------------------------------------------------- G. commentary


@question(
    "Q31",
    OTHER,
    "You said '{phrase}' about {metric}. By how much, in % or bps, and against what baseline?",
    "The commentary on {metric} has no number in it. By how much did it move, in % or bps, and "
    "against what baseline?",
)
def vague_commentary(f: Facts) -> Fill | None:
    """Q31: commentary with a weasel word, or with no number at all."""
    if f.commentary is None or not f.commentary.current:
        return None
    text = f.commentary.text
    weasels = lint.weasel_phrases(text)
    if weasels:
        return Fill(
            {"phrase": lint.weasel_context(text, weasels[0]), "metric": f.label},
            {"weasel_words": list(weasels)},
        )
    if not lint.has_number(text):
        return Fill({"metric": f.label}, {"has_number": False})
    return None


@question(
    "Q32",
    OTHER,
    "That is what happened to {metric}. Why did it happen? What is the root cause behind the "
    "symptom?",
)
def no_cause(f: Facts) -> Fill | None:
    """Q32: a flagged block whose commentary gives numbers but no reason, verdict or plan."""
    if f.commentary is None or not f.commentary.current or not f.block.flagged:
        return None
    text = f.commentary.text
    if not lint.has_number(text) or lint.gives_reason(text):
        return None
    if lint.investigating_phrase(text) or lint.is_routine_verdict(text):
        return None
    if any(lint.stated_cause(item.text) for item in f.commentary.previous):
        return None  # last week's cause still stands; this week reports progress on it
    return Fill({"metric": f.label}, {"commentary": lint.quote(text)})


@question(
    "Q33",
    OTHER,
    "Last week the answer on {metric} was '{phrase}'. What did you find? If the cause is still "
    "unknown, when will it be known?",
)
def still_investigating(f: Facts) -> Fill | None:
    """Q33: last week's answer was "investigating" and this week names no cause."""
    if f.commentary is None:
        return None
    phrase = f.commentary.investigating_last_week
    if phrase is None or (f.commentary.current and lint.stated_cause(f.commentary.text)):
        return None
    return Fill({"metric": f.label, "phrase": phrase}, {"previous": phrase})


@question(
    "Q35",
    OTHER,
    "This is week {weeks} with the same explanation for {metric}. What is the fix, who owns it, "
    "and when does it land? Does this need escalating?",
)
def same_explanation(f: Facts) -> Fill | None:
    """Q35: the same commentary REPEAT_WEEKS weeks running."""
    if f.commentary is None or f.commentary.same_streak < lint.REPEAT_WEEKS:
        return None
    n = f.commentary.same_streak
    return Fill({"weeks": str(n), "metric": f.label}, {"same_commentary_weeks": n})


FLAG_WORDS = {
    ("xmr", "outside_limits"): "outside its natural process limits",
    ("xmr", "three_of_four"): "3 of 4 weeks beyond half-way to a limit",
    ("xmr", "run_of_eight"): "8 or more weeks on one side of its average",
    ("xmr", "moving_range"): "a week-to-week jump above the range limit",
    ("seasonal", "residual"): "an unusual day",
    ("plan", "miss"): "plan miss",
    ("plan", "miss_streak"): "plan missed weeks running",
    ("plan", "widening_gap"): "gap to plan widening",
    ("data", "incomplete"): "data incomplete",
    ("data", "stuck"): "data stuck",
    ("data", "zero"): "data exactly zero",
    ("trend", "yoy_deceleration"): "YoY growth decelerating",
}


def flag_reasons(flags: Iterable[Flag]) -> str:
    """Short words for why a block is flagged, e.g. 'plan miss, data incomplete'."""
    words = [FLAG_WORDS.get((x.type, x.rule), f"{x.type} {x.rule}".strip()) for x in flags]
    return ", ".join(dict.fromkeys(words))


@question(
    "Q37",
    OTHER,
    "{owner}, {metric} is flagged ({reasons}) and there is no explanation in the deck. What is "
    "going on?",
    "{metric} is flagged ({reasons}), has no owner and no explanation in the deck. Who owns it, "
    "and what is going on?",
)
def unexplained_flag(f: Facts) -> Fill | None:
    """Q37: a flagged block with no commentary."""
    if not f.block.flagged or (f.commentary is not None and f.commentary.current):
        return None
    if f.block.commentary:
        return None
    slots = {"metric": f.label, "reasons": flag_reasons(f.block.flags)}
    if f.block.owner:
        slots["owner"] = f.block.owner
    return Fill(slots, {"flags": [x.rule for x in f.block.flags], "owner": f.block.owner})


SAFETY_NET = QuestionSpec(
    "Q0",
    OTHER,
    lambda f: None,
    (
        "{metric} is flagged ({reasons}). Is this routine variation or an exception, what is the "
        "action, and by what date?",
    ),
)
_FLAG_SEVERITY = {"data": DATA, "xmr": SIGNAL, "seasonal": SIGNAL, "plan": PLAN}


# ----------------------------------------------------------------------------- engine


def ask(facts: Facts, catalogue: Mapping[str, QuestionSpec] | None = None) -> tuple[Question, ...]:
    """Every question whose trigger fires for one block, most severe first."""
    entries = CATALOGUE if catalogue is None else catalogue
    asked: list[Question] = []
    for spec in entries.values():
        found = spec.trigger(facts)
        fills = [found] if isinstance(found, Fill) else list(found or ())
        for fill in fills:
            rendered = spec.render(fill)
            if rendered is not None and rendered not in asked:
                asked.append(rendered)
    if facts.block.flagged and not asked:
        severity = max(_FLAG_SEVERITY.get(x.type, OTHER) for x in facts.block.flags)
        net = QuestionSpec(SAFETY_NET.id, severity, SAFETY_NET.trigger, SAFETY_NET.templates)
        rendered = net.render(
            Fill(
                {"metric": facts.label, "reasons": flag_reasons(facts.block.flags)},
                {"flags": [x.rule for x in facts.block.flags]},
            )
        )
        if rendered is not None:
            asked.append(rendered)
    return tuple(sorted(asked, key=lambda q: (-q.severity, _order(q.id))))


def rank(blocks: Iterable[Block]) -> tuple[DeckQuestion, ...]:
    """All blocks' questions for the deck's list: most severe first, then block, then catalogue."""
    every = [
        DeckQuestion(block.number, block.metric, q.id, q.severity, q.text, q.evidence)
        for block in blocks
        for q in block.questions
    ]
    return tuple(sorted(every, key=lambda q: (-q.severity, q.block, _order(q.id))))
