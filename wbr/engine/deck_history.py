"""The deck.json fields of deck memory and action items: plain frozen dataclasses, no logic.

A deck remembers the one before it (wbr.engine.memory fills `DeckHistory` and each block's
`Restatement`s) and lists open action items (wbr.engine.actions fills `ActionItem`s). They live
here, apart from wbr.engine.deck, so that module keeps the core contract and this one the additions;
wbr.engine.deck imports them for its Deck and Block fields.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class Restatement:
    """A past week's or month's number that changed since the earlier deck showed it."""

    period: str  # "week" or "month"
    key: str  # the week's end date (YYYY-MM-DD) or the month (YYYY-MM)
    label: str  # "wk 45" or "Oct 2026"
    series: str  # "cy" (this year's value) or "py" (the prior-year value shown beside it)
    old: float | None  # as the earlier deck showed it
    new: float | None  # as this deck shows it; None when the value is now N/A
    change: float | None  # (new / old - 1) x 100; None when either side is missing or old <= 0


@dataclass(frozen=True)
class ClearedFlag:
    """A flag the earlier deck raised that this deck no longer raises."""

    metric: str
    label: str
    block: int | None  # this deck's block number; None when the block is retired
    type: str
    rule: str
    series: str | None
    detail: str  # the earlier deck's wording
    weeks: int  # how many weeks it had run when it cleared


@dataclass(frozen=True)
class RetiredBlock:
    """A block the earlier deck had and this one does not."""

    metric: str
    label: str
    number: int  # its number in the earlier deck


@dataclass(frozen=True)
class DeckHistory:
    """What changed since the most recent earlier deck (`compared_with` None: no history yet)."""

    compared_with: dt.date | None  # the earlier deck's week ending
    note: str | None = None  # "no history yet", or why an earlier deck was skipped
    new_blocks: tuple[str, ...] = ()  # metric ids with no block in the earlier deck
    retired_blocks: tuple[RetiredBlock, ...] = ()
    cleared_flags: tuple[ClearedFlag, ...] = ()


@dataclass(frozen=True)
class ActionItem:
    """An open action item from sources.actions, and how far its due date is from the week."""

    opened: dt.date
    metric: str | None  # None: a business-wide action (summary table only)
    owner: str
    action: str
    due: dt.date
    days_to_due: int  # due - week ending in days; negative: overdue by that many days
