"""Every number in deck.json against an independent, deliberately naive computation.

The oracle below re-derives each window from the raw long rows with plain pandas and dateutil,
sharing no code with wbr's calendar or aggregation, for three calendars (Saturday weeks with a
January fiscal year, Sunday with April, Friday with February) on a long file with a region
dimension, shuffled rows, a missing day, plan data, and sum, ratio, mean and last metrics.
"""

from __future__ import annotations

import datetime as dt
import json
import math

import numpy as np
import pandas as pd
import pytest
from dateutil.relativedelta import relativedelta

from wbr.engine.build import build_deck
from wbr.engine.config import load_config
from wbr.engine.deck import Deck

WEEKDAY = {"saturday": 5, "sunday": 6, "friday": 4}
METRICS = {
    "orders": {"aggregation": "sum"},
    "sessions": {"aggregation": "sum"},
    "conversion": {"aggregation": "ratio", "numerator": "orders", "denominator": "sessions"},
    "latency": {"aggregation": "mean"},
    "inventory": {"aggregation": "last"},
}


def _write_business(folder, week_end_day: str, fy_start: int, alignment: str, seed: int) -> None:
    rng = np.random.default_rng(seed)
    days = pd.date_range("2022-11-03", "2026-11-24")
    frames = []
    for metric, low, high in (
        ("orders", 50, 400),
        ("sessions", 4000, 9000),
        ("latency", 80, 300),
        ("inventory", 1000, 5000),
    ):
        for region in ("north", "south", "west"):
            values = rng.uniform(low, high, len(days)).round(3)
            frames.append(
                pd.DataFrame(
                    {
                        "date": days.strftime("%Y-%m-%d"),
                        "metric": metric,
                        "value": values,
                        "region": region,
                    }
                )
            )
    rows = pd.concat(frames, ignore_index=True)
    # A missing day for latency inside the trailing months (every region's row gone).
    hole = (rows["metric"] == "latency") & (rows["date"] == "2026-08-12")
    rows = rows[~hole].sample(frac=1.0, random_state=seed)
    rows.to_csv(folder / "metrics.csv", index=False)

    plan_days = pd.date_range("2025-01-01", "2027-03-31")
    plan = pd.concat(
        [
            pd.DataFrame(
                {
                    "date": plan_days.strftime("%Y-%m-%d"),
                    "metric": metric,
                    "value": rng.uniform(low, high, len(plan_days)).round(2),
                }
            )
            for metric, low, high in (("orders", 600, 1100), ("sessions", 15000, 25000))
        ]
    ).sample(frac=1.0, random_state=seed + 1)
    plan.to_csv(folder / "plan.csv", index=False)

    metric_lines = []
    for metric, spec in METRICS.items():
        extra = ", ".join(f"{k}: {v}" for k, v in spec.items())
        unit = ", unit: percent" if metric == "conversion" else ""
        metric_lines.append(f"  {metric}: {{{extra}{unit}}}")
    (folder / "wbr.yaml").write_text(
        "title: Oracle\n"
        "week_ending: latest\n"
        f"calendar: {{week_end_day: {week_end_day}, fiscal_year_start_month: {fy_start}, "
        f"ptd_alignment: {alignment}}}\n"
        "sources:\n"
        "  actuals: {path: metrics.csv, format: long}\n"
        "  plan: {path: plan.csv, format: long}\n"
        "dimensions: [region]\n"
        "metrics:\n" + "\n".join(metric_lines) + "\n"
    )


class Oracle:
    """Window values straight from the raw rows: no wbr code involved."""

    def __init__(self, folder) -> None:
        rows = pd.read_csv(folder / "metrics.csv", parse_dates=["date"])
        self.daily = rows.groupby(["metric", "date"])["value"].sum()
        plan = pd.read_csv(folder / "plan.csv", parse_dates=["date"])
        self.plan = plan.groupby(["metric", "date"])["value"].sum()

    def value(self, metric: str, start: dt.date, end: dt.date, plan: bool = False):
        spec = METRICS[metric]
        if spec["aggregation"] == "ratio":
            numerator = self.value(spec["numerator"], start, end, plan)
            denominator = self.value(spec["denominator"], start, end, plan)
            if numerator is None or denominator in (None, 0):
                return None
            return numerator / denominator
        source = self.plan if plan else self.daily
        if metric not in source.index.get_level_values(0):
            return None
        series = source.loc[metric]
        days = pd.date_range(start, end)
        values = [series.get(day) for day in days]
        if any(v is None or (isinstance(v, float) and math.isnan(v)) for v in values):
            return None
        if spec["aggregation"] == "sum":
            return float(sum(values))
        if spec["aggregation"] == "mean":
            return float(sum(values) / len(values))
        return float(values[-1])


def _pct(cy, py):
    if cy is None or py is None or py <= 0:
        return None
    return (cy / py - 1) * 100


def _bps(cy, py):
    if cy is None or py is None:
        return None
    return (cy - py) * 10000


def _expected(folder, week_end_day: str, fy_start: int, alignment: str):
    oracle = Oracle(folder)
    last_actual = dt.date(2026, 11, 24)
    week_ending = last_actual
    while week_ending.weekday() != WEEKDAY[week_end_day]:
        week_ending -= dt.timedelta(days=1)
    week_ends = [week_ending - dt.timedelta(weeks=k) for k in range(5, -1, -1)]
    if (week_ending + dt.timedelta(days=1)).month != week_ending.month:
        last_month = week_ending.replace(day=1)
    else:
        last_month = week_ending.replace(day=1) - relativedelta(months=1)
    months = [last_month - relativedelta(months=k) for k in range(11, -1, -1)]
    months_back = (week_ending.month - fy_start) % 12
    fy = week_ending.replace(day=1) - relativedelta(months=months_back)
    quarter = week_ending.replace(day=1) - relativedelta(months=months_back % 3)
    ptd = {
        "mtd": week_ending.replace(day=1),
        "qtd": quarter,
        "ytd": fy,
    }

    def py_range(start, end):
        if alignment == "shift_364":
            return start - dt.timedelta(days=364), end - dt.timedelta(days=364)
        return start - relativedelta(years=1), end - relativedelta(years=1)

    blocks = {}
    for metric in METRICS:
        compare = _bps if metric == "conversion" else _pct
        has_plan = metric in ("orders", "sessions", "conversion")

        def cy(start, end, metric=metric):
            return oracle.value(metric, start, end)

        def plan(start, end, metric=metric, has_plan=has_plan):
            return oracle.value(metric, start, end, plan=True) if has_plan else None

        weeks = [
            {
                "end": end.isoformat(),
                "cy": cy(end - dt.timedelta(days=6), end),
                "py": cy(end - dt.timedelta(days=370), end - dt.timedelta(days=364)),
                "plan": plan(end - dt.timedelta(days=6), end),
            }
            for end in week_ends
        ]
        month_points = []
        for first in months:
            last = first + relativedelta(months=1) - dt.timedelta(days=1)
            month_points.append(
                {
                    "month": f"{first:%Y-%m}",
                    "cy": cy(first, last),
                    "py": cy(first - relativedelta(years=1), last - relativedelta(years=1)),
                    "plan": plan(first, last),
                }
            )
        box = {
            "last_week": weeks[-1]["cy"],
            "wow": compare(weeks[-1]["cy"], weeks[-2]["cy"]),
            "yoy": compare(weeks[-1]["cy"], weeks[-1]["py"]),
        }
        plan_box = {
            "last_week": weeks[-1]["plan"],
            "last_week_var": compare(weeks[-1]["cy"], weeks[-1]["plan"]),
        }
        for key, start in ptd.items():
            box[key] = cy(start, week_ending)
            box[f"{key}_yoy"] = compare(box[key], cy(*py_range(start, week_ending)))
            plan_box[key] = plan(start, week_ending)
            plan_box[f"{key}_var"] = compare(box[key], plan_box[key])
        blocks[metric] = {
            "weeks": weeks,
            "months": month_points,
            "box": box,
            "plan": plan_box if has_plan else None,
        }
    return week_ending, blocks


def _close(actual, expected) -> bool:
    if expected is None or actual is None:
        return actual is None and expected is None
    return math.isclose(actual, expected, rel_tol=1e-7, abs_tol=1e-9)


@pytest.mark.parametrize(
    ("week_end_day", "fy_start", "alignment", "seed"),
    [
        ("saturday", 1, "calendar_date", 11),
        ("sunday", 4, "calendar_date", 12),
        ("friday", 2, "shift_364", 13),
    ],
)
def test_every_deck_number_matches_an_independent_computation(
    tmp_path, week_end_day, fy_start, alignment, seed
):
    _write_business(tmp_path, week_end_day, fy_start, alignment, seed)
    deck = build_deck(load_config(tmp_path / "wbr.yaml"), analyse=False)
    written = json.loads(deck.to_json())  # check what deck.json actually holds
    by_metric = {block["metric"]: block for block in written["blocks"]}
    assert Deck.from_dict(written) == deck
    week_ending, expected = _expected(tmp_path, week_end_day, fy_start, alignment)
    assert deck.week_ending == week_ending
    mismatches = []
    compared = 0
    for metric, want in expected.items():
        got = by_metric[metric]
        for i, week in enumerate(want["weeks"]):
            assert got["weeks"][i]["end"] == week["end"]
            for key in ("cy", "py", "plan"):
                compared += 1
                if not _close(got["weeks"][i][key], week[key]):
                    mismatches.append(
                        (metric, "week", week["end"], key, got["weeks"][i][key], week[key])
                    )
        for i, month in enumerate(want["months"]):
            assert got["months"][i]["month"] == month["month"]
            for key in ("cy", "py", "plan"):
                compared += 1
                if not _close(got["months"][i][key], month[key]):
                    mismatches.append(
                        (metric, "month", month["month"], key, got["months"][i][key], month[key])
                    )
        for key, value in want["box"].items():
            compared += 1
            if not _close(got["box"][key], value):
                mismatches.append((metric, "box", key, got["box"][key], value))
        if want["plan"] is None:
            assert got["plan"] is None, metric
        else:
            for key, value in want["plan"].items():
                compared += 1
                if not _close(got["plan"][key], value):
                    mismatches.append((metric, "plan", key, got["plan"][key], value))
    assert not mismatches, mismatches[:10]
    assert compared > 300
    # The hole on 2026-08-12 must blank August for latency, never show a 30-day August.
    latency = deck.block("latency")
    august = next(m for m in latency.months if m.month == "2026-08")
    assert august.cy is None and not august.complete
    assert dt.date(2026, 8, 12) in latency.status.missing_days
    assert not latency.status.complete


def test_numbers_do_not_depend_on_declaring_the_region_dimension(tmp_path):
    _write_business(tmp_path, "saturday", 1, "calendar_date", 21)
    declared = build_deck(load_config(tmp_path / "wbr.yaml"), analyse=False)
    config_path = tmp_path / "wbr.yaml"
    config_path.write_text(config_path.read_text().replace("dimensions: [region]\n", ""))
    undeclared = build_deck(load_config(config_path), analyse=False)
    assert declared.blocks == undeclared.blocks
