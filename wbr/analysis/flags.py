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
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from wbr.analysis.residuals import (
    RESIDUAL_WEEKS,
    ResidualDay,
    daily_window,
    residual_days,
    weekday_residuals,
    weekday_screen,
)
from wbr.analysis.rule_flags import (
    COUNT_WEEKS,
    WeeklyRows,
    data_flags,
    plan_flags,
    rare_count_mean,
    trend_flags,
)
from wbr.analysis.trend import TREND_WEEKS, trend_errors
from wbr.analysis.xmr import (
    HALFWAY_SCALING,
    MIN_POINTS,
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
from wbr.engine.compare import compare_arrays, favourable
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

WEEKS_PER_YEAR = 52
PY_DAYS = 364
LEVEL_SPAN = 26  # weeks of level the seasonal test compares last year's week against
SCREEN_SHARE = 0.9  # run STL when the same-weekday screen reaches 0.9 x seasonal_z
PINPOINT_Z = 3.5  # a day this unusual is where a weekly signal happened
RECUR_Z = 3.0  # a day a year back this unusual, same sign, half the size: the peak recurs
RECUR_DAYS = 3  # a fixed-date holiday drifts 1-2 days a year against the 364-day comparison
# A day recurs only if last year's stood out the same way at a comparable size: its residual
# (log units) within half to twice this one's. A storm cutting a day by 80% a year ago does not
# make this year's closure (-99.5%) routine; on the tuning seeds the bounds keep every recurring
# holiday set aside (their size varies by less than 1.5x).
RECUR_SIZE = (0.5, 2.0)
YEAR_AWARE_DAYS = 56  # days of daily YoY before the week that set what a routine day's YoY is
EVENT_DAYS = 1  # an event explains what happened within a day of it
POINT_RULES = (OUTSIDE_LIMITS, MOVING_RANGE)
# A YoY point signal needs growth on two years ago 80% of the way to its own limit. Half of a YoY
# move is last year's noise; on the acceptance scenario (720 plain or holiday metrics) a halfway
# bar left 11 false YoY point flags, this one 5, and every shock was still found.
TWO_YEAR_SHARE = 0.8
# Rare counts (a sum of whole numbers averaging under RARE_WEEKLY_MEAN a week): XmR limits lock
# at "0 to 0" and STL z-scores explode, so the week is judged against a Poisson count (c-chart)
# instead: flagged when a count this high has a chance under COUNT_TAIL (3-sigma, one-sided).
COUNT_TAIL = 0.00135
# A young metric (no YoY chart yet): a raw point signal is raised only when the week is also this
# share of the way to the limit of its errors against the recent trend (trend.py).
TREND_SHARE = 1.0
YOUNG_WORDS = f"a trend check needs {TREND_WEEKS + MIN_POINTS + 1} weeks"


@dataclass(frozen=True)
class Assessment:
    """Everything the flag pass decided about one metric's week."""

    flags: tuple[Flag, ...]
    explained: tuple[Flag, ...]  # signals not raised; each detail starts with why
    xmr_series: str | None  # "raw" or "yoy": the weekly series the XmR flags are about
    chart: XmrChart | None  # that series' chart, judged at the deck's week
    skipped: str | None = None  # why XmR and seasonal flags were not judged at all
    # that series' values and the weekly rows read, so that callers need not read them again
    series: np.ndarray | None = field(default=None, compare=False, repr=False)
    rows: WeeklyRows | None = field(default=None, compare=False, repr=False)


# ----------------------------------------------------------------------------- weekly series


def yoy_series(weekly: pd.DataFrame, comparison: str) -> np.ndarray:
    """Weekly YoY growth: % change on the week 364 days earlier, or the bps difference for rates."""
    return compare_arrays(weekly["cy"].to_numpy(), weekly["py"].to_numpy(), comparison)


def _trailing_error(x: np.ndarray, span: int) -> np.ndarray:
    """Each point minus the mean of the `span` points before it (NaN where any is missing)."""
    missing = np.isnan(x)
    total = np.concatenate(([0.0], np.cumsum(np.where(missing, 0.0, x))))
    gaps = np.concatenate(([0], np.cumsum(missing)))
    out = np.full_like(x, np.nan)
    out[span:] = x[span:] - (total[span:-1] - total[: -span - 1]) / span
    out[span:][gaps[span:-1] - gaps[: -span - 1] > 0] = np.nan
    return out


def is_seasonal(values: np.ndarray) -> bool:
    """True when last year's same week predicts a week better than the last half-year's level.

    Two forecasts of each past week: the mean of the 26 weeks before it (what locked raw limits
    assume) and the same week last year grown by the mean YoY of those 26 weeks; the smaller
    median absolute error wins. A yearly pattern (a summer dip, a peak season) or a trend that
    outruns the noise makes the YoY forecast win; noise around a level makes the level forecast
    win, since a YoY difference carries two weeks of noise. Until there are 26 weeks of YoY to
    test, the YoY error is taken as its noise-only value, the median week-to-week change. Needs
    about 30 weeks; the deck's own week is left out of the decision.
    """
    x = np.asarray(values[:-1], dtype=float)
    if (x[~np.isnan(x)] > 0).all():
        x = np.log(x)
    level_error = _trailing_error(x, LEVEL_SPAN)
    level_error = level_error[~np.isnan(level_error)]
    if len(level_error) < LEVEL_SPAN // 2:
        return False
    yoy = np.full_like(x, np.nan)
    yoy[WEEKS_PER_YEAR:] = x[WEEKS_PER_YEAR:] - x[:-WEEKS_PER_YEAR]
    seasonal_error = _trailing_error(yoy, LEVEL_SPAN)
    seasonal_error = seasonal_error[~np.isnan(seasonal_error)]
    if len(seasonal_error) >= LEVEL_SPAN // 2:
        yoy_error = float(np.median(np.abs(seasonal_error)))
    else:
        yoy_error = float(np.nanmedian(np.abs(np.diff(x))))
    return bool(yoy_error < np.median(np.abs(level_error)))


# ----------------------------------------------------------------------------- the metric's week


@dataclass(frozen=True)
class _Week:
    """One metric's inputs to the flag pass; the deck's week is the last weekly row."""

    history: MetricHistory
    metric: MetricConfig
    settings: FlagSettings
    events: tuple[tuple[dt.date, str], ...]  # the recurring events, which may explain a signal
    rows: WeeklyRows
    named: tuple[tuple[dt.date, str], ...] = ()  # every event of the metric, one-off ones too

    @property
    def ends(self) -> pd.DatetimeIndex:
        return self.rows.ends

    @property
    def cy(self) -> np.ndarray:
        return self.rows.cy

    @property
    def week_end(self) -> dt.date:
        return self.rows.week_end

    @property
    def method(self) -> str:
        return self.metric.comparison_method

    def value(self, value: float) -> str:
        return format_value(value, self.metric.unit)

    def ago(self, weeks: int) -> int | None:
        """Position of the week `weeks` weeks before the deck's week, if the history has it."""
        target = self.rows.last - pd.Timedelta(weeks=weeks)
        at = int(self.ends.searchsorted(target))
        return at if at < len(self.ends) and self.ends[at] == target else None

    def events_near(self, first: dt.date, last: dt.date) -> list[tuple[dt.date, str]]:
        """Events from `first` to `last`, give or take EVENT_DAYS."""
        lo, hi = first - dt.timedelta(EVENT_DAYS), last + dt.timedelta(EVENT_DAYS)
        return [(day, text) for day, text in self.events if lo <= day <= hi]

    def names_near(self, day: dt.date) -> set[str]:
        """The events file's names (years stripped, lower case) within EVENT_DAYS of a day."""
        lo, hi = day - dt.timedelta(EVENT_DAYS), day + dt.timedelta(EVENT_DAYS)
        return {event_key(text) for when, text in self.named if lo <= when <= hi}

    def texts_near(self, day: dt.date) -> tuple[str, ...]:
        """Descriptions of the events within EVENT_DAYS of a day, as the file has them."""
        lo, hi = day - dt.timedelta(EVENT_DAYS), day + dt.timedelta(EVENT_DAYS)
        return tuple(dict.fromkeys(text for when, text in self.named if lo <= when <= hi))


_YEAR = re.compile(r"\b(19|20)\d\d\b")


def event_key(text: str) -> str:
    """An event's name without its year: 'Black Friday 2025' and 'Black Friday 2026' match."""
    return _YEAR.sub("", text).strip().lower()


def _events_words(found: Sequence[tuple[dt.date, str]]) -> str:
    return "; ".join(f"'{text}' on {day.isoformat()}" for day, text in found)


@dataclass(frozen=True)
class _Aside:
    """Why a signal is not raised: a code for Flag.set_aside, the words, and what it cites."""

    # recurring | event | yoy_routine | base_effect | jump_back | shift_leans | unconfirmed |
    # trend (a young metric's week follows its recent trend)
    code: str
    words: str
    py_days: tuple[dt.date, ...] = ()
    events: Sequence[tuple[dt.date, str]] = ()
    normal_base_yoy: float | None = None

    def apply(self, flag: Flag) -> Flag:
        """The flag, marked set aside: its detail starts with why."""
        return replace(
            flag,
            detail=f"not raised: {self.words}. {flag.detail}",
            set_aside=self.code,
            py_days=self.py_days or flag.py_days,
            normal_base_yoy=self.normal_base_yoy,
            events=tuple(dict.fromkeys([*flag.events, *(text for _, text in self.events)])),
        )


@dataclass(frozen=True)
class _View:
    """One weekly series the XmR runs on, with its chart and how its numbers read."""

    name: str  # raw | yoy | two_year
    label: str  # the series in words; flag details start with it (the question engine reads it)
    values: np.ndarray
    chart: XmrChart | None

    def say(self, week: _Week, value: float) -> str:
        """A value of this series: the metric's value, or a signed % / bps growth."""
        if self.name == "raw":
            return week.value(value)
        return format_change(value, week.method, week.metric.unit)

    def say_step(self, week: _Week, step: float) -> str:
        """A week-to-week difference of this series (pp for % growth)."""
        if self.name == "raw":
            return week.value(step)
        if week.method == "abs":  # a change of YoY differences, in the metric's unit
            return format_change(step, "abs", week.metric.unit).lstrip("+")
        return f"{step:,.0f} bps" if week.method == "bps" else f"{step:.1f} pp"


def _view(week: _Week, name: str) -> _View:
    """The raw, YoY or two-year growth series of the metric's weeks, with its locked chart."""
    if name == "raw":
        values, label = week.cy, "weekly values"
    elif name == "yoy":
        values = compare_arrays(week.cy, week.rows.py, week.method)
        label = {"bps": "weekly YoY bps", "abs": "weekly YoY change"}.get(
            week.method, "weekly YoY growth %"
        )
    elif name == "trend":  # a young metric's check: each week against its recent trend
        values, label = trend_errors(week.cy, TREND_WEEKS)[0], "error against the recent trend"
    else:  # growth on the week 728 days earlier: the check on a YoY signal
        base = pd.Series(week.cy, index=week.ends).reindex(week.ends - pd.Timedelta(days=728))
        values = compare_arrays(week.cy, base.to_numpy(dtype=float), week.method)
        label = "growth on two years ago"
    start = 0
    if week.settings.xmr_baseline_start is not None:
        start = int(week.ends.searchsorted(pd.Timestamp(week.settings.xmr_baseline_start)))
    return _View(name, label, values, xmr_chart(values, week.settings.xmr_baseline_weeks, start))


class _Views:
    """The metric's weekly views, each charted only when first needed."""

    def __init__(self, week: _Week) -> None:
        self.week = week
        self._built: dict[str, _View] = {}

    def __getitem__(self, name: str) -> _View:
        if name not in self._built:
            self._built[name] = _view(self.week, name)
        return self._built[name]

    def young(self) -> bool:
        """No YoY chart to judge by (less than a year of history, or last year's week missing):
        the raw view's signals are checked against the recent trend instead."""
        return self["yoy"].chart is None

    def chosen(self) -> _View:
        """The configured series; for `auto` YoY when `is_seasonal`, else raw (or whichever
        one has enough weeks for a chart)."""
        choice = self.week.settings.xmr_series
        if choice == "auto":
            choice = "yoy" if is_seasonal(self.week.cy) else "raw"
            if self[choice].chart is None:
                choice = "raw" if choice == "yoy" else "yoy"
        return self[choice]


def _xmr_flag(week: _Week, view: _View, signal: XmrSignal) -> Flag:
    """A Flag carrying the evidence of one XmR signal at the deck's week."""
    assert view.chart is not None
    lim = view.chart.limits
    no_floor = view.name == "raw" and lim.lnpl < 0 and bool(np.nanmin(view.values) >= 0)
    lower = "no lower limit" if no_floor else view.say(week, lim.lnpl)
    since = week.ends[view.chart.changes[-1].start].date().isoformat()
    basis = (
        f"mean {view.say(week, lim.mean)}, limits {lower} to {view.say(week, lim.unpl)}, set"
        f" from {lim.points} weeks starting {since}"
    )
    side = "above" if signal.side > 0 else "below"
    first = week.ends[signal.since].date().isoformat()
    good = favourable(float(signal.side), week.metric.polarity)
    typed: dict[str, Any] = {  # the Flag fields both kinds of XmR flag share
        "series": view.name,
        "mean": lim.mean,
        "direction": "up" if signal.side > 0 else "down",
    }
    if signal.rule == MOVING_RANGE:
        jump = "rise" if signal.side > 0 else "fall"
        detail = (
            f"{view.label}: the week-to-week {jump} of {view.say_step(week, signal.value)} is"
            f" above the upper range limit {view.say_step(week, lim.url)} (average moving range"
            f" {view.say_step(week, lim.mr_mean)}; {basis})"
        )
        return Flag(
            "xmr", signal.rule, week.week_end, signal.value, None, lim.url, good, detail, **typed
        )
    value = view.say(week, signal.value)
    if signal.rule == OUTSIDE_LIMITS:
        what = f"{value} is {side} the {'upper' if signal.side > 0 else 'lower'} process limit"
    elif signal.rule == THREE_OF_FOUR:
        what = f"{value}; 3 of the last 4 weeks (since {first}) are {side} halfway to the limit"
    else:
        run = len(view.values) - signal.since
        what = f"{value}; {run} weeks in a row {side} the mean, since the week ending {first}"
    lower_limit = None if no_floor else lim.lnpl
    detail = f"{view.label}: {what} ({basis})"
    return Flag(
        "xmr",
        signal.rule,
        week.week_end,
        signal.value,
        lower_limit,
        lim.unpl,
        good,
        detail,
        **typed,
    )


# ----------------------------------------------------------------------------- daily residuals


def _day_words(week: _Week, day: ResidualDay) -> str:
    """One day in words: weekday, date, value, what the fit expected, the change and z."""
    change = (day.value / day.expected - 1) * 100 if day.expected else float("nan")
    return (
        f"{day.date:%a} {day.date.isoformat()} {week.value(day.value)} vs about"
        f" {week.value(day.expected)} expected ({change:+.0f}%, robust z {day.z:+.1f})"
    )


class _Days:
    """The deck's week's daily residuals (the STL fit, see wbr/analysis/residuals.py), and a year
    or two back, each fitted at most once."""

    def __init__(self, week: _Week) -> None:
        self.week = week
        self._current: tuple[ResidualDay, ...] | None = None
        self._prior: dict[int, list[tuple[dt.date, float, float]]] = {}

    def screen(self) -> bool:
        """Cheap look: does a day of the week stand out from the same weekdays before it?"""
        daily = self.week.history.daily
        end = self.week.rows.last
        weeks = min(RESIDUAL_WEEKS, int(daily.index.searchsorted(end, "right")) // 7)
        values = daily_window(daily, end, weeks * 7) if weeks >= 5 else None
        if values is None or np.isnan(values[-7:]).all():
            return False
        bar = SCREEN_SHARE * self.week.settings.seasonal_z
        return bool(np.nanmax(np.abs(weekday_screen(values))) >= bar)

    @property
    def fitted(self) -> bool:
        """Has the deck's week been fitted already (to place a weekly signal)?"""
        return self._current is not None

    @property
    def current(self) -> tuple[ResidualDay, ...]:
        """The week's days against the STL fit."""
        if self._current is None:
            self._current = residual_days(self.week.history.daily, self.week.week_end)
        return self._current

    def beyond(self, z: float) -> bool:
        """Does a day of the week reach robust z `z` (either sign)?"""
        return any(abs(day.z) >= z for day in self.current)

    def recurs(self, day: ResidualDay) -> tuple[dt.date, float] | None:
        """The day a year or two back (364 days a year, give or take 3) that stood out the same
        way: (date, z) from the cheap weekday fit of that year's weeks, or None.

        The same way means the same direction, a comparable size (RECUR_SIZE) and, when the
        events file names either day, the same event: an unrelated storm a year earlier does
        not make this year's hurricane routine.
        """
        now = self.week.names_near(day.date)
        for years in (1, 2):
            if years not in self._prior:
                self._prior[years] = self._prior_days(years)
            target = day.date - dt.timedelta(days=years * PY_DAYS)
            for when, z, residual in self._prior[years]:
                if abs((when - target).days) > RECUR_DAYS or abs(z) < RECUR_Z or z * day.z <= 0:
                    continue
                size = abs(residual) / abs(day.residual) if day.residual else math.inf
                if not RECUR_SIZE[0] <= size <= RECUR_SIZE[1]:
                    continue
                then = self.week.names_near(when)
                if (now or then) and not now & then:
                    continue
                return when, z
        return None

    def recurs_on_date(self, day: ResidualDay) -> dt.date | None:
        """Last year's same calendar date (or its 364-day twin) if the day's YoY against it is
        routine (within RECUR_Z robust sd of the daily YoY of the YEAR_AWARE_DAYS before, and
        less than half the day's residual) and that date stood out from the days around it the
        same way, at least half as much (positive series, log units). The
        year-aware check: a holiday can look ordinary in last year's weekday fit (Christmas on a
        Sunday looks like a Sunday) yet the day matches last year's date."""
        if day.value <= 0 or not self.week.names_near(day.date) <= self._names_a_year_back(day):
            return None
        daily = self.week.history.daily
        end = pd.Timestamp(day.date)
        now = daily_window(daily, end - pd.Timedelta(days=7), YEAR_AWARE_DAYS)
        then = daily_window(daily, end - pd.Timedelta(days=PY_DAYS + 7), YEAR_AWARE_DAYS)
        if now is None or then is None:
            return None
        usable = (now > 0) & (then > 0)
        if usable.sum() < YEAR_AWARE_DAYS // 2:
            return None
        ratios = np.log(now[usable] / then[usable])
        centre = float(np.median(ratios))
        spread = 1.4826 * float(np.median(np.abs(ratios - centre)))
        if not spread > 0:
            return None
        twins = [day.date - dt.timedelta(days=PY_DAYS)]
        try:
            twins.append(day.date.replace(year=day.date.year - 1))
        except ValueError:  # 29 February
            twins.append(day.date - dt.timedelta(days=365))
        for twin in twins:
            at = pd.Timestamp(twin)
            if at not in daily.index:
                continue
            value = float(daily[at])
            around = daily_window(daily, at + pd.Timedelta(days=3), 7)
            if value <= 0 or not day.log or around is None or not (around > 0).all():
                continue
            # last year's date stood out from the days around it, the same way and about as much
            odd = math.log(value) - float(np.mean(np.log(np.delete(around, 3))))
            # (a day's own noise is the daily YoY's spread over sqrt 2: two days in each ratio)
            big = max(0.5 * abs(day.residual), RECUR_Z * spread / math.sqrt(2))
            if odd * day.residual <= 0 or abs(odd) < big:
                continue
            # last year's date must explain most of the day's residual, not only be within noise
            left = abs(math.log(day.value / value) - centre)
            if left < RECUR_Z * spread and left < 0.5 * abs(day.residual):
                return twin
        return None

    def _names_a_year_back(self, day: ResidualDay) -> set[str]:
        """The events named around last year's date (364 days back, give or take RECUR_DAYS)."""
        names: set[str] = set()
        for k in range(-RECUR_DAYS, RECUR_DAYS + 1):
            names |= self.week.names_near(day.date - dt.timedelta(days=PY_DAYS + k))
        return names

    def _prior_days(self, years: int) -> list[tuple[dt.date, float, float]]:
        """(date, z, residual) of the weeks before, of and after the deck's week `years` back."""
        end = self.week.rows.last - pd.Timedelta(days=years * PY_DAYS - 7)
        values = daily_window(self.week.history.daily, end, (RESIDUAL_WEEKS + 3) * 7)
        if values is None or np.isnan(values).mean() > 0.2:
            return []
        z, residual = weekday_residuals(values, 3)
        first = end - pd.Timedelta(days=20)
        return [
            ((first + pd.Timedelta(days=i)).date(), float(z[i]), float(residual[i]))
            for i in range(21)
            if np.isfinite(z[i])
        ]

    def why_not(self, day: ResidualDay) -> _Aside | None:
        """Why an unusual day is no exception (it recurs a year back, a known recurring event)."""
        prior = self.recurs(day)
        if prior is not None:
            return _Aside(
                "recurring",
                f"seasonal: {prior[0].isoformat()} stood out the same way (z {prior[1]:+.1f})",
                py_days=(prior[0],),
            )
        twin = self.recurs_on_date(day)
        if twin is not None:
            return _Aside(
                "recurring",
                f"seasonal: the day's YoY against {twin.isoformat()} is routine",
                py_days=(twin,),
            )
        found = self.week.events_near(day.date, day.date)
        if found:
            return _Aside("event", f"known event {_events_words(found)}", events=found)
        return None


def _residual_flag(week: _Week, day: ResidualDay) -> Flag:
    """A seasonal residual flag: the day, its value and the band the fit expected."""
    z = week.settings.seasonal_z
    lower, upper = day.band(z)
    return Flag(
        "seasonal",
        "residual",
        day.date,
        day.value,
        lower,
        upper,
        favourable(day.z, week.metric.polarity),
        f"daily values: {_day_words(week, day)}; outside the band {week.value(lower)} to"
        f" {week.value(upper)} (robust z {z:g}) of a robust STL seasonal-trend fit of up to"
        f" {RESIDUAL_WEEKS} weeks before",
        series="daily",
        days=(day.date,),
        mean=day.expected,
        direction="up" if day.z > 0 else "down",
        events=week.texts_near(day.date),
    )


# ----------------------------------------------------------------------------- judging signals


def _confirms(view: _View, signal: XmrSignal, share: float) -> bool | None:
    """Does a second view show the same point signal `share` of the way to its own limit?"""
    if view.chart is None:
        return None
    lim, x = view.chart.limits, view.values
    if signal.rule == OUTSIDE_LIMITS:
        return bool((x[-1] - lim.mean) * signal.side > share * NPL_SCALING * lim.mr_mean)
    if np.isnan(x[-2]):
        return None
    return bool((x[-1] - x[-2]) * signal.side > share * lim.url)


def _run_confirmed(view: _View, signal: XmrSignal) -> bool | None:
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
    views: _Views, view: _View, signal: XmrSignal, peak: _Aside | None
) -> _Aside | None:
    """Why a run of 8 or 3 of 4 is no shift (or None): it leans on the deck's week that was set
    aside as a recurring or explained peak, or the second view does not move with it."""
    if peak is not None:
        shorter = signal.index - signal.since < RUN_LENGTH  # the run without the deck's week
        if signal.rule == THREE_OF_FOUR or shorter:
            return _Aside(
                "shift_leans", f"it counts the deck's week, which was set aside ({peak.words})"
            )
    other = views["yoy" if view.name == "raw" else "two_year"]
    if view.name == "raw" and views.young():
        trend = views["trend"].chart
        confirmed = None if trend is None else any(s.side == signal.side for s in trend.signals)
        if confirmed is None:  # a run in the first weeks may be the season setting in
            words = f"no YoY yet, and too few weeks to tell a shift from a trend ({YOUNG_WORDS})"
            return _Aside("trend", words)
        if not confirmed:
            words = "no YoY yet, and the weeks follow their recent trend: a trend, not a shift"
            return _Aside("trend", words)
        return None
    if _run_confirmed(other, signal) is False:
        return _Aside("unconfirmed", f"{other.label} does not show the same shift")
    return None


def _odd_prior_week(week: _Week, view: _View, signal: XmrSignal) -> str | None:
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


def _odd_prior_days(week: _Week, view: _View, signal: XmrSignal, days: _Days) -> _Aside | None:
    """Last year's days that made a YoY signal: days of last year's week that stood out (robust
    z PINPOINT_Z against that year's weekday fit) the opposite way, without which this week's
    YoY is back inside its limits. Volumes only (a rate's days do not add up to its week)."""
    assert view.chart is not None
    if week.method != "pct" or week.history.denominator is not None:
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
    return _Aside(
        "base_effect",
        f"base effect: last year's {words} stood out; against a normal base YoY would be about"
        f" {format_change(normal, 'pct')}, inside the limits",
        py_days=cited,
        events=found,
        normal_base_yoy=float(normal),
    )


def _point_reason(
    week: _Week, views: _Views, view: _View, signal: XmrSignal, days: _Days
) -> tuple[_Aside | None, list[ResidualDay]]:
    """Why a weekly point signal is no exception (or None), and the days where it happened."""
    assert view.chart is not None
    lim = view.chart.limits
    # a jump back towards the centre line ends last week's exception; it is not a new one
    inside = (view.values[-1] - lim.mean) * signal.side <= HALFWAY_SCALING * lim.mr_mean
    if signal.rule == MOVING_RANGE and inside:
        return _Aside(
            "jump_back", "the jump ends inside the halfway lines: last week was the unusual one"
        ), []
    if view.name == "raw" and _confirms(views["yoy"], signal, 0.5) is False:
        return _Aside("yoy_routine", "the same week last year moved the same way"), []
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
            return _Aside("trend", words), []
        if _confirms(views["trend"], signal, TREND_SHARE) is False:
            return _Aside("trend", _trend_words(week, views["trend"])), []
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
        return _Aside("event", f"known event {_events_words(found)}", events=found), []
    return None, []


def _trend_words(week: _Week, view: _View) -> str:
    """Why a young metric's week is routine: what its recent trend predicted for it."""
    forecast = trend_errors(week.cy, TREND_WEEKS)[1][-1]
    return (
        f"no YoY yet, and the week is within the limits of its recent trend (the"
        f" {TREND_WEEKS} weeks before it predict about {week.value(float(forecast))})"
    )


def _base_effect(
    week: _Week, views: _Views, view: _View, signal: XmrSignal, days: _Days
) -> _Aside | None:
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
        return _Aside("base_effect", words, py_days=py_days, events=found)
    odd = _odd_prior_week(week, view, signal)
    if odd is not None:
        words = f"base effect: last year's week stood out from the weeks around it ({odd})"
        return _Aside("base_effect", words, py_days=py_days, events=found)
    return None


def _py_week(week: _Week) -> tuple[dt.date, ...]:
    """The seven days of last year's week (364 days earlier)."""
    end = week.week_end - dt.timedelta(days=PY_DAYS)
    return tuple(end - dt.timedelta(days=6 - i) for i in range(7))


def _poisson_limit(mean: float) -> int:
    """The smallest count k with P(X >= k) < COUNT_TAIL for a Poisson count of this mean."""
    term = cumulative = math.exp(-mean)
    k = 0
    while 1 - cumulative >= COUNT_TAIL:
        k += 1
        term *= mean / k
        cumulative += term
    return k + 1


def _count_flags(week: _Week, mean: float) -> list[Flag]:
    """A rare count's week against its Poisson (c-chart) upper limit."""
    value = float(week.cy[-1])
    limit = _poisson_limit(mean)
    if not np.isfinite(value) or value < limit:
        return []
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
            f" a steady rate of {mean:.2g} a week (the mean of the last"
            f" {min(COUNT_WEEKS, len(week.cy) - 1)} weeks) reaches less than 1 week in 700",
            series="count",
            mean=mean,
            direction="up",
        )
    ]


def _signal_flags(week: _Week) -> tuple[list[Flag], list[Flag], _View | None]:
    """XmR flags on the chosen weekly series and seasonal residual flags on the week's days."""
    settings = week.settings
    raised: list[Flag] = []
    aside: list[Flag] = []
    view: _View | None = None
    days = _Days(week)
    rare = rare_count_mean(week.history, week.metric)
    if rare is not None:  # limits of 0 to 0 and z-scores of thousands mean nothing here
        return (_count_flags(week, rare) if settings.xmr else []), [], None
    if settings.xmr:
        views = _Views(week)
        view = views.chosen()
        peak = None  # why the deck's week, outside its limits, was set aside
        for signal in view.chart.signals if view.chart else ():
            flag = _xmr_flag(week, view, signal)
            if signal.rule in POINT_RULES:
                reason, pinned = _point_reason(week, views, view, signal, days)
                if signal.rule == OUTSIDE_LIMITS:
                    peak = reason
                if pinned and not reason:
                    words = ", ".join(_day_words(week, d) for d in pinned)
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
                    note = f"the run starts near {_events_words(found)}"
                    flag = replace(
                        flag,
                        detail=f"{flag.detail}; {note}",
                        events=tuple(text for _, text in found),
                    )
            if reason:
                aside.append(reason.apply(flag))
            else:
                raised.append(flag)
    if settings.seasonal and (days.fitted or days.screen()) and days.beyond(settings.seasonal_z):
        for day in days.current:
            if abs(day.z) >= settings.seasonal_z:
                flag = _residual_flag(week, day)
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
) -> Assessment:
    """Every flag of the deck's week (the last weekly row), plus the signals set aside and why.

    `events` are (date, description) pairs for this metric or the whole business; `plan_score`
    (the block's PlanScore) adds its MTD/QTD/YTD variances to the plan-miss test. `events` may
    explain a signal away (pass the recurring ones); `named` are all the metric's events, one-off
    ones too: a day recurs only when the same event (or none) is named a year apart, and flags
    cite the events on their days.
    """
    rows = WeeklyRows.of(history)
    week = _Week(history, metric, settings, tuple(events), rows, tuple(named) or tuple(events))
    flags = data_flags(history, metric, settings, rows)
    aside: list[Flag] = []
    view, skipped = None, None
    denominator = history.denominator
    small = denominator is not None and denominator["cy"].iloc[-1] < settings.min_denominator
    if small:
        assert denominator is not None
        skipped = (
            f"XmR and seasonal flags not judged: the denominator"
            f" {format_value(float(denominator['cy'].iloc[-1]), 'count')} is below"
            f" min_denominator {settings.min_denominator:g}"
        )
    else:
        raised, aside, view = _signal_flags(week)
        flags += raised
    flags += plan_flags(history, metric, settings, plan_score, rows)
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
