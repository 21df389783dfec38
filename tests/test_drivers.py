"""Drivers: contribution by dimension sums to the change; mix vs rate (docs/)."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pandas as pd
import pytest

from wbr.analysis.drivers import UNSPLIT, compute_drivers, decompose_rate
from wbr.engine.config import parse_config
from wbr.engine.sources import Dataset

WEEK = dt.date(2026, 11, 21)
CONFIG = parse_config(
    """
title: Test
sources: {actuals: {path: metrics.csv}}
dimensions: [region, channel]
metrics:
  orders: {}
  sessions: {}
  revenue: {unit: currency}
  conversion: {aggregation: ratio, numerator: orders, denominator: sessions, unit: percent}
  aov: {aggregation: ratio, numerator: revenue, denominator: orders, unit: currency}
  latency: {aggregation: mean, unit: ms}
"""
)
PERIOD_END = {"cy": WEEK, "wow": WEEK - dt.timedelta(days=7), "yoy": WEEK - dt.timedelta(days=364)}


def dataset(rows: list[tuple], plan: dict[str, float] | None = None) -> Dataset:
    """Slices from (period, metric, weekly value, region, channel): the value spread over 7 days."""
    records = []
    for period, metric, total, region, channel in rows:
        for back in range(7):
            day = pd.Timestamp(PERIOD_END[period] - dt.timedelta(days=back))
            records.append((day, metric, total / 7, region, channel))
    slices = pd.DataFrame(records, columns=["date", "metric", "value", "region", "channel"])
    actuals = slices.groupby(["date", "metric"])["value"].sum().unstack("metric")
    planned = None
    if plan:
        days = pd.date_range(WEEK - dt.timedelta(days=6), WEEK)
        planned = pd.DataFrame({m: total / 7 for m, total in plan.items()}, index=days)
    return Dataset(actuals, planned, slices)


SECTION_4_6 = [
    ("yoy", "sessions", 600.0, None, "mobile"),
    ("yoy", "orders", 18.0, None, "mobile"),
    ("yoy", "sessions", 400.0, None, "desktop"),
    ("yoy", "orders", 24.0, None, "desktop"),
    ("cy", "sessions", 750.0, None, "mobile"),
    ("cy", "orders", 24.0, None, "mobile"),
    ("cy", "sessions", 250.0, None, "desktop"),
    ("cy", "orders", 15.0, None, "desktop"),
]


def test_section_4_6_vector_three_part_and_two_part() -> None:
    parts = decompose_rate([18, 24], [600, 400], [24, 15], [750, 250])
    assert parts.r0 == pytest.approx(0.042) and parts.r1 == pytest.approx(0.039)
    assert parts.delta * 1e4 == pytest.approx(-30)
    assert parts.mix * 1e4 == pytest.approx(-45)
    assert parts.rate * 1e4 == pytest.approx(12)
    assert parts.interaction * 1e4 == pytest.approx(3)
    assert parts.two_part_rate * 1e4 == pytest.approx(15)
    assert (parts.mix + parts.rate + parts.interaction) == pytest.approx(parts.delta, abs=1e-15)


def test_section_4_6_vector_from_slices_in_bps() -> None:
    found = compute_drivers(dataset(SECTION_4_6), CONFIG, WEEK, ["conversion"])["conversion"]
    assert found["dimensions"] == {}
    yoy = found["mix_rate"]["channel"]["yoy"]
    assert yoy["unit"] == "bps" and yoy["complete"] is True
    assert yoy["r0"] == pytest.approx(0.042) and yoy["r1"] == pytest.approx(0.039)
    assert yoy["delta"] == pytest.approx(-30)
    assert (yoy["mix"], yoy["rate"], yoy["interaction"]) == (
        pytest.approx(-45),
        pytest.approx(12),
        pytest.approx(3),
    )
    assert yoy["two_part"] == {"mix": pytest.approx(-45), "rate": pytest.approx(15)}
    mobile = next(s for s in yoy["segments"] if s["segment"] == "mobile")
    assert (mobile["w0"], mobile["w1"]) == (pytest.approx(0.6), pytest.approx(0.75))
    assert (mobile["r0"], mobile["r1"]) == (pytest.approx(0.03), pytest.approx(0.032))
    assert "wow" not in found["mix_rate"]["channel"]  # no rows for the prior week
    assert "region" not in found["mix_rate"]  # no row is split by region


def test_new_segment_is_all_mix() -> None:
    parts = decompose_rate([10, 0], [100, 0], [10, 5], [100, 100])
    assert parts.rate == 0 and parts.interaction == 0
    assert parts.mix == pytest.approx(parts.delta)


def test_no_denominator_no_decomposition() -> None:
    assert decompose_rate([0], [0], [1], [10]) is None


def random_rows(seed: int) -> list[tuple]:
    rng = np.random.default_rng(seed)
    rows = []
    for period in ("cy", "wow", "yoy"):
        for region in ("North", "South", "East", None):
            for channel in ("app", "web"):
                rows.append((period, "orders", float(rng.uniform(10, 500)), region, channel))
    return rows


@pytest.mark.parametrize("seed", range(5))
def test_contributions_sum_to_the_total_change(seed: int) -> None:
    data = dataset(random_rows(seed))
    found = compute_drivers(data, CONFIG, WEEK, ["orders"])["orders"]
    totals = {
        period: float(data.actuals["orders"].loc[str(end - dt.timedelta(days=6)) : str(end)].sum())
        for period, end in PERIOD_END.items()
    }
    for dimension in ("region", "channel"):
        for period in ("wow", "yoy"):
            entry = found["dimensions"][dimension][period]
            assert entry["cy"] == pytest.approx(totals["cy"])
            assert entry["base"] == pytest.approx(totals[period])
            deltas = [s["delta"] for s in entry["segments"]]
            assert sum(deltas) == pytest.approx(totals["cy"] - totals[period])
            assert sum(s["share"] for s in entry["segments"]) == pytest.approx(1.0)
            assert [abs(d) for d in deltas] == sorted((abs(d) for d in deltas), reverse=True)
    regions = {s["segment"] for s in found["dimensions"]["region"]["yoy"]["segments"]}
    assert regions == {"North", "South", "East", UNSPLIT}


def test_segment_change_and_absent_segment() -> None:
    rows = [
        ("cy", "orders", 120.0, "North", None),
        ("cy", "orders", 30.0, "West", None),
        ("wow", "orders", 100.0, "North", None),
    ]
    wow = compute_drivers(dataset(rows), CONFIG, WEEK, ["orders"])["orders"]["dimensions"]
    segments = {s["segment"]: s for s in wow["region"]["wow"]["segments"]}
    assert segments["North"]["change"] == pytest.approx(20.0)  # percent, like the box score
    assert segments["West"]["base"] == 0 and segments["West"]["change"] is None  # new segment
    assert segments["West"]["share"] == pytest.approx(0.6)
    assert "channel" not in wow  # nothing split by channel


def test_plan_allocated_by_prior_year_share() -> None:
    rows = [
        ("cy", "orders", 90.0, "North", None),
        ("cy", "orders", 110.0, "South", None),
        ("yoy", "orders", 50.0, "North", None),
        ("yoy", "orders", 50.0, "South", None),
    ]
    plan = compute_drivers(dataset(rows, {"orders": 220.0}), CONFIG, WEEK, ["orders"])
    entry = plan["orders"]["dimensions"]["region"]["plan"]
    assert entry["allocation"] == "py_share"
    assert entry["base"] == pytest.approx(220.0)
    segments = {s["segment"]: s["delta"] for s in entry["segments"]}
    assert segments == {"North": pytest.approx(-20.0), "South": pytest.approx(0.0)}


def test_incomplete_week_is_marked() -> None:
    data = dataset(SECTION_4_6)
    slices = data.slices[data.slices["date"] != pd.Timestamp(WEEK)]
    found = compute_drivers(Dataset(data.actuals, None, slices), CONFIG, WEEK, ["conversion"])
    assert found["conversion"]["mix_rate"]["channel"]["yoy"]["complete"] is False


def test_ratio_of_currency_is_in_the_ratio_unit() -> None:
    rows = [
        ("cy", "revenue", 1000.0, "North", None),
        ("cy", "orders", 20.0, "North", None),
        ("yoy", "revenue", 900.0, "North", None),
        ("yoy", "orders", 20.0, "North", None),
    ]
    found = compute_drivers(dataset(rows), CONFIG, WEEK, ["aov"])["aov"]
    yoy = found["mix_rate"]["region"]["yoy"]
    assert yoy["unit"] == "value" and yoy["delta"] == pytest.approx(5.0)
    assert yoy["rate"] == pytest.approx(5.0)


def test_no_slices_or_non_additive_metric_gives_none() -> None:
    data = dataset(SECTION_4_6)
    assert compute_drivers(Dataset(data.actuals), CONFIG, WEEK) == dict.fromkeys(CONFIG.metrics)
    found = compute_drivers(data, CONFIG, WEEK, ["latency", "orders"])
    assert found["latency"] is None and found["orders"] is not None


def test_drivers_are_plain_json() -> None:
    found = compute_drivers(dataset(random_rows(1) + SECTION_4_6), CONFIG, WEEK)
    text = json.dumps(found, allow_nan=False)
    assert json.loads(text)["orders"]["week_ending"] == "2026-11-21"
