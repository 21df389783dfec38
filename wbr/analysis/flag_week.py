"""The metric's week as the flag pass sees it: thresholds, the weekly views (raw, YoY, growth on two
years ago) with their XmR charts, and the Flag an XmR signal becomes.

flags.py judges the signals; flag_days.py holds the daily residual side.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from wbr.analysis.rule_flags import (
    WeeklyRows,
)
from wbr.analysis.trend import TREND_WEEKS, trend_errors
from wbr.analysis.xmr import (
    MIN_POINTS,
    MOVING_RANGE,
    OUTSIDE_LIMITS,
    THREE_OF_FOUR,
    XmrChart,
    XmrSignal,
    xmr_chart,
)
from wbr.analysis.xmr_batch import xmr_charts
from wbr.engine.compare import compare_arrays, favourable
from wbr.engine.config import FlagSettings, MetricConfig
from wbr.engine.deck import Flag
from wbr.engine.series import MetricHistory
from wbr.fmt import format_change, format_value

WEEKS_PER_YEAR = 52
PY_DAYS = 364
LEVEL_SPAN = 26  # weeks of level the seasonal test compares last year's week against
SCREEN_SHARE = 0.9  # run STL when the same-weekday screen reaches 0.9 x seasonal_z
PINPOINT_Z = 3.5  # a day this unusual is where a weekly signal happened
# A day the events file names as a one-off (a royal wedding, an outage) is shown from the same bar:
# the team has said the day is special, so the deck shows what it did at a smaller move than a
# day nobody marked must make (seasonal_z)
ONE_OFF_Z = PINPOINT_Z
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
# A percent growth on a base under a tenth of the metric's typical week (rain hours in a dry week
# last year, a temperature near 0 C) reads +1,400% or -1,000%: its chart's limits mean nothing.
# A growth view with such a base (or a base <= 0) is not charted; the metric is judged as one
# without a YoY chart (its raw weeks, against their recent trend).
MIN_BASE_SHARE = 0.1
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
class MetricWeek:
    """One metric's inputs to the flag pass; the deck's week is the last weekly row."""

    history: MetricHistory
    metric: MetricConfig
    settings: FlagSettings
    events: tuple[tuple[dt.date, str], ...]  # the recurring events, which may explain a signal
    rows: WeeklyRows
    named: tuple[tuple[dt.date, str], ...] = ()  # every event of the metric, one-off ones too
    # the screens worked out for every metric at once (flag_batch.py); None: work them out here
    seasonal: bool | None = None  # is_seasonal(cy)
    screened: bool | None = None  # WeekDays.screen()

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

    def one_off_days(self) -> frozenset[dt.date]:
        """The deck's week's days on which the events file names a one-off (not recurring) event."""
        if not self.named:  # most metrics: no event at all (asked twice for each metric)
            return frozenset()
        recurring = set(self.events)
        first = self.week_end - dt.timedelta(days=6)
        return frozenset(
            day
            for day, text in self.named
            if first <= day <= self.week_end and (day, text) not in recurring
        )

    def texts_near(self, day: dt.date) -> tuple[str, ...]:
        """Descriptions of the events within EVENT_DAYS of a day, as the file has them."""
        lo, hi = day - dt.timedelta(EVENT_DAYS), day + dt.timedelta(EVENT_DAYS)
        return tuple(dict.fromkeys(text for when, text in self.named if lo <= when <= hi))


_YEAR = re.compile(r"\b(19|20)\d\d\b")


def event_key(text: str) -> str:
    """An event's name without its year: 'Black Friday 2025' and 'Black Friday 2026' match."""
    return _YEAR.sub("", text).strip().lower()


def events_words(found: Sequence[tuple[dt.date, str]]) -> str:
    return "; ".join(f"'{text}' on {day.isoformat()}" for day, text in found)


@dataclass(frozen=True)
class SetAside:
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
class WeeklyView:
    """One weekly series the XmR runs on, with its chart and how its numbers read."""

    name: str  # raw | yoy | two_year
    label: str  # the series in words; flag details start with it (the question engine reads it)
    values: np.ndarray
    chart: XmrChart | None

    def say(self, week: MetricWeek, value: float) -> str:
        """A value of this series: the metric's value, or a signed % / bps growth."""
        if self.name == "raw":
            return week.value(value)
        return format_change(value, week.method, week.metric.unit)

    def say_step(self, week: MetricWeek, step: float) -> str:
        """A week-to-week difference of this series (pp for % growth)."""
        if self.name == "raw":
            return week.value(step)
        if week.method == "abs":  # a change of YoY differences, in the metric's unit
            return format_change(step, "abs", week.metric.unit).lstrip("+")
        return f"{step:,.0f} bps" if week.method == "bps" else f"{step:.1f} pp"


def _view(week: MetricWeek, name: str) -> WeeklyView:
    """The raw, YoY or two-year growth series of the metric's weeks, with its locked chart."""
    label, values, start, charted = _view_values(week, name)
    chart = xmr_chart(values, week.settings.xmr_baseline_weeks, start) if charted else None
    return WeeklyView(name, label, values, chart)


def _view_values(week: MetricWeek, name: str) -> tuple[str, np.ndarray, int, bool]:
    """A view's label, its weekly values, where its chart's baseline starts and whether it has a
    chart at all (not for growth on too small a base)."""
    base: np.ndarray | None = None  # what a growth view grows from
    if name == "raw":
        values, label = week.cy, "weekly values"
    elif name == "yoy":
        base = week.rows.py
        values = compare_arrays(week.cy, base, week.method)
        label = _yoy_label(week.method)
    elif name == "trend":  # a young metric's check: each week against its recent trend
        values, label = trend_errors(week.cy, TREND_WEEKS)[0], "error against the recent trend"
    else:  # growth on the week 728 days earlier: the check on a YoY signal
        base = _two_years_back(week.cy, week.ends)
        values = compare_arrays(week.cy, base, week.method)
        label = "growth on two years ago"
    start = _baseline_start(week)
    charted = not (base is not None and week.method == "pct" and _small_base(week.cy, base, start))
    return label, values, start, charted


def _yoy_label(method: str) -> str:
    """The YoY view's series in words."""
    return {"bps": "weekly YoY bps", "abs": "weekly YoY change"}.get(method, "weekly YoY growth %")


def _baseline_start(week: MetricWeek) -> int:
    """Where the week's XmR baseline starts: its xmr_baseline_start's week, else the first."""
    if week.settings.xmr_baseline_start is None:
        return 0
    return int(week.ends.searchsorted(pd.Timestamp(week.settings.xmr_baseline_start)))


def charted_views(weeks: Sequence[MetricWeek]) -> list[dict[str, WeeklyView]]:
    """Each week's first-choice view (`WeeklyViews.chosen`), the charts of all worked out at
    once (xmr_batch: the same charts as one by one, sooner): the `built` of its WeeklyViews."""
    names = [_first_choice(week) if week.settings.xmr else None for week in weeks]
    growth = _yoy_view_values(weeks, [at for at, name in enumerate(names) if name == "yoy"])
    found: list[tuple[str, str, np.ndarray, int, bool] | None] = []
    for at, (week, name) in enumerate(zip(weeks, names, strict=True)):
        if name is None:
            found.append(None)
        else:
            found.append((name, *(growth[at] if at in growth else _view_values(week, name))))
    charted = [(week, view) for week, view in zip(weeks, found, strict=True) if view and view[-1]]
    charts = iter(
        xmr_charts(
            [values for _, (_, _, values, _, _) in charted],
            [week.settings.xmr_baseline_weeks for week, _ in charted],
            [start for _, (_, _, _, start, _) in charted],
        )
    )
    views: list[dict[str, WeeklyView]] = []
    for view in found:
        if view is None:  # no XmR for this metric
            views.append({})
            continue
        name, label, values, _, has_chart = view
        views.append({name: WeeklyView(name, label, values, next(charts) if has_chart else None)})
    return views


TWO_YEARS = pd.Timedelta(days=728)
_WEEK_NS = pd.Timedelta(days=7).value
# the last week-end index seen, and where each of its weeks' 728-days-earlier week is (-1: none)
_TWO_YEARS_BACK: list[tuple[pd.DatetimeIndex, np.ndarray]] = []


def _two_years_back(cy: np.ndarray, ends: pd.DatetimeIndex) -> np.ndarray:
    """Each week's value 728 days (104 weeks) earlier; NaN where the history has no such week."""
    if not _TWO_YEARS_BACK or _TWO_YEARS_BACK[0][0] is not ends:  # the metrics share one index
        if len(ends) < 2 or bool((np.diff(ends.asi8) == _WEEK_NS).all()):
            back = np.arange(len(ends)) - 104  # a week every 7 days: 104 rows back
        else:  # the reindex by date's positions (a unique index, as reindex needs)
            back = ends.get_indexer(ends - TWO_YEARS)
        _TWO_YEARS_BACK[:] = [(ends, back)]
    back = _TWO_YEARS_BACK[0][1]
    found = back >= 0
    values = np.full(len(cy), np.nan)
    values[found] = cy[back[found]]
    return values


def _yoy_view_values(
    weeks: Sequence[MetricWeek], wanted: list[int]
) -> dict[int, tuple[str, np.ndarray, int, bool]]:
    """_view_values(week, "yoy") of the wanted weeks, worked out together for the weeks of one
    length, method and baseline start (the same element-wise growth, the same small-base test:
    each answer is the one-metric function's; a few weeks go to it, see _small_bases)."""
    groups: dict[tuple[int, str, int], list[int]] = {}
    for at in wanted:
        week = weeks[at]
        groups.setdefault((len(week.cy), week.method, _baseline_start(week)), []).append(at)
    found: dict[int, tuple[str, np.ndarray, int, bool]] = {}
    for (_, method, start), members in groups.items():
        if len(members) < _GROUP_AT_LEAST:
            continue
        cy = np.vstack([weeks[at].cy for at in members])
        base = np.vstack([weeks[at].rows.py for at in members])
        values = compare_arrays(cy, base, method)
        small = _small_bases(cy, base, start) if method == "pct" else np.zeros(len(members), bool)
        label = _yoy_label(method)
        for k, at in enumerate(members):
            found[at] = (label, values[k], start, not bool(small[k]))
    return found


_GROUP_AT_LEAST = 8  # fewer weeks of one kind than this: one by one


def _small_bases(cy: np.ndarray, base: np.ndarray, start: int) -> np.ndarray:
    """_small_base of each row: the lowest base and the largest week across rows at once; the
    rows that need their median week (neither answer settled by those) one by one."""
    weeks, bases = cy[:, start:], base[:, start:]
    read = np.isfinite(weeks) & np.isfinite(bases)
    with np.errstate(invalid="ignore"):
        lowest = np.where(read, bases, np.inf).min(axis=1)
        largest = np.where(read, np.abs(weeks), -np.inf).max(axis=1)
        settled_no = (largest < 1e300) & (lowest >= MIN_BASE_SHARE * largest)
    small = read.any(axis=1) & (lowest <= 0)
    unsettled = read.any(axis=1) & ~small & ~settled_no
    for row in np.flatnonzero(unsettled):
        small[row] = _small_base(cy[row], base[row], start)
    return small


def _small_base(cy: np.ndarray, base: np.ndarray, start: int) -> bool:
    """Does a week the growth chart would read grow from a base <= 0 or under MIN_BASE_SHARE
    of the metric's median week (see MIN_BASE_SHARE)?"""
    read = np.isfinite(cy[start:]) & np.isfinite(base[start:])
    if not read.any():
        return False
    bases = base[start:][read]
    lowest = float(bases.min())
    if lowest <= 0:
        return True
    weeks = np.abs(cy[start:][read])
    largest = float(weeks.max())
    if largest < 1e300 and lowest >= MIN_BASE_SHARE * largest:
        return False  # the median week is at most the largest: no base is under its share
    typical = float(np.median(weeks))
    return bool(lowest < MIN_BASE_SHARE * typical)


class WeeklyViews:
    """The metric's weekly views, each charted only when first needed (or given, `built`)."""

    def __init__(self, week: MetricWeek, built: dict[str, WeeklyView] | None = None) -> None:
        self.week = week
        self._built: dict[str, WeeklyView] = dict(built) if built else {}

    def __getitem__(self, name: str) -> WeeklyView:
        if name not in self._built:
            self._built[name] = _view(self.week, name)
        return self._built[name]

    def young(self) -> bool:
        """No YoY chart to judge by (less than a year of history, or last year's week missing):
        the raw view's signals are checked against the recent trend instead."""
        return self["yoy"].chart is None

    def chosen(self) -> WeeklyView:
        """The configured series; for `auto` YoY when `is_seasonal`, else raw (or whichever
        one has enough weeks for a chart)."""
        choice = _first_choice(self.week)
        if self.week.settings.xmr_series == "auto" and self[choice].chart is None:
            choice = "raw" if choice == "yoy" else "yoy"
        return self[choice]


def _first_choice(week: MetricWeek) -> str:
    """The configured series; for `auto`, YoY when `is_seasonal`, else raw."""
    choice = week.settings.xmr_series
    if choice != "auto":
        return choice
    seasonal = week.seasonal
    if seasonal is None:
        seasonal = is_seasonal(week.cy)
    return "yoy" if seasonal else "raw"


def xmr_flag(week: MetricWeek, view: WeeklyView, signal: XmrSignal) -> Flag:
    """A Flag carrying the evidence of one XmR signal at the deck's week."""
    assert view.chart is not None
    lim = view.chart.limits
    no_floor = view.name == "raw" and lim.lnpl < 0 and bool(np.nanmin(view.values) >= 0)
    upper = view.say(week, lim.unpl)
    limits = (
        f"upper limit {upper}, no lower limit"
        if no_floor
        else f"limits {view.say(week, lim.lnpl)} to {upper}"
    )
    since = week.ends[view.chart.changes[-1].start].date().isoformat()
    basis = (
        f"mean {view.say(week, lim.mean)}, {limits}, set from {lim.points} weeks starting {since}"
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
