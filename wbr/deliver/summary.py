"""The email's summary body, HTML and plain text: headline box scores, the numbers restated since
the previous deck (both values), the open action items (due in / overdue by N days), the flagged
blocks with their charts, reasons, commentary and questions, and data issues. A section with
nothing to say is left out.

The HTML comes from templates/email.html.j2 (autoescaped: no text from commentary, CSV files or
the config can become markup), styled by the deck's own stylesheet plus templates/email.css, which
css-inline copies into style attributes: mail clients strip <style> and JavaScript. The HTML stays
under HTML_BODY_LIMIT because Gmail clips a body past about 102 KB: when it would be larger, parts
are left out lowest priority first (headline charts, then the least severe flagged blocks, then
the restated numbers, the action items and the data issues) and the body says which.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache

import css_inline
from markupsafe import Markup

from wbr.engine.actions import due_text
from wbr.engine.deck import Block, Deck
from wbr.errors import DeliveryError
from wbr.fmt import box_cells, flag_groups, long_date, missing_text, shortened, week_heading
from wbr.render.assets import email_css, macro

HTML_BODY_LIMIT = 100_000  # bytes of UTF-8 HTML; Gmail clips at about 102 KB
HEADLINE_FALLBACK = 5  # blocks shown as headlines when the deck has no output metric
HEADLINE_MAX = 12  # rows of the headline table; a deck of many outputs lists the rest by count
MAX_CHARTS = 16  # chart images per email: about 55 KB each, and 0.5-0.8 s each to draw
QUESTIONS_PER_BLOCK = 3
COMMENTARY_CHARS = 1200
FLAG_DETAIL_CHARS = 240
RESTATED_BLOCKS = 20  # blocks whose restated numbers are listed, as on the deck's summary page
RESTATEMENTS_PER_BLOCK = 3
ACTION_ROWS = 25  # open action items listed, soonest due first; the rest are counted

# ---------------------------------------------------------------- what the email shows


def headline_blocks(deck: Deck) -> list[Block]:
    """The deck's output metrics (at most HEADLINE_MAX), or its first few blocks if it has none."""
    outputs = [b for b in deck.blocks if b.kind == "output"][:HEADLINE_MAX]
    return outputs or list(deck.blocks[:HEADLINE_FALLBACK])


def _severity(block: Block) -> int:
    return max((q.severity for q in block.questions), default=0)


def flagged_by_priority(deck: Deck) -> list[Block]:
    """Flagged blocks, most important first: highest question severity, most flags, deck order."""
    flagged = [b for b in deck.blocks if b.flagged]
    return sorted(flagged, key=lambda b: (-_severity(b), -len(b.flags), b.number))


def chart_blocks(deck: Deck, limit: int = MAX_CHARTS) -> list[int]:
    """Block numbers that get a chart image: headline blocks, then flagged ones by priority."""
    numbers: list[int] = []
    for block in [*headline_blocks(deck), *flagged_by_priority(deck)]:
        if block.number not in numbers and len(numbers) < limit:
            numbers.append(block.number)
    return numbers


# ---------------------------------------------------------------- plain text


def _box_text(block: Block) -> str:
    cells = box_cells(block)
    a = cells.actual
    parts = [
        f"LastWk {a[0].text}{'*' if cells.provisional else ''}",
        f"WOW {a[1].text}",
        f"YOY {a[2].text}",
        f"MTD {a[3].text} (YOY {a[4].text})",
        f"YTD {a[7].text} (YOY {a[8].text})",
    ]
    if cells.vs_plan:
        parts.append(f"vs Plan {cells.vs_plan[0].text}")
    return ", ".join(parts)


def flag_lines(block: Block) -> list[str]:
    """One line per kind of flag: 'Seasonal residual ×5: <the first one's detail>'."""
    return [
        f"{name}{f' ×{count}' if count > 1 else ''}"
        f"{': ' + shortened(detail, FLAG_DETAIL_CHARS) if detail else ''}"
        for name, count, detail in flag_groups(block.flags)
    ]


def _clip(text: str) -> str:
    if len(text) <= COMMENTARY_CHARS:
        return text
    return text[:COMMENTARY_CHARS].rstrip() + " … (the full text is in the attached deck)"


# ---------------------------------------------------------------- HTML: templates, inlined CSS

_CLASS_ATTRIBUTE = re.compile(r'\sclass="[^"]*"')  # attribute values are always quoted "..."


def _email(name: str, *args: object) -> str:
    """A macro of templates/email.html.j2, rendered (autoescaped)."""
    return str(macro("email.html.j2", name)(*args))


@cache
def _inliner() -> css_inline.CSSInliner:
    return css_inline.CSSInliner(
        extra_css=email_css(), resolve_css_variables=True, keep_style_tags=False
    )


def _inline(html: str) -> str:
    """The page with the stylesheets copied into style attributes, and no classes left."""
    return _CLASS_ATTRIBUTE.sub("", _inliner().inline(html))


def _page(title: str, parts: Sequence[str]) -> str:
    return _inline(_email("page", title, [Markup(p) for p in parts]))


def _size(text: str) -> int:
    return len(text.encode("utf-8"))


@dataclass(eq=False)  # parts are compared by identity
class _Part:
    """One droppable piece of the body: its markup, its text, and the charts it shows."""

    name: str
    html: str
    text: str
    charts: tuple[int, ...] = ()
    size: int = 0  # bytes it adds to the page once its styles are inlined


def _flagged_part(block: Block, cids: Mapping[int, str]) -> _Part:
    commentary = [
        (note.author, _clip(note.text).split("\n"), note.lint) for note in block.commentary
    ]
    shown = block.questions[:QUESTIONS_PER_BLOCK]
    html = _email(
        "flagged_block",
        block,
        cids.get(block.number),
        flag_lines(block),
        commentary,
        shown,
        len(block.questions) - len(shown),
    )
    text = [
        f"{block.number}. {block.label} (owner: {block.owner or 'unassigned'})",
        f"   {_box_text(block)}",
        *(f"   - {line}" for line in flag_lines(block)),
        *(f"   Commentary ({note.author}): {_clip(note.text)}" for note in block.commentary),
        *([] if block.commentary else ["   No commentary yet."]),
        *(f"   E{n} {long_date(e.date)}: {e.description}" for n, e in enumerate(block.events, 1)),
        *(f"   ? {q.text}" for q in shown),
    ]
    charts = (block.number,) if block.number in cids else ()
    return _Part(f"block {block.number}", html, "\n".join(text) + "\n", charts)


def _headline_part(deck: Deck, blocks: Sequence[Block]) -> _Part:
    outputs = sum(b.kind == "output" for b in deck.blocks)
    more = outputs - len(blocks) if outputs > len(blocks) else 0
    note = f"{more} more output metrics are in the attached deck." if more else ""
    text = "HEADLINE METRICS\n" + "".join(
        f"{b.number}. {b.label}: {_box_text(b)}\n" for b in blocks
    )
    html = _email("headline", blocks, note)
    return _Part("the headline metrics", html, text + (f"{note}\n" if note else ""))


def _headline_charts_part(blocks: Sequence[Block], cids: Mapping[int, str]) -> _Part:
    html = _email("headline_charts", blocks, cids) if blocks else ""
    return _Part(
        "the headline charts", html, "", tuple(b.number for b in blocks if b.number in cids)
    )


def _data_issues_part(deck: Deck) -> _Part | None:
    incomplete = [b for b in deck.blocks if not b.status.complete]
    if not incomplete:
        return None
    lines = [f"{b.number}. {b.label}: {missing_text(b)}" for b in incomplete]
    return _Part(
        "the data issues",
        _email("data_issues", incomplete),
        "DATA ISSUES\n" + "".join(f"- {line}\n" for line in lines),
    )


def _restated_part(deck: Deck) -> _Part | None:
    """The numbers restated since the previous deck, both values, the first blocks' first few."""
    changed = [b for b in deck.blocks if b.restatements]
    if not changed:
        return None
    restated = macro("memory.html.j2", "restated")  # the deck's own wording: 'wk 45 1K → 2K'
    rows = [
        (
            b,
            [restated(r, b.unit) for r in b.restatements[:RESTATEMENTS_PER_BLOCK]],
            len(b.restatements) - RESTATEMENTS_PER_BLOCK,
        )
        for b in changed[:RESTATED_BLOCKS]
    ]
    numbers = sum(len(b.restatements) for b in changed)
    compared = deck.history.compared_with if deck.history is not None else None
    since = f"the deck of the week ending {long_date(compared)}" if compared else "the last deck"
    intro = (
        f"{numbers} number{'s' if numbers > 1 else ''} on {len(changed)} "
        f"block{'s' if len(changed) > 1 else ''} changed since {since} showed them "
        "(late data or a new definition)."
    )
    more_blocks = len(changed) - len(rows)
    note = f"{more_blocks} more blocks restated: see the attached deck." if more_blocks else ""
    text = ["RESTATED SINCE THE PREVIOUS DECK", intro]
    for b, lines, more in rows:
        shown = "; ".join(line.striptags() for line in lines)  # the same text, unescaped
        text.append(f"- {b.number}. {b.label}: {shown}" + (f"; {more} more" if more > 0 else ""))
    return _Part(
        "the restated numbers",
        _email("restated", intro, rows, note),
        "\n".join(text + ([note] if note else [])) + "\n",
    )


def _actions_part(deck: Deck) -> _Part | None:
    """The open action items, soonest due first, each with its block and how far its due date is."""
    if not deck.actions:
        return None
    blocks: dict[str | None, str | None] = {b.metric: f"{b.number}. {b.label}" for b in deck.blocks}
    # where: the item's block; its metric when that has no block; None when business-wide
    rows = [(item, blocks.get(item.metric, item.metric)) for item in deck.actions[:ACTION_ROWS]]
    overdue = sum(item.days_to_due < 0 for item in deck.actions)
    count = f"{len(deck.actions)}{f', {overdue} overdue' if overdue else ''}"
    more = len(deck.actions) - len(rows)
    note = f"{more} more in the attached deck." if more else ""
    text = [f"OPEN ACTION ITEMS ({count})"] + [
        f"- {where or 'business-wide'}: {item.action} ({item.owner}), due "
        f"{long_date(item.due)}: {due_text(item.days_to_due)}"
        for item, where in rows
    ]
    return _Part(
        "the open action items",
        _email("actions", f"Open action items ({count})", rows, note),
        "\n".join(text + ([note] if note else [])) + "\n",
    )


def _left_out_line(dropped: Sequence[_Part]) -> str:
    if not dropped:
        return ""
    blocks = [p.name.removeprefix("block ") for p in dropped if p.name.startswith("block ")]
    others = [p.name for p in dropped if not p.name.startswith("block ")]
    named = others + (
        [f"flagged block{'s' if len(blocks) > 1 else ''} {', '.join(blocks)}"] if blocks else []
    )
    return (
        f"To stay under the {HTML_BODY_LIMIT // 1000} KB that mail clients such as Gmail show "
        f"without clipping, this email leaves out {'; '.join(named)}. "
        "Everything is in the attached deck."
    )


def summary_bodies(
    deck: Deck, attachment_name: str, chart_cids: Mapping[int, str], limit: int = HTML_BODY_LIMIT
) -> tuple[str, str, list[int]]:
    """(HTML, plain text, block numbers whose charts the HTML shows), the HTML under `limit`
    bytes: parts are left out lowest priority first and the body says which."""
    flagged = [b for b in deck.blocks if b.flagged]
    headlines = headline_blocks(deck)
    unflagged_headlines = [b for b in headlines if not b.flagged]
    questions = len(deck.questions)
    complete = (
        f" Data complete through {long_date(deck.data_complete_through)}."
        if deck.data_complete_through
        else ""
    )
    summary = (
        f"{len(flagged)} of {len(deck.blocks)} blocks flagged, {questions} question"
        f"{'' if questions == 1 else 's'}.{complete}"
    )
    title = f"{deck.title}: {week_heading(deck)}"
    header_html = _email("header", deck, week_heading(deck), summary)
    header_text = f"{deck.title}\n{week_heading(deck)}\n{summary}\n\n"
    footer_line = (
        f"The full interactive deck is attached ({attachment_name}): open it in a browser for "
        "every block's chart, box score, drivers and the appendix."
    )
    footer_html = _email("footer", footer_line)
    footer_text = f"\n{footer_line}\n"

    # display order; `priority` lists the same parts from the first to keep to the first to drop
    headline = _headline_part(deck, headlines)
    headline_charts = _headline_charts_part(unflagged_headlines, chart_cids)
    issues = _data_issues_part(deck)
    restated = _restated_part(deck)
    actions = _actions_part(deck)
    by_block = {b.number: _flagged_part(b, chart_cids) for b in flagged}
    flagged_heading = _Part(
        "flagged heading",
        _email("flagged_heading", len(flagged), len(deck.blocks)),
        f"FLAGGED BLOCKS ({len(flagged)} of {len(deck.blocks)})\n",
    )
    ranked = [by_block[b.number] for b in flagged_by_priority(deck)]
    in_order = [
        headline,
        restated,
        actions,
        headline_charts,
        flagged_heading,
        *by_block.values(),
        issues,
    ]
    by_priority = [headline, flagged_heading, issues, actions, restated, *ranked, headline_charts]
    shown = [p for p in in_order if p is not None and p.html]
    priority = [p for p in by_priority if p is not None and p.html]

    # inlining is per element, so a part adds the same bytes wherever it sits on the page
    fixed = _size(_page(title, [header_html, footer_html]))
    for part in shown:
        part.size = _size(_page(title, [header_html, part.html, footer_html])) - fixed

    def notice(dropped: Sequence[_Part]) -> str:
        line = _left_out_line(dropped)
        return _email("notice", line) if line else ""

    def notice_size(html: str) -> int:
        return _size(_page(title, [header_html, html, footer_html])) - fixed if html else 0

    kept = list(shown)
    dropped: list[_Part] = []
    while True:
        notice_html = notice(dropped)
        size = fixed + notice_size(notice_html) + sum(p.size for p in kept)
        if size <= limit:
            html = _page(title, [header_html, notice_html, *(p.html for p in kept), footer_html])
            if _size(html) <= limit:
                break
        droppable = [p for p in reversed(priority) if p in kept and p is not flagged_heading]
        if not droppable:
            raise DeliveryError(
                f"the email summary is {size} bytes even with every optional part left out "
                f"(limit {limit}); is the deck title very long?"
            )
        kept.remove(droppable[0])
        dropped.append(droppable[0])
    dropped.sort(key=shown.index)
    notice_line = _left_out_line(dropped)
    html = _page(title, [header_html, notice(dropped), *(p.html for p in kept), footer_html])
    notice_text = notice_line + "\n\n" if notice_line else ""
    text = header_text + notice_text + "\n".join(p.text for p in kept if p.text) + footer_text
    charts = [n for p in kept for n in p.charts]
    return html, text, charts
