"""Action items (sources.actions): reading the CSV, which items are open in the deck's week, how far
their due date is, and the questions they answer or raise (Q36 overdue, Q38 nobody on it)."""

from __future__ import annotations

import datetime as dt
import textwrap

import pandas as pd
import pytest

from tests.conftest import daily_rows, write_business
from wbr.engine.actions import due_text, open_actions, read_actions
from wbr.engine.build import build_deck
from wbr.engine.config import load_config
from wbr.errors import DataError

WEEK = dt.date(2026, 11, 14)
CONFIG = """\
title: Actions test
sources:
  actuals: {path: metrics.csv, format: long}
  actions: {path: actions.csv}
metrics:
  orders: {section: Shopping, owner: Ann}
  returns: {section: Shopping, owner: Bo}
  sessions: {section: Traffic, owner: Cy}
"""
ACTIONS = """\
opened,metric,owner,action,due,closed
2026-11-02,returns,Bo,Fix the returns feed,2026-11-09,
2026-11-02,orders,Ann,Explain the dip,2026-11-17,
2026-10-01,orders,Ann,Old item,2026-10-10,2026-10-12
2026-11-20,orders,Ann,Opened after the week,2026-11-30,
2026-11-10,,Dee,Review the plan,2026-11-14,
"""


def _write(tmp_path, text: str):
    path = tmp_path / "actions.csv"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_open_items_and_days_to_due(tmp_path):
    items = open_actions(read_actions(_write(tmp_path, ACTIONS)), WEEK)
    assert [(i.action, i.days_to_due) for i in items] == [
        ("Fix the returns feed", -5),
        ("Review the plan", 0),
        ("Explain the dip", 3),
    ]
    assert items[1].metric is None  # a blank metric: business-wide
    assert [due_text(i.days_to_due) for i in items] == [
        "overdue by 5 days",
        "due today",
        "due in 3 days",
    ]
    assert due_text(1) == "due in 1 day"


def test_an_item_closed_after_the_week_is_still_open_that_week(tmp_path):
    path = _write(
        tmp_path,
        "opened,metric,owner,action,due,closed\n2026-11-01,orders,Ann,A,2026-11-20,2026-11-18\n",
    )
    assert len(open_actions(read_actions(path), WEEK)) == 1
    assert open_actions(read_actions(path), dt.date(2026, 11, 21)) == ()


def test_every_problem_in_the_file_is_reported_with_its_line(tmp_path):
    path = _write(
        tmp_path,
        """\
        opened,metric,owner,action,due
        2026-11-02,orders,,Explain,2026-11-09
        2026-11-09,orders,Ann,Explain,2026-11-02
        2026-11-09,orders,Ann,,2026-11-12
        """,
    )
    with pytest.raises(DataError) as error:
        read_actions(path)
    message = str(error.value)
    assert "actions.csv:2: column 'owner': empty owner" in message
    assert "actions.csv:3: column 'due': due 2026-11-02 is before opened 2026-11-09" in message
    assert "actions.csv:4: column 'action': empty action" in message


def test_missing_column_is_named(tmp_path):
    path = _write(tmp_path, "opened,metric,action,due\n2026-11-02,orders,Explain,2026-11-09\n")
    with pytest.raises(DataError, match="missing column 'owner'"):
        read_actions(path)


@pytest.fixture(scope="module")
def deck(tmp_path_factory):
    folder = tmp_path_factory.mktemp("actions")
    rows = daily_rows({"orders": 300.0, "sessions": 9000.0}, end=str(WEEK))
    days = pd.date_range("2024-01-01", WEEK).strftime("%Y-%m-%d")
    stuck = pd.DataFrame({"date": days, "metric": "returns", "value": 40.0})  # flagged: stuck
    rows = pd.concat([rows, stuck], ignore_index=True)
    rows.loc[(rows["metric"] == "orders") & (rows["date"] == "2026-11-11"), "value"] = 0.0
    config = write_business(folder, CONFIG, {"metrics.csv": rows, "actions.csv": ACTIONS})
    return build_deck(load_config(config), week_ending=WEEK)


def _asked(block):
    return [q.id for q in (*block.questions, *getattr(block, "more_questions", ()))]


def test_open_items_show_on_their_block_and_in_the_deck(deck):
    assert [a.action for a in deck.block("orders").actions] == ["Explain the dip"]
    assert [a.action for a in deck.block("returns").actions] == ["Fix the returns feed"]
    assert deck.block("sessions").actions == ()
    assert len(deck.actions) == 3


def test_overdue_action_is_asked_about(deck):
    returns = deck.block("returns")
    q36 = next(
        q for q in (*returns.questions, *getattr(returns, "more_questions", ())) if q.id == "Q36"
    )
    assert "Fix the returns feed" in q36.text and "5 days" in q36.text
    assert "Q36" not in _asked(deck.block("orders"))  # due in 3 days: not overdue


def test_flagged_block_with_an_open_action_is_not_asked_who_owns_it(deck):
    assert deck.block("orders").flagged and deck.block("returns").flagged
    assert "Q38" not in _asked(deck.block("orders"))
    assert "Q38" not in _asked(deck.block("returns"))


def test_flagged_block_without_commentary_or_action_is_asked_who_owns_it(tmp_path):
    rows = daily_rows({"orders": 300.0, "sessions": 9000.0}, end=str(WEEK))
    rows.loc[(rows["metric"] == "orders") & (rows["date"] == "2026-11-11"), "value"] = 0.0
    config = write_business(
        tmp_path,
        CONFIG.replace("  actions: {path: actions.csv}\n", "").replace(
            "  returns: {section: Shopping, owner: Bo}\n", ""
        ),
        {"metrics.csv": rows},
    )
    orders = build_deck(load_config(config), week_ending=WEEK).block("orders")
    assert orders.flagged
    q38 = next(
        q for q in (*orders.questions, *getattr(orders, "more_questions", ())) if q.id == "Q38"
    )
    assert q38.text.endswith("Who owns this and by when?")


def test_validate_checks_the_actions_file(tmp_path, capsys):
    from wbr.cli import main

    rows = daily_rows({"orders": 300.0, "sessions": 9000.0}, end=str(WEEK))
    stuck = pd.DataFrame(
        {"date": pd.date_range("2024-01-01", WEEK).strftime("%Y-%m-%d"), "metric": "returns"}
    ).assign(value=40.0)
    files = {"metrics.csv": pd.concat([rows, stuck]), "actions.csv": ACTIONS}
    config = write_business(tmp_path, CONFIG, files)
    assert main(["validate", "--config", str(config), "--week", str(WEEK)]) == 0
    assert "action items: 5, 3 open that week" in capsys.readouterr().out
    (tmp_path / "actions.csv").write_text("opened,metric,owner,action,due\n2026-11-02,,,x,y\n")
    assert main(["validate", "--config", str(config), "--week", str(WEEK)]) == 2
    assert "actions.csv:2: column 'owner': empty owner" in capsys.readouterr().err
