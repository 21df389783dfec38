"""The Deck: plain, JSON-serializable results that every renderer reads (docs/deck-json.md).

Numbers are unrounded; None means N/A. Renderers format what is here and never recompute a number.
This module owns the dataclasses; the deck.json writer and reader they call are in deck_json.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wbr.engine.deck_history import ActionItem, DeckHistory, Restatement
from wbr.engine.deck_json import JsonWriter, build_dataclass, plain
from wbr.engine.deck_json import loads as json_loads

SCHEMA_VERSION = 1
SERIES_WEEKS = 104  # weeks of Block.series in deck.json: two years keep it small


@dataclass(frozen=True)
class WeekPoint:
    """One week on the 6-12 chart: CY, PY (364 days earlier) and plan."""

    end: dt.date
    label: str
    cy: float | None
    py: float | None
    plan: float | None
    complete: bool


@dataclass(frozen=True)
class MonthPoint:
    """One complete month on the 6-12 chart: CY, the same month last year, and plan."""

    month: str
    label: str
    cy: float | None
    py: float | None
    plan: float | None
    complete: bool


@dataclass(frozen=True)
class BoxScore:
    """LastWk, WOW, YOY, MTD, YOY, QTD, YOY, YTD, YOY: values and % or bps comparisons."""

    last_week: float | None
    wow: float | None
    yoy: float | None
    mtd: float | None
    mtd_yoy: float | None
    qtd: float | None
    qtd_yoy: float | None
    ytd: float | None
    ytd_yoy: float | None


@dataclass(frozen=True)
class PlanScore:
    """Plan values over LastWk, MTD, QTD, YTD and the actual's variance to each (% or bps)."""

    last_week: float | None
    last_week_var: float | None
    mtd: float | None
    mtd_var: float | None
    qtd: float | None
    qtd_var: float | None
    ytd: float | None
    ytd_var: float | None


@dataclass(frozen=True)
class Flag:
    """Why a block is noteworthy, with the evidence a question can cite."""

    type: str
    rule: str
    date: dt.date | None
    value: float | None
    lower: float | None
    upper: float | None
    favourable: bool | None
    detail: str
    streak: int | None = None  # weeks running, this one included (1 = new); None: no history
    # Typed evidence: what questions and renderers read (never the words of `detail`).
    series: str | None = None  # raw | yoy | two_year | daily | count | plan | data | trend
    days: tuple[dt.date, ...] = ()  # the days of the deck's week the flag cites, oldest first
    py_days: tuple[dt.date, ...] = ()  # last year's days it cites (a base effect)
    mean: float | None = None  # XmR central line; for a count chart, the expected weekly count
    direction: str | None = None  # up | down (a signal); behind | ahead | off (plan)
    set_aside: str | None = None  # why it was not raised (README, deck.json); None: raised
    events: tuple[str, ...] = ()  # descriptions of the events file's entries it cites
    normal_base_yoy: float | None = None  # a base effect: YoY with last year's odd days at normal


@dataclass(frozen=True)
class Question:
    """A probing question a reviewer would ask, with the numbers it cites."""

    id: str
    severity: int
    text: str
    evidence: dict[str, Any] = field(default_factory=dict)
    open_weeks: int = 1  # decks in a row that asked it unanswered, this one included
    carried: bool = False  # asked by an earlier deck and not answered yet


@dataclass(frozen=True)
class DeckQuestion:
    """A question on the deck-level list: which block it belongs to, then the question."""

    block: int
    metric: str
    id: str
    severity: int
    text: str
    evidence: dict[str, Any] = field(default_factory=dict)
    open_weeks: int = 1
    carried: bool = False
    # the other blocks (metric ids) that ask the same question of their own numbers: correlated
    # metrics (four demand measures, one event in every block it touched) are listed once
    also: tuple[str, ...] = ()


@dataclass(frozen=True)
class Commentary:
    """Owner commentary for the week, with what the linter found wrong with it."""

    author: str
    text: str
    lint: tuple[str, ...] = ()


@dataclass(frozen=True)
class Event:
    """A noteworthy event (promotion, outage, launch) inside the block's trailing six weeks."""

    date: dt.date
    description: str


@dataclass(frozen=True)
class Status:
    """Data status: complete only when every day any window reads is present."""

    complete: bool
    missing_days: tuple[dt.date, ...] = ()
    complete_through: dt.date | None = None  # last day with a value, up to the week ending
    # the first day of data, when a window the deck reads (a PY one) starts before it: those
    # numbers are N/A because the history begins later, which is not missing data
    history_starts: dt.date | None = None


@dataclass(frozen=True)
class LimitSpan:
    """One set of XmR natural process limits and the weeks it was in effect (locked limits are
    recomputed only after a confirmed shift, so a series can carry several)."""

    start: dt.date  # first week end these limits applied to
    end: dt.date  # last week end they applied to
    mean: float  # central line
    lower: float  # lower natural process limit (mean - 2.66 mR)
    upper: float  # upper natural process limit (mean + 2.66 mR)
    reason: str  # the baseline, or the shift that forced the recompute


@dataclass(frozen=True)
class WeeklySeries:
    """The weekly series the XmR flags judged, oldest first, ending on the deck's week (at most
    SERIES_WEEKS weeks), with the limits in effect over it: what the explore view charts."""

    kind: str  # "raw": the metric's weekly values; "yoy": weekly YoY growth (% or bps)
    first_end: dt.date  # the first value's week end; the weeks are consecutive (see `ends`)
    values: tuple[float | None, ...]
    limits: tuple[LimitSpan, ...] = ()  # empty when XmR did not judge the metric (see note)
    signals: tuple[str, ...] = ()  # XmR rules the deck's week trips (raised or set aside)
    note: str | None = None  # why there are no limits, when there are none

    @property
    def ends(self) -> tuple[dt.date, ...]:
        """Each value's week end: every 7 days from first_end, the last one the deck's week."""
        return tuple(self.first_end + dt.timedelta(days=7 * k) for k in range(len(self.values)))


@dataclass(frozen=True)
class QuarterForecast:
    """QTD actual plus the plan for the rest of the fiscal quarter, against the quarter's plan."""

    forecast: float
    plan: float
    variance: float | None  # % or bps, like the box score
    quarter_end: dt.date


@dataclass(frozen=True)
class Block:
    """One metric's 6-12 chart, box score, plan, flags, questions and commentary."""

    number: int
    metric: str
    label: str
    section: str
    kind: str
    owner: str | None
    unit: str
    aggregation: str
    comparison: str
    polarity: str
    weeks: tuple[WeekPoint, ...]
    months: tuple[MonthPoint, ...]
    box: BoxScore
    plan: PlanScore | None
    status: Status
    flags: tuple[Flag, ...] = ()
    questions: tuple[Question, ...] = ()  # at most 3: the highest ranked, each on its own topic
    drivers: dict[str, Any] | None = None
    commentary: tuple[Commentary, ...] = ()
    events: tuple[Event, ...] = ()
    definition: str | None = None
    restatements: tuple[Restatement, ...] = ()  # its numbers changed since the earlier deck
    actions: tuple[ActionItem, ...] = ()  # open action items on this metric
    quarter_forecast: QuarterForecast | None = None
    series: WeeklySeries | None = None  # the weekly series and XmR limits judged
    more_questions: tuple[Question, ...] = ()  # the lower-ranked rest, for the appendix

    @property
    def flagged(self) -> bool:
        """True when any flag makes this block noteworthy."""
        return bool(self.flags)


@dataclass(frozen=True)
class Section:
    """A deck section and the numbers of its blocks, in order."""

    title: str
    blocks: tuple[int, ...]


@dataclass(frozen=True)
class Deck:
    """The whole week's review: cover facts, sections, blocks and the ranked questions."""

    title: str
    week_ending: dt.date
    week_number: int
    generated_at: str
    data_complete_through: dt.date | None
    calendar: dict[str, Any]
    sections: tuple[Section, ...]
    questions: tuple[DeckQuestion, ...]
    blocks: tuple[Block, ...]
    history: DeckHistory | None = None  # what changed since the earlier deck; None: not asked
    actions: tuple[ActionItem, ...] = ()  # every open action item, soonest due first
    period_days: dict[str, int] = field(default_factory=dict)  # days of the mtd, qtd, ytd windows
    schema_version: int = SCHEMA_VERSION

    def block(self, metric: str) -> Block:
        """The block of a metric id."""
        for block in self.blocks:
            if block.metric == metric:
                return block
        raise KeyError(metric)

    def to_dict(self) -> dict[str, Any]:
        """Plain dict in contract-2 key order, dates as ISO strings and NaN as None."""
        body = plain(self)
        first = {"schema_version": body.pop("schema_version")}
        return {**first, **body}

    def to_json(self, indent: int | None = 1) -> str:
        """deck.json text."""
        if indent is None or not isinstance(indent, int):
            return json.dumps(self.to_dict(), indent=indent, allow_nan=False)
        # the same text as json.dumps(self.to_dict(), indent=indent), written in one pass: with
        # an indent json falls back to its pure-Python encoder, ~3x slower than this
        parts: list[str] = []
        JsonWriter(parts, indent).fields(self, 0, lead="schema_version")
        return "".join(parts)

    def write_json(self, path: str | Path) -> Path:
        """Write deck.json atomically (a temporary file renamed into place)."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f".{path.name}.partial")
        try:
            with partial.open("w", encoding="utf-8") as handle:
                # written in pieces (see JsonWriter's sink): the same text as to_json(), without
                # holding all of it, and its millions of parts, at once
                parts: list[str] = []
                # the blocks (most of the text) half here, half in a forked child (fields_split)
                writer = JsonWriter(parts, 1, sink=handle.write, stream=handle)
                writer.fields_split(self, 0, "schema_version", "blocks")
                handle.write("".join(parts))
            partial.replace(path)
        except BaseException:  # a full disk leaves a truncated partial file: never keep it
            with contextlib.suppress(OSError):
                partial.unlink(missing_ok=True)
            raise
        return path

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Deck:
        """Rebuild a Deck from deck.json contents."""
        return build_dataclass(cls, data)

    @classmethod
    def from_json(cls, text: str | bytes) -> Deck:
        """Rebuild a Deck from deck.json text (str, or UTF-8 bytes)."""
        return cls.from_dict(json_loads(text))

    @classmethod
    def read_json(cls, path: str | Path) -> Deck:
        """Read a deck.json file."""
        return cls.from_json(Path(path).read_bytes())
