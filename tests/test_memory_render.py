"""The deck shows what its memory found: restatements, cleared flags, new and retired blocks and
open action items on the summary page; streaks, carried questions, restated numbers and actions
on the blocks (templates/memory.html.j2)."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from tests.synthetic_deck import make_deck
from wbr.engine.deck_history import (
    ActionItem,
    ClearedFlag,
    DeckHistory,
    Restatement,
    RetiredBlock,
)
from wbr.render.html import block_html, summary_html


def _deck():
    deck = make_deck()
    first = deck.blocks[0]
    restated = Restatement("week", "2026-11-07", "wk 45", "cy", 121_000.0, 118_000.0, -2.479)
    action = ActionItem(
        dt.date(2026, 11, 2), first.metric, "Dana Ruiz", "Fix the feed", dt.date(2026, 11, 16), -5
    )
    flagged = next(b for b in deck.blocks if b.flags)
    streaky = replace(
        flagged,
        flags=(replace(flagged.flags[0], streak=3), *flagged.flags[1:]),
        questions=(replace(flagged.questions[0], carried=True, open_weeks=2),),
    )
    blocks = [
        replace(b, restatements=(restated,), actions=(action,)) if b is first else b
        for b in deck.blocks
    ]
    blocks = [streaky if b.number == flagged.number else b for b in blocks]
    history = DeckHistory(
        compared_with=dt.date(2026, 11, 14),
        new_blocks=(deck.blocks[1].metric,),
        retired_blocks=(RetiredBlock("refunds", "Refunds <old>", 9),),
        cleared_flags=(
            ClearedFlag(
                first.metric, first.label, first.number, "plan", "miss_streak", None, "", 4
            ),
        ),
    )
    return replace(deck, blocks=tuple(blocks), history=history, actions=(action,)), streaky


def test_summary_lists_restatements_cleared_flags_blocks_and_actions():
    deck, _ = _deck()
    html = summary_html(deck)
    assert "wk 45 121K → 118K (-2.5%)" in html
    assert "Plan miss streak, after 4 weeks" in html
    assert "Refunds &lt;old&gt; (was 9)" in html  # escaped like all text from data
    assert "New blocks:" in html and f"{deck.blocks[1].number}. {deck.blocks[1].label}" in html
    assert "Fix the feed" in html and "overdue by 5 days" in html


def test_summary_without_history_says_so():
    deck, _ = _deck()
    html = summary_html(replace(deck, history=DeckHistory(None, "no history yet: no earlier deck")))
    assert "no history yet: no earlier deck" in html and "Restated" not in html


def test_block_shows_streak_carried_question_restatement_and_action():
    deck, streaky = _deck()
    assert "3 weeks running" in block_html(deck, streaky)
    assert "open 2 weeks" in block_html(deck, streaky)
    first = block_html(deck, deck.blocks[0])
    assert "Restated since the previous deck" in first and "wk 45 121K → 118K" in first
    assert "Fix the feed" in first and "overdue by 5 days" in first


def test_summary_lists_a_few_restatements_per_block_and_the_first_blocks():
    from tests.synthetic_deck import large_deck

    deck = large_deck(25)
    restated = tuple(
        Restatement("week", f"2026-10-{day:02d}", f"wk {n}", "cy", 100.0, 110.0, 10.0)
        for n, day in zip(range(40, 45), (3, 10, 17, 24, 31), strict=True)
    )
    deck = replace(
        deck,
        blocks=tuple(replace(b, restatements=restated) for b in deck.blocks),
        history=DeckHistory(compared_with=dt.date(2026, 11, 14)),
    )
    html = summary_html(deck)
    assert "Restated (125 numbers on 25 blocks)" in html
    assert html.count("; 2 more on the block") == 20  # the first 20 blocks, 3 numbers each
    assert "5 more blocks restated" in html
