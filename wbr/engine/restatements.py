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
from wbr.engine.deck import Block
from wbr.engine.deck_history import Restatement


def _restated(old: Any, new: float | None, settings: HistoryConfig) -> bool:
    """A number the earlier deck showed that now differs beyond the tolerance (or is gone)."""
    if not isinstance(old, int | float) or isinstance(old, bool):
        return False  # the earlier deck showed N/A: a value arriving late is not a restatement
    if new is None:
        return True
    allowed = max(settings.restatement_pct / 100 * abs(old), settings.restatement_floor)
    return abs(new - old) > allowed


def _change(old: float, new: float | None) -> float | None:
    return None if new is None or old <= 0 else (new / old - 1) * 100


def _month_label(key: str) -> str:
    year, month = key.split("-")
    return f"{MONTH_ABBR[int(month) - 1]} {year}"


def block_restatements(
    block: Block, earlier_block: Mapping[str, Any], settings: HistoryConfig
) -> tuple[Restatement, ...]:
    """The block's past weeks and months whose CY or PY value changed since the earlier deck."""
    found = []
    weeks = {point.end.isoformat(): point for point in block.weeks}
    for old in earlier_block.get("weeks") or ():
        point = weeks.get(str(old.get("end")))
        if point is None:
            continue
        for series in ("cy", "py"):
            new = getattr(point, series)
            if _restated(old.get(series), new, settings):
                found.append(
                    Restatement(
                        "week",
                        point.end.isoformat(),
                        point.label,
                        series,
                        float(old[series]),
                        new,
                        _change(float(old[series]), new),
                    )
                )
    months = {month.month: month for month in block.months}
    for old in earlier_block.get("months") or ():
        month = months.get(str(old.get("month")))
        if month is None:
            continue
        for series in ("cy", "py"):
            new = getattr(month, series)
            if _restated(old.get(series), new, settings):
                found.append(
                    Restatement(
                        "month",
                        month.month,
                        _month_label(month.month),
                        series,
                        float(old[series]),
                        new,
                        _change(float(old[series]), new),
                    )
                )
    return tuple(found)


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
