"""The deck and the email are rendered by autoescaped templates: text from data files and the
config (metric label, commentary, owner, event description, title...) can never become markup,
not even an attribute; and the deck, the email and the terminal format the box score once."""

from __future__ import annotations

import dataclasses
import json
import re
from html.parser import HTMLParser

import pytest

from tests.synthetic_deck import make_block, make_deck
from wbr.cli import _summary_table
from wbr.deliver.summary import summary_bodies
from wbr.engine.deck import Commentary, Event, Question
from wbr.fmt import box_cells
from wbr.render.html import block_html, box_score_html, deck_html

SCRIPT = "<script>alert(1)</script>"
ATTRIBUTE = '" onmouseover="alert(2)'  # closes a quoted attribute if quotes are not escaped
AMPERSAND = 'R&D\'s "best" & <b>bold</b>'
HOSTILE = f"{SCRIPT} {ATTRIBUTE} {AMPERSAND}"


class _Tags(HTMLParser):
    """Every start tag with its attributes, and the text of every script element."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[str] = []
        self.text: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        (self.scripts if self._in_script else self.text).append(data)


def _parse(html: str) -> _Tags:
    parser = _Tags()
    parser.feed(html)
    parser.close()
    return parser


def _hostile_deck():
    block = make_block(
        1,
        "orders",
        label=f"Orders {HOSTILE}",
        flagged=True,
        owner=f"Eve {HOSTILE}",
        section=f"Shop {HOSTILE}",
    )
    block = dataclasses.replace(
        block,
        events=(Event(date=block.weeks[-1].end, description=f"Promo {HOSTILE}"),),
        questions=(Question(id="Q1", severity=3, text=f"Why {HOSTILE}?"),),
        commentary=(Commentary(author=f"Ann {HOSTILE}", text=f"Soft week. {HOSTILE}"),),
        flags=tuple(dataclasses.replace(f, detail=f"{f.detail} {HOSTILE}") for f in block.flags),
    )
    return dataclasses.replace(make_deck([block]), title=f"WBR {HOSTILE}")


def _assert_inert(html: str, scripts_allowed: int) -> _Tags:
    """No element, attribute or script came from the hostile text; it reads back as text."""
    page = _parse(html)
    # a chart's JSON script holds the label, with < escaped: it cannot close the script; the
    # call that draws the chart holds only its div's id
    figures = [body for body in page.scripts if body.startswith('{"figure": ')]
    calls = [body for body in page.scripts if body.startswith("wbrChart(")]
    assert all("<" not in body for body in figures + calls)
    assert all(
        "alert(1)" in json.loads(body)["figure"]["layout"]["title"]["text"] for body in figures
    )
    assert len(figures) == len(calls) == max(0, scripts_allowed - 3) // 2
    assert len([t for t, _ in page.tags if t == "script"]) == scripts_allowed
    assert not any(name.startswith("on") for _, attrs in page.tags for name in attrs)
    text = "".join(page.text)
    # label, owner, commentary text and author, event, question, flag detail, title
    assert text.count(HOSTILE) >= 5
    return page


def test_hostile_text_is_inert_in_the_deck():
    deck = _hostile_deck()
    html = deck_html(deck)
    # head: PlotlyConfig, plotly.js, the chart loader; then two scripts per chart (its figure
    # as JSON, and the call that draws it)
    page = _assert_inert(html, scripts_allowed=3 + 2 * len(deck.blocks))
    text = "".join(page.text)
    for field in ("Orders", "Eve", "Soft week.", "Ann", "Promo", "Why", "WBR"):
        assert f"{field} {HOSTILE}" in text, field
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<b>bold</b>" not in html
    assert "R&amp;D&#39;s &#34;best&#34; &amp; &lt;b&gt;bold&lt;/b&gt;" in html
    # the <title> element's text too
    title = re.search(r"<title>(.*?)</title>", html, flags=re.S)
    assert title and "<script>" not in title.group(1)


def test_hostile_text_is_inert_in_the_email():
    deck = _hostile_deck()
    html, text, _ = summary_bodies(deck, "deck.html", {1: "chart-1@wbr"})
    page = _assert_inert(html, scripts_allowed=0)
    shown = "".join(page.text)
    for field in ("Orders", "Eve", "Soft week.", "Ann", "Promo", "Why", "WBR"):
        assert f"{field} {HOSTILE}" in shown, field
    # the chart's alt attribute holds the label as text, quotes and all
    image = next(attrs for tag, attrs in page.tags if tag == "img")
    assert image["alt"] == f"6-12 chart of Orders {HOSTILE}"
    assert image["src"] == "cid:chart-1@wbr"
    # in element text the inliner writes < as &lt;; inside a quoted attribute it may stay raw
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert f"Orders {HOSTILE}" in text  # the plain-text part is the text itself


@pytest.mark.parametrize("plan", [True, False])
def test_deck_email_and_terminal_show_the_same_box_score_cells(plan):
    block = make_block(2, "conversion", unit="percent", comparison="bps", plan=plan, base=0.0335)
    deck = make_deck([block])
    cells = box_cells(block)
    texts = [c.text for c in cells.actual] + ([cells.vs_plan[0].text] if plan else [])
    in_deck = re.sub(r"<[^>]+>", " ", box_score_html(deck, block))
    in_email = re.sub(r"<[^>]+>", " ", summary_bodies(deck, "d.html", {})[0])
    terminal = _summary_table(deck)
    for text in texts:
        assert text in in_deck and text in in_email and text in terminal, text


def test_block_html_reads_the_mtd_day_count_from_the_deck():
    young = dataclasses.replace(make_deck(), period_days={"mtd": 2, "qtd": 2, "ytd": 2})
    assert "MTD (2 d)" in block_html(young, young.blocks[0])
    assert "MTD covers only 2 days" in block_html(young, young.blocks[0])
    assert "MTD (" not in block_html(make_deck(), make_deck().blocks[0])


def test_hostile_text_is_inert_in_the_explore_view():
    from wbr.render import show, widgets

    block = _hostile_deck().blocks[0]
    segment = {"segment": HOSTILE, "cy": 1.0, "base": 2.0, "delta": -1.0, "share": 1.0}
    block = dataclasses.replace(
        block, drivers={"dimensions": {HOSTILE: {"wow": {"delta": -1.0, "segments": [segment]}}}}
    )
    html = show.block_details_html(block) + show.compare_html(block, block)
    html += widgets._explore("status_error", "KeyError", HOSTILE)
    page = _assert_inert(html, scripts_allowed=0)
    shown = "".join(page.text)
    for field in ("Orders", "Ann", "Why", "KeyError:"):  # label, commentary, question, error
        assert f"{field} {HOSTILE}" in shown, field
    assert f"{HOSTILE}: change WOW" in shown  # the drivers' dimension
