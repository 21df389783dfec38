"""Noteworthy-variance flags for one metric's deck week (the rules: docs/calculation-rules.md).

Owns the decision "is this week an exception?". The XmR chart (xmr.py) runs on the weekly
values, or on weekly YoY growth when last year predicts a week better than the recent level does;
daily STL residuals (residuals.py) pin the day; plan, data and trend rules are in
rule_flags.py. Cheap weekly and same-weekday screens run first; STL fits a bounded window,
and only for the few metrics whose week looks unusual.

A point signal (outside the limits, a big jump) is raised only when it is an exception in the WBR
sense. It is set aside when the other view disagrees (a raw peak whose YoY is routine, a YoY move
that growth on two years ago does not show), when the days that made it recur a year or two back
(a holiday), or when a known event within a day explains them. Nothing is dropped silently: what
was set aside is in `Assessment.explained` and in the detail of the first raised flag. A young
metric (no YoY chart yet) has no last year to ask: its raw signals must stand out from its own
recent trend (trend.py) or be explained by an unusual day, else growth or a season setting in
would be flagged week after week.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from wbr.analysis.flag_batch import Screens, screen_passes
from wbr.analysis.flag_days import (
    FitDeferred,
    WeekDays,
    day_words,
    residual_flag,
)
from wbr.analysis.flag_week import (
    COUNT_TAIL,
    EVENT_DAYS,
    ONE_OFF_Z,
    PINPOINT_Z,
    POINT_RULES,
    PY_DAYS,
    TREND_SHARE,
    TWO_YEAR_SHARE,
    WEEKS_PER_YEAR,
    YOUNG_WORDS,
    Assessment,
    MetricWeek,
    SetAside,
    WeeklyView,
    WeeklyViews,
    charted_views,
    events_words,
    is_seasonal,
    xmr_flag,
    yoy_series,
)
from wbr.analysis.residuals import (
    BATCH_AT_LEAST,
    ResidualDay,
    daily_window,
    residual_days,
    residual_days_of,
)
from wbr.analysis.rule_flags import (
    WeeklyRows,
    count_variance,
    count_weeks,
    data_flags,
    plan_flags,
    rare_count_mean,
    trend_flags,
)
from wbr.analysis.trend import TREND_WEEKS, trend_errors
from wbr.analysis.xmr import (
    HALFWAY_SCALING,
    MOVING_RANGE,
    NPL_SCALING,
    OUTSIDE_LIMITS,
    RUN_LENGTH,
    THREE_OF_FOUR,
    XmrChart,
    XmrLimits,
    XmrSignal,
    xmr_chart,
    xmr_limits,
    xmr_signals,
)
from wbr.engine.compare import favourable
from wbr.engine.config import FlagSettings, MetricConfig
from wbr.engine.deck import Flag, PlanScore
from wbr.engine.series import MetricHistory
from wbr.fmt import format_change, format_value

__all__ = [
    "Assessment",
    "ResidualDay",
    "XmrChart",
    "XmrLimits",
    "XmrSignal",
    "assess_metric",
    "flag_metric",
    "is_seasonal",
    "residual_days",
    "xmr_chart",
    "xmr_limits",
    "xmr_signals",
    "yoy_series",
]


# ----------------------------------------------------------------------------- judging signals


def _confirms(view: WeeklyView, signal: XmrSignal, share: float) -> bool | None:
    """Does a second view show the same point signal `share` of the way to its own limit?"""
    if view.chart is None:
        return None
    lim, x = view.chart.limits, view.values
    if signal.rule == OUTSIDE_LIMITS:
        return bool((x[-1] - lim.mean) * signal.side > share * NPL_SCALING * lim.mr_mean)
    if np.isnan(x[-2]):
        return None
    return bool((x[-1] - x[-2]) * signal.side > share * lim.url)


def _run_confirmed(view: WeeklyView, signal: XmrSignal) -> bool | None:
    """Does a second view sit on the same side of its mean for 3 in 4 of a shift's weeks?

    A YoY shift that growth on two years ago lacks was last year's doing; a raw shift that YoY
    lacks repeats last year's. None when the second view has no chart.
    """
    if view.chart is None:
        return None
    weeks = view.values[signal.since : signal.index + 1]
    weeks = weeks[~np.isnan(weeks)]
    if len(weeks) < 3:
        return None
    return bool(np.mean((weeks - view.chart.limits.mean) * signal.side > 0) >= 0.75)


def _shift_reason(
    views: WeeklyViews, view: WeeklyView, signal: XmrSignal, peak: SetAside | None
) -> SetAside | None:
    """Why a run of 8 or 3 of 4 is no shift (or None): it leans on the deck's week that was set
    aside as a recurring or explained peak, or the second view does not move with it."""
    if peak is not None:
        shorter = signal.index - signal.since < RUN_LENGTH  # the run without the deck's week
        if signal.rule == THREE_OF_FOUR or shorter:
            return SetAside(
                "shift_leans", f"it counts the deck's week, which was set aside ({peak.words})"
            )
    other = views["yoy" if view.name == "raw" else "two_year"]
    if view.name == "raw" and views.young():
        trend = views["trend"].chart
        confirmed = None if trend is None else any(s.side == signal.side for s in trend.signals)
        if confirmed is None:  # a run in the first weeks may be the season setting in
            words = f"no YoY yet, and too few weeks to tell a shift from a trend ({YOUNG_WORDS})"
            return SetAside("trend", words)
        if not confirmed:
            words = "no YoY yet, and the weeks follow their recent trend: a trend, not a shift"
            return SetAside("trend", words)
        return None
    if _run_confirmed(other, signal) is False:
        return SetAside("unconfirmed", f"{other.label} does not show the same shift")
    return None


def _odd_prior_week(week: MetricWeek, view: WeeklyView, signal: XmrSignal) -> str | None:
    """Last year's week, if it stood out from the two weeks either side of it by at least half
    of this week's YoY move, in the direction that makes that move: then last year's week made it.
    """
    assert view.chart is not None
    found = [week.ago(WEEKS_PER_YEAR + k) for k in (-2, -1, 0, 1, 2)]
    at = [position for position in found if position is not None]
    if len(at) < len(found):
        return None
    around = week.cy[at]
    if np.isnan(around).any() or (week.method == "pct" and (around <= 0).any()):
        return None
    if week.method in ("bps", "abs"):  # differences: in bps, or in the metric's unit
        scale = 10_000 if week.method == "bps" else 1
        then = (around[2] - np.mean(around[[0, 1, 3, 4]])) * scale
        move = view.values[-1] - view.chart.limits.mean
    else:
        then = float(np.log(around[2]) - np.mean(np.log(around[[0, 1, 3, 4]])))
        move = float(np.log1p(view.values[-1] / 100) - np.log1p(view.chart.limits.mean / 100))
    if -then * signal.side < 0.5 * abs(move):
        return None
    return f"{week.value(around[2])} vs about {week.value(float(np.mean(around[[0, 1, 3, 4]])))}"


def _odd_prior_days(
    week: MetricWeek, view: WeeklyView, signal: XmrSignal, days: WeekDays
) -> SetAside | None:
    """Last year's days that made a YoY signal: days of last year's week that stood out (robust
    z PINPOINT_Z against that year's weekday fit) the opposite way, without which this week's
    YoY is back inside its limits. Volumes only (a rate's days do not add up to its week)."""
    assert view.chart is not None
    if week.method != "pct" or week.history.denominator_rows is not None:
        return None
    py_end = week.week_end - dt.timedelta(days=PY_DAYS)
    py_start = py_end - dt.timedelta(days=6)
    if 1 not in days._prior:
        days._prior[1] = days._prior_days(1)
    odd = [
        (when, residual)
        for when, z, residual in days._prior[1]
        if py_start <= when <= py_end and abs(z) >= PINPOINT_Z and z * signal.side < 0
    ]
    py_week = daily_window(week.history.daily, pd.Timestamp(py_end), 7)
    if not odd or py_week is None or np.isnan(py_week).any() or (py_week <= 0).any():
        return None
    lifted = py_week.copy()
    for when, residual in odd:
        lifted[(when - py_start).days] /= math.exp(residual)  # the day at its fitted value
    lim = view.chart.limits
    normal = (week.cy[-1] / lifted.sum() - 1) * 100
    if not lim.lnpl <= normal <= lim.unpl:
        return None
    cited = tuple(when for when, _ in odd)
    found = [e for when in cited for e in week.named if abs((e[0] - when).days) <= EVENT_DAYS]
    words = ", ".join(
        f"{when:%a} {when.isoformat()} {week.value(py_week[(when - py_start).days])}"
        for when in cited
    )
    return SetAside(
        "base_effect",
        f"base effect: last year's {words} stood out; against a normal base YoY would be about"
        f" {format_change(normal, 'pct')}, inside the limits",
        py_days=cited,
        events=found,
        normal_base_yoy=float(normal),
    )


def _point_reason(
    week: MetricWeek, views: WeeklyViews, view: WeeklyView, signal: XmrSignal, days: WeekDays
) -> tuple[SetAside | None, list[ResidualDay]]:
    """Why a weekly point signal is no exception (or None), and the days where it happened."""
    assert view.chart is not None
    lim = view.chart.limits
    # a jump back towards the centre line ends last week's exception; it is not a new one
    inside = (view.values[-1] - lim.mean) * signal.side <= HALFWAY_SCALING * lim.mr_mean
    if signal.rule == MOVING_RANGE and inside:
        return SetAside(
            "jump_back", "the jump ends inside the halfway lines: last week was the unusual one"
        ), []
    if view.name == "raw" and _confirms(views["yoy"], signal, 0.5) is False:
        return SetAside("yoy_routine", "the same week last year moved the same way"), []
    if view.name == "yoy":
        base = _base_effect(week, views, view, signal, days)
        if base is not None:
            return base, []

    def pin(found: tuple[ResidualDay, ...]) -> list[ResidualDay]:
        return [d for d in found if abs(d.z) >= PINPOINT_Z and (d.z > 0) == (signal.side > 0)]

    pinned = pin(days.current)
    if not pinned and view.name == "raw" and views.young():
        # no YoY to judge by: a week that no unusual day explains must stand out from its trend
        if views["trend"].chart is None:
            words = f"no YoY yet, too few weeks for a trend ({YOUNG_WORDS}), and no day stood out"
            return SetAside("trend", words), []
        if _confirms(views["trend"], signal, TREND_SHARE) is False:
            return SetAside("trend", _trend_words(week, views["trend"])), []
    if pinned:
        reasons = [days.why_not(d) for d in pinned]
        if all(reasons):
            first_reason = next(r for r in reasons if r)
            words = "; ".join(dict.fromkeys(r.words for r in reasons if r))
            return replace(first_reason, words=words), pinned
        return None, pinned  # the raised flag names these days
    first = week.week_end - dt.timedelta(days=13 if signal.rule == MOVING_RANGE else 6)
    found = week.events_near(first, week.week_end)
    if view.name == "yoy":  # an event in last year's week moves YoY too
        py_end = week.week_end - dt.timedelta(days=PY_DAYS)
        found += week.events_near(py_end - dt.timedelta(days=6), py_end)
    if found:
        return SetAside("event", f"known event {events_words(found)}", events=found), []
    return None, []


def _trend_words(week: MetricWeek, view: WeeklyView) -> str:
    """Why a young metric's week is routine: what its recent trend predicted for it."""
    forecast = trend_errors(week.cy, TREND_WEEKS)[1][-1]
    return (
        f"no YoY yet, and the week is within the limits of its recent trend (the"
        f" {TREND_WEEKS} weeks before it predict about {week.value(float(forecast))})"
    )


def _base_effect(
    week: MetricWeek, views: WeeklyViews, view: WeeklyView, signal: XmrSignal, days: WeekDays
) -> SetAside | None:
    """A YoY point signal that last year's week made: its odd days (most specific, cited), growth
    on two years ago that is routine, or last year's week standing out from its neighbours."""
    by_day = _odd_prior_days(week, view, signal, days)
    if by_day is not None:
        return by_day
    py_days = _py_week(week)
    found = week.events_near(py_days[0], py_days[-1]) + [
        e for e in week.named if py_days[0] <= e[0] <= py_days[-1] and e not in week.events
    ]
    # half of a YoY move is last year's noise: growth on two years ago has to agree
    if _confirms(views["two_year"], signal, TWO_YEAR_SHARE) is False:
        words = "base effect: growth on two years ago is routine, so last year's week was odd"
        return SetAside("base_effect", words, py_days=py_days, events=found)
    odd = _odd_prior_week(week, view, signal)
    if odd is not None:
        words = f"base effect: last year's week stood out from the weeks around it ({odd})"
        return SetAside("base_effect", words, py_days=py_days, events=found)
    return None


def _py_week(week: MetricWeek) -> tuple[dt.date, ...]:
    """The seven days of last year's week (364 days earlier)."""
    end = week.week_end - dt.timedelta(days=PY_DAYS)
    return tuple(end - dt.timedelta(days=6 - i) for i in range(7))


def _count_limit(mean: float, variance: float) -> int:
    """The smallest count k with P(X >= k) < COUNT_TAIL: Poisson of this mean, or, for weeks more
    uneven than Poisson (variance above the mean: hours of rain come a wet day at a time, snow in
    winter only), the negative binomial with this mean and variance."""
    # both follow P(k) = P(k - 1) (grow + step (k - 1)) / k (the Panjer recursion)
    if variance <= mean:
        term, grow, step = math.exp(-mean), mean, 0.0
    else:
        size, stay = mean**2 / (variance - mean), mean / variance
        term, grow, step = stay**size, (1 - stay) * size, 1 - stay
    cumulative, k = term, 0
    while 1 - cumulative >= COUNT_TAIL:
        k += 1
        term *= (grow + step * (k - 1)) / k
        cumulative += term
    return k + 1


def _count_flags(week: MetricWeek, mean: float) -> list[Flag]:
    """A rare count's week against its count (c-chart) upper limit."""
    value = float(week.cy[-1])
    variance = count_variance(week.cy, mean)
    limit = _count_limit(mean, variance)
    if not np.isfinite(value) or value < limit:
        return []
    weeks = len(count_weeks(week.cy))
    uneven = variance > mean
    how = (
        f"weeks as uneven as the last {weeks} (mean {mean:.2g} a week, variance {variance:.2g})"
        if uneven
        else f"a steady rate of {mean:.2g} a week (the mean of the last {weeks} weeks)"
    )
    return [
        Flag(
            "xmr",
            OUTSIDE_LIMITS,
            week.week_end,
            value,
            None,
            float(limit),
            favourable(1.0, week.metric.polarity),
            f"weekly count: {week.value(value)} is at or above {week.value(limit)}, a count that"
            f" {how} reach{'' if uneven else 'es'} less than 1 week in 700",
            series="count",
            mean=mean,
            direction="up",
        )
    ]


def _signal_flags(
    week: MetricWeek,
    built: dict[str, WeeklyView] | None = None,
    fitted: tuple[ResidualDay, ...] | None = None,
    defer: bool = False,
) -> tuple[list[Flag], list[Flag], WeeklyView | None]:
    """XmR flags on the chosen weekly series and seasonal residual flags on the week's days
    (`built`: views already charted, flag_week.charted_views; `fitted`, `defer`: WeekDays)."""
    settings = week.settings
    raised: list[Flag] = []
    aside: list[Flag] = []
    view: WeeklyView | None = None
    days = WeekDays(week, fitted, defer)
    rare = rare_count_mean(week.history, week.metric)
    if rare is not None:  # limits of 0 to 0 and z-scores of thousands mean nothing here
        return (_count_flags(week, rare) if settings.xmr else []), [], None
    if settings.xmr:
        views = WeeklyViews(week, built)
        view = views.chosen()
        peak = None  # why the deck's week, outside its limits, was set aside
        for signal in view.chart.signals if view.chart else ():
            flag = xmr_flag(week, view, signal)
            if signal.rule in POINT_RULES:
                reason, pinned = _point_reason(week, views, view, signal, days)
                if signal.rule == OUTSIDE_LIMITS:
                    peak = reason
                if pinned and not reason:
                    words = ", ".join(day_words(week, d) for d in pinned)
                    named = [t for d in pinned for t in week.texts_near(d.date)]
                    flag = replace(
                        flag,
                        detail=f"{flag.detail}; the unusual days: {words}",
                        days=tuple(d.date for d in pinned),
                        events=tuple(dict.fromkeys(named)),
                    )
            else:
                reason = _shift_reason(views, view, signal, peak)
                start = week.ends[signal.since].date()
                found = week.events_near(start - dt.timedelta(days=6), start)
                if found and not reason:
                    note = f"the run starts near {events_words(found)}"
                    flag = replace(
                        flag,
                        detail=f"{flag.detail}; {note}",
                        events=tuple(text for _, text in found),
                    )
            if reason:
                aside.append(reason.apply(flag))
            else:
                raised.append(flag)
    one_off = week.one_off_days() if settings.seasonal else frozenset()
    if settings.seasonal and (one_off or days.fitted or days.screen()):
        for day in days.current:
            if abs(day.z) >= settings.seasonal_z:
                flag = residual_flag(week, day)
            elif day.date in one_off and abs(day.z) >= ONE_OFF_Z:
                flag = residual_flag(week, day, ONE_OFF_Z)
            else:
                continue
            why = days.why_not(day)
            if why:
                aside.append(why.apply(flag))
            else:
                raised.append(flag)
    return raised, aside, view


# ----------------------------------------------------------------------------- entry points


def assess_metric(
    history: MetricHistory,
    metric: MetricConfig,
    settings: FlagSettings,
    events: Sequence[tuple[dt.date, str]] = (),
    *,
    plan_score: PlanScore | None = None,
    named: Sequence[tuple[dt.date, str]] = (),
    screens: Screens | None = None,
) -> Assessment:
    """Every flag of the deck's week (the last weekly row), plus the signals set aside and why.

    `events` are (date, description) pairs for this metric or the whole business; `plan_score`
    (the block's PlanScore) adds its MTD/QTD/YTD variances to the plan-miss test. `events` may
    explain a signal away (pass the recurring ones); `named` are all the metric's events, one-off
    ones too: a day recurs only when the same event (or none) is named a year apart, and flags
    cite the events on their days. `screens`: this metric's screens, worked out for every metric
    at once (flag_batch.screens); the same answers as without them, sooner.
    """
    inputs = MetricInputs(
        history, metric, settings, tuple(events), plan_score, tuple(named), screens
    )
    return _assess_week(inputs, _metric_week(inputs))


@dataclass(frozen=True)
class MetricInputs:
    """assess_metric's arguments for one metric."""

    history: MetricHistory
    metric: MetricConfig
    settings: FlagSettings
    events: tuple[tuple[dt.date, str], ...] = ()
    plan_score: PlanScore | None = None
    named: tuple[tuple[dt.date, str], ...] = ()
    screens: Screens | None = None


def assess_metrics(inputs: Sequence[MetricInputs]) -> list[Assessment]:
    """`assess_metric` of each metric, the XmR charts of all worked out at once (the same
    answers, sooner: flag_week.charted_views)."""
    weeks = [_metric_week(one) for one in inputs]
    return _assessed_together(inputs, weeks, charted_views(weeks))


def _assessed_together(
    inputs: Sequence[MetricInputs],
    weeks: Sequence[MetricWeek],
    built: Sequence[dict[str, WeeklyView]],
) -> list[Assessment]:
    """_assess_week of each week, the STL fits of the days worked out together (the same
    answers, sooner): first the weeks sure to need one (a seasonal metric whose weekday screen
    passed or whose week has a one-off event), then those found to need one when assessed (a
    point signal the days may place), assessed again with it."""
    sure = [
        at
        for at, week in enumerate(weeks)
        if week.settings.seasonal and (week.screened or week.one_off_days())
    ]
    fitted = _fitted_days(weeks, sure)
    found: list[Assessment | None] = []
    deferred = []
    for at, args in enumerate(zip(inputs, weeks, built, strict=True)):
        try:
            found.append(_assess_week(*args, fitted.get(at), defer=True))
        except FitDeferred:
            found.append(None)
            deferred.append(at)
    fitted = _fitted_days(weeks, deferred)
    return [
        _assess_week(inputs[at], weeks[at], built[at], fitted.get(at))
        if assessment is None
        else assessment
        for at, assessment in enumerate(found)
    ]


def _fitted_days(
    weeks: Sequence[MetricWeek], wanted: list[int]
) -> dict[int, tuple[ResidualDay, ...]]:
    """The residual days of the wanted weeks, fitted together: none when too few for a batch
    (WeekDays then fits each itself)."""
    if len(wanted) < BATCH_AT_LEAST:
        return {}
    requests = [(weeks[at].history.daily, weeks[at].week_end) for at in wanted]
    return dict(zip(wanted, residual_days_of(requests), strict=True))


def _metric_week(inputs: MetricInputs) -> MetricWeek:
    """The metric's week as the flag pass reads it."""
    screens, settings = inputs.screens, inputs.settings
    return MetricWeek(
        inputs.history,
        inputs.metric,
        settings,
        inputs.events,
        WeeklyRows.of(inputs.history),
        inputs.named or inputs.events,
        seasonal=screens.seasonal if screens else None,
        screened=screen_passes(screens, settings.seasonal_z) if screens else None,
    )


def _assess_week(
    inputs: MetricInputs,
    week: MetricWeek,
    built: dict[str, WeeklyView] | None = None,
    fitted: tuple[ResidualDay, ...] | None = None,
    *,
    defer: bool = False,
) -> Assessment:
    """assess_metric on the metric's week (`built`: views already charted; `fitted`: its
    residual days, fitted ahead; `defer`: raise FitDeferred rather than fit them here)."""
    history, metric, settings = inputs.history, inputs.metric, inputs.settings
    screens = inputs.screens
    rows = week.rows
    flags = data_flags(history, metric, settings, rows, screens.week_days if screens else None)
    aside: list[Flag] = []
    view, skipped = None, None
    denominator = history.denominator_rows
    small = denominator is not None and denominator.cy[-1] < settings.min_denominator
    if small:
        assert denominator is not None
        skipped = (
            f"XmR and seasonal flags not judged: the denominator"
            f" {format_value(float(denominator.cy[-1]), 'count')} is below"
            f" min_denominator {settings.min_denominator:g}"
        )
    else:
        raised, aside, view = _signal_flags(week, built, fitted, defer)
        flags += raised
    flags += plan_flags(history, metric, settings, inputs.plan_score, rows)
    flags += trend_flags(history, metric, settings)
    if aside and flags:
        why = "; ".join(f"{f.type}/{f.rule} ({f.detail.split('. ')[0]})" for f in aside)
        flags[0] = replace(flags[0], detail=f"{flags[0].detail}; also set aside: {why}")
    return Assessment(
        tuple(flags),
        tuple(aside),
        view.name if view else None,
        view.chart if view else None,
        skipped,
        view.values if view else None,
        rows,
    )


def flag_metric(
    history: MetricHistory,
    metric: MetricConfig,
    settings: FlagSettings,
    events: Sequence[tuple[dt.date, str]] = (),
    *,
    plan_score: PlanScore | None = None,
) -> tuple[Flag, ...]:
    """The flags that make the deck's week of one metric noteworthy: data, XmR, seasonal, plan."""
    return assess_metric(history, metric, settings, events, plan_score=plan_score).flags
