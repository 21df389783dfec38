"""The analysis step on a real (small) business: flags, drivers, commentary, questions, ranking."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.conftest import write_business
from wbr.analysis.annotate import rank_questions
from wbr.engine.build import build_deck
from wbr.engine.config import load_config
from wbr.engine.deck import Deck, Flag
from wbr.engine.sources import Dataset, load_data

WEEK = dt.date(2026, 11, 21)
CONFIG = """\
title: Test business
sources:
  actuals: {path: metrics.csv, format: long}
  plan: {path: plan.csv, format: long}
  commentary: {path: commentary.csv}
  events: {path: events.csv}
dimensions: [region]
metrics:
  orders: {section: Shopping, owner: Jordan Blake}
  sessions: {section: Traffic, kind: input, drives: [orders], owner: Dana Ruiz}
  conversion: {aggregation: ratio, numerator: orders, denominator: sessions, unit: percent,
               section: Shopping, owner: Aisha Khan}
"""
COMMENTARY = """\
week_ending,metric,author,text
2026-11-14,orders,Jordan Blake,Orders -1%. We are investigating the cause.
2026-11-21,orders,Jordan Blake,Orders were slightly soft in the North.
2026-11-21,conversion,Aisha Khan,"Conversion -40 bps WoW due to the North outage on 2026-11-17."
"""
EVENTS = """\
date,metric,description
2026-11-17,orders,North checkout outage
2026-11-18,,Winter storm
2026-11-18,sessions,Sessions-only event
2025-11-19,,Winter storm
2025-11-19,sessions,Sessions-only event
2019-01-01,orders,Before the history
"""


def metric_rows() -> pd.DataFrame:
    """Two regions of orders and sessions with noise; North orders fall 40% in the last week."""
    rng = np.random.default_rng(7)
    days = pd.date_range("2024-01-07", WEEK)
    frames = []
    for region, size in (("North", 1.0), ("South", 0.6)):
        for metric, level in (("orders", 300.0), ("sessions", 9000.0)):
            values = level * size * rng.uniform(0.95, 1.05, len(days))
            if metric == "orders" and region == "North":
                values[-7:] *= 0.6
            frames.append(
                pd.DataFrame(
                    {"date": days.strftime("%Y-%m-%d"), "metric": metric,
                     "value": values.round(2), "region": region}
                )
            )  # fmt: skip
    return pd.concat(frames, ignore_index=True)


def plan_rows() -> pd.DataFrame:
    days = pd.date_range("2026-01-01", "2026-12-31")
    return pd.concat(
        [
            pd.DataFrame({"date": days.strftime("%Y-%m-%d"), "metric": m, "value": v})
            for m, v in (("orders", 480.0), ("sessions", 14400.0))
        ],
        ignore_index=True,
    )


@pytest.fixture(scope="module")
def business(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("business")
    files = {
        "metrics.csv": metric_rows(),
        "plan.csv": plan_rows(),
        "commentary.csv": COMMENTARY,
        "events.csv": EVENTS,
    }
    return write_business(folder, CONFIG, files)


@pytest.fixture(scope="module")
def deck(business: Path) -> Deck:
    config = load_config(business)
    return build_deck(config, load_data(config), WEEK)


def test_every_flagged_block_carries_a_question(deck: Deck) -> None:
    flagged = [b for b in deck.blocks if b.flagged]
    assert flagged, "the North outage should flag orders"
    for block in flagged:
        assert block.questions, block.metric


def test_deck_questions_are_ranked_most_severe_first(deck: Deck) -> None:
    assert deck.questions == rank_questions(deck.blocks)
    keys = [(-q.severity, q.block) for q in deck.questions]
    assert keys == sorted(keys)
    assert {q.metric for q in deck.questions} <= {b.metric for b in deck.blocks}


def test_commentary_attached_and_linted(deck: Deck) -> None:
    orders = deck.block("orders")
    assert [c.author for c in orders.commentary] == ["Jordan Blake"]
    assert any("slightly" in m for m in orders.commentary[0].lint)
    assert "Q31" in [q.id for q in orders.questions + orders.more_questions]
    assert "Q33" in [
        q.id for q in orders.questions + orders.more_questions
    ]  # "investigating" last week, no cause now
    assert deck.block("sessions").commentary == ()


def test_drivers_find_the_north_region(deck: Deck) -> None:
    wow = deck.block("orders").drivers["dimensions"]["region"]["wow"]
    assert wow["segments"][0]["segment"] == "North"
    assert sum(s["delta"] for s in wow["segments"]) == pytest.approx(wow["delta"])
    last, previous = deck.block("orders").weeks[-1], deck.block("orders").weeks[-2]
    assert wow["delta"] == pytest.approx(last.cy - previous.cy)
    mix = deck.block("conversion").drivers["mix_rate"]["region"]["wow"]
    assert mix["mix"] + mix["rate"] + mix["interaction"] == pytest.approx(mix["delta"])
    assert mix["delta"] == pytest.approx(deck.block("conversion").box.wow)


def test_deck_with_analysis_round_trips_through_json(deck: Deck) -> None:
    again = Deck.from_json(deck.to_json())
    assert again.questions == deck.questions
    assert again.block("orders").drivers == deck.block("orders").drivers


def test_analysis_passes_the_metric_and_business_events_to_the_flags(
    business: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from wbr.analysis import flags

    seen: dict[str, tuple] = {}
    named: dict[str, tuple] = {}

    def fake(inputs: list[flags.MetricInputs]) -> list[flags.Assessment]:
        flag = Flag("xmr", "outside_limits", WEEK, 1.0, 0.0, 0.5, False, "weekly values: fake")
        for one in inputs:
            seen[one.history.metric] = one.events
            named[one.history.metric] = one.named
        return [flags.Assessment(flags=(flag,), explained=(), xmr_series=None, chart=None)] * len(
            inputs
        )

    monkeypatch.setattr(flags, "assess_metrics", fake)
    config = load_config(business)
    deck = build_deck(config, load_data(config), WEEK)
    # Only events with a twin a year earlier may explain a flag away; the one-off outage may not.
    assert seen["orders"] == ((dt.date(2026, 11, 18), "Winter storm"),)
    # every event, one-off ones too, so that recurrence can ask whether the same event recurs
    assert (dt.date(2026, 11, 17), "North checkout outage") in named["orders"]
    assert (dt.date(2026, 11, 18), "Sessions-only event") in seen["sessions"]
    assert set(seen) == {"orders", "sessions", "conversion"}
    assert all(b.flags[0].detail == "weekly values: fake" for b in deck.blocks)
    assert all(b.questions for b in deck.blocks)


def quarter_forecasts(config, dataset: Dataset, week: dt.date, metrics: list[str]) -> dict:
    """The engine's Block.quarter_forecast of each listed metric that has one."""
    deck = build_deck(config, dataset, week, analyse=False)
    return {
        b.metric: b.quarter_forecast
        for b in deck.blocks
        if b.metric in metrics and b.quarter_forecast is not None
    }


def test_quarter_forecast_is_qtd_actual_plus_remaining_plan(business: Path) -> None:
    config = load_config(business)
    dataset = load_data(config)
    found = quarter_forecasts(config, dataset, WEEK, ["orders", "conversion", "sessions"])
    start, end = pd.Timestamp("2026-10-01"), pd.Timestamp("2026-12-31")
    actual = dataset.actuals.loc[start : pd.Timestamp(WEEK)]
    rest = dataset.plan.loc[pd.Timestamp(WEEK) + pd.Timedelta(days=1) : end]
    plan = dataset.plan.loc[start:end]
    orders = found["orders"]
    assert orders.forecast == pytest.approx(actual["orders"].sum() + rest["orders"].sum())
    assert orders.plan == pytest.approx(plan["orders"].sum())
    assert orders.variance == pytest.approx((orders.forecast / orders.plan - 1) * 100)
    assert orders.quarter_end == dt.date(2026, 12, 31)
    conversion = found["conversion"]
    sessions = actual["sessions"].sum() + rest["sessions"].sum()
    assert conversion.forecast == pytest.approx(orders.forecast / sessions)
    assert conversion.variance == pytest.approx((conversion.forecast - conversion.plan) * 10_000)


def test_no_forecast_when_a_plan_day_is_missing(business: Path) -> None:
    config = load_config(business)
    dataset = load_data(config)
    plan = dataset.plan.copy()
    plan.loc[pd.Timestamp("2026-12-24"), "orders"] = np.nan
    holed = Dataset(dataset.actuals, plan, dataset.slices, dataset.commentary, dataset.events)
    found = quarter_forecasts(config, holed, WEEK, ["orders", "sessions", "conversion"])
    assert "orders" not in found and "conversion" not in found and "sessions" in found
    assert quarter_forecasts(config, Dataset(dataset.actuals), WEEK, ["orders"]) == {}


SAMPLE = Path(__file__).resolve().parent.parent / "wbr.yaml"


@pytest.mark.skipif(not SAMPLE.exists(), reason="the bundled sample is not in this checkout")
def test_bundled_sample_questions_are_filled_and_cover_every_flag() -> None:
    import re

    config = load_config(SAMPLE)
    deck = build_deck(config, load_data(config))
    assert deck.questions
    for question in deck.questions:
        assert not re.search(r"[{}]|\bNone\b|\bnan\b|\bNaN\b|N/A", question.text), question.text
    for block in deck.blocks:
        assert block.questions or not block.flagged, block.metric


def test_only_events_that_recur_a_year_apart_can_explain_a_flag():
    from wbr.analysis.annotate import recurring_events

    events = pd.DataFrame(
        {
            "date": pd.to_datetime(["2025-11-28", "2026-11-27", "2026-11-17", "2026-07-14"]),
            "metric": [None, None, None, None],
            "description": [
                "Black Friday 2025",
                "Black Friday 2026",
                "App release 8.14: checkout failures",
                "Summer Deals Days",
            ],
        }
    )
    recurring = recurring_events(events)
    assert (dt.date(2026, 11, 27), "Black Friday 2026") in recurring
    assert all("App release" not in text for _, text in recurring)  # a one-off incident
    assert all("Summer" not in text for _, text in recurring)  # no twin a year earlier
    # Easter moves by up to five weeks: Good Friday 2011 is Good Friday 2010 moved three weeks
    easter = pd.DataFrame(
        {
            "date": pd.to_datetime(["2010-04-02", "2011-04-22"]),
            "metric": [None, None],
            "description": ["Good Friday", "Good Friday"],
        }
    )
    assert (dt.date(2011, 4, 22), "Good Friday") in recurring_events(easter)
