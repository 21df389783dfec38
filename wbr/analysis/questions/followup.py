"""Catalogue entries that follow up on earlier weeks: Q27 history restated since the earlier deck,
Q36 an open action past its due date, Q38 a flagged block nobody has taken on.

They read what the engine attached to the block before the analysis: `Block.restatements`
(wbr.engine.memory) and `Block.actions` (wbr.engine.actions, the items open at the week ending).
"""

from __future__ import annotations

from wbr.analysis.questions.engine import DATA, OTHER, Facts, Fill, flag_reasons, question
from wbr.analysis.questions.process_common import has_new_flag
from wbr.engine.deck_history import Restatement

RESTATEMENTS_QUOTED = 3  # the question names the first few; the summary page lists them all


def _restatement(f: Facts, item: Restatement) -> str:
    """'wk 44 2.04K → 2.94K (+44.1%)': old and new value with the relative change."""
    side = "" if item.series == "cy" else " last year"
    change = f" ({'+' if item.change > 0 else ''}{item.change:.1f}%)" if item.change else ""
    new = f.value(item.new) if item.new is not None else "no value"  # N/A would void the question
    return f"{item.label}{side} {f.value(item.old)} → {new}{change}"


@question(
    "Q27",
    DATA,
    "History of {metric} changed since last week's deck ({restated}). What changed (definition, "
    "late data, pipeline fix), and which prior decisions relied on the old numbers?",
)
def history_restated(f: Facts) -> Fill | None:
    """Q27: a past week's or month's number moved beyond the tolerance since the earlier deck."""
    found = f.block.restatements
    if not found:
        return None
    quoted = "; ".join(_restatement(f, item) for item in found[:RESTATEMENTS_QUOTED])
    more = len(found) - RESTATEMENTS_QUOTED
    if more > 0:
        quoted += f"; {more} more"
    return Fill(
        {"metric": f.label, "restated": quoted},
        {"restated": [f"{r.period} {r.key} {r.series}" for r in found]},
    )


@question(
    "Q36",
    OTHER,
    "Action '{action}' on {metric} (owner {owner}) was due {due}, {days} days before the week "
    "ending. Status?",
)
def overdue_action(f: Facts) -> list[Fill]:
    """Q36: an open action item on this metric past its due date."""
    return [
        Fill(
            {
                "action": item.action,
                "metric": f.label,
                "owner": item.owner,
                "due": item.due.isoformat(),
                "days": str(-item.days_to_due),
            },
            {"action": item.action, "due": item.due, "overdue_days": -item.days_to_due},
        )
        for item in f.block.actions
        if item.days_to_due < 0
    ]


@question(
    "Q38",
    OTHER,
    "{metric} is flagged ({reasons}; last week {value}, {wow} WoW) with no commentary and no open "
    "action item. Who owns this and by when?",
    "{metric} is flagged ({reasons}; last week {value}) with no commentary and no open action "
    "item. Who owns this and by when?",
)
def nobody_on_it(f: Facts) -> Fill | None:
    """Q38: a block with a flag new this week and neither commentary nor an open action item (in
    a streak's later weeks deck memory carries the question asked in its first)."""
    if not f.block.flagged or f.block.commentary or f.block.actions:
        return None
    if f.block.kind == "diagnostic":
        # a diagnostic (the weather, a market index) explains an output and is nobody's lever:
        # "who owns this?" belongs on the outputs it moved
        return None
    if f.commentary is not None and f.commentary.current:
        return None
    if not has_new_flag(f):
        return None
    box = f.block.box
    return Fill(
        {
            "metric": f.label,
            "reasons": flag_reasons(f.block.flags),
            "value": f.value(box.last_week) if box.last_week is not None else None,
            "wow": f.wow(),
        },
        {"flags": [x.rule for x in f.block.flags], "owner": f.block.owner},
    )
