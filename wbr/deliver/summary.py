"""The email's summary body, HTML and plain text: headline box scores, the flagged blocks with
their charts, reasons, commentary and questions, and data issues.

HTML with inline styles only (mail clients strip <style> and JavaScript); every text from
commentary, CSV files or the config is escaped. The HTML stays under HTML_BODY_LIMIT because Gmail
clips a body past about 102 KB: when it would be larger, parts are left out lowest priority first
(headline charts, then the least severe flagged blocks, then data issues) and the body says which.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape

from wbr.engine.deck import Block, Deck
from wbr.errors import DeliveryError
from wbr.fmt import format_change, format_value
from wbr.render.html import FAVOURABLE, direction, long_date, week_heading

HTML_BODY_LIMIT = 100_000  # bytes of UTF-8 HTML; Gmail clips at about 102 KB
HEADLINE_FALLBACK = 5  # blocks shown as headlines when the deck has no output metric
HEADLINE_MAX = 12  # rows of the headline table; a deck of many outputs lists the rest by count
MAX_CHARTS = 16  # chart images per email: about 55 KB each, and 0.5-0.8 s each to draw
QUESTIONS_PER_BLOCK = 3
COMMENTARY_CHARS = 1200
FLAG_DETAIL_CHARS = 240

# ---------------------------------------------------------------- inline styles

_INK, _MUTED, _RULE = "#1a202c", "#5a6472", "#d9dee5"
_GOOD, _BAD = "#00704f", "#b8420b"
_FONT = "font-family:Helvetica,Arial,sans-serif"
_BODY = f"margin:0;padding:0;background:#f4f6f9;{_FONT};color:{_INK}"
_PAGE = f"max-width:720px;margin:0 auto;padding:18px 20px;background:#ffffff;{_FONT}"
_H1 = "font-size:24px;line-height:1.2;margin:4px 0 8px"
_H2 = f"font-size:18px;margin:22px 0 8px;padding-bottom:4px;border-bottom:2px solid {_INK}"
_H3 = "font-size:16px;margin:0 0 4px"
_P = "font-size:14px;line-height:1.45;margin:6px 0"
_SMALL = f"font-size:12px;color:{_MUTED};margin:4px 0"
_TABLE = "border-collapse:collapse;font-size:12px;width:100%"
_TH = (
    f"padding:4px 5px;text-align:right;color:{_MUTED};font-weight:600;"
    f"border-bottom:1px solid {_RULE}"
)
_TD = f"padding:4px 5px;text-align:right;white-space:nowrap;border-bottom:1px solid {_RULE}"
_TD_LEFT = f"padding:4px 5px;text-align:left;border-bottom:1px solid {_RULE}"
_BLOCK = f"padding:12px 0 14px;border-bottom:1px solid {_RULE}"
_NUMBER = (
    f"display:inline-block;min-width:24px;padding:1px 6px;border-radius:4px;background:{_INK};"
    "color:#ffffff;font-weight:700;font-size:13px;text-align:center"
)
_LIST = "font-size:13px;line-height:1.4;margin:4px 0;padding-left:20px"
_COMMENT = (
    f"font-size:13px;line-height:1.45;margin:6px 0;padding:6px 10px;border-left:3px solid {_RULE}"
)
_MISSING = (
    f"font-size:13px;margin:6px 0;padding:6px 10px;border-left:3px solid {_BAD};color:{_BAD};"
    "font-weight:600"
)
_NOTICE = "font-size:13px;margin:10px 0;padding:8px 10px;background:#fff4e5;color:#5c3d00"
_IMG = "display:block;width:100%;max-width:680px;height:auto;border:0;margin:6px 0"


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


def _change(change: float | None, method: str, polarity: str) -> str:
    text = escape(format_change(change, method))
    if change is None or text == "N/A":
        return f'<span style="color:{_MUTED}">{text}</span>'
    arrow, verdict = direction(change, method, polarity)
    if verdict is None:
        return f"{arrow} {text}".strip()
    colour = _GOOD if verdict == FAVOURABLE else _BAD
    return f'<span style="color:{colour}" title="{verdict}">{arrow} {text}</span>'


def _value(value: float | None, unit: str) -> str:
    text = escape(format_value(value, unit))
    return f'<span style="color:{_MUTED}">{text}</span>' if value is None else text


_BOX_HEAD = ("LastWk", "WOW", "YOY", "MTD", "YOY", "QTD", "YOY", "YTD", "YOY", "vs Plan")


def _box_cells(block: Block) -> list[str]:
    box, unit, method, polarity = block.box, block.unit, block.comparison, block.polarity
    plan = block.plan.last_week_var if block.plan else None
    star = "" if block.status.complete else "*"
    return [
        _value(box.last_week, unit) + star,
        _change(box.wow, method, polarity),
        _change(box.yoy, method, polarity),
        _value(box.mtd, unit),
        _change(box.mtd_yoy, method, polarity),
        _value(box.qtd, unit),
        _change(box.qtd_yoy, method, polarity),
        _value(box.ytd, unit),
        _change(box.ytd_yoy, method, polarity),
        _change(plan, method, polarity) if block.plan else "",
    ]


def _box_table(blocks: Sequence[Block], with_label: bool) -> str:
    head = "".join(f'<th style="{_TH}">{name}</th>' for name in _BOX_HEAD)
    label_head = f'<th style="{_TH};text-align:left">Metric</th>' if with_label else ""
    rows = []
    for block in blocks:
        label = (
            f'<td style="{_TD_LEFT}"><b>{block.number}.</b> {escape(block.label)}</td>'
            if with_label
            else ""
        )
        cells = "".join(f'<td style="{_TD}">{cell}</td>' for cell in _box_cells(block))
        rows.append(f"<tr>{label}{cells}</tr>")
    return (
        f'<div style="overflow-x:auto"><table role="presentation" style="{_TABLE}">'
        f"<tr>{label_head}{head}</tr>{''.join(rows)}</table></div>"
    )


def _box_text(block: Block) -> str:
    box, unit, method = block.box, block.unit, block.comparison
    parts = [
        f"LastWk {format_value(box.last_week, unit)}{'' if block.status.complete else '*'}",
        f"WOW {format_change(box.wow, method)}",
        f"YOY {format_change(box.yoy, method)}",
        f"MTD {format_value(box.mtd, unit)} (YOY {format_change(box.mtd_yoy, method)})",
        f"YTD {format_value(box.ytd, unit)} (YOY {format_change(box.ytd_yoy, method)})",
    ]
    if block.plan:
        parts.append(f"vs Plan {format_change(block.plan.last_week_var, method)}")
    return ", ".join(parts)


def _chart_img(block: Block, cids: Mapping[int, str]) -> str:
    if block.number not in cids:
        return f'<p style="{_SMALL}">Chart: block {block.number} in the attached deck.</p>'
    return (
        f'<img src="cid:{cids[block.number]}" width="680" alt="6-12 chart of '
        f'{escape(block.label)}" style="{_IMG}">'
    )


_FLAG_KINDS = {"xmr": "XmR", "plan": "Plan", "data": "Data", "seasonal": "Seasonal"}


def flag_lines(block: Block) -> list[str]:
    """One line per kind of flag: 'Seasonal residual ×5: <the first one's detail>'."""
    groups: dict[str, list] = {}
    for flag in block.flags:
        kind = _FLAG_KINDS.get(flag.type, flag.type.replace("_", " ").title())
        groups.setdefault(f"{kind} {flag.rule.replace('_', ' ')}", []).append(flag)
    lines = []
    for name, flags in groups.items():
        count = f" ×{len(flags)}" if len(flags) > 1 else ""
        detail = flags[0].detail
        if len(detail) > FLAG_DETAIL_CHARS:
            detail = detail[: FLAG_DETAIL_CHARS - 1].rstrip() + "…"
        lines.append(f"{name}{count}{': ' + detail if detail else ''}")
    return lines


def _missing_text(block: Block) -> str:
    days = block.status.missing_days
    shown = ", ".join(long_date(d) for d in days[:5])
    more = f" and {len(days) - 5} more" if len(days) > 5 else ""
    return f"data incomplete: missing {shown}{more}" if days else "data incomplete"


def _clip(text: str) -> str:
    if len(text) <= COMMENTARY_CHARS:
        return text
    return text[:COMMENTARY_CHARS].rstrip() + " … (the full text is in the attached deck)"


@dataclass(eq=False)  # parts are compared by identity
class _Part:
    """One droppable piece of the body: its HTML, its text, and the charts it shows."""

    name: str
    html: str
    text: str
    charts: tuple[int, ...] = ()

    @property
    def size(self) -> int:
        return len(self.html.encode("utf-8"))


def _flagged_part(block: Block, cids: Mapping[int, str]) -> _Part:
    owner = escape(block.owner) if block.owner else f'<b style="color:{_BAD}">unassigned</b>'
    reasons = "".join(f"<li>{escape(line)}</li>" for line in flag_lines(block))
    html = [
        f'<div style="{_BLOCK}"><h3 style="{_H3}"><span style="{_NUMBER}">{block.number}</span> '
        f"{escape(block.label)}</h3>"
        f'<p style="{_SMALL}">Owner: {owner} · {escape(block.section)} · {escape(block.kind)}'
        f"{'' if block.status.complete else ' · data incomplete'}</p>",
        _chart_img(block, cids),
        _box_table([block], with_label=False),
        f'<p style="{_P}"><b>Why flagged</b></p><ul style="{_LIST}">{reasons}</ul>',
    ]
    text = [
        f"{block.number}. {block.label} (owner: {block.owner or 'unassigned'})",
        f"   {_box_text(block)}",
        *(f"   - {line}" for line in flag_lines(block)),
    ]
    if block.commentary:
        for note in block.commentary:
            body = escape(_clip(note.text)).replace("\n", "<br>")
            lint = (
                f'<br><span style="font-size:12px;color:{_BAD}">Commentary check: '
                f"{escape('; '.join(note.lint))}</span>"
                if note.lint
                else ""
            )
            html.append(
                f'<div style="{_COMMENT}">{body}<br><span style="color:{_MUTED}">— '
                f"{escape(note.author)}</span>{lint}</div>"
            )
            text.append(f"   Commentary ({note.author}): {_clip(note.text)}")
    else:
        html.append(
            f'<div style="{_MISSING}">No commentary: this block is flagged and needs the '
            "owner's explanation.</div>"
        )
        text.append("   No commentary yet.")
    if block.events:
        items = "".join(
            f"<li><b>E{n}</b> {escape(long_date(e.date))}: {escape(e.description)}</li>"
            for n, e in enumerate(block.events, start=1)
        )
        html.append(f'<p style="{_P}"><b>Noteworthy events</b></p><ul style="{_LIST}">{items}</ul>')
        text += [
            f"   E{n} {long_date(e.date)}: {e.description}" for n, e in enumerate(block.events, 1)
        ]
    if block.questions:
        shown = block.questions[:QUESTIONS_PER_BLOCK]
        items = "".join(f"<li>{escape(q.text)}</li>" for q in shown)
        more = len(block.questions) - len(shown)
        extra = f'<p style="{_SMALL}">{more} more in the attached deck.</p>' if more > 0 else ""
        html.append(f'<p style="{_P}"><b>Questions</b></p><ol style="{_LIST}">{items}</ol>{extra}')
        text += [f"   ? {q.text}" for q in shown]
    html.append("</div>")
    charts = (block.number,) if block.number in cids else ()
    return _Part(f"block {block.number}", "".join(html), "\n".join(text) + "\n", charts)


def _headline_part(deck: Deck, blocks: Sequence[Block]) -> _Part:
    outputs = sum(b.kind == "output" for b in deck.blocks)
    more = outputs - len(blocks) if outputs > len(blocks) else 0
    note = f"{more} more output metrics are in the attached deck." if more else ""
    html = f'<h2 style="{_H2}">Headline metrics</h2>{_box_table(blocks, with_label=True)}' + (
        f'<p style="{_SMALL}">{note}</p>' if note else ""
    )
    text = "HEADLINE METRICS\n" + "".join(
        f"{b.number}. {b.label}: {_box_text(b)}\n" for b in blocks
    )
    return _Part("the headline metrics", html, text + (f"{note}\n" if note else ""))


def _headline_charts_part(blocks: Sequence[Block], cids: Mapping[int, str]) -> _Part:
    html = "".join(
        f'<p style="{_P}"><b>{b.number}. {escape(b.label)}</b></p>{_chart_img(b, cids)}'
        for b in blocks
    )
    return _Part(
        "the headline charts", html, "", tuple(b.number for b in blocks if b.number in cids)
    )


def _data_issues_part(deck: Deck) -> _Part | None:
    incomplete = [b for b in deck.blocks if not b.status.complete]
    if not incomplete:
        return None
    lines = [f"{b.number}. {b.label}: {_missing_text(b)}" for b in incomplete]
    items = "".join(f"<li>{escape(line)}</li>" for line in lines)
    return _Part(
        "the data issues",
        f'<h2 style="{_H2}">Data issues</h2><ul style="{_LIST}">{items}</ul>',
        "DATA ISSUES\n" + "".join(f"- {line}\n" for line in lines),
    )


def _left_out_notice(dropped: Sequence[_Part]) -> tuple[str, str]:
    if not dropped:
        return "", ""
    blocks = [p.name.removeprefix("block ") for p in dropped if p.name.startswith("block ")]
    others = [p.name for p in dropped if not p.name.startswith("block ")]
    named = others + (
        [f"flagged block{'s' if len(blocks) > 1 else ''} {', '.join(blocks)}"] if blocks else []
    )
    line = (
        f"To stay under the {HTML_BODY_LIMIT // 1000} KB that mail clients such as Gmail show "
        f"without clipping, this email leaves out {'; '.join(named)}. "
        "Everything is in the attached deck."
    )
    return f'<p style="{_NOTICE}">{escape(line)}</p>', line + "\n\n"


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
    header_html = (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(deck.title)}: {escape(week_heading(deck))}</title></head>"
        f'<body style="{_BODY}"><div style="{_PAGE}">'
        f'<div style="font-size:14px;font-weight:600;color:{_MUTED}">'
        f"{escape(week_heading(deck))}</div>"
        f'<h1 style="{_H1}">{escape(deck.title)}</h1><p style="{_P}">{escape(summary)}</p>'
    )
    header_text = f"{deck.title}\n{week_heading(deck)}\n{summary}\n\n"
    footer_line = (
        f"The full interactive deck is attached ({attachment_name}): open it in a browser for "
        "every block's chart, box score, drivers and the appendix."
    )
    footer_html = (
        f'<p style="{_SMALL};margin-top:18px">{escape(footer_line)}</p></div></body></html>'
    )
    footer_text = f"\n{footer_line}\n"

    # display order; `priority` lists the same parts from the first to keep to the first to drop
    headline = _headline_part(deck, headlines)
    headline_charts = _headline_charts_part(unflagged_headlines, chart_cids)
    issues = _data_issues_part(deck)
    by_block = {b.number: _flagged_part(b, chart_cids) for b in flagged}
    flagged_heading = _Part(
        "flagged heading",
        f'<h2 style="{_H2}">Flagged blocks ({len(flagged)} of {len(deck.blocks)})</h2>'
        + ("" if flagged else f'<p style="{_P}">No block is flagged this week.</p>'),
        f"FLAGGED BLOCKS ({len(flagged)} of {len(deck.blocks)})\n",
    )
    shown = [headline, headline_charts, flagged_heading, *by_block.values(), issues]
    ranked = [by_block[b.number] for b in flagged_by_priority(deck)]
    priority = [headline, flagged_heading, issues, *ranked, headline_charts]
    shown = [p for p in shown if p is not None and p.html]
    priority = [p for p in priority if p is not None and p.html]

    fixed = len(header_html.encode()) + len(footer_html.encode())
    kept = list(shown)
    dropped: list[_Part] = []
    while True:
        notice_html, notice_text = _left_out_notice(dropped)
        size = fixed + len(notice_html.encode()) + sum(p.size for p in kept)
        if size <= limit:
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
    notice_html, notice_text = _left_out_notice(dropped)
    html = header_html + notice_html + "".join(p.html for p in kept) + footer_html
    text = header_text + notice_text + "\n".join(p.text for p in kept if p.text) + footer_text
    charts = [n for p in kept for n in p.charts]
    return html, text, charts
