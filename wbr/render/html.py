"""HTML of the deck: cover, one-page summary, numbered blocks (chart, box score, notes), appendix.

Every function takes the Deck (or one Block) and returns an HTML fragment; nothing here computes a
number, it only formats what the Deck holds. All text from data files (labels, owners, commentary,
flag details, questions) is HTML-escaped. plotly.js is emitted once, by `head_html`, and each chart
only adds its JSON, so a page works offline from disk and as an email attachment.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from functools import cache
from html import escape
from importlib import resources

import plotly.io as pio

from wbr.engine.calendar import MONTH_ABBR, Calendar
from wbr.engine.compare import favourable
from wbr.engine.deck import Block, Deck, Flag, Section
from wbr.fmt import format_change, format_value
from wbr.render.charts import CHART_HEIGHT, six_twelve_figure

CHART_DIV_CLASS = 'class="plotly-graph-div"'
# typesetMath off: a label such as "$5 to $10 orders" must never be typeset as maths
PLOTLY_CONFIG = {"displayModeBar": False, "responsive": True, "typesetMath": False}
CHART_LOADER = "window.wbrChart = function"  # defined once, in templates/charts.js
TOP_QUESTIONS = 10
SUMMARY_DETAIL_CHARS = 180  # the summary quotes the most severe flag; the block has them all
FAVOURABLE = "favourable"
UNFAVOURABLE = "unfavourable"

_PTD_ALIGNMENT = {
    "calendar_date": "MTD/QTD/YTD compared with the same calendar dates last year",
    "shift_364": "MTD/QTD/YTD compared with the same weekdays 364 days earlier",
}
_POLARITY = {
    "higher_is_better": "higher is better",
    "lower_is_better": "lower is better",
    "neutral": "neither direction is better",
}
_PLAN_PERIODS = ("LastWk", "MTD", "QTD", "YTD")
_FLAG_NAMES = {
    "xmr": "XmR",
    "plan": "Plan",
    "data": "Data",
    "seasonal": "Seasonal",
    "trend": "Trend",
}


@cache
def deck_css() -> str:
    """The deck's stylesheet (every rule scoped under .wbr)."""
    return resources.files("wbr").joinpath("templates/deck.css").read_text(encoding="utf-8")


@cache
def _charts_js() -> str:
    """wbrChart(): draws charts on screen first, the rest when idle, all before printing."""
    return resources.files("wbr").joinpath("templates/charts.js").read_text(encoding="utf-8")


@cache
def _plotly_js() -> str:
    from plotly.offline import get_plotlyjs

    return get_plotlyjs()


def _plotly_banner() -> str:
    """The licence comment that opens plotly.js: marks the library's one copy on a page."""
    return _plotly_js().split("*/", 1)[0]


def head_html() -> str:
    """Stylesheet and plotly.js, once per page; must come before the first chart."""
    return (
        f"<style>{deck_css()}</style>\n"
        # MathJaxConfig 'local' stops plotly.js looking for MathJax, which the deck never loads
        "<script>window.PlotlyConfig = {MathJaxConfig: 'local'};</script>\n"
        f'<script type="text/javascript">{_plotly_js()}</script>\n'
        f"<script>{_charts_js()}</script>\n"
    )


# ---------------------------------------------------------------- small formatting helpers


def long_date(day: dt.date) -> str:
    """'Sat 21 Nov 2026'."""
    return f"{day:%a} {day.day} {MONTH_ABBR[day.month - 1]} {day.year}"


def week_heading(deck: Deck) -> str:
    """'Week 47, ending Sat 21 Nov 2026'."""
    return f"Week {deck.week_number}, ending {long_date(deck.week_ending)}"


def _generated(stamp: str) -> str:
    try:
        moment = dt.datetime.fromisoformat(stamp)
    except ValueError:
        return stamp
    zone = moment.strftime("%z")
    zone = "UTC" if zone in ("+0000", "") else f"UTC{zone[:3]}:{zone[3:]}"
    return f"{long_date(moment.date())} {moment:%H:%M} {zone}"


def favourability(change: float | None, polarity: str) -> str | None:
    """'favourable', 'unfavourable' or None (no change, no direction, or neutral metric)."""
    verdict = favourable(change, polarity)
    return None if verdict is None else FAVOURABLE if verdict else UNFAVOURABLE


def direction(change: float | None, method: str, polarity: str) -> tuple[str, str | None]:
    """(arrow, favourability) of a comparison as displayed: none for N/A or what shows as 0."""
    if change is None or not math.isfinite(change):
        return "", None
    if round(change, 0 if method == "bps" else 1) == 0:
        return "", None  # shown as 0.0% or 0 bps: "-0.0%" with a red arrow would mislead
    return ("▲" if change > 0 else "▼"), favourability(change, polarity)


def change_html(change: float | None, method: str, polarity: str) -> str:
    """A comparison cell: arrow for direction, colour and hidden text for favourability."""
    text = escape(format_change(change, method))
    if change is None or not math.isfinite(change):
        return f'<span class="wbr-na">{text}</span>'
    arrow, verdict = direction(change, method, polarity)
    if verdict is None:
        return f"{arrow} {text}".strip()
    css = "wbr-good" if verdict == FAVOURABLE else "wbr-bad"
    return (
        f'<span class="{css}" title="{verdict}">{arrow} {text}'
        f'<span class="wbr-sr"> ({verdict})</span></span>'
    )


def value_html(value: float | None, unit: str) -> str:
    """A value cell in the metric's unit; N/A when missing."""
    text = escape(format_value(value, unit))
    return f'<span class="wbr-na">{text}</span>' if value is None else text


def _number(value: float | None) -> str:
    """A flag's evidence number without a unit: the flag may be on a growth series."""
    if value is None or not math.isfinite(value):
        return "N/A"
    magnitude = abs(value)
    for threshold, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
        if magnitude >= threshold:
            return f"{value / threshold:,.3g}{suffix}"
    return f"{value:,.4g}"


def block_anchor(number: int) -> str:
    """The id of a block's element, for links such as #block-37."""
    return f"block-{number}"


def _block_link(block: Block) -> str:
    return f'<a href="#{block_anchor(block.number)}">{block.number}. {escape(block.label)}</a>'


# ---------------------------------------------------------------- cover and summary


def cover_html(deck: Deck) -> str:
    """Title, week, calendar conventions, generated-at, data complete through, contents."""
    calendar = deck.calendar or {}
    fiscal_start = calendar.get("fiscal_year_start_month")
    facts = [
        ("Weeks end on", str(calendar.get("week_end_day", "")).title() or "N/A"),
        (
            "Fiscal year starts in",
            dt.date(2000, fiscal_start, 1).strftime("%B") if fiscal_start else "N/A",
        ),
        (
            "Period to date",
            _PTD_ALIGNMENT.get(calendar.get("ptd_alignment", ""), "N/A"),
        ),
        ("Dates are days in", str(calendar.get("time_zone") or "N/A")),
        (
            "Data complete through",
            long_date(deck.data_complete_through) if deck.data_complete_through else "N/A",
        ),
        ("Generated", _generated(deck.generated_at)),
        (
            "Blocks",
            f"{len(deck.blocks)} in {len(deck.sections)} sections, "
            f"{sum(b.flagged for b in deck.blocks)} flagged",
        ),
    ]
    rows = "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in facts)
    contents = "".join(
        f'<a href="#{anchor}">{escape(s.title)}'
        f'<span class="wbr-muted"> ({_block_range(s)})</span></a>'
        for s, anchor in zip(deck.sections, section_anchors(deck), strict=True)
    )
    incomplete_data = ""
    if deck.data_complete_through and deck.data_complete_through < deck.week_ending:
        incomplete_data = (
            '<p class="wbr-badge wbr-badge-data">Data is not complete through the week ending: '
            "affected blocks are marked</p>"
        )
    return (
        '<div class="wbr"><section class="wbr-cover" id="cover">'
        f'<div class="wbr-week">{escape(week_heading(deck))}</div>'
        f"<h1>{escape(deck.title)}</h1>{incomplete_data}"
        f'<dl class="wbr-facts">{rows}</dl>'
        f'<nav class="wbr-contents"><a href="#summary">Summary</a>{contents}'
        '<a href="#appendix">Appendix</a></nav>'
        "</section></div>"
    )


def _section_anchor(section: Section) -> str:
    slug = "".join(c if c.isalnum() else "-" for c in section.title.lower()).strip("-")
    return f"section-{slug or 'untitled'}"


def section_anchors(deck: Deck) -> list[str]:
    """The id of each section heading, in deck order: the title's slug, with -2, -3... added
    when two titles give the same slug ('Sales & Ops', 'Sales / Ops')."""
    used: set[str] = set()
    anchors = []
    for section in deck.sections:
        base = anchor = _section_anchor(section)
        repeat = 2
        while anchor in used:
            anchor, repeat = f"{base}-{repeat}", repeat + 1
        used.add(anchor)
        anchors.append(anchor)
    return anchors


def _block_range(section: Section) -> str:
    if not section.blocks:
        return "no blocks"
    first, last = section.blocks[0], section.blocks[-1]
    return f"{first}" if first == last else f"{first}–{last}"


def _flag_name(flag: Flag) -> str:
    """'XmR outside limits', 'Plan miss streak', 'Seasonal residual'."""
    kind = _FLAG_NAMES.get(flag.type, flag.type.replace("_", " ").title())
    rule = flag.rule.replace("_", " ")
    return f"{kind} {rule}"


def _flag_reasons(block: Block) -> str:
    """Each kind of flag once, most severe first, with a count when it repeats."""
    counts: dict[str, int] = {}
    for flag in block.flags:
        name = _flag_name(flag)
        counts[name] = counts.get(name, 0) + 1
    return "; ".join(name if n == 1 else f"{name} ×{n}" for name, n in counts.items())


def _shortened(text: str, limit: int = SUMMARY_DETAIL_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def summary_html(deck: Deck) -> str:
    """One-page summary: flagged blocks with reasons, top questions, plan misses, data issues."""
    by_number = {b.number: b for b in deck.blocks}
    flagged = [b for b in deck.blocks if b.flagged]
    parts = ['<div class="wbr"><section class="wbr-summary" id="summary"><h2>Summary</h2>']

    parts.append(f"<h3>Flagged blocks ({len(flagged)} of {len(deck.blocks)})</h3>")
    if flagged:
        parts.append(
            '<table class="wbr-flagged"><thead><tr><th>Block</th><th>Owner</th>'
            '<th>Why flagged</th><th class="wbr-num-cell">LastWk</th>'
            '<th class="wbr-num-cell">WOW</th><th class="wbr-num-cell">YOY</th></tr></thead><tbody>'
        )
        for block in flagged:
            reasons = (
                f"<b>{escape(_flag_reasons(block))}</b><br>"
                f'<span class="wbr-muted">{escape(_shortened(block.flags[0].detail))}</span>'
            )
            parts.append(
                f"<tr><td>{_block_link(block)}</td><td>{escape(block.owner or 'unassigned')}</td>"
                f"<td>{reasons}</td>"
                f'<td class="wbr-num-cell">{value_html(block.box.last_week, block.unit)}</td>'
                f'<td class="wbr-num-cell">'
                f"{change_html(block.box.wow, block.comparison, block.polarity)}</td>"
                f'<td class="wbr-num-cell">'
                f"{change_html(block.box.yoy, block.comparison, block.polarity)}</td></tr>"
            )
        parts.append("</tbody></table>")
    else:
        parts.append('<p class="wbr-muted">No block is flagged this week.</p>')

    parts.append("<h3>Top questions</h3>")
    if deck.questions:
        items = []
        for question in deck.questions[:TOP_QUESTIONS]:
            block = by_number.get(question.block)
            where = _block_link(block) if block else escape(question.metric)
            items.append(
                f"<li>{escape(question.text)} <span class='wbr-muted'>({where})</span></li>"
            )
        more = len(deck.questions) - TOP_QUESTIONS
        parts.append(f"<ol>{''.join(items)}</ol>")
        if more > 0:
            parts.append(f'<p class="wbr-muted">{more} more questions in the blocks below.</p>')
    else:
        parts.append('<p class="wbr-muted">No questions this week.</p>')

    plan_blocks = [b for b in deck.blocks if any(f.type == "plan" for f in b.flags)]
    parts.append("<h3>Plan misses</h3>")
    if plan_blocks:
        parts.append(
            '<table class="wbr-flagged"><thead><tr><th>Block</th><th>Owner</th><th>Why</th>'
            + "".join(f'<th class="wbr-num-cell">{p} vs plan</th>' for p in _PLAN_PERIODS)
            + "</tr></thead><tbody>"
        )
        for block in plan_blocks:
            rules = "; ".join(dict.fromkeys(_flag_name(f) for f in block.flags if f.type == "plan"))
            parts.append(
                f"<tr><td>{_block_link(block)}</td><td>{escape(block.owner or 'unassigned')}</td>"
                f"<td>{escape(rules)}</td>{_plan_cells(block)}</tr>"
            )
        parts.append("</tbody></table>")
    else:
        parts.append('<p class="wbr-muted">No plan miss is flagged.</p>')

    parts.append("<h3>Data issues</h3>")
    issues = [
        f"<li>{_block_link(b)}: {escape(_missing_text(b))}</li>"
        for b in deck.blocks
        if not b.status.complete
    ] + [
        f"<li>{_block_link(b)}: {escape(f.detail or f.rule.replace('_', ' '))}</li>"
        for b in deck.blocks
        for f in b.flags
        if f.type == "data"
    ]
    if issues:
        parts.append(f"<ul>{''.join(issues)}</ul>")
    else:
        parts.append('<p class="wbr-muted">All blocks have complete data.</p>')
    parts.append("</section></div>")
    return "".join(parts)


def _plan_cells(block: Block) -> str:
    """LastWk, MTD, QTD and YTD variance to plan as table cells."""
    plan = block.plan
    variances = (
        (plan.last_week_var, plan.mtd_var, plan.qtd_var, plan.ytd_var) if plan else (None,) * 4
    )
    return "".join(
        f'<td class="wbr-num-cell">{change_html(v, block.comparison, block.polarity)}</td>'
        for v in variances
    )


def _missing_text(block: Block) -> str:
    days = block.status.missing_days
    if not days:
        return "data incomplete"
    shown = ", ".join(long_date(d) for d in days[:5])
    more = f" and {len(days) - 5} more" if len(days) > 5 else ""
    return f"data incomplete: missing {shown}{more}"


# ---------------------------------------------------------------- blocks


def chart_html(block: Block) -> str:
    """The block's 6-12 chart: a div, and a call that draws it with the page's one plotly.js."""
    div_id = f"wbr-chart-{block.number}"
    # plotly's JSON escapes < > and /, so no text from the data can close the script tag
    figure = pio.to_json(six_twelve_figure(block), validate=False, pretty=False)
    return (
        f'<div id="{div_id}" {CHART_DIV_CLASS} style="height:{CHART_HEIGHT}px; width:100%;">'
        f'</div><script>wbrChart("{div_id}", {figure}, {json.dumps(PLOTLY_CONFIG)});</script>'
    )


def box_score_html(block: Block, week_ending: dt.date | None = None) -> str:
    """LastWk WOW YOY MTD YOY QTD YOY YTD YOY, then plan and vs-plan rows when there is a plan."""
    box, unit, method, polarity = block.box, block.unit, block.comparison, block.polarity
    mtd_days = Calendar().period_to_date(week_ending)["mtd"].days if week_ending else None
    mtd_label = f"MTD ({mtd_days} d)" if mtd_days is not None and mtd_days < 7 else "MTD"
    provisional = "" if block.status.complete else " wbr-provisional"
    head = (
        "<tr><th></th><th>LastWk</th><th>WOW</th><th>YOY</th>"
        f'<th class="wbr-group">{mtd_label}</th><th>YOY</th>'
        '<th class="wbr-group">QTD</th><th>YOY</th>'
        '<th class="wbr-group">YTD</th><th>YOY</th></tr>'
    )
    actual = (
        "<tr><td>Actual</td>"
        f'<td class="wbr-period{provisional}">{value_html(box.last_week, unit)}</td>'
        f'<td class="{provisional.strip()}">{change_html(box.wow, method, polarity)}</td>'
        f'<td class="{provisional.strip()}">{change_html(box.yoy, method, polarity)}</td>'
    )
    for value, change in ((box.mtd, box.mtd_yoy), (box.qtd, box.qtd_yoy), (box.ytd, box.ytd_yoy)):
        actual += (
            f'<td class="wbr-period wbr-group{provisional}">{value_html(value, unit)}</td>'
            f'<td class="{provisional.strip()}">{change_html(change, method, polarity)}</td>'
        )
    rows = [head, actual + "</tr>"]
    plan = block.plan
    if plan is not None:
        plans = (
            (plan.last_week, plan.last_week_var),
            (plan.mtd, plan.mtd_var),
            (plan.qtd, plan.qtd_var),
            (plan.ytd, plan.ytd_var),
        )
        plan_row = "<tr><td>Plan</td>"
        var_row = "<tr><td>vs Plan</td>"
        for index, (value, variance) in enumerate(plans):
            group = "" if index == 0 else " wbr-group"
            filler = "<td></td><td></td>" if index == 0 else "<td></td>"
            plan_row += f'<td class="{group.strip()}">{value_html(value, unit)}</td>{filler}'
            var_row += (
                f'<td class="{group.strip()}">{change_html(variance, method, polarity)}</td>'
                f"{filler}"
            )
        rows += [plan_row + "</tr>", var_row + "</tr>"]
    table = f'<table class="wbr-box">{"".join(rows)}</table>'
    notes = []
    if not block.status.complete:
        notes.append(f"* provisional: {_missing_text(block)}")
    if mtd_days is not None and mtd_days < 7:
        notes.append(f"MTD covers only {mtd_days} day{'s' if mtd_days > 1 else ''}")
    note = f'<div class="wbr-box-note">{escape("; ".join(notes))}</div>' if notes else ""
    return table + note


def _flags_html(block: Block) -> str:
    if not block.flags:
        return ""
    items = []
    for flag in block.flags:
        evidence = []
        if not flag.detail:  # the detail already states the evidence in the metric's units
            if flag.date:
                evidence.append(f"on {long_date(flag.date)}")
            if flag.value is not None:
                evidence.append(f"value {_number(flag.value)}")
            if flag.lower is not None or flag.upper is not None:
                evidence.append(f"limits {_number(flag.lower)} to {_number(flag.upper)}")
        if flag.favourable is not None:
            evidence.append(FAVOURABLE if flag.favourable else UNFAVOURABLE)
        said = (
            f' <span class="wbr-muted">({escape(", ".join(evidence))})</span>' if evidence else ""
        )
        items.append(
            f'<li><span class="wbr-flag-type">{escape(_flag_name(flag))}</span>'
            f"{': ' + escape(flag.detail) if flag.detail else ''}{said}</li>"
        )
    return f'<div><h4>Flags</h4><ul class="wbr-flag-list">{"".join(items)}</ul></div>'


_COMPARISON_NAMES = {"wow": "WoW", "yoy": "YoY", "plan": "vs plan"}
TOP_SEGMENTS = 3


def _signed(value: float | None, unit: str) -> str:
    text = format_value(value, unit)
    return f"+{text}" if value is not None and value > 0 else text


def _drivers_html(block: Block) -> str:
    """One line per dimension and comparison: the segments that moved the metric most."""
    drivers = block.drivers or {}
    lines = []
    for dimension, comparisons in (drivers.get("dimensions") or {}).items():
        for name, found in comparisons.items():
            segments = ", ".join(
                f"{escape(str(s['segment']))} {escape(_signed(s.get('delta'), block.unit))}"
                + (f" ({s['share'] * 100:.0f}%)" if s.get("share") is not None else "")
                for s in found.get("segments", [])[:TOP_SEGMENTS]
            )
            lines.append(
                f"<li><b>{escape(dimension)}</b> {_COMPARISON_NAMES.get(name, escape(name))} "
                f"{escape(_signed(found.get('delta'), block.unit))}: {segments}</li>"
            )
    for dimension, comparisons in (drivers.get("mix_rate") or {}).items():
        for name, found in comparisons.items():

            def effect(value: float | None, unit: str = found.get("unit", "value")) -> str:
                if unit == "bps":
                    return format_change(value, "bps")
                return _signed(value, block.unit)

            lines.append(
                f"<li><b>{escape(dimension)}</b> {_COMPARISON_NAMES.get(name, escape(name))} "
                f"{escape(effect(found.get('delta')))} = mix {escape(effect(found.get('mix')))}, "
                f"rate {escape(effect(found.get('rate')))}, "
                f"interaction {escape(effect(found.get('interaction')))}</li>"
            )
    if not lines:
        return ""
    return f"<div><h4>What moved it</h4><ul>{''.join(lines)}</ul></div>"


def _commentary_html(block: Block) -> str:
    if not block.commentary:
        if block.flagged:
            return (
                '<div class="wbr-commentary wbr-missing">No commentary: this block is flagged '
                "and needs the owner's explanation.</div>"
            )
        return '<div class="wbr-commentary wbr-none">No commentary.</div>'
    notes = []
    for note in block.commentary:
        lint = (
            f'<div class="wbr-lint">Commentary check: {escape("; ".join(note.lint))}</div>'
            if note.lint
            else ""
        )
        notes.append(
            f'<p>{escape(note.text)}</p><div class="wbr-author">— {escape(note.author)}</div>{lint}'
        )
    return f'<div class="wbr-commentary">{"".join(notes)}</div>'


def _events_html(block: Block) -> str:
    if not block.events:
        return ""
    items = "".join(
        f"<li><b>E{n}</b> {escape(long_date(e.date))}: {escape(e.description)}</li>"
        for n, e in enumerate(block.events, start=1)
    )
    return f"<div><h4>Noteworthy events</h4><ul>{items}</ul></div>"


def _questions_html(block: Block) -> str:
    if not block.questions:
        return ""
    items = "".join(
        f"<li>{escape(q.text)} <span class='wbr-muted'>({escape(q.id)})</span></li>"
        for q in block.questions
    )
    return f"<div><h4>Questions</h4><ol>{items}</ol></div>"


def block_html(block: Block, week_ending: dt.date | None = None) -> str:
    """One numbered block: header, 6-12 chart, box score, commentary, flags, events, questions."""
    badges = []
    if block.flagged:
        kinds = sorted({_FLAG_NAMES.get(f.type, f.type) for f in block.flags})
        badges.append(
            f'<span class="wbr-badge wbr-badge-flag">Flagged: {escape(", ".join(kinds))}</span>'
        )
    if not block.status.complete:
        badges.append('<span class="wbr-badge wbr-badge-data">Data incomplete</span>')
    meta = (
        f"Owner: {escape(block.owner) if block.owner else '<b class=wbr-bad>unassigned</b>'}"
        f" · {escape(block.kind)} metric · {escape(_POLARITY.get(block.polarity, block.polarity))}"
    )
    notes = "".join(
        (
            _commentary_html(block),
            _flags_html(block),
            _questions_html(block),
            _drivers_html(block),
            _events_html(block),
        )
    )
    return (
        f'<div class="wbr"><article class="wbr-block" id="{block_anchor(block.number)}">'
        f'<div class="wbr-block-head"><span class="wbr-block-number">{block.number}</span>'
        f"<h3>{escape(block.label)}</h3>{''.join(badges)}"
        f'<span class="wbr-block-meta">{meta}</span></div>'
        f'<div class="wbr-chart">{chart_html(block)}</div>'
        f"{box_score_html(block, week_ending)}"
        f'<div class="wbr-notes">{notes}</div>'
        "</article></div>"
    )


def section_html(section: Section, anchor: str | None = None) -> str:
    """A section heading, linked from the cover (`anchor` from section_anchors)."""
    return (
        f'<div class="wbr"><h2 class="wbr-section-title" id="{anchor or _section_anchor(section)}">'
        f"{escape(section.title)}</h2></div>"
    )


def sections_html(deck: Deck) -> list[str]:
    """Section headings and blocks in deck order, one fragment each."""
    by_number = {b.number: b for b in deck.blocks}
    fragments = []
    for section, anchor in zip(deck.sections, section_anchors(deck), strict=True):
        fragments.append(section_html(section, anchor))
        fragments.extend(
            block_html(by_number[n], deck.week_ending) for n in section.blocks if n in by_number
        )
    return fragments


# ---------------------------------------------------------------- appendix and whole page


def appendix_html(deck: Deck) -> str:
    """Metric definitions of every block, and the data-status log."""
    definitions = {b.number: getattr(b, "definition", None) for b in deck.blocks}
    with_definitions = any(definitions.values())  # no empty column while the Deck has none
    rows = []
    for block in deck.blocks:
        definition = definitions[block.number]
        rows.append(
            f"<tr><td>{block.number}</td><td>{escape(block.label)}<br>"
            f"<code class='wbr-muted'>{escape(block.metric)}</code></td>"
            f"<td>{escape(block.section)}</td><td>{escape(block.kind)}</td>"
            f"<td>{escape(block.unit)}</td><td>{escape(block.aggregation)}</td>"
            f"<td>{escape(block.comparison)}</td>"
            f"<td>{escape(_POLARITY.get(block.polarity, block.polarity))}</td>"
            f"<td>{escape(block.owner or 'unassigned')}</td>"
            + (f"<td>{escape(definition or '')}</td>" if with_definitions else "")
            + "</tr>"
        )
    status = [
        f"<li>{_block_link(b)}: {escape(_missing_text(b))}</li>"
        for b in deck.blocks
        if not b.status.complete
    ]
    status_html = f"<ul>{''.join(status)}</ul>" if status else "<p>No missing data.</p>"
    return (
        '<div class="wbr"><section class="wbr-appendix" id="appendix"><h2>Appendix</h2>'
        "<h3>Metric definitions</h3><table><thead><tr><th>#</th><th>Metric</th><th>Section</th>"
        "<th>Kind</th><th>Unit</th><th>Aggregation</th><th>Comparison</th><th>Polarity</th>"
        f"<th>Owner</th>{'<th>Definition</th>' if with_definitions else ''}</tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
        f"<h3>Data status</h3>{status_html}"
        "</section></div>"
    )


def deck_fragments(deck: Deck) -> list[str]:
    """The whole deck body in reading order: cover, summary, sections with blocks, appendix."""
    return [cover_html(deck), summary_html(deck), *sections_html(deck), appendix_html(deck)]


def page_title(deck: Deck) -> str:
    """The HTML page title: deck title and week."""
    return f"{deck.title}: {week_heading(deck)}"


def deck_html(deck: Deck) -> str:
    """A complete standalone HTML page of the deck, without a notebook or a kernel."""
    body = "\n".join(deck_fragments(deck))
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(page_title(deck))}</title>\n</head>\n<body>\n{head_html()}{body}\n"
        "</body>\n</html>\n"
    )


def count_charts(html: str) -> int:
    """How many plotly chart divs a page holds (plotly.js itself contains none)."""
    return html.count(CHART_DIV_CLASS)


def chart_loader_problem(html: str) -> str | None:
    """Why a page's charts would not draw (plotly.js or wbrChart missing, repeated, or after the
    first chart), or None when `head_html` is on the page once, before every chart."""
    first_chart = html.find(CHART_DIV_CLASS)
    for name, marker in (("plotly.js", _plotly_banner()), ("the wbrChart loader", CHART_LOADER)):
        found = html.count(marker)
        if found != 1:
            return f"the page holds {name} {found} times, not once"
        if 0 <= first_chart < html.index(marker):
            return f"{name} comes after the first chart"
    return None
