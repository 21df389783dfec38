"""Window aggregation by metric type, and property tests of the invariants the deck relies on."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import write_business
from wbr.engine.aggregate import DailyMatrix, weekly_history, window_values
from wbr.engine.build import build_deck
from wbr.engine.calendar import Calendar, Window
from wbr.engine.config import load_config, parse_config

CONFIG = parse_config(
    """
title: T
sources: {actuals: {path: x.csv}}
metrics:
  visits: {}
  conversions: {}
  conversion: {aggregation: ratio, numerator: conversions, denominator: visits, unit: percent}
  latency: {aggregation: mean}
  stock: {aggregation: last}
  low: {aggregation: min}
  peak: {aggregation: max}
"""
)
BASE = ["visits", "conversions", "latency", "stock", "low", "peak"]


def _matrix(values: dict[str, list[float]], first_day=dt.date(2024, 1, 1)) -> DailyMatrix:
    frame = pd.DataFrame(values, index=pd.date_range(first_day, periods=len(values["visits"])))
    return DailyMatrix.from_frame(frame[BASE])


def _four_days() -> DailyMatrix:
    return _matrix(
        {
            "visits": [100, 200, 1000, 10],
            "conversions": [50, 50, 50, 2],
            "latency": [10, 20, 30, 40],
            "stock": [7, 6, 5, 4],
            "low": [3, 1, 2, 5],
            "peak": [3, 9, 2, 5],
        }
    )


def test_ratio_aggregates_sum_over_sum_not_mean_of_daily_ratios():
    window = Window(dt.date(2024, 1, 1), dt.date(2024, 1, 4))
    result = window_values(CONFIG, _four_days(), [window])
    assert result.value(0, "conversion") == pytest.approx(152 / 1310)  # 11.6%, not 21.3%
    assert round(result.value(0, "conversion") * 100, 1) == 11.6


@pytest.mark.parametrize(
    ("metric", "expected"),
    [("visits", 1310), ("latency", 25), ("stock", 4), ("low", 1), ("peak", 9)],
)
def test_each_aggregation_type(metric, expected):
    window = Window(dt.date(2024, 1, 1), dt.date(2024, 1, 4))
    assert window_values(CONFIG, _four_days(), [window]).value(0, metric) == expected


def test_last_is_the_value_on_the_windows_last_day():
    window = Window(dt.date(2024, 1, 1), dt.date(2024, 1, 2))
    assert window_values(CONFIG, _four_days(), [window]).value(0, "stock") == 6


def test_a_missing_day_makes_the_window_null_for_that_metric_only():
    matrix = _four_days()
    matrix.values[2, BASE.index("conversions")] = np.nan
    window = Window(dt.date(2024, 1, 1), dt.date(2024, 1, 4))
    result = window_values(CONFIG, matrix, [window])
    assert result.value(0, "conversions") is None
    assert result.value(0, "conversion") is None  # its numerator is incomplete
    assert result.value(0, "visits") == 1310
    assert not result.complete[0, result.metrics.index("conversion")]


def test_a_window_reaching_outside_the_data_is_null():
    window = Window(dt.date(2023, 12, 31), dt.date(2024, 1, 2))
    assert window_values(CONFIG, _four_days(), [window]).value(0, "visits") is None


def test_zero_denominator_gives_no_ratio():
    matrix = _four_days()
    matrix.values[:, BASE.index("visits")] = 0
    window = Window(dt.date(2024, 1, 1), dt.date(2024, 1, 4))
    assert window_values(CONFIG, matrix, [window]).value(0, "conversion") is None


# ---- property tests ----------------------------------------------------------------------------

daily_values = st.lists(
    st.one_of(st.just(0.0), st.floats(min_value=1e-3, max_value=1e6)), min_size=60, max_size=60
)


@settings(max_examples=60, deadline=None)
@given(visits=daily_values, conversions=daily_values, data=st.data())
def test_ratio_equals_sum_over_sum_for_random_windows(visits, conversions, data):
    n = len(visits)
    matrix = _matrix(
        {
            "visits": visits,
            "conversions": conversions,
            "latency": visits,
            "stock": visits,
            "low": visits,
            "peak": visits,
        }
    )
    start = data.draw(st.integers(0, n - 1))
    end = data.draw(st.integers(start, n - 1))
    first = dt.date(2024, 1, 1)
    window = Window(first + dt.timedelta(start), first + dt.timedelta(end))
    got = window_values(CONFIG, matrix, [window]).value(0, "conversion")
    numerator, denominator = sum(conversions[start : end + 1]), sum(visits[start : end + 1])
    if denominator == 0:
        assert got is None
    else:
        assert got == pytest.approx(numerator / denominator, rel=1e-9)


@settings(max_examples=40, deadline=None)
@given(
    values=st.lists(st.integers(0, 10_000), min_size=70, max_size=200),
    week_end_weekday=st.integers(0, 6),
)
def test_weekly_sums_add_up_to_the_daily_total(values, week_end_weekday):
    matrix = _matrix({name: values for name in BASE})
    calendar = Calendar(week_end_weekday)
    last_day = dt.date(2024, 1, 1) + dt.timedelta(len(values) - 1)
    week_ending = calendar.week_end_on_or_before(last_day)
    ends, weekly = weekly_history(CONFIG, matrix, week_ending)
    covered_from = ends[0] - dt.timedelta(days=6)
    offset = (covered_from - dt.date(2024, 1, 1)).days
    n_days = (week_ending - covered_from).days + 1
    visits = weekly.values[:, weekly.metrics.index("visits")]
    assert visits.sum() == sum(values[offset : offset + n_days])
    assert all(end.weekday() == week_end_weekday for end in ends)


@settings(max_examples=40, deadline=None)
@given(
    year=st.integers(2021, 2029),
    anchor=st.sampled_from([(1, 1), (3, 1)]),  # weeks ending early Jan or just after Feb
    offset=st.integers(0, 6),
    week_end_weekday=st.integers(0, 6),
)
def test_weeks_straddling_a_year_end_or_leap_day(year, anchor, offset, week_end_weekday):
    week_ending = dt.date(year, *anchor) + dt.timedelta(days=offset)
    calendar = Calendar(week_end_weekday)
    week_ending = calendar.week_end_on_or_before(week_ending)
    days = pd.date_range(week_ending - dt.timedelta(days=400), week_ending)
    values = np.arange(len(days), dtype=float)
    matrix = _matrix({name: values for name in BASE}, first_day=days[0].date())
    week = calendar.week(week_ending)
    result = window_values(
        CONFIG, matrix, [week, calendar.week(calendar.prior_year_week(week_ending))]
    )
    assert result.value(0, "visits") == values[-7:].sum()  # 7 days, whatever the year or Feb 29
    assert result.value(1, "visits") == values[-371:-364].sum()
    assert 1 <= calendar.week_number(week_ending) <= 53


@settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(seed=st.integers(0, 10_000))
def test_results_do_not_depend_on_row_order(tmp_path_factory, seed):
    folder = tmp_path_factory.mktemp("order")
    rng = np.random.default_rng(seed)
    days = pd.date_range("2025-01-01", "2026-11-21")
    rows = pd.concat(
        [
            pd.DataFrame(
                {
                    "date": days.strftime("%Y-%m-%d"),
                    "metric": metric,
                    "region": region,
                    "value": rng.uniform(0, 1000, len(days)).round(6),
                }
            )
            for metric in ("orders", "sessions")
            for region in ("a", "b")
        ],
        ignore_index=True,
    )
    config = """\
    title: T
    sources: {actuals: {path: metrics.csv}}
    dimensions: [region]
    metrics:
      orders: {}
      sessions: {}
      conversion: {aggregation: ratio, numerator: orders, denominator: sessions}
    """
    stamp = dt.datetime(2026, 11, 23, 7, 0)
    path = write_business(folder, config, {"metrics.csv": rows})
    in_order = build_deck(load_config(path), analyse=False, generated_at=stamp)
    write_business(folder, config, {"metrics.csv": rows.sample(frac=1.0, random_state=seed)})
    shuffled = build_deck(load_config(path), analyse=False, generated_at=stamp)
    assert in_order.to_json() == shuffled.to_json()


DERIVED = parse_config(
    """
title: T
sources: {actuals: {path: x.csv}}
metrics:
  revenue: {}
  cost: {}
  opening_stock: {aggregation: first}
  profit: {aggregation: derived, formula: {op: difference, operands: [revenue, cost]}}
  total: {aggregation: derived, formula: {op: sum, operands: [revenue, cost, opening_stock]}}
  scaled: {aggregation: derived, formula: {op: product, operands: [profit, opening_stock]}}
  margin: {aggregation: derived, formula: {op: divide, operands: [profit, revenue]}}
"""
)


def _derived_matrix() -> DailyMatrix:
    frame = pd.DataFrame(
        {"revenue": [10.0, 20.0, 30.0], "cost": [4.0, 5.0, 6.0], "opening_stock": [7.0, 8.0, 9.0]},
        index=pd.date_range("2024-01-01", periods=3),
    )
    return DailyMatrix.from_frame(frame)


def test_derived_metrics_combine_window_values_after_aggregation():
    window = Window(dt.date(2024, 1, 1), dt.date(2024, 1, 3))
    result = window_values(DERIVED, _derived_matrix(), [window])
    assert result.value(0, "opening_stock") == 7.0  # first day of the window
    assert result.value(0, "profit") == 60.0 - 15.0
    assert result.value(0, "total") == 60.0 + 15.0 + 7.0
    # product of window values (45 x 7), not the sum of daily products (6x7 + 15x8 + 24x9)
    assert result.value(0, "scaled") == 45.0 * 7.0
    assert result.value(0, "margin") == pytest.approx(45.0 / 60.0)


def test_a_derived_metric_is_incomplete_when_any_operand_is():
    matrix = _derived_matrix()
    values = matrix.values.copy()
    values[1, 1] = np.nan  # cost missing on day 2
    matrix = DailyMatrix(matrix.first_day, values, matrix.metrics)
    window = Window(dt.date(2024, 1, 1), dt.date(2024, 1, 3))
    result = window_values(DERIVED, matrix, [window])
    assert result.value(0, "profit") is None and result.value(0, "scaled") is None
    assert result.value(0, "revenue") == 60.0


@pytest.mark.parametrize("layout", ["F", "C"])
@pytest.mark.parametrize("seed", range(8))
def test_back_to_back_windows_reduced_at_once_equal_the_window_loop(
    monkeypatch, seed, layout
) -> None:
    """base_window_values reduces a run of back-to-back windows as one (metrics, windows, days)
    view of a matrix laid out as the loader makes it (F: each metric's days together): the same
    numbers, to the last bit, as one window at a time (C: the loop, whatever the run)."""
    from wbr.engine import aggregate

    rng = np.random.default_rng(seed)
    n_days = 200
    # groups of three metrics of each kind, and one of a kind alone
    kinds = ["sum", "mean", "last", "first", "min", "max", "distinct"] * 3 + [
        ["sum", "mean", "min", "max"][seed % 4]
    ]
    values = rng.lognormal(3, 2, size=(n_days, len(kinds))) * rng.choice([-1, 1], (n_days, 1))
    values[rng.random(values.shape) < 0.03] = np.nan
    values[rng.random(values.shape) < 0.05] = -0.0  # the sign of a zero sum is kept too
    values[rng.random(values.shape) < 0.05] = 0.0
    values[:, 5] = np.nan  # a metric with no data at all
    values = np.asfortranarray(values) if layout == "F" else np.ascontiguousarray(values)
    metrics = tuple(f"m{i}" for i in range(len(kinds)))
    matrix = DailyMatrix(dt.date(2026, 1, 1), values, metrics)
    first = dt.date(2025, 12, 20) + dt.timedelta(days=int(rng.integers(0, 14)))
    length = [7, 14, 1, 7, 9, 7, 21, 7][seed]
    windows = [
        Window(
            first + dt.timedelta(days=length * k),
            first + dt.timedelta(days=length * k + length - 1),
        )
        for k in range(n_days // length + 3)  # reaching past both ends of the data
    ]
    windows += [Window(dt.date(2026, 2, 1), dt.date(2026, 2, 28))]  # and one of another length
    counted = {"m6": {(w.start, w.end): float(k) for k, w in enumerate(windows)}}
    assert aggregate._back_to_back(matrix, windows)[1] >= aggregate._RUN_AT_LEAST
    at_once = aggregate.base_window_values(matrix, kinds, windows, counted)
    monkeypatch.setattr(aggregate, "_RUN_AT_LEAST", 10**9)
    one_by_one = aggregate.base_window_values(matrix, kinds, windows, counted)
    for fast, slow in zip(at_once, one_by_one, strict=True):
        assert fast.dtype == slow.dtype
        assert fast.tobytes() == slow.tobytes()


def test_the_loaders_matrix_holds_each_metrics_days_together(tmp_path) -> None:
    """The reduction above is taken only on this layout (else the window loop runs)."""
    path = write_business(
        tmp_path,
        "title: T\nsources: {actuals: {path: m.csv, format: wide}}\nmetrics: {a: {}, b: {}}\n",
        {"m.csv": "date,a,b\n2026-01-01,1,2\n2026-01-02,3,4\n2026-01-03,5,6\n"},
    )
    from wbr.engine.sources import load_data

    matrix = DailyMatrix.from_frame(load_data(load_config(path)).actuals)
    assert matrix.values.T.flags.c_contiguous


def test_ratio_and_derived_metrics_worked_out_together_are_combine_one_by_one(monkeypatch):
    """window_values works out each level's two-operand divisions, differences and products
    together (aggregate.combined_levels): every value and completeness bit is combine()'s."""
    from wbr.engine import aggregate, histories

    lines = ["title: T", "sources: {actuals: {path: x.csv}}", "metrics:"]
    base = [f"b{i}" for i in range(8)]
    lines += [f"  {b}: {{}}" for b in base]
    lines += [
        f"  r{i}: {{aggregation: ratio, numerator: b{i}, denominator: b{(i + 3) % 8}}}"
        for i in range(8)
    ]
    ops = ["difference", "product", "divide", "sum"]
    lines += [
        f"  d{i}: {{aggregation: derived, formula: {{op: {ops[i % 4]}, operands: [r{i}, b{i}]}}}}"
        for i in range(8)
    ]
    lines += [  # a third level, a three-operand sum and product
        "  e0: {aggregation: derived, formula: {op: divide, operands: [d0, d1]}}",
        "  e1: {aggregation: derived, formula: {op: sum, operands: [d2, b1, r3]}}",
        "  e2: {aggregation: derived, formula: {op: product, operands: [d3, b2, r4]}}",
        "  e3: {aggregation: ratio, numerator: d4, denominator: d5}",
    ]
    config = parse_config("\n".join(lines))
    rng = np.random.default_rng(5)
    days = rng.lognormal(3, 2, (70, 8)) * rng.choice([-1.0, 1.0], (70, 8), p=[0.2, 0.8])
    days[rng.random((70, 8)) < 0.05] = np.nan  # incomplete windows
    days[rng.random((70, 8)) < 0.05] = 0.0  # zero denominators
    days[:, 7] = 1e200  # products overflow
    frame = pd.DataFrame(days, columns=base, index=pd.date_range("2024-01-01", periods=70))
    matrix = DailyMatrix.from_frame(frame)
    windows = [
        Window(
            dt.date(2024, 1, 1) + dt.timedelta(days=d), dt.date(2024, 1, 7) + dt.timedelta(days=d)
        )
        for d in range(60)
    ]
    levels = aggregate.combined_levels(config, aggregate.evaluation_order(config))
    assert len(levels) == 3 and ("divide", None) in levels[0] and ("product", None) in levels[1]
    together = window_values(config, matrix, windows)

    def one_by_one(c, order):  # type: ignore[no-untyped-def]
        return [{(None, m): [m] for m in order if c.metrics[m].operands}]

    monkeypatch.setattr(aggregate, "combined_levels", one_by_one)
    monkeypatch.setattr(histories, "combined_levels", one_by_one)
    alone = window_values(config, matrix, windows)
    assert together.metrics == alone.metrics
    assert together.values.tobytes() == alone.values.tobytes()
    assert (together.complete == alone.complete).all()
    assert np.isfinite(together.values).sum() > 500 and np.isnan(together.values).sum() > 50
    # the histories' daily values of every metric combine the same way (one by one here)
    daily_alone = histories._daily_values(config, frame)
    monkeypatch.undo()
    daily_together = histories._daily_values(config, frame)
    assert histories.combined_levels is aggregate.combined_levels is not one_by_one
    assert daily_together.keys() == daily_alone.keys()
    for metric, found in daily_together.items():
        assert found.values.tobytes() == daily_alone[metric].values.tobytes(), metric
