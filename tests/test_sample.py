"""The bundled sample business: deterministic, valid, and with its incidents in the raw data."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
import yaml

from wbr.engine.config import FlagSettings, load_config
from wbr.errors import WbrError
from wbr.sample import DEFAULT_END, black_friday, summer_deals, write_sample

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "data" / "sample"
FILES = ("metrics.csv", "plan.csv", "commentary.csv", "events.csv", "orders.parquet")
LAST_WEEK = pd.Timestamp(DEFAULT_END)


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh run laid out like the repo: <root>/wbr.yaml and <root>/data/sample/*.csv."""
    root = tmp_path_factory.mktemp("sample")
    write_sample(root / "data" / "sample", root / "wbr.yaml")
    return root


@pytest.fixture(scope="module")
def config():
    return load_config(REPO / "wbr.yaml")


@pytest.fixture(scope="module")
def rows() -> pd.DataFrame:
    return pd.read_csv(SAMPLE / "metrics.csv", parse_dates=["date"])


@pytest.fixture(scope="module")
def daily(rows: pd.DataFrame) -> pd.DataFrame:
    """Daily totals: one column per stored metric."""
    return rows.groupby(["date", "metric"])["value"].sum().unstack("metric")


@pytest.fixture(scope="module")
def weekly(daily: pd.DataFrame) -> pd.DataFrame:
    """Saturday-ending week sums."""
    return daily.resample("W-SAT").sum()


@pytest.fixture(scope="module")
def weekly_plan() -> pd.DataFrame:
    plan = pd.read_csv(SAMPLE / "plan.csv", parse_dates=["date"])
    return plan.pivot(index="date", columns="metric", values="value").resample("W-SAT").sum()


def test_generation_is_byte_identical_run_to_run(generated: Path, tmp_path: Path) -> None:
    paths = write_sample(tmp_path / "data" / "sample", tmp_path / "wbr.yaml")
    assert [p.name for p in paths] == [*FILES, "wbr.yaml"]
    for path in paths:
        twin = generated / path.relative_to(tmp_path)
        assert path.read_bytes() == twin.read_bytes(), path.name


def test_committed_sample_equals_a_fresh_run(generated: Path) -> None:
    """Fails when the generator changed and `wbr sample --out data/sample` was not re-run."""
    for name in FILES:
        fresh = (generated / "data" / "sample" / name).read_bytes()
        assert fresh == (SAMPLE / name).read_bytes(), f"data/sample/{name} is stale"
    assert (generated / "wbr.yaml").read_bytes() == (REPO / "wbr.yaml").read_bytes()


def test_committed_config_validates_and_describes_the_business(config) -> None:
    assert config.title == "Acme Retail WBR"
    assert config.week_ending == "latest"
    assert config.dimensions == ["region", "channel"]
    assert config.ordered_sections()[-1] == "Financials"
    assert config.resolve(config.sources.actuals.path) == SAMPLE / "metrics.csv"
    metrics = config.metrics
    assert 18 <= len(metrics) <= 24
    assert all(spec.owner and spec.definition and spec.label for spec in metrics.values())
    aggregations = [spec.aggregation for spec in metrics.values()]
    assert aggregations.count("ratio") >= 4
    assert aggregations.count("last") == 1 and aggregations.count("mean") == 1
    assert any(spec.polarity == "lower_is_better" for spec in metrics.values())
    for section in config.ordered_sections()[:-1]:
        kinds = {spec.kind for m, spec in metrics.items() if config.section_of(m) == section}
        assert "output" not in kinds, f"{section} comes before Financials but holds an output"


def test_sample_flags_block_shows_the_current_defaults() -> None:
    raw = yaml.safe_load((REPO / "wbr.yaml").read_text(encoding="utf-8"))
    defaults = FlagSettings().model_dump()
    assert raw["flags"] == {key: defaults[key] for key in raw["flags"]}


def test_ratio_metrics_are_never_stored(config, rows: pd.DataFrame) -> None:
    stored = set(rows["metric"].unique())
    from_table = {m for m, spec in config.metrics.items() if spec.from_ is not None}
    assert stored == set(config.base_metrics()) - from_table
    for spec in config.metrics.values():
        if spec.aggregation == "ratio":
            assert {spec.numerator, spec.denominator} <= stored | from_table


def test_every_metric_has_every_day_up_to_the_week_ending(config, rows: pd.DataFrame) -> None:
    per_day = rows.groupby(["metric", "date"]).size().unstack("metric")
    days = pd.date_range("2023-01-01", DEFAULT_END, freq="D")
    assert per_day.index.equals(days)
    split = rows["region"].notna()
    assert set(rows.loc[split, "metric"]) == {
        "sessions", "page_views", "in_stock_page_views", "orders", "revenue"
    }  # fmt: skip
    assert (rows.loc[split, "channel"].notna()).all()
    for metric, counts in per_day.items():
        assert (counts == (8 if metric in set(rows.loc[split, "metric"]) else 1)).all(), metric
    assert (SAMPLE / "metrics.csv").stat().st_size < 4_000_000


def test_last_week_conversion_is_below_its_trailing_8_week_range(weekly: pd.DataFrame) -> None:
    conversion = weekly["orders"] / weekly["sessions"]
    trailing = conversion.loc[: LAST_WEEK - pd.Timedelta(days=7)].tail(8)
    assert conversion.index[-1] == LAST_WEEK
    assert conversion.iloc[-1] < trailing.min() - 0.001  # more than 10 bps below the range


def test_outage_day_shows_in_app_conversion_latency_and_contacts(rows, daily) -> None:
    outage = LAST_WEEK - pd.Timedelta(days=4)
    app = rows[rows["channel"] == "app"].groupby(["date", "metric"])["value"].sum().unstack()
    app_conversion = app["orders"] / app["sessions"]
    assert app_conversion[outage] < 0.5 * app_conversion[outage - pd.Timedelta(days=7)]
    assert daily.loc[outage, "page_latency_ms"] > 2 * daily["page_latency_ms"].iloc[-30:].median()
    contact_rate = daily["contacts"] / daily["orders"]
    assert contact_rate[outage] > 2 * contact_rate.iloc[-60:-14].median()


def test_west_stockout_cuts_in_stock_and_west_orders(rows, weekly) -> None:
    in_stock = weekly["in_stock_page_views"] / weekly["page_views"]
    normal = in_stock.iloc[-12:-2]
    assert (in_stock.iloc[-2:] < normal.min() - 0.03).all()  # 300+ bps below the range
    by_region = rows[rows["metric"] == "orders"].pivot_table(
        index="date", columns="region", values="value", aggfunc="sum"
    )
    week_orders = by_region.resample("W-SAT").sum()
    west_share = week_orders["West"] / week_orders.sum(axis=1)
    assert west_share.iloc[-2] < west_share.iloc[-12:-2].min() - 0.02
    others = week_orders.drop(columns="West")
    change = others.iloc[-2] / others.iloc[-3] - 1
    assert (change.abs() < 0.06).all()  # the other regions did not move with it


def test_revenue_misses_plan_four_weeks_running_with_a_widening_gap(weekly, weekly_plan) -> None:
    gap = (weekly["revenue"] / weekly_plan["revenue"] - 1).dropna()
    last_four = gap.loc[:LAST_WEEK].tail(4)
    assert (last_four < 0).all()
    assert last_four.diff().iloc[1:].lt(0).all()
    assert last_four.iloc[-1] < -0.05


def test_plan_covers_conversion_to_the_fiscal_year_end(config) -> None:
    plan = pd.read_csv(SAMPLE / "plan.csv", parse_dates=["date"])
    assert {"orders", "revenue", "sessions"} <= set(plan["metric"])
    conversion = config.metrics["conversion"]
    assert {conversion.numerator, conversion.denominator} <= set(plan["metric"])
    assert plan["date"].max() == pd.Timestamp("2026-12-31")
    assert list(plan.columns) == ["date", "metric", "value"]


def test_growth_and_seasonality_look_like_a_retailer(daily: pd.DataFrame) -> None:
    yearly = daily["revenue"].groupby(daily.index.year).sum()
    growth = yearly.loc[[2024, 2025]].to_numpy() / yearly.loc[[2023, 2024]].to_numpy() - 1
    assert ((growth > 0.03) & (growth < 0.2)).all()
    sessions = daily["sessions"].loc[:"2026-10-31"]
    weekday_mean = sessions.groupby(sessions.index.day_of_week).mean()
    assert abs(weekday_mean[5] / weekday_mean[0] - 1) > 0.02  # Saturday is not a Monday
    for year in (2023, 2024, 2025):
        peak = pd.Timestamp(black_friday(year))
        before = daily["revenue"].loc[peak - pd.Timedelta(days=21) : peak - pd.Timedelta(days=8)]
        assert daily.loc[peak, "revenue"] > 1.8 * before.median()
        deals = pd.Timestamp(summer_deals(year))
        assert (
            daily.loc[deals, "revenue"] > 1.8 * daily.loc[deals - pd.Timedelta(days=7), "revenue"]
        )


def test_commentary_and_events_give_the_linter_and_the_deck_something_to_find() -> None:
    commentary = pd.read_csv(SAMPLE / "commentary.csv")
    last = commentary[commentary["week_ending"] == DEFAULT_END.isoformat()]
    assert len(last) >= 5
    revenue = commentary[commentary["metric"] == "revenue"].sort_values("week_ending")
    assert revenue["text"].tail(3).nunique() == 1  # the same words three weeks running
    assert commentary["text"].str.contains("significantly|slightly|nearly all").sum() >= 2
    assert (~commentary["text"].str.contains(r"\d")).sum() >= 2  # no number at all
    assert commentary["text"].str.contains(r"\d+ bps").sum() >= 2
    events = pd.read_csv(SAMPLE / "events.csv", keep_default_na=False)
    dates = set(events["date"])
    assert {black_friday(y).isoformat() for y in (2023, 2024, 2025)} <= dates
    assert (DEFAULT_END - dt.timedelta(days=4)).isoformat() in dates  # the app outage
    assert (events["metric"] == "").any()  # business-wide events


def test_too_early_an_end_date_is_refused(tmp_path: Path) -> None:
    with pytest.raises(WbrError, match="too early"):
        write_sample(tmp_path, end=dt.date(2024, 1, 6))
