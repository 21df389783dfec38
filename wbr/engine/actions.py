"""Action items: the `sources.actions` CSV (opened,metric,owner,action,due[,closed]) and which items
are open in the deck's week.

An item is open from its `opened` date until its `closed` date (exclusive), so a deck shows the
items open at its week ending: on the block of its metric and in the summary table, each with the
days to its due date counted from the week ending (negative: overdue), so a re-run of the same week
gives the same deck. A blank metric is a business-wide item (summary table only).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

import pandas as pd

from wbr.engine.config import Config
from wbr.engine.csv_table import Problems, find_column, parse_dates, read_table
from wbr.engine.deck import Block
from wbr.engine.deck_history import ActionItem

REQUIRED = ("opened", "metric", "owner", "action", "due")


def read_actions(path: Path) -> pd.DataFrame:
    """The action items of a CSV: opened, metric (None: business-wide), owner, action, due,
    closed (NaT while open); every problem in the file reported together."""
    frame = read_table(path)
    problems = Problems(path)
    columns: dict[str, str] = {}  # our name -> the file's spelling
    for name in (*REQUIRED, "closed"):
        column = find_column(frame, name)
        if column is not None:
            columns[name] = column
        elif name != "closed":
            problems.add(f"missing column '{name}' (columns found: {', '.join(frame.columns)})")
    problems.raise_if_any()
    text = {
        name: frame[columns[name]].fillna("").astype(str).str.strip()
        for name in ("metric", "owner", "action")
    }
    for name in ("owner", "action"):
        for index in text[name].index[text[name] == ""]:
            problems.add(f"empty {name}", line=int(index) + 2, column=columns[name])
    opened = parse_dates(frame[columns["opened"]], problems, columns["opened"])
    due = parse_dates(frame[columns["due"]], problems, columns["due"])
    closed = pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns]")
    if "closed" in columns:
        raw = frame[columns["closed"]].fillna("").astype(str).str.strip()
        given = raw != ""
        if given.any():
            closed.loc[given] = parse_dates(raw[given], problems, columns["closed"])
    # an unparsable date is NaT, and NaT compares False: those rows are reported above already
    for index in frame.index[(due < opened).to_numpy()]:
        problems.add(
            f"due {due[index]:%Y-%m-%d} is before opened {opened[index]:%Y-%m-%d}",
            line=int(index) + 2,
            column=columns["due"],
        )
    for index in frame.index[(closed < opened).to_numpy()]:
        problems.add(
            f"closed {closed[index]:%Y-%m-%d} is before opened {opened[index]:%Y-%m-%d}",
            line=int(index) + 2,
            column=columns.get("closed"),
        )
    problems.raise_if_any()
    table = pd.DataFrame(
        {
            "opened": opened,
            "metric": text["metric"].where(text["metric"] != "", None),
            "owner": text["owner"],
            "action": text["action"],
            "due": due,
            "closed": closed,
        }
    )
    return table.reset_index(drop=True)


def load_actions(config: Config) -> pd.DataFrame | None:
    """The config's action items, or None when it has no `sources.actions`."""
    if config.sources.actions is None:
        return None
    return read_actions(config.resolve(config.sources.actions.path))


def open_actions(table: pd.DataFrame | None, week_ending: dt.date) -> tuple[ActionItem, ...]:
    """Items open at the week ending, soonest due first."""
    if table is None or table.empty:
        return ()
    end = pd.Timestamp(week_ending)
    is_open = (table["opened"] <= end) & (table["closed"].isna() | (table["closed"] > end))
    rows = table.loc[is_open.to_numpy()].sort_values(["due", "opened"], kind="stable")
    items = []
    for opened, metric, owner, action, due in zip(
        rows["opened"].tolist(),
        rows["metric"].tolist(),
        rows["owner"].tolist(),
        rows["action"].tolist(),
        rows["due"].tolist(),
        strict=True,
    ):
        due_day = pd.Timestamp(due).date()
        items.append(
            ActionItem(
                opened=pd.Timestamp(opened).date(),
                metric=metric if isinstance(metric, str) else None,
                owner=str(owner),
                action=str(action),
                due=due_day,
                days_to_due=(due_day - week_ending).days,
            )
        )
    return tuple(items)


def attach_actions(blocks: Iterable[Block], items: tuple[ActionItem, ...]) -> tuple[Block, ...]:
    """Blocks with the open items on their metric."""
    by_metric: dict[str, list[ActionItem]] = {}
    for item in items:
        if item.metric is not None:
            by_metric.setdefault(item.metric, []).append(item)
    return tuple(
        replace(block, actions=tuple(by_metric[block.metric]))
        if block.metric in by_metric
        else block
        for block in blocks
    )


def due_text(days_to_due: int) -> str:
    """'due in 3 days', 'due today', 'overdue by 5 days'."""
    if days_to_due == 0:
        return "due today"
    n = abs(days_to_due)
    unit = "day" if n == 1 else "days"
    return f"due in {n} {unit}" if days_to_due > 0 else f"overdue by {n} {unit}"
