"""Anomaly flags: the XmR rules and locking (docs/), seasonal residuals, plan, data
and trend flags (4.4), events, and the acceptance scenario of issue 3 (shocks flagged, recurring
holiday peaks and plain weeks not)."""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pandas as pd
import pytest

from wbr.analysis.flags import assess_metric, flag_metric, is_seasonal, residual_days, yoy_series
from wbr.analysis.xmr import xmr_chart, xmr_limits, xmr_signals
from wbr.engine.config import FlagSettings, MetricConfig
from wbr.engine.deck import PlanScore
from wbr.engine.series import MetricHistory

WEEK = pd.Timestamp("2025-11-29")  # a Saturday: the deck's week ends here
SETTINGS = FlagSettings()
VOLUME = MetricConfig(label="Orders")
XMRIT = [
    5045,
    4350,
    4350,
    3975,
    4290,
    4430,
    4485,
    4285,
    3980,
    3925,
    3645,
    3760,
    3300,
    3685,
    3463,
    5200,
]


# ----------------------------------------------------------------------------- builders


def history_from_daily(
    daily: pd.Series, plan: np.ndarray | None = None, metric: str = "orders"
) -> MetricHistory:
    """Weekly history as the engine builds it: 7-day sums ending on Saturdays, PY 364 days back."""
    sums = daily.rolling(7, min_periods=7).sum()
    counts = daily.notna().rolling(7, min_periods=1).sum()
    ends = daily.index[
        (daily.index.day_of_week == 5) & (daily.index >= daily.index[0] + pd.Timedelta(days=6))
    ]
    cy = daily.fillna(0).rolling(7).sum().reindex(ends).to_numpy()
    weekly = pd.DataFrame(
        {
            "cy": cy,
            "py": sums.reindex(ends - pd.Timedelta(days=364)).to_numpy(),
            "plan": np.full(len(ends), np.nan) if plan is None else plan[-len(ends) :],
            "complete": (counts.reindex(ends) == 7).to_numpy(),
        },
        index=ends,
    )
    return MetricHistory(metric, weekly, daily)


def business(
    seed: int, years: float = 3.2, noise: float = 0.06, amplitude: float = 0.15, growth: float = 0.1
) -> pd.Series:
    """Daily values of a plain business metric ending on WEEK: level, growth, a yearly swing, a
    weekday pattern and multiplicative noise."""
    rng = np.random.default_rng(seed)
    days = pd.date_range(end=WEEK, periods=int(years * 365), freq="D")
    t = np.arange(len(days)) / 365.25
    weekday = 1 + rng.uniform(-0.2, 0.2, 7)
    level = rng.uniform(200, 5000) * (1 + growth) ** t
    season = 1 + amplitude * np.sin(2 * np.pi * t + rng.uniform(0, 2 * np.pi))
    values = level * season * weekday[days.day_of_week] * np.exp(rng.normal(0, noise, len(days)))
    return pd.Series(values, index=days)


def flat(seed: int = 0, weeks: int = 60, noise: float = 0.03, level: float = 1000.0) -> pd.Series:
    """Daily values with no season or trend, ending on WEEK."""
    rng = np.random.default_rng(seed)
    days = pd.date_range(end=WEEK, periods=weeks * 7, freq="D")
    return pd.Series(level * np.exp(rng.normal(0, noise, len(days))), index=days)


def rules(flags) -> set[tuple[str, str]]:
    return {(f.type, f.rule) for f in flags}


# ----------------------------------------------------------------------------- XmR (section 4.5)


def test_xmrit_test_vector_limits():
    limits = xmr_limits(XMRIT)
    assert limits.mean == pytest.approx(4135.50, abs=0.005)
    assert limits.mr_mean == pytest.approx(355.93, abs=0.005)
    assert limits.unpl == pytest.approx(5082.28, abs=0.01)
    assert limits.lnpl == pytest.approx(3188.72, abs=0.01)
    assert limits.url == pytest.approx(1163.19, abs=0.01)


def test_xmrit_test_vector_signals():
    signals = xmr_signals(XMRIT, xmr_limits(XMRIT))
    assert [(s.rule, s.index, s.value) for s in signals] == [
        ("outside_limits", 15, 5200.0),
        ("moving_range", 15, 1737.0),
    ]
    assert signals[0].side == 1 and signals[1].side == 1


def test_outside_limits_fires_beyond_unpl_only():
    limits = xmr_limits(XMRIT)
    assert "outside_limits" in {s.rule for s in xmr_signals([4135.5, limits.unpl + 1], limits)}
    assert "outside_limits" not in {s.rule for s in xmr_signals([4135.5, limits.unpl - 1], limits)}
    low = xmr_signals([4135.5, limits.lnpl - 1], limits)
    assert [(s.rule, s.side) for s in low if s.rule == "outside_limits"] == [("outside_limits", -1)]


def test_three_of_four_beyond_halfway():
    limits = xmr_limits(XMRIT)
    high = limits.upper_halfway + 10
    fired = xmr_signals([4135.5, high, 4100, high, high], limits)
    assert [(s.rule, s.index, s.since) for s in fired] == [("three_of_four", 4, 1)]
    assert not xmr_signals([4135.5, high, 4100, 4100, high], limits)


def test_run_of_eight_on_one_side():
    limits = xmr_limits(XMRIT)
    above = [limits.mean + 50] * 8
    fired = [s for s in xmr_signals([4000, *above], limits) if s.rule == "run_of_eight"]
    assert [(s.index, s.since, s.side) for s in fired] == [(8, 1, 1)]
    assert not [s for s in xmr_signals([4000, *above[:7]], limits) if s.rule == "run_of_eight"]


def test_moving_range_above_url():
    limits = xmr_limits(XMRIT)
    jump = [
        s for s in xmr_signals([4000, 4000 - limits.url - 1], limits) if s.rule == "moving_range"
    ]
    assert [(s.value, s.side) for s in jump] == [(pytest.approx(limits.url + 1), -1)]
    assert not [
        s for s in xmr_signals([4000, 4000 + limits.url - 1], limits) if s.rule == "moving_range"
    ]


def routine(n: int, level: float = 100.0) -> np.ndarray:
    """A series in statistical control that no rule can trip: it alternates around its level."""
    return level + np.tile([-2.0, 1.0, 2.0, -1.0], n)[:n]


def test_limits_stay_locked_on_a_stable_series():
    chart = xmr_chart(routine(120))
    assert [c.reason for c in chart.changes] == ["baseline: first 20 points"]
    assert chart.limits == xmr_limits(routine(20))
    assert chart.signals == ()


def test_baseline_drops_a_wild_point():
    values = np.r_[np.random.default_rng(4).normal(100, 2, 30), 100.0]
    values[5] = 200.0
    chart = xmr_chart(values)
    assert chart.limits.points == 19
    assert chart.limits.mean == pytest.approx(np.delete(values[:20], 5).mean())


def test_sustained_shift_recomputes_limits_from_the_new_level():
    rng = np.random.default_rng(5)
    values = np.r_[rng.normal(100, 2, 40), rng.normal(115, 2, 30)]
    chart = xmr_chart(values)
    assert len(chart.changes) == 2
    assert 40 <= chart.changes[1].start <= 42
    assert chart.changes[1].reason.split(" from ")[0] in (
        "run of 8",
        "3 of 4 beyond halfway",
        "2 of 3 outside the limits",
    )
    assert chart.limits.mean == pytest.approx(115, abs=2)
    assert chart.signals == ()


def test_one_outlier_does_not_move_the_limits():
    values = routine(60)
    values[40] = 140
    chart = xmr_chart(values)
    assert len(chart.changes) == 1


def test_shift_confirmed_at_the_latest_week_is_flagged_against_the_old_limits():
    values = np.r_[np.full(30, 100.0) + np.tile([1.0, -1.0], 15), np.full(8, 101.5)]
    chart = xmr_chart(values)
    assert "run_of_eight" in {s.rule for s in chart.signals}
    assert chart.limits.mean == pytest.approx(100)


def test_chart_needs_the_latest_week_and_seven_points():
    assert xmr_chart([1.0, 2.0, 3.0]) is None
    assert xmr_chart([*range(20), np.nan]) is None


def test_baseline_start_skips_the_launch_ramp():
    values = np.r_[np.linspace(0, 100, 15), np.random.default_rng(7).normal(100, 2, 40)]
    chart = xmr_chart(values, baseline_start=15)
    assert chart.changes[0].start == 15
    assert chart.limits.mean == pytest.approx(100, abs=2)


def test_yearly_pattern_is_seasonal_and_noise_is_not():
    weeks = np.arange(160)
    rng = np.random.default_rng(8)
    seasonal = 1000 * (1 + 0.3 * np.sin(2 * np.pi * weeks / 52)) * np.exp(rng.normal(0, 0.02, 160))
    assert is_seasonal(seasonal)
    assert not is_seasonal(1000 * np.exp(rng.normal(0, 0.05, 160)))
    assert not is_seasonal(seasonal[:30])  # too few weeks to tell


# ----------------------------------------------------------------------------- flag_metric: XmR


def test_shock_week_flags_outside_limits_with_evidence():
    daily = flat(seed=1)
    daily.iloc[-7:] *= 1.4
    flags = flag_metric(history_from_daily(daily), VOLUME, SETTINGS)
    outside = [f for f in flags if f.rule == "outside_limits"]
    assert len(outside) == 1
    flag = outside[0]
    assert flag.type == "xmr" and flag.date == WEEK.date() and flag.favourable is True
    assert flag.value > flag.upper
    assert flag.detail.startswith("weekly values:") and "mean" in flag.detail


def test_plain_week_raises_nothing():
    assert flag_metric(history_from_daily(flat(seed=2)), VOLUME, SETTINGS) == ()


def test_polarity_sets_favourable():
    daily = flat(seed=1)
    daily.iloc[-7:] *= 1.4
    history = history_from_daily(daily)
    lower = MetricConfig(polarity="lower_is_better")
    neutral = MetricConfig(polarity="neutral")
    assert {f.favourable for f in flag_metric(history, lower, SETTINGS) if f.type == "xmr"} == {
        False
    }
    assert {f.favourable for f in flag_metric(history, neutral, SETTINGS) if f.type == "xmr"} == {
        None
    }


def test_seasonal_metric_is_judged_on_yoy_growth():
    daily = business(seed=11, amplitude=0.3)
    daily.iloc[-7:] *= 0.6
    result = assess_metric(history_from_daily(daily), VOLUME, SETTINGS)
    assert result.xmr_series == "yoy"
    xmr = [f for f in result.flags if f.type == "xmr"]
    assert xmr and all(f.detail.startswith("weekly YoY growth %:") for f in xmr)
    assert any(f.rule == "outside_limits" and f.favourable is False for f in xmr)


def test_rate_metric_yoy_is_in_bps():
    daily = business(seed=12, amplitude=0.3, growth=0.0) / 100_000  # a rate around 2-5%
    history = history_from_daily(daily)
    rate = MetricConfig(unit="percent", aggregation="mean")
    growth = yoy_series(history.weekly, rate.comparison_method)
    expected = (history.weekly["cy"] - history.weekly["py"]).to_numpy() * 10_000
    assert np.allclose(growth, expected, equal_nan=True)
    daily.iloc[-7:] *= 1.5
    flags = flag_metric(history_from_daily(daily), rate, FlagSettings(xmr_series="yoy"))
    assert any(f.detail.startswith("weekly YoY bps:") for f in flags)


def test_recurring_holiday_peak_is_not_an_exception():
    daily = flat(seed=3, weeks=160)
    for years in range(4):  # the same Thursday, 364 days apart
        day = WEEK - pd.Timedelta(days=2 + 364 * years)
        if day >= daily.index[0]:
            daily[day] *= 2.5
    result = assess_metric(history_from_daily(daily), VOLUME, SETTINGS)
    assert result.flags == ()
    assert result.explained  # seen, and set aside with the reason
    assert all(f.detail.startswith("not raised:") for f in result.explained)


def test_one_off_peak_on_the_same_day_is_an_exception():
    daily = flat(seed=3, weeks=160)
    daily[WEEK - pd.Timedelta(days=2)] *= 2.5
    assert rules(flag_metric(history_from_daily(daily), VOLUME, SETTINGS)) >= {
        ("seasonal", "residual")
    }


def test_flags_are_only_about_the_deck_week():
    daily = flat(seed=4, weeks=80)
    daily.iloc[-70:-63] *= 1.6  # ten weeks ago
    assert flag_metric(history_from_daily(daily), VOLUME, SETTINGS) == ()


def test_xmr_can_be_switched_off():
    daily = flat(seed=1)
    daily.iloc[-7:] *= 1.4
    settings = FlagSettings(xmr=False, seasonal=False)
    assert flag_metric(history_from_daily(daily), VOLUME, settings) == ()


# ----------------------------------------------------------------------------- seasonal residuals


def test_residual_pins_the_day():
    daily = flat(seed=5, weeks=30)
    day = WEEK - pd.Timedelta(days=4)
    daily[day] *= 0.3
    flags = [
        f for f in flag_metric(history_from_daily(daily), VOLUME, SETTINGS) if f.type == "seasonal"
    ]
    assert [(f.rule, f.date) for f in flags] == [("residual", day.date())]
    assert flags[0].lower > flags[0].value and flags[0].favourable is False
    assert "expected" in flags[0].detail


def test_residual_days_score_the_week_with_a_robust_z():
    daily = flat(seed=6, weeks=30)
    days = residual_days(daily, WEEK.date())
    assert [d.date for d in days] == [(WEEK - pd.Timedelta(days=6 - i)).date() for i in range(7)]
    assert max(abs(d.z) for d in days) < 4


def test_residual_threshold_is_configurable():
    daily = flat(seed=5, weeks=30)
    daily[WEEK - pd.Timedelta(days=4)] *= 0.8  # about -7 robust sd at 3% noise
    history = history_from_daily(daily)
    assert ("seasonal", "residual") in rules(
        flag_metric(history, VOLUME, FlagSettings(seasonal_z=4))
    )
    assert ("seasonal", "residual") not in rules(
        flag_metric(history, VOLUME, FlagSettings(seasonal_z=12))
    )


# ----------------------------------------------------------------------------- events


def test_known_event_sets_the_flag_aside_and_says_so():
    daily = flat(seed=5, weeks=30)
    day = WEEK - pd.Timedelta(days=4)
    daily[day] *= 3
    history = history_from_daily(daily)
    assert flag_metric(history, VOLUME, SETTINGS)  # unexplained: raised
    events = [(day.date() + dt.timedelta(days=1), "Flash sale")]
    result = assess_metric(history, VOLUME, SETTINGS, events)
    assert not [f for f in result.flags if f.type in ("xmr", "seasonal")]
    assert result.explained and all("Flash sale" in f.detail for f in result.explained)


def test_event_far_from_the_day_explains_nothing():
    daily = flat(seed=5, weeks=30)
    daily[WEEK - pd.Timedelta(days=4)] *= 3
    events = [(WEEK.date() - dt.timedelta(days=30), "Old promotion")]
    assert ("seasonal", "residual") in rules(
        flag_metric(history_from_daily(daily), VOLUME, SETTINGS, events)
    )


def test_set_aside_signals_are_noted_on_a_raised_flag():
    daily = flat(seed=5, weeks=30)
    day = WEEK - pd.Timedelta(days=4)
    daily[day] *= 3
    daily.iloc[-1] = 0.0  # an unexplained data problem in the same week
    flags = flag_metric(history_from_daily(daily), VOLUME, SETTINGS, [(day.date(), "Flash sale")])
    assert ("data", "zero") in rules(flags)
    assert "also set aside" in flags[0].detail and "Flash sale" in flags[0].detail


# ----------------------------------------------------------------------------- plan


def plan_history(variances: list[float]) -> MetricHistory:
    """A routine metric whose last weeks sit the given % off plan (on plan before them)."""
    weekly_values = routine(30, level=1000.0)
    daily = pd.Series(
        np.repeat(weekly_values / 7, 7), index=pd.date_range(end=WEEK, periods=30 * 7, freq="D")
    )
    history = history_from_daily(daily)
    plan = history.weekly["cy"].to_numpy().copy()
    plan[-len(variances) :] /= 1 + np.array(variances) / 100
    return MetricHistory("orders", history.weekly.assign(plan=plan), daily)


def test_plan_miss_beyond_threshold():
    flags = flag_metric(plan_history([-2.5]), VOLUME, SETTINGS)
    miss = [f for f in flags if f.rule == "miss"]
    assert [(f.type, f.favourable) for f in miss] == [("plan", False)]
    assert miss[0].value == pytest.approx(-2.5)
    assert not [f for f in flag_metric(plan_history([-1.5]), VOLUME, SETTINGS) if f.rule == "miss"]
    assert not [f for f in flag_metric(plan_history([+5.0]), VOLUME, SETTINGS) if f.rule == "miss"]


def test_plan_miss_to_date_from_the_plan_score():
    score = PlanScore(1000, 0.0, 4000, -3.0, None, None, None, None)
    flags = flag_metric(plan_history([0.0]), VOLUME, SETTINGS, plan_score=score)
    assert [f.value for f in flags if f.rule == "miss"] == [-3.0]
    assert "MTD -3.0%" in next(f.detail for f in flags if f.rule == "miss")


def test_a_week_without_plan_ends_the_streak_and_the_miss_but_not_the_to_date_misses():
    history = plan_history([-3.0] * 6)
    weekly = history.weekly.copy()
    weekly.iloc[-1, weekly.columns.get_loc("plan")] = np.nan  # no plan for the latest week
    gapped = MetricHistory("orders", weekly, history.daily)
    assert {f.rule for f in flag_metric(history, VOLUME, SETTINGS) if f.type == "plan"} >= {
        "miss",
        "miss_streak",
    }
    assert not [f for f in flag_metric(gapped, VOLUME, SETTINGS) if f.type == "plan"]
    score = PlanScore(1000.0, None, 1000.0, -4.0, 1000.0, -4.0, 1000.0, -4.0)
    flags = flag_metric(gapped, VOLUME, SETTINGS, plan_score=score)
    to_date = [f for f in flags if f.type == "plan"]
    assert [f.rule for f in to_date] == ["miss"] and "MTD" in to_date[0].detail


def test_lower_is_better_misses_above_plan():
    cost = MetricConfig(polarity="lower_is_better")
    assert [f.rule for f in flag_metric(plan_history([+3.0]), cost, SETTINGS)] == ["miss"]
    assert flag_metric(plan_history([-3.0]), cost, SETTINGS) == ()


def test_rate_plan_miss_in_bps():
    rate = MetricConfig(unit="percent", aggregation="mean")
    daily = pd.Series(0.0300 / 7, index=pd.date_range(end=WEEK, periods=30 * 7, freq="D"))
    history = history_from_daily(daily)  # weekly sum 0.0300 stands in for the weekly rate
    for plan_rate, fires in ((0.0330, True), (0.0320, False)):
        weekly = history.weekly.assign(plan=plan_rate)
        flags = flag_metric(MetricHistory("conv", weekly, daily), rate, SETTINGS)
        misses = [f for f in flags if f.rule == "miss"]
        assert bool(misses) == fires
        if fires:
            assert misses[0].value == pytest.approx(-30)


def test_plan_miss_streak():
    flags = flag_metric(plan_history([-0.5, -0.5, -0.5]), VOLUME, SETTINGS)
    streak = [f for f in flags if f.rule == "miss_streak"]
    assert len(streak) == 1 and "3 weeks running" in streak[0].detail
    assert not [
        f
        for f in flag_metric(plan_history([-0.5, -0.5]), VOLUME, SETTINGS)
        if f.rule == "miss_streak"
    ]


def test_widening_gap_three_weeks_running():
    flags = flag_metric(plan_history([0.5, -0.5, -1.0, -1.5]), VOLUME, SETTINGS)
    widening = [f for f in flags if f.rule == "widening_gap"]
    assert len(widening) == 1 and "grew 3 weeks in a row" in widening[0].detail
    narrowing = flag_metric(plan_history([-1.5, -1.0, -0.5, -0.7]), VOLUME, SETTINGS)
    assert "widening_gap" not in {f.rule for f in narrowing}


# ----------------------------------------------------------------------------- data status


def test_incomplete_week():
    daily = flat(seed=7, weeks=30)
    daily.iloc[-2] = np.nan
    flags = flag_metric(history_from_daily(daily), VOLUME, SETTINGS)
    incomplete = [f for f in flags if f.rule == "incomplete"]
    assert [(f.type, f.value) for f in incomplete] == [("data", 6.0)]
    assert (WEEK - pd.Timedelta(days=1)).date().isoformat() in incomplete[0].detail
    assert not [
        f
        for f in flag_metric(history_from_daily(flat(7, 30)), VOLUME, SETTINGS)
        if f.type == "data"
    ]


def test_a_band_with_no_lower_limit_says_so_in_words():
    # a non-negative metric whose lower limit would be below zero: one limit, said plainly
    daily = flat(1, weeks=40, noise=1.0, level=10)
    daily.iloc[-2:] = 400  # 40 times a typical day
    details = [f.detail for f in assess_metric(history_from_daily(daily), VOLUME, SETTINGS).flags]
    assert details and all("limits no lower limit" not in d for d in details)
    assert "(mean 95.0, upper limit 230, no lower limit, set from 20 weeks" in details[0]
    assert re.search(r"vs about [\d.]+ expected \(\d+ times, robust z", details[0])


def test_stuck_values():
    daily = flat(seed=8, weeks=30)
    daily.iloc[-21:] = 50.0
    flags = flag_metric(history_from_daily(daily), VOLUME, SETTINGS)
    assert [(f.type, f.value) for f in flags if f.rule == "stuck"] == [("data", 350.0)]
    daily = flat(seed=8, weeks=30)
    daily.iloc[-14:] = 50.0  # two weeks identical: under stuck_weeks
    assert "stuck" not in {f.rule for f in flag_metric(history_from_daily(daily), VOLUME, SETTINGS)}


def test_exact_zero_day_where_the_metric_is_rarely_zero():
    daily = flat(seed=9, weeks=60)
    day = WEEK - pd.Timedelta(days=3)
    daily[day] = 0.0
    zero = [f for f in flag_metric(history_from_daily(daily), VOLUME, SETTINGS) if f.rule == "zero"]
    assert [(f.type, f.date) for f in zero] == [("data", day.date())]
    sparse = flat(seed=9, weeks=60)
    sparse.iloc[::3] = 0.0  # a metric that is often zero
    assert "zero" not in {f.rule for f in flag_metric(history_from_daily(sparse), VOLUME, SETTINGS)}


def test_small_denominator_is_not_judged():
    daily = flat(seed=1)
    daily.iloc[-7:] *= 1.4
    history = history_from_daily(daily)
    denominator = history.weekly.assign(cy=50.0)
    small = MetricHistory("conv", history.weekly, daily, history.weekly, denominator)
    result = assess_metric(small, VOLUME, SETTINGS)
    assert result.flags == () and "min_denominator" in result.skipped


# ----------------------------------------------------------------------------- YoY trend


def test_yoy_deceleration_is_off_by_default_and_fires_when_set():
    weeks = 120
    ends = pd.date_range(end=WEEK, periods=weeks, freq="7D")
    py = np.full(weeks, 1000.0)
    cy = py * (1 + np.r_[np.full(weeks - 16, 0.20), np.repeat([0.20, 0.15, 0.10, 0.05], 4)])
    weekly = pd.DataFrame({"cy": cy, "py": py, "plan": np.nan, "complete": True}, index=ends)
    daily = pd.Series(np.repeat(cy / 7, 7), index=pd.date_range(end=WEEK, periods=weeks * 7))
    history = MetricHistory("orders", weekly, daily)
    assert "yoy_deceleration" not in {f.rule for f in flag_metric(history, VOLUME, SETTINGS)}
    trend = [
        f
        for f in flag_metric(history, VOLUME, FlagSettings(yoy_deceleration_pp=10))
        if f.type == "trend"
    ]
    assert [(f.rule, f.value, f.favourable) for f in trend] == [
        ("yoy_deceleration", pytest.approx(5.0), False)
    ]
    assert not [
        f
        for f in flag_metric(history, VOLUME, FlagSettings(yoy_deceleration_pp=20))
        if f.type == "trend"
    ]


# ----------------------------------------------------------------------------- acceptance (issue 3)


def scenario_metric(seed: int, kind: str) -> pd.Series:
    """One of the acceptance scenario's daily metrics (3.2 years ending on WEEK).

    shock: the deck's week moves (a whole week +-25-50%, two days x2-3 or x0.1-0.4, one day
    x2.5-4); holiday: a peak of x1.4-2.2 on 1-2 days of the deck's week that recurs every year,
    either 364 days apart or on the same calendar date; plain: nothing happens.
    """
    rng = np.random.default_rng(seed)
    daily = business(
        seed,
        noise=rng.uniform(0.04, 0.12),
        amplitude=rng.uniform(0, 0.25),
        growth=rng.uniform(-0.05, 0.25),
    )
    n = len(daily)
    if kind == "shock":
        form = rng.integers(0, 4)
        first = int(rng.integers(0, 6))
        if form == 0:
            daily.iloc[-7:] *= rng.choice([rng.uniform(1.25, 1.5), rng.uniform(0.5, 0.75)])
        elif form == 1:
            daily.iloc[n - 7 + first : n - 5 + first] *= rng.uniform(2, 3)
        elif form == 2:
            daily.iloc[n - 7 + first : n - 5 + first] *= rng.uniform(0.1, 0.4)
        else:
            daily.iloc[n - 7 + first] *= rng.uniform(2.5, 4)
    elif kind == "holiday":
        size, width = rng.uniform(1.4, 2.2), int(rng.integers(1, 3))
        peak = WEEK - pd.Timedelta(days=int(rng.integers(width - 1, 7)))
        same_date = rng.random() < 0.5
        for years in range(4):
            start = (
                peak.replace(year=peak.year - years)
                if same_date
                else peak - pd.Timedelta(days=364 * years)
            )
            for day in pd.date_range(start, periods=width):
                if day in daily.index:
                    daily[day] *= size
    return daily


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_acceptance_shocks_flagged_holidays_and_plain_weeks_not(seed):
    flagged = {}
    for kind in ("shock", "holiday", "plain"):
        flagged[kind] = sum(
            bool(
                flag_metric(
                    history_from_daily(scenario_metric(1000 * seed + 100 * k + i, kind)),
                    VOLUME,
                    SETTINGS,
                )
            )
            for k, i in [(("shock", "holiday", "plain").index(kind), i) for i in range(12)]
        )
    assert flagged["shock"] >= 11
    assert flagged["holiday"] + flagged["plain"] <= 1


def test_a_day_with_a_recorded_one_off_event_is_shown_from_a_lower_bar():
    daily = flat(seed=5, weeks=30)
    day = WEEK - pd.Timedelta(days=4)
    daily[day] *= 0.9  # about -4 robust sd: under the seasonal bar of 5
    history = history_from_daily(daily)
    assert ("seasonal", "residual") not in rules(flag_metric(history, VOLUME, SETTINGS))
    wedding = [(day.date(), "Royal wedding bank holiday")]
    raised = assess_metric(history, VOLUME, SETTINGS, named=wedding).flags
    shown = [f for f in raised if f.type == "seasonal"]
    assert [f.days for f in shown] == [(day.date(),)]
    assert "robust z 3.5, the bar for a day with a one-off event" in shown[0].detail
    assert shown[0].events == ("Royal wedding bank holiday",)
    # a recurring event (passed as one that may explain a signal) gets no lower bar
    result = assess_metric(history, VOLUME, SETTINGS, wedding, named=wedding)
    assert not [f for f in result.flags if f.type == "seasonal"]
    # nor does an event on another day of the week
    other = [(day.date() + dt.timedelta(days=2), "Royal wedding bank holiday")]
    elsewhere = assess_metric(history, VOLUME, SETTINGS, named=other).flags
    assert not [f for f in elsewhere if f.type == "seasonal"]
