"""What the engine carries in the Deck for the renderers and the questions: the MTD/QTD/YTD day
counts, each metric's complete-through day (computed once, in engine/status.py) and the quarter
forecast (summed in engine/aggregate.py, not in the analysis)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from wbr.engine.build import build_deck
from wbr.engine.calendar import Calendar
from wbr.engine.config import load_config
from wbr.engine.deck import Deck
from wbr.engine.sources import load_data

SAMPLE = Path(__file__).resolve().parent.parent / "wbr.yaml"


@pytest.fixture(scope="module")
def sample():
    config = load_config(SAMPLE)
    return config, load_data(config)


def test_deck_carries_the_period_to_date_day_counts(sample):
    config, dataset = sample
    deck = build_deck(config, dataset, analyse=False)
    calendar = Calendar.from_config(config.calendar)
    quarter_start = calendar.fiscal_quarter_start(deck.week_ending)
    assert deck.period_days["mtd"] == deck.week_ending.day
    assert deck.period_days["qtd"] == (deck.week_ending - quarter_start).days + 1
    assert deck.period_days["ytd"] == deck.week_ending.timetuple().tm_yday  # fiscal year = Jan
    assert Deck.from_json(deck.to_json()).period_days == deck.period_days


def test_complete_through_is_each_metrics_last_day_and_a_ratios_earliest_operand(sample):
    config, dataset = sample
    week = build_deck(config, dataset, analyse=False).week_ending
    actuals = dataset.actuals.copy()
    stop = pd.Timestamp(week - dt.timedelta(days=3))
    actuals.loc[stop + pd.Timedelta(days=1) :, "orders"] = float("nan")  # orders stop 3 days early
    deck = build_deck(config, dataclasses.replace(dataset, actuals=actuals), week, analyse=False)
    through = {b.metric: b.status.complete_through for b in deck.blocks}
    assert through["orders"] == stop.date()
    assert through["sessions"] == week  # data runs past the week: counted up to the week ending
    conversion = config.metrics["conversion"]
    assert {conversion.numerator, conversion.denominator} == {"orders", "sessions"}
    assert through["conversion"] == stop.date()  # the earlier of its operands'
    # the cover's figure reads the whole file: the earliest last day over the base metrics
    lasts = [actuals[m].last_valid_index() for m in config.base_metrics()]
    assert deck.data_complete_through == min(lasts).date()


def test_quarter_forecast_is_in_the_deck_and_survives_deck_json(sample):
    config, dataset = sample
    deck = build_deck(config, dataset, analyse=False)
    forecasts = {b.metric: b.quarter_forecast for b in deck.blocks if b.quarter_forecast}
    assert forecasts, "the sample has a plan for its sum metrics"
    again = Deck.from_json(deck.to_json())
    assert {b.metric: b.quarter_forecast for b in again.blocks if b.quarter_forecast} == forecasts
