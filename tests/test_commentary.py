"""Commentary: attached to its block, linted by the standard in docs/calculation-rules.md."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from wbr.analysis.commentary import (
    WEASEL_WORDS,
    attach_commentary,
    commentary_by_metric,
    gives_reason,
    has_number,
    investigating_phrase,
    is_routine_verdict,
    lint_text,
    stated_cause,
    undated_actions,
    weasel_phrases,
)
from wbr.engine.deck import Block, BoxScore, Status

WEEK = dt.date(2026, 11, 21)
GOOD = (
    "Conversion 3.30%, -23 bps WoW. Root cause: app release 8.14 on 2026-11-17 broke checkout on "
    "Android. Action: a checkout end-to-end test gates every release (owner: Tom Becker) by "
    "2026-12-04."
)


def test_the_standard_example_passes_the_linter() -> None:
    assert lint_text(GOOD) == ()


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Orders were significantly higher.", ("significantly",)),
        ("Slightly soft, with Nearly all of it in the West.", ("Slightly", "Nearly all")),
        ("Restocking should help next month.", ("should help",)),
        ("An insignificantly small 0.1% move.", ()),  # a word inside another word is not one
        ("We expect recovery soon.", ("soon",)),
    ],
)
def test_weasel_words(text: str, found: tuple[str, ...]) -> None:
    assert weasel_phrases(text) == found


def test_the_weasel_list_includes_the_practice_examples() -> None:
    assert {"significantly", "slightly", "nearly all", "should help"} <= set(WEASEL_WORDS)


def test_weasel_lint_message_names_the_word_once() -> None:
    messages = lint_text("Slightly up 2%, slightly down 1%.")
    assert messages == ("weasel word 'slightly': say by how much, with a unit and a baseline",)


def test_no_number() -> None:
    assert not has_number("Orders were soft this week.")
    assert "no number: say what moved, with its unit and baseline" in lint_text("Orders soft.")
    assert has_number("Orders -2.1% WoW.")


@pytest.mark.parametrize(
    "text",
    [
        "We will fix the checkout bug.",
        "We plan to add two receiving shifts.",
        "We are fixing the feed.",
        "The team is looking into it.",
    ],
)
def test_action_without_a_date_is_flagged(text: str) -> None:
    assert undated_actions(text)
    assert any(m.startswith("action without a date") for m in lint_text(text))


@pytest.mark.parametrize(
    "text",
    [
        "We will fix it by 2026-12-04.",
        "We will fix it by Friday.",
        "The fix will land in wk 49.",
        "We plan to relaunch in Q1.",
        "We will report the root cause by Dec 3.",
        "Conversion fell 3.9% and we will ship the fix by 12/01.",
    ],
)
def test_action_with_a_date_is_fine(text: str) -> None:
    assert undated_actions(text) == ()


def test_a_decimal_point_does_not_end_the_sentence() -> None:
    assert undated_actions("Conversion 3.9%. We will fix it.") == ("will",)
    assert undated_actions("We will fix 3.9% of it by 2026-12-01.") == ()


def test_stated_cause_and_reasons() -> None:
    assert stated_cause("Orders -3% due to the storm in the West.") == "the storm in the West"
    assert stated_cause("Orders -3% WoW.") is None
    assert gives_reason("AOV -1.9% YoY, down from +3.1% before competitor price cuts began.")
    assert not gives_reason("Orders 90, -10.0% vs plan.")


def test_investigating_and_routine() -> None:
    assert investigating_phrase("Orders -4%. We are investigating the cause.") == (
        "We are investigating the cause"
    )
    assert investigating_phrase("Orders -4% due to weather.") is None
    assert is_routine_verdict("On-time 95.1%, -67 bps WoW; within normal variation, no action.")


def frame(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(
        [(pd.Timestamp(w), m, a, t) for w, m, a, t in rows],
        columns=["week_ending", "metric", "author", "text"],
    )


def weeks_ago(n: int) -> dt.date:
    return WEEK - dt.timedelta(weeks=n)


def test_same_text_three_weeks_running() -> None:
    same = "Revenue is below plan due to softer demand."
    rows = [(weeks_ago(n), "revenue", "Chris", same) for n in range(3)]
    found = commentary_by_metric(frame(rows), WEEK, ["revenue"])["revenue"]
    assert found.same_streak == 3
    assert "same text 3 weeks running" in found.current[0].lint
    two = commentary_by_metric(frame(rows[:2]), WEEK, ["revenue"])["revenue"]
    assert two.same_streak == 2
    assert not any("same text" in m for m in two.current[0].lint)


def test_same_text_ignores_case_and_spacing_but_not_a_gap_week() -> None:
    rows = [
        (weeks_ago(0), "revenue", "Chris", "Revenue below plan due to demand."),
        (weeks_ago(1), "revenue", "Chris", "revenue  below plan due to demand"),
        (weeks_ago(3), "revenue", "Chris", "Revenue below plan due to demand."),
    ]
    found = commentary_by_metric(frame(rows), WEEK, ["revenue"])["revenue"]
    assert found.same_streak == 2


def test_commentary_of_this_week_and_metric_only() -> None:
    rows = [
        (weeks_ago(0), "orders", "Jordan", "Orders -2% due to rain."),
        (weeks_ago(0), "revenue", "Chris", "Revenue -1%."),
        (weeks_ago(1), "orders", "Jordan", "Orders -4%. We are investigating."),
        (WEEK + dt.timedelta(weeks=1), "orders", "Jordan", "Next week's text."),
    ]
    found = commentary_by_metric(frame(rows), WEEK, ["orders", "sessions"])
    assert [c.text for c in found["orders"].current] == ["Orders -2% due to rain."]
    assert found["orders"].current[0].author == "Jordan"
    assert found["orders"].investigating_last_week == "We are investigating"
    assert found["sessions"].current == () and found["sessions"].same_streak == 0


def test_no_commentary_source() -> None:
    found = commentary_by_metric(None, WEEK, ["orders"])
    assert found["orders"].current == () and found["orders"].previous == ()


def test_attach_commentary_to_blocks() -> None:
    box = BoxScore(*([None] * 9))
    block = Block(1, "orders", "Orders", "S", "output", None, "count", "sum", "pct",
                  "higher_is_better", (), (), box, None, Status(True))  # fmt: skip
    rows = [(WEEK, "orders", "Jordan", "Orders were slightly soft.")]
    (filled,) = attach_commentary([block], commentary_by_metric(frame(rows), WEEK, ["orders"]))
    assert filled.commentary[0].text == "Orders were slightly soft."
    assert filled.commentary[0].lint == (
        "weasel word 'slightly': say by how much, with a unit and a baseline",
        "no number: say what moved, with its unit and baseline",
    )
