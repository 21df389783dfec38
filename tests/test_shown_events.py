"""build's events per block: picked once per deck, each metric's the same as a pick of its own."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from wbr.engine import build
from wbr.engine.calendar import Calendar
from wbr.engine.config import parse_config
from wbr.engine.deck import Event

CONFIG = parse_config(
    """
title: T
sources: {actuals: {path: x.csv}}
metrics: {orders: {}, visits: {}, revenue: {}}
"""
)


def _one_pick(events: pd.DataFrame, metric: str, windows: build._Windows) -> tuple[Event, ...]:
    """The pick per metric that _ShownEvents replaced, written out."""
    spans = [
        (windows.current[0].start, windows.current[build.WEEKS_SHOWN - 1].end),
        (windows.prior[0].start, windows.prior[build.WEEKS_SHOWN - 1].end),
    ]
    dates = events["date"].dt.date
    mine = events["metric"].isna() | (events["metric"] == metric)
    inside = np.zeros(len(events), dtype=bool)
    for start, end in spans:
        inside |= ((dates >= start) & (dates <= end)).to_numpy()
    chosen = events[mine.to_numpy() & inside].sort_values("date")
    return tuple(
        Event(day, text)
        for day, text in zip(chosen["date"].dt.date, chosen["description"], strict=True)
    )


def test_each_metrics_events_are_its_own_pick() -> None:
    rng = np.random.default_rng(4)
    week = dt.date(2026, 11, 21)
    days = pd.to_datetime([week - dt.timedelta(days=int(d)) for d in rng.integers(0, 500, 60)])
    owners = rng.choice(np.array(["orders", "visits", None, None, "gone"], dtype=object), 60)
    events = pd.DataFrame(
        {"date": days, "description": [f"event {i}" for i in range(60)], "metric": owners}
    )
    events.loc[5:9, "date"] = events.loc[4, "date"]  # ties on one day keep the pick's order
    dataset = build.Dataset.__new__(build.Dataset)
    object.__setattr__(dataset, "events", events)
    windows = build._Windows(Calendar.from_config(CONFIG.calendar), week)
    shown = build._ShownEvents(dataset, windows)
    found = {metric: shown.of(metric) for metric in ["orders", "visits", "revenue", "none"]}
    for metric, events_shown in found.items():
        assert events_shown == _one_pick(events, metric, windows)
    assert found["orders"] != found["revenue"] and found["revenue"] == found["none"]
    assert len(found["revenue"]) > 0 and len(found["orders"]) > len(found["revenue"])


def test_no_events_file_shows_none() -> None:
    dataset = build.Dataset.__new__(build.Dataset)
    object.__setattr__(dataset, "events", None)
    windows = build._Windows(Calendar.from_config(CONFIG.calendar), dt.date(2026, 11, 21))
    assert build._ShownEvents(dataset, windows).of("orders") == ()
