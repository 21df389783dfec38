"""The question engine: the facts a trigger reads, the registry, rendering and ranking.

`Facts` is the field dictionary of the catalogue for one block; `question()` registers
a trigger and its templates in `CATALOGUE`; `ask` runs every entry for one block and `rank` lists
every block's questions for the deck. The catalogue entries live in the sibling modules, one per
group of section 5.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import string
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any, TypeGuard

import numpy as np

from wbr.analysis import commentary as lint
from wbr.analysis.flag_week import MIN_BASE_SHARE
from wbr.analysis.xmr import NPL_SCALING, URL_SCALING
from wbr.engine.compare import compare_arrays, favourable
from wbr.engine.config import Config, FlagSettings, MetricConfig
from wbr.engine.deck import Block, DeckQuestion, Event, Flag, QuarterForecast, Question
from wbr.engine.series import MetricHistory
from wbr.fmt import format_change, format_value

DATA, XMR_RULE_1, PLAN, SIGNAL, OTHER = 5, 4, 3, 2, 1
SIGNAL_TYPES = ("xmr", "seasonal")  # flags that mean the metric moved outside routine variation
_UNFILLED = re.compile(r"[{}]|\bNone\b|\bnan\b|\bNaN\b|N/A")  # a slot that is not filled


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
    # what the caller has read already: the history's weekly cy/py/plan arrays, and per metric
    # the metrics whose `drives` list it (built once per deck; each Facts would scan the config)
    weekly_rows: Mapping[str, np.ndarray] | None = None
    driven_by: Mapping[str, Sequence[str]] | None = None
    # signals the flag pass set aside (Flag.set_aside says why): a base effect is asked about
    set_aside: tuple[Flag, ...] = ()

    # -- identity
    @property
    def label(self) -> str:
        """The metric's display label."""
        return self.block.label

    @property
    def method(self) -> str:
        """pct, bps or abs."""
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
        if self.method == "abs":  # in the metric's unit; never material when not set
            return math.inf if s.plan_miss_abs is None else s.plan_miss_abs
        return s.plan_miss_bps if self.method == "bps" else s.plan_miss_pct

    @cached_property
    def inputs(self) -> tuple[str, ...]:
        """Metrics whose `drives` list this one."""
        if self.driven_by is not None:
            return tuple(self.driven_by.get(self.block.metric, ()))
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
        return format_change(number, self.method, self.block.unit)

    def wow(self) -> str | None:
        """Last week's WoW change as `change` says it; in the metric's unit when the week before
        is a base too small for a percent (under MIN_BASE_SHARE of the median week): 51 after
        1 is "+50", not "+5,000.0%"."""
        wow = self.block.box.wow
        cy = self.weekly["cy"]
        if wow is None or len(cy) < 2 or not self.tiny_base(float(cy[-2])):
            return None if wow is None else self.change(wow)
        return format_change(float(cy[-1] - cy[-2]), "abs", self.block.unit)

    def tiny_base(self, base: float) -> bool:
        """Is this base too small for a percent change: under MIN_BASE_SHARE of the metric's
        median week over the last year (always False for bps and abs comparisons)?"""
        if self.method != "pct":
            return False
        recent = self.weekly["cy"][-53:]
        recent = np.abs(recent[np.isfinite(recent)])
        if not len(recent) or base >= MIN_BASE_SHARE * float(recent.max()):
            return False  # the median is at most the largest week (asked of nearly every block)
        return base < MIN_BASE_SHARE * float(np.median(recent))

    def size(self, number: float | None) -> str:
        """A % or bps change without its sign (how big, when the words give the direction)."""
        if number is None:
            return "N/A"
        return format_change(abs(number), self.method, self.block.unit).lstrip("+")

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
    def unfavourable(self, change: float | None) -> TypeGuard[float]:
        """A change that is bad news for this metric's polarity (never a missing one)."""
        return favourable(change, self.block.polarity) is False

    def good(self, change: float | None) -> TypeGuard[float]:
        """A change that is good news for this metric's polarity (never a missing one)."""
        return favourable(change, self.block.polarity) is True

    @cached_property
    def weekly(self) -> dict[str, np.ndarray]:
        """Whole weekly history as arrays: cy, py, plan (empty when there is no history)."""
        if self.history is None or not len(self.history.ends):
            return {"cy": np.array([]), "py": np.array([]), "plan": np.array([])}
        if self.weekly_rows is not None:
            return {k: self.weekly_rows[k] for k in ("cy", "py", "plan")}
        frame = self.history.weekly
        return {k: frame[k].to_numpy(dtype=float) for k in ("cy", "py", "plan")}

    @cached_property
    def week_ends(self) -> list[dt.date]:
        """Week-end dates of the weekly history."""
        if self.history is None:
            return []
        index = self.history.ends
        dates = getattr(index, "date", None)  # a DatetimeIndex converts all at once, in C
        return dates.tolist() if dates is not None else [day.date() for day in index]

    @cached_property
    def plan_variances(self) -> np.ndarray:
        """Weekly variance to plan, % or bps (NaN when no plan)."""
        return compare_arrays(self.weekly["cy"], self.weekly["plan"], self.method)

    @cached_property
    def yoy_weekly(self) -> np.ndarray:
        """Weekly YoY, % or bps."""
        return compare_arrays(self.weekly["cy"], self.weekly["py"], self.method)

    @cached_property
    def below_plan_streak(self) -> int:
        """Weeks running, ending last week, with an unfavourable variance to plan."""
        n = 0
        for variance in self.plan_variances[::-1]:
            if not self.unfavourable(finite(variance)):
                break
            n += 1
        return n

    @cached_property
    def gap_widening(self) -> int:
        """Weeks running, ending last week, in which the plan variance moved the bad way and
        ended behind plan (the gap may have started ahead of plan)."""
        if self.block.polarity == "neutral":
            return 0
        plan = self.weekly["plan"]
        if not len(plan) or np.isnan(plan[-1]):  # no variance last week (most metrics: no plan)
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


def finite(value: Any) -> float | None:
    """A finite float, or None."""
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def events_in(events: Iterable[Event], end: dt.date) -> list[Event]:
    """Events inside the week ending `end`."""
    start = end - dt.timedelta(days=6)
    return [e for e in events if start <= e.date <= end]


_YEAR = re.compile(r"\b(19|20)\d\d\b")
# The same event a year apart, give or take five weeks: Easter, the feast that moves most, falls
# between 22 March and 25 April (Good Friday 2010-04-02, 2011-04-22: 385 days apart).
RECURRENCE_WINDOW_DAYS = 35


# a holiday moved off a weekend keeps its name: "Boxing Day (substitute day)", "Independence Day
# (observed)" and "Australia Day (Monday holiday)" are Boxing, Independence and Australia Day
_MOVED = re.compile(
    r"\s*\((?:[^()]*\b(?:substitute|observed|in lieu|additional day"
    r"|(?:mon|tues|wednes|thurs|fri)day holiday)\b[^()]*)\)"
    r"|\s*[-,]?\s*\b(?:substitute day|observed|in lieu)\s*$",
    re.IGNORECASE,
)


def event_key(description: str) -> str:
    """An event's name with its years and a moved holiday's mark left out ("Black Friday 2025" =
    "black friday"; "Boxing Day (substitute day)" = "boxing day")."""
    name = _YEAR.sub("", description).strip()
    return " ".join(_MOVED.sub("", name).lower().split())


def a_year_earlier(earlier: dt.date, day: dt.date) -> bool:
    """Is `earlier` about a year (364 days, give or take RECURRENCE_WINDOW_DAYS) before `day`?"""
    return abs((day - earlier).days - 364) <= RECURRENCE_WINDOW_DAYS


def recurs(event: Event, events: Iterable[Event]) -> bool:
    """Did an event of the same name happen about a year before or after this one?"""
    name = event_key(event.description)
    return any(
        other is not event
        and event_key(other.description) == name
        and (a_year_earlier(other.date, event.date) or a_year_earlier(event.date, other.date))
        for other in events
    )


def event_list(events: Sequence[Event]) -> str | None:
    """Events in words, 'Black Friday' (2026-11-27); None when there are none."""
    if not events:
        return None
    return "; ".join(f"'{e.description}' ({e.date.isoformat()})" for e in events)


@dataclass(frozen=True)
class Fill:
    """What a trigger found: slot text for the template and the raw evidence it cites."""

    slots: Mapping[str, str | None]  # None (or text with N/A, None, nan, braces) = not available
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
        return finite(value)

    return {key: convert(value) for key, value in evidence.items()}


def _order(qid: str) -> int:
    """Catalogue position of a question id (Q0, the safety net, last)."""
    number = _ORDER.get(qid)
    if number is None:
        number = _ORDER[qid] = int(qid[1:]) if qid[1:].isdigit() and qid != "Q0" else 999
    return number


_ORDER: dict[str, int] = {}


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


def ask(facts: Facts, catalogue: Mapping[str, QuestionSpec] | None = None) -> tuple[Question, ...]:
    """Every question whose trigger fires for one block, most severe first."""
    entries = CATALOGUE if catalogue is None else catalogue
    asked: list[Question] = []
    for spec in entries.values():
        found = spec.trigger(facts)
        if found is None:  # most triggers, most blocks
            continue
        fills = (found,) if isinstance(found, Fill) else found
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


QUESTIONS_PER_BLOCK = 3  # Block.questions; the rest go to Block.more_questions (the appendix)
# Questions that ask the same thing of a block: only the first of a topic is among its top three.
TOPIC = {
    "Q12": "move",  # outside its limits / unusual days: what happened?
    "Q14": "move",  # the week-to-week jump of the same move
    "Q37": "unexplained",
    "Q38": "unexplained",
    "Q0": "unexplained",
    "Q32": "unexplained",
    "Q9": "base",  # an event in one year's week only
    "Q10": "base",  # last year's week was unusual
}
_NUMBER = re.compile(r"\d")
# the rule names a question quotes as the flag's reasons ("3 of 4 weeks ...") are no number of it
_REASON_WORDS = re.compile("|".join(re.escape(w) for w in FLAG_WORDS.values()))


def _cites_number(text: str) -> bool:
    """Does a question cite a number of its own (not only a rule name such as '3 of 4 weeks')?"""
    return bool(_NUMBER.search(_REASON_WORDS.sub("", text)))


def select(asked: Sequence[Question]) -> tuple[tuple[Question, ...], tuple[Question, ...]]:
    """(top, more): at most QUESTIONS_PER_BLOCK of the highest ranked, each on its own topic and
    citing a number of its own; everything else, in rank order, for the appendix. A block whose
    questions all lack a number still gets its highest ranked one."""
    top: list[Question] = []
    topics: set[str] = set()
    for q in asked:
        topic = TOPIC.get(q.id, q.id)
        if len(top) < QUESTIONS_PER_BLOCK and topic not in topics and _cites_number(q.text):
            top.append(q)
            topics.add(topic)
    if not top and asked:
        top.append(asked[0])
    return tuple(top), tuple(q for q in asked if q not in top)


def rank(blocks: Iterable[Block]) -> tuple[DeckQuestion, ...]:
    """The blocks' questions for the deck's list: each block's first question first, most severe
    first (then block, then catalogue order), then the blocks' other questions in the same order.
    The first N of the list therefore take at most one question per block.

    The same question of several blocks is listed once, at its highest ranked block, naming the
    others in `also`: correlated metrics (national, transmission and regional demand) moving
    together, or one event's YoY in every block it touched, filled a deck's top ten with one
    story told four times. Each block still asks it with its own numbers."""
    blocks = tuple(blocks)
    labels = {block.number: block.label for block in blocks}
    every = [
        (i > 0, DeckQuestion(block.number, block.metric, q.id, q.severity, q.text, q.evidence))
        for block in blocks
        for i, q in enumerate(block.questions)
    ]
    every.sort(key=lambda pair: (pair[0], -pair[1].severity, pair[1].block, _order(pair[1].id)))
    first: dict[tuple[str, str], int] = {}
    listed: list[DeckQuestion] = []
    also: list[list[str]] = []
    for _, q in every:
        key = (q.id, story(q.text, labels.get(q.block)))
        at = first.setdefault(key, len(listed))
        if at == len(listed):
            listed.append(q)
            also.append([])
        elif q.metric != listed[at].metric and q.metric not in also[at]:
            also[at].append(q.metric)
    merged = zip(listed, also, strict=True)
    return tuple(replace(q, also=tuple(more)) if more else q for q, more in merged)


def story(text: str, label: str | None) -> str:
    """What a question says apart from whose and how much: its first sentence with the block's
    name, the figures, the months and anything in brackets left out ("{metric} YoY growth slowed
    from # in <month> to # in <month>."). Two blocks whose questions tell the same story are
    one line of the deck's list."""
    first = _SENTENCE_END.split(text, maxsplit=1)[0]
    if label:
        first = first.replace(label, "{metric}")
    first = _BRACKETED.sub("()", first)
    first = _MONTH.sub("<month>", first)
    # a date names the day the story is about: kept whole (the figures' pattern would mask it)
    dates = _ISO_DATE.findall(first)
    masked = _FIGURE.sub("#", _ISO_DATE.sub("<date>", first))
    for day in dates:
        masked = masked.replace("<date>", day, 1)
    return masked


_ISO_DATE = re.compile(r"\b\d{4}-\d\d-\d\d\b")
_SENTENCE_END = re.compile(r"(?<=[.?!])\s")
_BRACKETED = re.compile(r"\([^()]*\)")
_MONTH = re.compile(r"\b(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]* (?:19|20)\d\d\b")
# a figure with its unit (-95.4%, -452 bps, 27.5K); not the digits of a name (m01)
_FIGURE = re.compile(r"(?<!\w)[-+$]*\d[\d,.]*(?:\s?(?:%|bps|pp|[KMB]\b))?")
