"""An absent slice row makes the day's total missing, like a blank one, never a silently low sum.

A new slice (a region that starts mid-history), a retired one, a long pause and a renamed slice are
not holes; see wbr/engine/slices.py for the rule.
"""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import write_business
from wbr.engine.build import build_deck
from wbr.engine.config import load_config
from wbr.engine.sources import load_data

ROOT = Path(__file__).resolve().parents[1]
SPLIT = """\
title: T
sources:
  actuals: {path: metrics.csv}
dimensions: [region]
metrics:
  orders: {}
"""
UNDECLARED = SPLIT.replace("dimensions: [region]\n", "")
DAYS = pd.date_range("2026-01-01", "2026-03-31")


def _rows(regions: dict[str, pd.DatetimeIndex]) -> pd.DataFrame:
    """Long rows: orders of 10 per region per day, on the days given for each region."""
    frames = [
        pd.DataFrame({"date": days.strftime("%Y-%m-%d"), "metric": "orders", "value": 10.0}).assign(
            region=region
        )
        for region, days in regions.items()
    ]
    return pd.concat(frames, ignore_index=True)


def _orders(tmp_path: Path, rows: pd.DataFrame, config: str = SPLIT):
    data = load_data(load_config(write_business(tmp_path, config, {"metrics.csv": rows})))
    return data, data.actuals["orders"]


def _without(days: pd.DatetimeIndex, *dropped: str) -> pd.DatetimeIndex:
    return days.difference(pd.DatetimeIndex(dropped))


def test_the_sample_without_one_west_web_orders_row_is_incomplete_not_low(tmp_path):
    """Issue 10, defect 4: the reproduction on the bundled sample."""
    shutil.copytree(ROOT / "data" / "sample", tmp_path / "data" / "sample")
    shutil.copy(ROOT / "wbr.yaml", tmp_path / "wbr.yaml")
    path = tmp_path / "data" / "sample" / "metrics.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    deleted = "2026-11-18,orders,"
    kept = [line for line in lines if not (line.startswith(deleted) and "West,web" in line)]
    assert len(kept) == len(lines) - 1
    path.write_text("".join(kept), encoding="utf-8")

    config = load_config(tmp_path / "wbr.yaml")
    data = load_data(config)
    assert math.isnan(data.actuals.loc["2026-11-18", "orders"])
    assert data.actuals.loc["2026-11-17", "orders"] > 0
    listed = data.absent_slices.to_dict("records")
    assert listed == [
        {
            "source": "actuals",
            "date": pd.Timestamp("2026-11-18"),
            "metric": "orders",
            "slice": "region=West, channel=web",
        }
    ]
    deck = build_deck(config, data, week_ending="2026-11-21", analyse=False)
    orders = next(b for b in deck.blocks if b.metric == "orders")
    assert orders.box.last_week is None
    assert not orders.status.complete
    assert pd.Timestamp("2026-11-18").date() in orders.status.missing_days


def test_a_missing_slice_row_between_two_days_blanks_that_day(tmp_path):
    rows = _rows({"north": DAYS, "south": _without(DAYS, "2026-02-10")})
    data, orders = _orders(tmp_path, rows)
    assert math.isnan(orders["2026-02-10"])
    assert orders.drop(pd.Timestamp("2026-02-10")).eq(20.0).all()
    assert data.absent_slices["slice"].tolist() == ["region=south"]


def test_slice_rows_not_yet_delivered_on_the_last_days_are_missing(tmp_path):
    rows = _rows({"north": DAYS, "south": DAYS[:-2]})
    _, orders = _orders(tmp_path, rows)
    assert orders[-2:].isna().all()
    assert orders[:-2].eq(20.0).all()


def test_undeclared_slice_columns_are_checked_too(tmp_path):
    rows = _rows({"north": DAYS, "south": _without(DAYS, "2026-02-10")})
    _, orders = _orders(tmp_path, rows, UNDECLARED)
    assert math.isnan(orders["2026-02-10"])


def test_a_slice_that_starts_mid_history_is_new_not_missing(tmp_path):
    rows = _rows({"north": DAYS, "south": DAYS[DAYS >= "2026-02-15"]})
    data, orders = _orders(tmp_path, rows)
    assert orders.notna().all()
    assert orders[:"2026-02-14"].eq(10.0).all() and orders["2026-02-15":].eq(20.0).all()
    assert data.absent_slices is None


def test_a_slice_retired_more_than_a_week_ago_is_not_missing(tmp_path):
    rows = _rows({"north": DAYS, "south": DAYS[DAYS < "2026-03-20"]})
    data, orders = _orders(tmp_path, rows)
    assert orders.notna().all()
    assert data.absent_slices is None


def test_a_pause_longer_than_four_weeks_is_a_dormant_slice(tmp_path):
    paused = DAYS[(DAYS < "2026-01-20") | (DAYS >= "2026-03-01")]
    _, orders = _orders(tmp_path, _rows({"north": DAYS, "south": paused}))
    assert orders.notna().all()


def test_a_renamed_slice_is_not_a_gap(tmp_path):
    rows = _rows(
        {"north": DAYS, "south": DAYS[DAYS < "2026-03-25"], "southeast": DAYS[-7:]},
    )
    data, orders = _orders(tmp_path, rows)
    assert orders.notna().all()
    assert data.absent_slices is None


def test_a_plan_week_without_one_slice_has_no_plan(tmp_path):
    config = SPLIT.replace(
        "  actuals: {path: metrics.csv}\n",
        "  actuals: {path: metrics.csv}\n  plan: {path: plan.csv, grain: weekly}\n",
    )
    saturdays = pd.date_range("2026-01-03", "2026-03-28", freq="7D")
    plan = _rows({"north": saturdays, "south": _without(saturdays, "2026-02-07")})
    folder = write_business(
        tmp_path, config, {"metrics.csv": _rows({"north": DAYS}), "plan.csv": plan}
    )
    data = load_data(load_config(folder))
    assert data.plan.loc["2026-02-01":"2026-02-07", "orders"].isna().all()
    assert data.plan.loc["2026-02-08", "orders"] == pytest.approx(20.0 / 7)
    assert data.absent_slices["source"].unique().tolist() == ["plan"]


def test_validate_names_the_absent_slice_rows(tmp_path, capsys):
    from wbr.cli import main

    rows = _rows({"north": DAYS, "south": _without(DAYS, "2026-02-10")})
    config = write_business(tmp_path, SPLIT, {"metrics.csv": rows})
    assert main(["validate", "--config", str(config)]) == 0
    out = capsys.readouterr().out
    assert "  slice rows absent (those days count as missing): 1\n" in out
    assert "    actuals 2026-02-10 orders: no row for region=south\n" in out


def test_a_monthly_plan_missing_two_months_of_one_slice_has_no_plan_for_them(tmp_path):
    config = SPLIT.replace(
        "  actuals: {path: metrics.csv}\n",
        "  actuals: {path: metrics.csv}\n  plan: {path: plan.csv, grain: monthly}\n",
    )
    months = pd.date_range("2026-01-01", "2026-06-01", freq="MS")
    plan = _rows({"north": months, "south": _without(months, "2026-02-01", "2026-03-01")})
    folder = write_business(
        tmp_path, config, {"metrics.csv": _rows({"north": DAYS}), "plan.csv": plan}
    )
    data = load_data(load_config(folder))
    assert data.plan.loc["2026-02-01":"2026-03-31", "orders"].isna().all()
    assert data.plan.loc["2026-01-31", "orders"] == pytest.approx(20.0 / 31)
    assert data.plan.loc["2026-04-01", "orders"] == pytest.approx(20.0 / 30)
