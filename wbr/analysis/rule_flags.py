"""Plan, data-status and YoY-trend flags: threshold and streak rules on a metric's weekly rows.

The rules: docs/calculation-rules.md. No model: each rule reads the weekly history (and, for
plan misses to date, the block's PlanScore) and says what it saw in the flag's detail. The XmR and
seasonal flags are in wbr/analysis/flags.py, which calls these.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd

from wbr.analysis.residuals import daily_window
from wbr.engine.compare import compare_arrays, favourable
from wbr.engine.config import FlagSettings, MetricConfig
from wbr.engine.deck import Flag, PlanScore
from wbr.engine.series import MetricHistory, WeeklyRows
from wbr.fmt import format_change, format_value

ZERO_SHARE = 0.02  # a metric zero on fewer than 2% of last year's days is "rarely zero"
ZERO_MIN_DAYS = 28  # days of history before the week needed to call zeros rare
# A value repeated `stuck_weeks` running is "stuck" only when a run that long is unlikely from
# how often the year before showed that exact value: a count that is 0 in most weeks is not.
STUCK_CHANCE = 0.01
STUCK_LOOKBACK = 52
# A rare count: a sum of whole numbers averaging under RARE_WEEKLY_MEAN a week over the last
# COUNT_WEEKS weeks (flags.py judges it against Poisson limits; 0 is its most common value).
RARE_WEEKLY_MEAN = 10.0
COUNT_WEEKS = 52
TREND_BLOCK_WEEKS = 4  # YoY of 4-week blocks stands in for monthly YoY on weekly rows
TREND_BLOCKS = 4


def rare_count_mean(history: MetricHistory, metric: MetricConfig) -> float | None:
    """The expected weekly count of a rare count metric (whole numbers, a sum, averaging under
    RARE_WEEKLY_MEAN a week over the last COUNT_WEEKS weeks), or None for any other metric."""
    if metric.aggregation != "sum" or history.denominator_rows is not None:
        return None
    cy = count_weeks(history.rows.cy)
    if len(cy) < 8 or cy.mean() >= RARE_WEEKLY_MEAN:
        return None
    days = history.daily_values
    days = days[np.isfinite(days)]
    if (days < 0).any() or (days != np.round(days)).any():
        return None
    return float(cy.mean())


def count_weeks(cy: np.ndarray) -> np.ndarray:
    """The weeks a rare count's limit is drawn from: the last COUNT_WEEKS before the deck's."""
    past = cy[-COUNT_WEEKS - 1 : -1]
    return past[np.isfinite(past)]


def count_variance(cy: np.ndarray, mean: float) -> float:
    """The variance of those weeks (the mean itself, a steady rate's, when there is one week)."""
    past = count_weeks(cy)
    return float(past.var(ddof=1)) if len(past) > 1 else mean


def _streak(hits: np.ndarray) -> int:
    """How many of the latest positions in a row are True."""
    misses = np.flatnonzero(~hits[::-1])
    return int(misses[0]) if len(misses) else len(hits)


def _week_end(history: MetricHistory) -> dt.date:
    return history.rows.week_end


def plan_variance(history: MetricHistory, method: str) -> np.ndarray:
    """Weekly variance to plan: % for volumes, bps for rates; NaN where there is no usable plan."""
    return compare_arrays(history.rows.cy, history.rows.plan, method)


def _gap(variance: np.ndarray, polarity: str, threshold: float = 0.0) -> np.ndarray:
    """Unfavourable size of plan variances (positive = behind plan). A neutral metric is off
    plan in either direction, but only beyond the threshold: |variance| - threshold."""
    if polarity == "neutral":
        return np.abs(variance) - threshold
    return -variance if polarity == "higher_is_better" else variance


def _plan_side(variance: float, polarity: str) -> str:
    """behind | ahead of plan; above | below it for a neutral metric."""
    if polarity == "neutral":
        return "above" if variance > 0 else "below"
    return "behind" if favourable(variance, polarity) is False else "ahead"


def plan_flags(
    history: MetricHistory,
    metric: MetricConfig,
    settings: FlagSettings,
    plan_score: PlanScore | None = None,
    rows: WeeklyRows | None = None,
) -> list[Flag]:
    """Plan miss beyond the threshold (LastWk or to date), N misses running, a widening gap.

    `rows`: the history's WeeklyRows when the caller has them already (as for every rule here).
    """
    rows = rows or WeeklyRows.of(history)
    if plan_score is None and np.isnan(rows.plan[-1]):
        return []  # no plan for the week nor to date: every rule below reads NaN, none fires
    method = metric.comparison_method
    variance = compare_arrays(rows.cy, rows.plan, method)
    polarity = metric.polarity
    if method == "abs":  # in the metric's unit; without plan_miss_abs no miss is big enough
        threshold = math.inf if settings.plan_miss_abs is None else settings.plan_miss_abs
    else:
        threshold = settings.plan_miss_bps if method == "bps" else settings.plan_miss_pct
    behind = None if polarity == "neutral" else False
    week_end = rows.week_end
    last = float(variance[-1])
    windows: dict[str, float | None] = {"LastWk": last}
    if plan_score is not None:
        windows |= {"MTD": plan_score.mtd_var, "QTD": plan_score.qtd_var, "YTD": plan_score.ytd_var}
    missed = {
        name: float(v)
        for name, v in windows.items()
        if v is not None
        and np.isfinite(v)
        and abs(v) > threshold
        and _gap(np.array(v), polarity) > 0
    }
    flags = []
    if method == "abs":
        limit = format_change(threshold, "abs", metric.unit).lstrip("+")
    else:
        limit = f"{threshold:g} bps" if method == "bps" else f"{threshold:g}%"
    if missed:
        listed = ", ".join(
            f"{name} {format_change(v, method, metric.unit)}" for name, v in missed.items()
        )
        first = next(iter(missed.values()))
        words = "off plan (either way)" if polarity == "neutral" else "behind plan"
        flags.append(
            Flag(
                "plan",
                "miss",
                week_end,
                first,
                None,
                None,
                behind,
                f"{words} by more than {limit}: {listed}",
                series="plan",
                direction=_plan_side(first, polarity),
            )
        )
    gaps = _gap(variance, polarity, threshold if polarity == "neutral" else 0.0)
    run = _streak(gaps > 0)  # NaN compares False: a week without plan ends a streak
    if run >= settings.plan_streak_weeks:
        since = rows.ends[-run].date().isoformat()
        flags.append(
            Flag(
                "plan",
                "miss_streak",
                week_end,
                last,
                None,
                None,
                behind,
                (
                    f"more than {limit} off plan {run} weeks running"
                    if polarity == "neutral"
                    else f"missed plan {run} weeks running"
                )
                + f", since the week ending {since}; last week "
                + format_change(last, method, metric.unit),
                series="plan",
                direction=_plan_side(last, polarity),
            )
        )
    widening = _streak(np.concatenate(([False], np.diff(gaps) > 0)) & (gaps > 0))
    if widening >= settings.plan_streak_weeks:
        path = " -> ".join(
            format_change(float(v), method, metric.unit) for v in variance[-widening - 1 :]
        )
        flags.append(
            Flag(
                "plan",
                "widening_gap",
                week_end,
                last,
                None,
                None,
                behind,
                f"the gap to plan grew {widening} weeks in a row: {path}",
                series="plan",
                direction=_plan_side(last, polarity),
            )
        )
    return flags


def data_flags(
    history: MetricHistory,
    metric: MetricConfig,
    settings: FlagSettings,
    rows: WeeklyRows | None = None,
    week_days: np.ndarray | None = None,
) -> list[Flag]:
    """Incomplete week, a value stuck for N weeks, exact zeros where the metric is rarely zero.

    `week_days`: the week's 7 daily values when the caller has them (flag_batch.screens).
    """
    rows = rows or WeeklyRows.of(history)
    week_end = rows.week_end
    end = rows.last
    found = week_days if week_days is not None else daily_window(history.daily, end, 7)
    days = np.full(7, np.nan) if found is None else found
    flags = []
    if not bool(rows.complete[-1]):
        dates = [week_end - dt.timedelta(days=6 - i) for i in range(7)]
        missing = [d.isoformat() for d, v in zip(dates, days, strict=True) if np.isnan(v)]
        present = int((~np.isnan(days)).sum())
        flags.append(
            Flag(
                "data",
                "incomplete",
                week_end,
                float(present),
                None,
                None,
                None,
                f"{present} of 7 days loaded; missing {', '.join(missing) or 'none'}",
                series="data",
                days=tuple(d for d, v in zip(dates, days, strict=True) if np.isnan(v)),
            )
        )
    cy = rows.cy
    last = float(cy[-1])
    # most weeks differ from the week before: a run of one, read without an array (10,000
    # metrics: ~0.1 s of CPU), and its share of the weeks before is read only for a long run
    run = 0
    if np.isfinite(last):
        run = 1 if len(cy) < 2 or cy[-2] != last else _streak(cy == last)
    if run and run >= settings.stuck_weeks:
        before = cy[:-run][-STUCK_LOOKBACK:]
        before = before[np.isfinite(before)]
        always_zero = last == 0 and bool((before == 0).all())
        share = float(np.mean(before == last)) if len(before) else 0.0
        stuck = share**run < STUCK_CHANCE
        if stuck and last == 0:  # a run of zero weeks is stuck only where a zero day is rare
            first = rows.ends[-run].date() - dt.timedelta(days=6)
            stuck = _rarely_zero(_days_before(history.daily, first, 364))
        # a rare count repeats small values by chance (0 most of all): its Poisson limit judges it
        if stuck and not always_zero and rare_count_mean(history, metric) is None:
            since = rows.ends[-run].date().isoformat()
            flags.append(
                Flag(
                    "data",
                    "stuck",
                    week_end,
                    last,
                    None,
                    None,
                    None,
                    f"exactly {format_value(last, metric.unit)} for {run} weeks running, since"
                    f" the week ending {since}",
                    series="data",
                )
            )
    zero_days = [week_end - dt.timedelta(days=6 - int(i)) for i in np.flatnonzero(days == 0)]
    if zero_days or last == 0:
        year = _days_before(history.daily, end - dt.timedelta(days=6), 364)
        zeros = int((year == 0).sum())
        if _rarely_zero(year):
            where = ", ".join(d.isoformat() for d in zero_days) or "the week's total"
            flags.append(
                Flag(
                    "data",
                    "zero",
                    zero_days[0] if zero_days else week_end,
                    0.0,
                    None,
                    None,
                    None,
                    f"exactly zero on {where}; zero on {zeros} of the {len(year)} days of the"
                    + (" year before" if len(year) >= 364 else " history before"),
                    series="data",
                    days=tuple(zero_days),
                )
            )
    return flags


def _rarely_zero(days: np.ndarray) -> bool:
    """Were these days (non-missing values) zero on at most ZERO_SHARE of them? A young history
    (under ZERO_MIN_DAYS days) cannot say "rarely zero"."""
    return len(days) >= ZERO_MIN_DAYS and int((days == 0).sum()) <= ZERO_SHARE * len(days)


def _days_before(daily: pd.Series, first: dt.date, days: int) -> np.ndarray:
    """The non-missing daily values of up to `days` days before `first` (fewer in a young
    history: before it begins there is nothing, which is not the same as no zeros)."""
    stop = int(daily.index.searchsorted(pd.Timestamp(first)))
    values = daily.to_numpy(dtype=float)[max(0, stop - days) : stop]
    return values[~np.isnan(values)]


def trend_flags(history: MetricHistory, metric: MetricConfig, settings: FlagSettings) -> list[Flag]:
    """YoY growth of 4-week blocks fell 3 blocks running by more than `yoy_deceleration_pp`."""
    threshold = settings.yoy_deceleration_pp
    weeks = TREND_BLOCK_WEEKS * TREND_BLOCKS
    if threshold is None or len(history.ends) < weeks:
        return []
    operands = [history.numerator_rows, history.denominator_rows]
    tables = operands if all(r is not None for r in operands) else [history.rows]
    sums = [
        np.column_stack((r.cy, r.py))[-weeks:]
        .reshape(TREND_BLOCKS, TREND_BLOCK_WEEKS, 2)
        .sum(axis=1)
        for r in tables
        if r is not None
    ]
    totals = sums[0] / sums[1] if len(sums) == 2 else sums[0]
    cy, py = totals[:, 0], totals[:, 1]
    method = metric.comparison_method
    growth = compare_arrays(cy, py, method)
    drop = float(growth[0] - growth[-1])
    if np.isnan(growth).any() or not (np.diff(growth) < 0).all() or drop <= threshold:
        return []
    unit = {"bps": "bps", "abs": metric.unit}.get(method, "pp")
    path = " -> ".join(format_change(float(g), method, metric.unit) for g in growth)
    return [
        Flag(
            "trend",
            "yoy_deceleration",
            _week_end(history),
            float(growth[-1]),
            None,
            None,
            favourable(-1.0, metric.polarity),
            f"YoY growth of {TREND_BLOCK_WEEKS}-week blocks fell {TREND_BLOCKS - 1} blocks in a"
            f" row, {drop:.1f} {unit} in all: {path}",
        )
    ]
