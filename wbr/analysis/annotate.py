"""The analysis step: fill each numeric block's flags, drivers, commentary and questions.

engine.build makes the numeric blocks (windows, box score, plan) and the full weekly history of
every metric; this module adds what a reviewer reads next, in one pass over the deck:

1. flags (analysis.flags) for every block's metric and every metric linked to one through `drives`,
   with the events for that metric or the whole business inside the history's range;
2. drivers (analysis.drivers): contribution by dimension, mix/rate for ratios;
3. commentary (analysis.commentary): this week's owner text, linted, plus last week's and the
   streak;
4. the field dictionary of each block (`questions.Facts`), including the quarter forecast
   (QTD actual plus the plan for the rest of the fiscal quarter, against the quarter's plan; the
   engine's Block.quarter_forecast), then the questions (analysis.questions), most severe first.

`rank_questions` then lists every block's questions for the deck's summary page.

Steps 1 and 4 are per metric and per block given what is in memory (step 4 reads every metric's
flags, so it starts once they are all known): on a big deck each is split between this process
and a forked one (analysis.parallel), with the same answers in the same order. Step 1 can begin
before the blocks exist (`flags_started`: it reads only their plan scores), so that build_deck
makes them while the fork judges its part.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from wbr.analysis import flag_batch, flags, parallel, residuals
from wbr.analysis.commentary import commentary_by_metric
from wbr.analysis.drivers import compute_drivers
from wbr.analysis.flag_week import Assessment
from wbr.analysis.questions import Facts, XmrView, ask, rank, select
from wbr.analysis.questions.engine import a_year_earlier, event_key
from wbr.analysis.weekly_series import weekly_series
from wbr.engine.config import Config
from wbr.engine.deck import (
    Block,
    DeckQuestion,
    Event,
    Flag,
    PlanScore,
    Question,
    WeeklySeries,
)
from wbr.engine.frozen import replaced
from wbr.engine.series import MetricHistory, WeeklyRows
from wbr.engine.sources import Dataset

# a metric's flags (signals set aside included), the XmR view the questions read, whether the
# flags read weekly rows, and the judged weekly series for Block.series
Judgement = tuple[tuple[Flag, ...], XmrView | None, bool, WeeklySeries | None]


# The parent's share of the metrics the flag pass judges, and of the blocks whose questions are
# asked, when the analysis forks. The child's answers are pickled there, sent and unpickled
# here, and the child starts cold (each page it writes is copied first): measured at 1,000 and
# 10,000 metrics its part took 10-15% longer than the parent's, so an even split left the
# parent waiting (0.1-0.25 s for the flags at 10,000); a parent with a few percent more work
# finishes with the child.
PARENT_SHARE = 0.53
# The parent's share of the flag pass when it makes the deck's blocks meanwhile (build_deck):
# at 10,000 metrics the blocks take ~0.24 s, about an eighth of the flag pass.
PARENT_SHARE_BESIDE_BLOCKS = 0.44


def _driven_by(config: Config) -> dict[str, list[str]]:
    """Per metric, the metrics whose `drives` list it, in config order (one pass, not n x n)."""
    inputs: dict[str, list[str]] = {}
    for m, spec in config.metrics.items():
        for driven in dict.fromkeys(spec.drives):
            inputs.setdefault(driven, []).append(m)
    return inputs


def _linked(config: Config, metrics: list[str], inputs: Mapping[str, list[str]]) -> list[str]:
    """The deck's metrics plus every metric linked to one of them through `drives`."""
    wanted = dict.fromkeys(metrics)
    for metric in metrics:
        if metric not in config.metrics:
            continue
        wanted.update(dict.fromkeys(m for m in config.metrics[metric].drives))
        wanted.update(dict.fromkeys(inputs.get(metric, ())))
    return [m for m in wanted if m in config.metrics]


def _events(
    events: pd.DataFrame | None, first: dt.date, last: dt.date
) -> tuple[tuple[Event, ...], dict[str, tuple[Event, ...]]]:
    """Events from `first` to `last` by date: (business-wide ones, {metric: its own ones})."""
    if events is None or events.empty:
        return (), {}
    days = pd.to_datetime(events["date"]).dt.date
    inside = events.assign(day=days).loc[((days >= first) & (days <= last)).to_numpy()]
    inside = inside.sort_values("day", kind="stable")
    everyone = inside["metric"].isna().to_numpy()
    listed = [
        (metric, Event(day, str(text)))
        for metric, day, text in zip(
            inside["metric"], inside["day"], inside["description"], strict=True
        )
    ]
    common = tuple(e for (_, e), wide in zip(listed, everyone, strict=True) if wide)
    own: dict[str, list[Event]] = {}
    for (metric, event), wide in zip(listed, everyone, strict=True):
        if not wide:
            own.setdefault(str(metric), []).append(event)
    return common, {m: tuple(found) for m, found in own.items()}


def recurring_events(events: pd.DataFrame | None) -> set[tuple[dt.date, str]]:
    """Events that also happened about a year earlier (same description, years ignored).

    Only these may explain away a flag: a peak that recurs (Black Friday, an annual sale) is not an
    exception, but a one-off event (an outage, a launch) is exactly what the review should see;
    it is shown on the block and cited by the questions instead.
    """
    if events is None or events.empty:
        return set()
    days = pd.to_datetime(events["date"]).dt.date.tolist()
    names = [event_key(str(text)) for text in events["description"]]
    seen: dict[str, list[dt.date]] = {}
    for day, name in zip(days, names, strict=True):
        seen.setdefault(name, []).append(day)
    recurring = set()
    for day, name, text in zip(days, names, events["description"], strict=True):
        if any(a_year_earlier(other, day) for other in seen[name]):
            recurring.add((day, str(text)))
    return recurring


def _inputs(
    history: MetricHistory,
    config: Config,
    metric: str,
    events: tuple[Event, ...],
    plan: PlanScore | None,
    named: tuple[Event, ...] = (),
    screens: flag_batch.Screens | None = None,
) -> flags.MetricInputs:
    """What the flag pass reads of one metric: `named` are all the metric's events, `events`
    the recurring ones that may explain a signal."""
    return flags.MetricInputs(
        history,
        config.metrics[metric],
        config.flag_settings(metric),
        tuple((e.date, e.description) for e in events),
        plan,
        tuple((e.date, e.description) for e in named),
        screens,
    )


def _judged(
    assessment: Assessment, inputs: flags.MetricInputs
) -> tuple[tuple[Flag, ...], XmrView | None, dict[str, np.ndarray] | None, WeeklySeries | None]:
    """Flags of one metric's week, the XmR chart they were judged on (None without one),
    the weekly cy/py/plan arrays the flags read (None when they do not say) and the judged
    weekly series with its limits for Block.series. The flags include the signals set aside
    (`Flag.set_aside` says why)."""
    history = inputs.history
    rows = assessment.rows
    weekly = None if rows is None else {"cy": rows.cy, "py": rows.py, "plan": rows.plan}
    view = None
    chart = assessment.chart
    if chart is not None and assessment.xmr_series in ("raw", "yoy"):
        values = assessment.series
        if values is None and assessment.xmr_series == "raw":
            values = history.weekly["cy"].to_numpy(dtype=float)
        elif values is None:
            values = flags.yoy_series(history.weekly, inputs.metric.comparison_method)
        limits = chart.limits
        no_lower = bool(
            assessment.xmr_series == "raw" and limits.lnpl < 0 and np.nanmin(values) >= 0
        )
        view = XmrView(assessment.xmr_series, values, limits.mean, limits.mr_mean, no_lower)
    found = assessment.flags + assessment.explained
    return found, view, weekly, weekly_series(assessment, history)


@dataclass(frozen=True)
class Flagged:
    """The flag pass over a deck's metrics and those linked to them: each metric's events (its
    own and the business's), its own only, and each judged metric's Judgement."""

    metrics: tuple[str, ...]  # the deck's blocks' metrics, in order
    linked: tuple[str, ...]
    driven_by: dict[str, list[str]]  # per metric, the metrics whose `drives` list it
    events: dict[str, tuple[Event, ...]]
    own: dict[str, tuple[Event, ...]]
    judgements: dict[str, Judgement]


@contextlib.contextmanager
def flags_started(
    histories: Mapping[str, MetricHistory],
    config: Config,
    dataset: Dataset,
    week_ending: dt.date,
    metrics: Sequence[str],
    plans: Mapping[str, PlanScore | None],
    parent_share: float = PARENT_SHARE,
) -> Iterator[Callable[[], Flagged]]:
    """The flag pass of `metrics` (the deck's blocks' metrics, in order; `plans`: their blocks'
    plan scores) and of the metrics linked to them, begun on entry: on a big deck a forked child
    judges its part while this process does other work in the `with` block (the deck's blocks:
    analysis.parallel.started), until it calls what the block is given for the Flagged; this
    process judges the first `parent_share` of the metrics."""
    driven_by = _driven_by(config)
    linked = _linked(config, list(metrics), driven_by)
    # each distinct week-end index once (the metrics share one: a Timestamp each cost 10 us)
    indexes = {id(h.ends): h.ends for h in histories.values() if len(h.ends)}
    first = min(
        (ends[0].date() - dt.timedelta(days=6) for ends in indexes.values()), default=week_ending
    )
    common, own = _events(dataset.events, first, week_ending)
    events = {m: tuple(sorted([*common, *own.get(m, ())], key=lambda e: e.date)) for m in linked}
    recurring = recurring_events(dataset.events)
    explaining = {
        m: tuple(e for e in found if (e.date, e.description) in recurring)
        for m, found in events.items()
    }
    judged = [m for m in linked if m in histories]
    reference = histories[judged[0]] if judged else None  # the screens' shared calendar

    def judge(chunk: Sequence[str]) -> list[Judgement]:
        """Some metrics' flags (a fork may work these out: what it returns is pickled, so the
        weekly rows, views of the history's arrays, are read again in this process)."""
        screens = flag_batch.screens(histories, chunk, reference)  # the chunk's, at once
        inputs = [
            _inputs(
                histories[metric],
                config,
                metric,
                explaining[metric],
                plans.get(metric),
                events[metric],
                screens.get(metric),
            )
            for metric in chunk
        ]
        judgements = []
        for one, assessment in zip(inputs, flags.assess_metrics(inputs), strict=True):
            found, view, rows, judged_series = _judged(assessment, one)
            judgements.append((found, view, rows is not None, judged_series))
        return judgements

    def prepare() -> None:
        """Before forking: import statsmodels' STL (~5-20 ms) if a metric may be sent to it
        (its weekday screen, worked out in each process, decides), so that it is imported once,
        not in each process."""
        if any(config.flag_settings(metric).seasonal for metric in judged):
            residuals.import_stl()

    with parallel.started(judge, judged, prepare=prepare, parent_share=parent_share) as answers:

        def flagged() -> Flagged:
            judgements = dict(zip(judged, answers(), strict=True))
            return Flagged(tuple(metrics), tuple(linked), driven_by, events, own, judgements)

        yield flagged


def analyse(
    blocks: tuple[Block, ...],
    histories: Mapping[str, MetricHistory],
    config: Config,
    dataset: Dataset,
    week_ending: dt.date,
    flagged: Flagged | None = None,
) -> tuple[Block, ...]:
    """Blocks with flags, drivers, commentary and questions filled in (`flagged`: their flag
    pass, begun with flags_started; else it is run here)."""
    metrics = [b.metric for b in blocks]
    by_metric = {b.metric: b for b in blocks}
    if flagged is None or list(flagged.metrics) != metrics:
        plans = {b.metric: b.plan for b in blocks}
        with flags_started(histories, config, dataset, week_ending, metrics, plans) as flag_pass:
            flagged = flag_pass()
    driven_by, events, own = flagged.driven_by, flagged.events, flagged.own
    judgements = flagged.judgements

    flags_by_metric: dict[str, tuple[Flag, ...]] = {}
    aside_by_metric: dict[str, tuple[Flag, ...]] = {}
    views: dict[str, XmrView | None] = {}
    weekly: dict[str, dict[str, np.ndarray] | None] = {}
    series: dict[str, WeeklySeries | None] = {}
    for metric in flagged.linked:
        if metric in histories:
            found, view, has_rows, series[metric] = judgements[metric]
            flags_by_metric[metric] = tuple(f for f in found if f.set_aside is None)
            aside_by_metric[metric] = tuple(f for f in found if f.set_aside is not None)
            rows = WeeklyRows.of(histories[metric]) if has_rows else None
            views[metric] = view
            weekly[metric] = None if rows is None else _weekly(rows)
        elif metric in by_metric:
            flags_by_metric[metric] = by_metric[metric].flags

    drivers = compute_drivers(dataset, config, week_ending, metrics)
    comments = commentary_by_metric(dataset.commentary, week_ending, metrics)

    filled_blocks = [
        replaced(
            block,
            flags=flags_by_metric.get(block.metric, block.flags),
            drivers=drivers.get(block.metric),
            commentary=comments[block.metric].current,
            series=series.get(block.metric, block.series),
        )
        for block in blocks
    ]

    def question(filled: Block) -> tuple[tuple[Question, ...], tuple[Question, ...]]:
        """One block's questions: (its top ones, the rest); a fork may work this out."""
        metric = filled.metric
        inputs = driven_by.get(metric, [])
        facts = Facts(
            block=filled,
            history=histories.get(metric),
            metric=config.metrics[metric],
            config=config,
            week_ending=week_ending,
            flags_by_metric=flags_by_metric,
            commentary=comments[metric],
            forecast=filled.quarter_forecast,
            events=events.get(metric, ()),
            input_events=tuple((m, e) for m in inputs for e in own.get(m, ())),
            complete_through=filled.status.complete_through,
            xmr=views.get(metric),
            weekly_rows=weekly.get(metric),
            driven_by=driven_by,
            set_aside=aside_by_metric.get(metric, ()),
        )
        return select(ask(facts))

    asked = parallel.split_map(question, filled_blocks, parent_share=PARENT_SHARE)
    return tuple(
        replaced(filled, questions=top, more_questions=more)
        for filled, (top, more) in zip(filled_blocks, asked, strict=True)
    )


def _weekly(rows: WeeklyRows) -> dict[str, np.ndarray]:
    """The weekly cy/py/plan arrays the flags read, for the questions."""
    return {"cy": rows.cy, "py": rows.py, "plan": rows.plan}


def rank_questions(blocks: tuple[Block, ...]) -> tuple[DeckQuestion, ...]:
    """Every block's questions, most severe first (then by block number and catalogue order)."""
    return rank(blocks)


__all__ = ["analyse", "rank_questions"]
