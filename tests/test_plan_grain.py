"""A plan file at the wrong grain: monthly (or weekly) rows given without `grain:` were read as
daily, made every plan N/A and `validate` said OK; now the load names the file and the fix."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from wbr.engine.build import build_deck
from wbr.engine.config import load_config
from wbr.engine.sources import load_data
from wbr.errors import DataError


def _deck(tmp_path: Path, plan_rows: pd.DataFrame, plan_source: str) -> Path:
    days = pd.date_range("2025-11-01", "2026-11-21")
    actuals = pd.DataFrame({"date": days.strftime("%Y-%m-%d"), "orders": 100.0})
    actuals.to_csv(tmp_path / "metrics.csv", index=False)
    plan_rows.to_csv(tmp_path / "plan.csv", index=False)
    path = tmp_path / "wbr.yaml"
    path.write_text(
        "title: T\nsources:\n  actuals: {path: metrics.csv, format: wide}\n"
        f"  {plan_source}\nmetrics: {{orders: {{}}}}\n",
        encoding="utf-8",
    )
    return path


def _monthly_wide() -> pd.DataFrame:
    months = pd.date_range("2026-01-01", "2026-12-01", freq="MS")
    return pd.DataFrame({"date": months.strftime("%Y-%m-%d"), "orders": 3100.0})


def test_monthly_rows_without_grain_name_the_file_and_the_line_to_write(tmp_path, capsys):
    from wbr.cli import main

    config = _deck(tmp_path, _monthly_wide(), "plan: {path: plan.csv, format: wide}")
    assert main(["validate", "--config", str(config)]) == 2
    err = capsys.readouterr().err
    assert f"{tmp_path / 'plan.csv'}: every plan date is the 1st of a month" in err
    assert "(2026-01-01 .. 2026-12-01)" in err
    assert err.rstrip().endswith("plan: {path: plan.csv, format: wide, grain: monthly}")


def test_the_line_it_suggests_gives_a_plan(tmp_path):
    config_path = _deck(tmp_path, _monthly_wide(), "plan: {path: plan.csv, format: wide}")
    with pytest.raises(DataError) as error:
        load_data(load_config(config_path))
    suggested = re.search(r"plan: \{.*\}$", str(error.value)).group()
    text = config_path.read_text(encoding="utf-8")
    config_path.write_text(
        text.replace("plan: {path: plan.csv, format: wide}", suggested), encoding="utf-8"
    )
    deck = build_deck(load_config(config_path))
    assert deck.blocks[0].plan.last_week == pytest.approx(7 * 3100 / 30)  # November: 30 days


def test_weekly_rows_on_the_week_end_without_grain_suggest_weekly(tmp_path):
    weeks = pd.date_range("2026-01-03", "2026-12-26", freq="W-SAT")
    long_rows = pd.DataFrame(
        {"date": weeks.strftime("%Y-%m-%d"), "metric": "orders", "value": 700.0}
    )
    config = _deck(tmp_path, long_rows, "plan: {path: plan.csv}")
    with pytest.raises(DataError, match=r"week end \(Saturday, one a week.*grain: weekly\}$"):
        load_data(load_config(config))


@pytest.mark.parametrize(
    "dates",
    [
        pd.date_range("2026-01-01", "2026-12-31"),  # daily, starting on a 1st
        pd.DatetimeIndex(["2026-11-01"]),  # a single day says nothing about the grain
        pd.date_range("2026-01-03", "2026-12-26", freq="W-SAT").append(
            pd.DatetimeIndex(["2026-12-27"])
        ),
    ],
)
def test_daily_plans_load_as_they_are(tmp_path, dates):
    plan = pd.DataFrame({"date": dates.strftime("%Y-%m-%d"), "orders": 100.0})
    config = _deck(tmp_path, plan, "plan: {path: plan.csv, format: wide}")
    assert load_data(load_config(config)).plan is not None
