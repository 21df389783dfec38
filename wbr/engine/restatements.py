"""Restatements: a past week's or month's number that an earlier deck showed and that has changed
since, beyond the tolerance (`history.restatement_pct` relative, `history.restatement_floor`
absolute in the metric's units). Usually late data or a definition change; leaders must know.

Both this year's value and the prior-year value shown beside it are compared. A number the earlier
deck showed as N/A that now has a value is late data completing a week, not a restatement; a
number that is now N/A is one (its new value is None).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any

from wbr.engine.calendar import MONTH_ABBR
from wbr.engine.config import HistoryConfig
from wbr.engine.deck import Block, MonthPoint, WeekPoint
from wbr.engine.deck_history import Restatement


def _change(old: float, new: float | None) -> float | None:
    return None if new is None or old <= 0 else (new / old - 1) * 100


def _month_label(key: str) -> str:
    year, month = key.split("-")
    return f"{MONTH_ABBR[int(month) - 1]} {year}"


def block_restatements(
    block: Block, earlier_block: Mapping[str, Any], settings: HistoryConfig
) -> tuple[Restatement, ...]:
    """The block's past weeks and months whose CY or PY value changed since the earlier deck."""
    found: list[Restatement] = []
    weeks = {point.end.isoformat(): point for point in block.weeks}
    for old in earlier_block.get("weeks") or ():
        point = weeks.get(str(old.get("end")))
        if point is not None:
            _compare(old, point, "week", point.end.isoformat(), point.label, settings, found)
    months = {month.month: month for month in block.months}
    for old in earlier_block.get("months") or ():
        month = months.get(str(old.get("month")))
        if month is not None:
            label = _month_label(month.month)
            _compare(old, month, "month", month.month, label, settings, found)
    return tuple(found)


def _compare(
    old: Mapping[str, Any],
    point: WeekPoint | MonthPoint,
    kind: str,
    key: str,
    label: str,
    settings: HistoryConfig,
    found: list[Restatement],
) -> None:
    """One week's or month's CY and PY against the earlier deck's: each restated one to `found`
    (a deck of 10,000 metrics compares 340,000 numbers, each checked here inline). A number the
    earlier deck showed as N/A is not compared; one now N/A is restated."""
    for series, new in (("cy", point.cy), ("py", point.py)):
        shown = old.get(series)
        if not isinstance(shown, int | float) or isinstance(shown, bool):
            continue  # the earlier deck showed N/A: a value arriving late is not a restatement
        if new is not None:
            allowed = max(settings.restatement_pct / 100 * abs(shown), settings.restatement_floor)
            if not abs(new - shown) > allowed:
                continue
        found.append(
            Restatement(kind, key, label, series, float(shown), new, _change(float(shown), new))
        )


def attach_restatements(
    blocks: Iterable[Block],
    earlier_blocks: Mapping[str, Mapping[str, Any]] | None,
    settings: HistoryConfig,
) -> tuple[Block, ...]:
    """Blocks with the restatements of their numbers since the earlier deck (its blocks by
    metric id, as plain JSON; None: no earlier deck)."""
    if earlier_blocks is None:
        return tuple(blocks)
    before = earlier_blocks
    return tuple(
        replace(block, restatements=block_restatements(block, before[block.metric], settings))
        if block.metric in before
        else block
        for block in blocks
    )
