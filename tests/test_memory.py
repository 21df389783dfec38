"""Deck memory: three consecutive weeks built from data in which a past day is revised between
runs; restatements, flag streaks, cleared flags, carried questions, idempotent re-runs, and what an
earlier deck that is missing or of another schema version means."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import daily_rows, write_business
from wbr.engine.build import build_deck
from wbr.engine.config import load_config
from wbr.engine.deck import Deck, Flag
from wbr.engine.memory import NO_HISTORY, find_earlier_deck, flag_key

WEEKS = ("2026-10-31", "2026-11-07", "2026-11-14")
REVISED_DAY = "2026-10-27"  # a Tuesday of the first week (and of October): revised before week 3
CONFIG = """\
title: Memory test
sources:
  actuals: {path: metrics.csv, format: long}
  commentary: {path: commentary.csv}
metrics:
  orders: {section: Shopping, owner: Ann}
  sessions: {section: Traffic}
  returns: {section: Shopping, owner: Bo}
  conversion: {aggregation: ratio, numerator: orders, denominator: sessions, unit: percent,
               section: Shopping}
"""
# the week-3 commentary on returns answers the data question Q28 by naming it
ANSWER = "week_ending,metric,author,text,question\n2026-11-14,returns,Bo,Feed fixed on 12 Nov,Q28\n"
NO_ANSWER = "week_ending,metric,author,text\n"


def _rows() -> pd.DataFrame:
    rows = daily_rows({"orders": 300.0, "sessions": 9000.0}, end=WEEKS[-1])
    # returns are stuck at exactly 40 a day: a data flag that persists every week
    days = pd.date_range("2024-01-01", WEEKS[-1]).strftime("%Y-%m-%d")
    stuck = pd.DataFrame({"date": days, "metric": "returns", "value": 40.0})
    rows = pd.concat([rows, stuck], ignore_index=True)
    # one day of zero orders in week 1: a data flag that clears the week after
    rows.loc[(rows["metric"] == "orders") & (rows["date"] == "2026-10-28"), "value"] = 0.0
    return rows


def _build(config_path: Path, week: str) -> Deck:
    """Build a week the way `wbr run` does: compare with reports/, then keep its deck.json."""
    reports = config_path.parent / "reports"
    deck = build_deck(load_config(config_path), week_ending=week, history_dir=reports)
    deck.write_json(reports / week / "deck.json")
    return deck


@pytest.fixture(scope="module")
def three_weeks(tmp_path_factory) -> tuple[Path, list[Deck], float, float]:
    folder = tmp_path_factory.mktemp("memory")
    rows = _rows()
    config_path = write_business(folder, CONFIG, {"metrics.csv": rows, "commentary.csv": NO_ANSWER})
    decks = [_build(config_path, WEEKS[0]), _build(config_path, WEEKS[1])]
    # late data: the revised day arrives between the week-2 and week-3 runs
    revised = (rows["metric"] == "orders") & (rows["date"] == REVISED_DAY)
    before = float(rows.loc[revised, "value"].iloc[0])
    rows.loc[revised, "value"] = before + 900.0
    rows.to_csv(folder / "metrics.csv", index=False)
    (folder / "commentary.csv").write_text(ANSWER, encoding="utf-8")
    decks.append(_build(config_path, WEEKS[2]))
    return config_path, decks, before, before + 900.0


def _flag(deck: Deck, metric: str, rule: str) -> Flag | None:
    return next((f for f in deck.block(metric).flags if f.rule == rule), None)


def test_first_deck_has_no_history_yet(three_weeks):
    _, (first, _, _), _, _ = three_weeks
    assert first.history.compared_with is None
    assert first.history.note.startswith(NO_HISTORY)
    assert _flag(first, "returns", "stuck").streak is None  # unknown, not "new"


def test_each_deck_compares_with_the_one_before(three_weeks):
    _, decks, _, _ = three_weeks
    assert [str(d.history.compared_with) for d in decks[1:]] == list(WEEKS[:2])


def test_restated_week_and_month_show_both_values(three_weeks):
    _, (_, second, third), _, _ = three_weeks
    restated = {(r.period, r.key, r.series): r for r in third.block("orders").restatements}
    week = restated[("week", "2026-10-31", "cy")]
    shown_before = next(p.cy for p in second.block("orders").weeks if str(p.end) == "2026-10-31")
    shown_now = next(p.cy for p in third.block("orders").weeks if str(p.end) == "2026-10-31")
    assert (week.old, week.new) == (shown_before, shown_now)
    assert week.new - week.old == pytest.approx(900.0)
    assert week.change == pytest.approx((shown_now / shown_before - 1) * 100)
    assert week.label == second.block("orders").weeks[-2].label  # "wk 44"
    month = restated[("month", "2026-10", "cy")]
    assert month.new - month.old == pytest.approx(900.0) and month.label == "Oct 2026"
    assert third.block("conversion").restatements  # the ratio reads the revised orders too
    assert not third.block("sessions").restatements  # untouched numbers are never listed
    assert not second.block("orders").restatements  # nothing was revised before week 2


def test_persistent_flag_counts_two_then_three_weeks(three_weeks):
    _, (_, second, third), _, _ = three_weeks
    assert _flag(second, "returns", "stuck").streak == 2
    assert _flag(third, "returns", "stuck").streak == 3


def test_disappearing_flag_is_listed_as_cleared(three_weeks):
    _, (first, second, _), _, _ = three_weeks
    assert _flag(first, "orders", "zero") is not None
    assert _flag(second, "orders", "zero") is None
    cleared = {(c.metric, c.type, c.rule): c for c in second.history.cleared_flags}
    zero = cleared[("orders", "data", "zero")]
    assert zero.block == second.block("orders").number and zero.weeks == 1
    assert zero.detail == _flag(first, "orders", "zero").detail  # last week's words
    assert ("returns", "data", "stuck") not in cleared


def test_question_stays_open_until_commentary_answers_it(three_weeks):
    _, (first, second, third), _, _ = three_weeks
    asked = [q.id for q in first.block("returns").questions]
    assert "Q28" in asked
    carried = second.block("returns").questions
    q28 = next(q for q in carried if q.id == "Q28")
    assert q28.carried and q28.open_weeks == 2
    # carried questions come first in their block
    flags = [q.carried for q in carried]
    assert flags == sorted(flags, reverse=True)
    # the deck-level list carries the marks too
    listed = next(q for q in second.questions if q.metric == "returns" and q.id == "Q28")
    assert listed.carried and listed.open_weeks == 2
    # week 3: a commentary row names Q28; still stuck, so asked afresh, no longer carried
    q28 = next(q for q in third.block("returns").questions if q.id == "Q28")
    assert not q28.carried and q28.open_weeks == 1
    # and the commentary also answers Q37 (flagged without commentary)
    assert all(q.id != "Q37" for q in third.block("returns").questions)


def test_rerunning_a_week_compares_with_the_deck_before_it(three_weeks):
    config_path, (_, _, third), _, _ = three_weeks
    again = _build(config_path, WEEKS[2])  # reports/ now holds week 3's own deck
    assert str(again.history.compared_with) == WEEKS[1]
    first, second = third.to_dict(), again.to_dict()
    first.pop("generated_at"), second.pop("generated_at")
    assert first == second


def test_missing_folder_is_no_history_not_an_error(tmp_path):
    earlier, note = find_earlier_deck(tmp_path / "nowhere", pd.Timestamp(WEEKS[0]).date())
    assert earlier is None and note.startswith(NO_HISTORY)


def test_earlier_deck_of_another_schema_version_is_skipped_with_a_note(three_weeks, tmp_path):
    config_path, (_, second, _), _, _ = three_weeks
    old = second.to_dict()
    old["schema_version"] = 99
    (tmp_path / WEEKS[1]).mkdir()
    (tmp_path / WEEKS[1] / "deck.json").write_text(json.dumps(old), encoding="utf-8")
    deck = build_deck(load_config(config_path), week_ending=WEEKS[2], history_dir=tmp_path)
    assert deck.history.compared_with is None
    assert "schema_version 99" in deck.history.note and "\n" not in deck.history.note
    assert all(f.streak is None for b in deck.blocks for f in b.flags)


def test_new_and_retired_blocks(three_weeks, tmp_path):
    config_path, (_, second, _), _, _ = three_weeks
    old = second.to_dict()
    old["blocks"][0]["metric"] = "refunds"  # a block the earlier deck had and this one lacks
    (tmp_path / WEEKS[1]).mkdir()
    (tmp_path / WEEKS[1] / "deck.json").write_text(json.dumps(old), encoding="utf-8")
    deck = build_deck(load_config(config_path), week_ending=WEEKS[2], history_dir=tmp_path)
    assert [r.metric for r in deck.history.retired_blocks] == ["refunds"]
    assert deck.history.new_blocks == (second.blocks[0].metric,)


def test_flag_identity_ignores_wording_but_not_series():
    plain = {"type": "xmr", "rule": "outside_limits", "detail": "1.84K below 1.85K"}
    reworded = dict(plain, detail="2.01K above 1.99K")
    assert flag_key("orders", plain) == flag_key("orders", reworded)
    assert flag_key("orders", dict(plain, series="yoy")) != flag_key("orders", plain)


def test_restated_block_is_asked_what_changed(three_weeks):
    _, (_, second, third), _, _ = three_weeks
    orders = third.block("orders")
    asked = [*orders.questions, *getattr(orders, "more_questions", ())]
    q27 = next(q for q in asked if q.id == "Q27")
    week = next(r for r in orders.restatements if r.period == "week" and r.series == "cy")
    assert week.label in q27.text and "→" in q27.text
    assert all(q.id != "Q27" for b in second.blocks for q in b.questions)


@pytest.mark.parametrize(
    ("damage", "said"),
    [
        ("{not json", "cannot read it"),
        ('{"schema_version": 1, "week_ending": "2026-11-07", "blocks": [["x"]]}', "block 1 has"),
        (
            '{"schema_version": 1, "week_ending": "2026-11-07", '
            '"blocks": [{"metric": "orders", "weeks": 5}]}',
            "weeks is not a list of objects",
        ),
    ],
)
def test_damaged_earlier_deck_is_skipped_with_a_note(tmp_path, damage, said):
    (tmp_path / WEEKS[1]).mkdir()
    (tmp_path / WEEKS[1] / "deck.json").write_text(damage, encoding="utf-8")
    earlier, note = find_earlier_deck(tmp_path, pd.Timestamp(WEEKS[2]).date())
    assert earlier is None and note.startswith(NO_HISTORY) and said in note
    assert "\n" not in note


def test_a_streak_runs_only_through_consecutive_decks(tmp_path):
    """A deck compared with one from three weeks earlier restarts its streaks (nobody knows the
    weeks in between) while its carried questions count the calendar weeks they stayed open."""
    config_path = write_business(
        tmp_path, CONFIG, {"metrics.csv": _rows(), "commentary.csv": NO_ANSWER}
    )
    earlier = (dt.date.fromisoformat(WEEKS[2]) - dt.timedelta(weeks=3)).isoformat()
    _build(config_path, earlier)
    deck = _build(config_path, WEEKS[2])
    assert deck.history.compared_with == dt.date.fromisoformat(earlier)
    assert _flag(deck, "returns", "stuck").streak == 1
    q28 = next(
        q
        for q in (*deck.block("returns").questions, *deck.block("returns").more_questions)
        if q.id == "Q28"
    )
    assert q28.carried and q28.open_weeks == 4


def test_wbr_deck_compares_with_the_same_reports_as_wbr_run(tmp_path):
    from wbr.cli import main

    config_path = write_business(
        tmp_path, CONFIG, {"metrics.csv": _rows(), "commentary.csv": NO_ANSWER}
    )
    _build(config_path, WEEKS[0])
    out = tmp_path / "deck.json"
    reports = tmp_path / "reports"
    args = ["deck", "--config", str(config_path), "--week", WEEKS[1], "--quiet"]
    assert main([*args, "--out", str(reports), "--json", str(out)]) == 0
    assert json.loads(out.read_text())["history"]["compared_with"] == WEEKS[0]
