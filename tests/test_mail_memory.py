"""The email body shows what deck memory found, as the deck's summary does: the numbers restated
since the previous deck (both values) and the open action items (due in / overdue by N days).
Each section appears only when it has something to say; text from data files stays text."""

from __future__ import annotations

import dataclasses
import datetime as dt
import email
import email.policy
import re
from html.parser import HTMLParser

import pytest

import wbr.deliver.mail
from tests.conftest import daily_rows, write_business
from tests.synthetic_deck import large_deck, make_deck
from wbr.cli import main
from wbr.deliver.summary import ACTION_ROWS, HTML_BODY_LIMIT, summary_bodies
from wbr.engine.deck_history import ActionItem, DeckHistory, Restatement
from wbr.fmt import format_value

HOSTILE = '<script>alert(1)</script> " onmouseover="alert(2) R&D\'s'
WEEK_ENDING = dt.date(2026, 11, 21)


def _action(metric: str | None, action: str, days_to_due: int, owner: str = "Dana") -> ActionItem:
    due = WEEK_ENDING + dt.timedelta(days=days_to_due)
    return ActionItem(dt.date(2026, 11, 2), metric, owner, action, due, days_to_due)


def _memory_deck(actions: tuple[ActionItem, ...] = (), restated_blocks: int = 1):
    """The standard synthetic deck with restatements on its first blocks and the given actions."""
    deck = make_deck()
    restated = (
        Restatement("week", "2026-11-07", "wk 45", "cy", 121_000.0, 118_000.0, -2.479),
        Restatement("month", "2026-10", "Oct 2026", "py", 500_000.0, 510_000.0, 2.0),
    )
    blocks = tuple(
        dataclasses.replace(b, restatements=restated) if i < restated_blocks else b
        for i, b in enumerate(deck.blocks)
    )
    history = DeckHistory(compared_with=dt.date(2026, 11, 14))
    return dataclasses.replace(deck, blocks=blocks, history=history, actions=actions)


def _bodies(deck):
    html, text, _ = summary_bodies(deck, "deck.html", {})
    return html, text


class _Page(HTMLParser):
    """Start tags with their attributes, and the page's text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _page(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    page.close()
    return page


def test_restated_numbers_show_both_values_as_on_the_decks_summary():
    deck = _memory_deck()
    html, text = _bodies(deck)
    first = deck.blocks[0]
    for body in (html, text):
        assert "Restated since the previous deck".upper() in body.upper()
        assert "2 numbers on 1 block changed since the deck of the week ending Sat 14 Nov 2026" in (
            body
        )
        assert "wk 45 121K → 118K (-2.5%)" in body
        assert "Oct 2026 last year 500K → 510K (+2.0%)" in body
    assert f"- {first.number}. {first.label}: wk 45 121K → 118K (-2.5%); Oct 2026" in text


def test_open_action_items_say_due_in_or_overdue_by_n_days_overdue_in_red():
    orders = make_deck().blocks[0]
    actions = (
        _action(orders.metric, "Fix the feed", -5, owner="Bo"),
        _action(None, "Review the plan", 0, owner="Dee"),
        _action(orders.metric, "Explain the dip", 3, owner="Ann"),
    )
    html, text = _bodies(_memory_deck(actions))
    assert "Open action items (3, 1 overdue)" in html
    assert "OPEN ACTION ITEMS (3, 1 overdue)" in text
    where = f"{orders.number}. {orders.label}"
    assert f"- {where}: Fix the feed (Bo), due Mon 16 Nov 2026: overdue by 5 days" in text
    assert "- business-wide: Review the plan (Dee), due Sat 21 Nov 2026: due today" in text
    assert f"- {where}: Explain the dip (Ann), due Tue 24 Nov 2026: due in 3 days" in text
    # a table row per item, in the deck's order (soonest due first), due text under the date
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", html.split("Open action items")[1], flags=re.S)
    cells = [re.sub(r"<[^>]+>", "|", row) for row in rows[1:4]]
    assert "Fix the feed" in cells[0] and "Review the plan" in cells[1] and "Explain" in cells[2]
    assert "Mon 16 Nov 2026|" in cells[0] and "overdue by 5 days" in cells[0]
    # overdue in the deck's unfavourable colour (inlined: mail clients drop <style>)
    overdue = re.search(r'<span style="([^"]*)">overdue by 5 days</span>', html)
    due_today = re.search(r'<span style="([^"]*)">due today</span>', html)
    assert overdue and "#b8420b" in overdue.group(1)
    assert due_today and "#b8420b" not in due_today.group(1)


def test_without_restatements_or_actions_neither_section_is_shown():
    for deck in (make_deck(), _memory_deck(restated_blocks=0)):
        html, text = _bodies(deck)
        for body in (html, text):
            assert "restated" not in body.lower()
            assert "action items" not in body.lower()


def test_each_section_is_shown_on_its_own():
    html, _ = _bodies(_memory_deck(restated_blocks=0, actions=(_action(None, "Plan", 2),)))
    assert "Open action items (1)" in html and "Restated" not in html
    html, _ = _bodies(_memory_deck(restated_blocks=1))
    assert "Restated" in html and "Open action items" not in html


def test_text_from_data_files_in_these_sections_is_escaped():
    deck = _memory_deck(actions=(_action("orders", f"Fix {HOSTILE}", -1, owner=f"Eve {HOSTILE}"),))
    label = f"Orders {HOSTILE}"
    blocks = (dataclasses.replace(deck.blocks[0], label=label), *deck.blocks[1:])
    deck = dataclasses.replace(deck, blocks=blocks)
    html, text = _bodies(deck)
    page = _page(html)
    assert not any(tag == "script" for tag, _ in page.tags)
    assert not any(name.startswith("on") for _, attrs in page.tags for name in attrs)
    shown = "".join(page.text)
    for field in (f"Fix {HOSTILE}", f"Eve {HOSTILE}", f"{deck.blocks[0].number}. {label}"):
        assert field in shown, field  # reads back as the text itself
    actions_html = html.split("Open action items")[1]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in actions_html
    assert "<script" not in html
    restated_html = html.split("Restated since")[1].split("Open action items")[0]
    assert "Orders &lt;script&gt;" in restated_html
    # the plain-text part is the text itself, unescaped
    assert f"Fix {HOSTILE} (Eve {HOSTILE})" in text
    assert f"{label}: wk 45" in text


def test_long_lists_are_capped_and_say_how_many_more():
    deck = large_deck(30)
    restated = tuple(
        Restatement("week", f"2026-10-{day:02d}", f"wk {n}", "cy", 100.0, 110.0, 10.0)
        for n, day in zip(range(40, 45), (3, 10, 17, 24, 31), strict=True)
    )
    actions = tuple(_action(None, f"Item {n}", n) for n in range(ACTION_ROWS + 5))
    deck = dataclasses.replace(
        deck,
        blocks=tuple(dataclasses.replace(b, restatements=restated) for b in deck.blocks),
        history=DeckHistory(compared_with=dt.date(2026, 11, 14)),
        actions=actions,
    )
    html, text = _bodies(deck)
    for body in (html, text):
        assert "150 numbers on 30 blocks changed" in body
        assert "10 more blocks restated: see the attached deck." in body
        assert "Open action items (30)".upper() in body.upper()
        assert "5 more in the attached deck." in body
        assert f"Item {ACTION_ROWS - 1}" in body and f"Item {ACTION_ROWS}," not in body
    assert text.count("; 2 more") == 20  # the first 20 blocks, 3 numbers each, 2 more each
    assert len(html.encode()) <= HTML_BODY_LIMIT


def test_a_crowded_email_keeps_actions_and_restatements_before_low_priority_blocks():
    deck = large_deck(300)
    first = deck.blocks[0]
    restated = (Restatement("week", "2026-11-07", "wk 45", "cy", 121.0, 118.0, -2.479),)
    blocks = (dataclasses.replace(first, restatements=restated), *deck.blocks[1:])
    deck = dataclasses.replace(
        deck,
        blocks=blocks,
        history=DeckHistory(compared_with=dt.date(2026, 11, 14)),
        actions=(_action(first.metric, "Fix the feed", -2),),
    )
    html, _ = _bodies(deck)
    assert len(html.encode()) <= HTML_BODY_LIMIT
    left_out = re.search(r"this email leaves out ([^.]+)\.", html)
    assert left_out and "flagged blocks" in left_out.group(1)
    assert "restated" not in left_out.group(1) and "action items" not in left_out.group(1)
    assert "Fix the feed" in html and "wk 45 121 → 118 (-2.5%)" in html


# ---------------------------------------------------------------- through `wbr send --dry-run`

WEEKS = ("2026-10-31", "2026-11-07", "2026-11-14")
REVISED_DAY = "2026-10-27"  # in week 44 (ending 2026-10-31): revised before week 46 is built
CONFIG = """\
title: Memory mail test
sources:
  actuals: {path: metrics.csv, format: long}
  actions: {path: actions.csv}
metrics:
  orders: {section: Shopping, owner: Ann}
  sessions: {section: Traffic}
email: {to: [leaders@example.com]}
"""
ACTIONS = """\
opened,metric,owner,action,due,closed
2026-11-02,orders,Bo,Fix the <orders> feed,2026-11-09,
2026-11-10,,Dee,Review the plan,2026-11-17,
2026-10-01,orders,Ann,Closed item,2026-10-10,2026-10-12
"""


@pytest.fixture
def three_weeks_sent(tmp_path, monkeypatch):
    """`wbr deck` for weeks 44 and 45 into reports/, a past day revised, then week 46 built and
    `wbr send --dry-run` (chart images stubbed: they need a browser)."""
    rows = daily_rows({"orders": 300.0, "sessions": 9000.0}, end=WEEKS[-1])
    config = write_business(tmp_path, CONFIG, {"metrics.csv": rows, "actions.csv": ACTIONS})
    reports = tmp_path / "reports"
    for week in WEEKS:
        if week == WEEKS[-1]:  # late data arrives before the last week is built
            revised = (rows["metric"] == "orders") & (rows["date"] == REVISED_DAY)
            rows.loc[revised, "value"] += 900.0
            rows.to_csv(tmp_path / "metrics.csv", index=False)
        deck_json = str(reports / week / "deck.json")
        args = ["deck", "--quiet", "--config", str(config), "--week", week, "--json", deck_json]
        assert main([*args, "--out", str(reports)]) == 0
    (reports / WEEKS[-1] / "deck.html").write_text("<!DOCTYPE html><p>deck</p>")
    monkeypatch.setattr(wbr.deliver.mail, "render_charts", lambda deck, numbers: {})
    eml = tmp_path / "week46.eml"
    args = ["send", "--config", str(config), "--week", WEEKS[-1], "--out", str(reports)]
    assert main([*args, "--dry-run", str(eml)]) == 0
    message = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
    html = message.get_body(preferencelist=("html",)).get_content()
    text = message.get_body(preferencelist=("plain",)).get_content()
    week_44 = rows[(rows["metric"] == "orders") & rows["date"].between("2026-10-25", WEEKS[0])]
    after = float(week_44["value"].sum())
    return html, text, after - 900.0, after


def test_wbr_send_dry_run_shows_restatements_and_actions(three_weeks_sent):
    html, text, before, after = three_weeks_sent
    both = f"wk 44 {format_value(before, 'count')} → {format_value(after, 'count')}"
    assert both in text and both in html
    assert "since the deck of the week ending Sat 7 Nov 2026" in text
    assert "Fix the &lt;orders&gt; feed" in html and "Fix the <orders> feed" in text
    assert "due Mon 9 Nov 2026: overdue by 5 days" in text
    assert "- business-wide: Review the plan (Dee), due Tue 17 Nov 2026: due in 3 days" in text
    assert "Closed item" not in text
