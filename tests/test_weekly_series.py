"""Block.series: the weekly series the XmR flags judged and its limits, carried in the Deck so the
explore view never reloads the data or re-runs the flags."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from wbr.analysis import flags
from wbr.engine.build import build_deck, metric_histories
from wbr.engine.config import load_config
from wbr.engine.deck import SERIES_WEEKS, Deck
from wbr.render import show


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple:
    from tests.conftest import write_business

    folder = tmp_path_factory.mktemp("business")
    config = load_config(write_business(folder))
    deck = build_deck(config)
    return folder, config, deck, metric_histories(config, week_ending=deck.week_ending)


def _same(a: float | None, b: float) -> bool:
    return (a is None and math.isnan(b)) or (a is not None and a == b)


def test_series_is_the_series_the_flags_judged_with_its_limits(built: tuple) -> None:
    _, config, deck, histories = built
    for block in deck.blocks:
        history = histories[block.metric]
        assessment = flags.assess_metric(
            history,
            config.metrics[block.metric],
            config.flag_settings(block.metric),
            plan_score=block.plan,
        )
        series = block.series
        assert series is not None and series.kind == assessment.xmr_series
        ends = [stamp.date() for stamp in history.weekly.index]
        assert series.ends == tuple(ends[-SERIES_WEEKS:])
        judged = np.asarray(assessment.series)[-SERIES_WEEKS:]
        assert all(_same(a, b) for a, b in zip(series.values, judged, strict=True))
        changes = assessment.chart.changes
        last = changes[-1].limits
        assert series.limits[-1].mean == last.mean
        assert (series.limits[-1].lower, series.limits[-1].upper) == (last.lnpl, last.unpl)
        assert series.limits[-1].end == deck.week_ending
        assert series.signals == tuple(s.rule for s in assessment.chart.signals)


def test_series_keeps_two_years_of_a_longer_history(built: tuple) -> None:
    _, _, deck, histories = built
    block = deck.blocks[0]
    assert len(histories[block.metric].weekly) > SERIES_WEEKS
    assert len(block.series.values) == SERIES_WEEKS
    first_kept = block.series.ends[0]
    assert all(span.start >= first_kept for span in block.series.limits)


def test_series_survives_deck_json(built: tuple, tmp_path: Path) -> None:
    _, _, deck, _ = built
    path = deck.write_json(tmp_path / "deck.json")
    again = Deck.read_json(path)
    assert [b.series for b in again.blocks] == [b.series for b in deck.blocks]


def test_weekly_limits_reads_the_deck_without_the_data(built: tuple, tmp_path: Path) -> None:
    folder, _, deck, _ = built
    again = Deck.read_json(deck.write_json(tmp_path / "deck.json"))
    block = again.blocks[0]
    (folder / "metrics.csv").rename(folder / "moved.csv")  # nothing may read the data now
    try:
        figure = show.weekly_limits(block)
    finally:
        (folder / "moved.csv").rename(folder / "metrics.csv")
    weekly = figure.data[0]
    assert [v for v in weekly.y] == list(block.series.values)
    span = block.series.limits[-1]
    drawn = {tuple(trace.y) for trace in figure.data[1:]}
    assert {(span.mean, span.mean), (span.lower, span.lower), (span.upper, span.upper)} <= drawn
    assert block.label in figure.layout.title.text


def test_no_limits_when_xmr_is_off(tmp_path: Path) -> None:
    from tests.conftest import BASIC_CONFIG, write_business

    config = load_config(write_business(tmp_path, BASIC_CONFIG + "flags: {xmr: false}\n"))
    deck = build_deck(config)
    block = deck.block("orders")
    assert block.series.kind == "raw" and block.series.limits == ()
    assert "no XmR limits" in block.series.note
    cy = metric_histories(config, week_ending=deck.week_ending)["orders"].weekly["cy"]
    assert block.series.values[-1] == cy.iloc[-1]
