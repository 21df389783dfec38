"""Display helpers the notebooks call: each puts one part of the deck, or one drill-down, on screen.

The deck notebook calls head, cover, summary, sections and appendix in that order (head first: it
carries the stylesheet and the page's one copy of plotly.js). The explore API (wbr.explore) uses
block, weekly_limits and drivers. The HTML comes from render.html and the numbers from the Deck
(the weekly series and its XmR limits from Block.series); nothing here computes a number.
"""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go
from IPython.display import HTML, display

from wbr.engine.deck import Block, Deck, Flag
from wbr.fmt import format_change, format_value
from wbr.render import html as render
from wbr.render.charts import six_twelve_figure
from wbr.render.explore_charts import weekly_limits_figure


def head() -> None:
    """The stylesheet and plotly.js; call once, before any chart."""
    display(HTML(render.head_html()))


def cover(deck: Deck) -> None:
    """Title, week, calendar conventions, data status and contents."""
    display(HTML(render.cover_html(deck)))


def summary(deck: Deck) -> None:
    """The one-page summary: flagged blocks, top questions, plan misses, data issues."""
    display(HTML(render.summary_html(deck)))


def sections(deck: Deck) -> None:
    """Every section heading and block in deck order, one output each."""
    for fragment in render.sections_html(deck):
        display(HTML(fragment))


def appendix(deck: Deck) -> None:
    """Metric definitions and the data-status log."""
    display(HTML(render.appendix_html(deck)))


# ---------------------------------------------------------------- explore notebook


def pick_metric(deck: Deck, metric: str | None = None) -> str:
    """The metric to explore: the one asked for, else the first flagged block, else the first."""
    if metric:
        deck.block(metric)  # KeyError names an unknown metric at once
        return metric
    flagged = [b for b in deck.blocks if b.flagged]
    return (flagged or list(deck.blocks))[0].metric


def metrics(deck: Deck) -> None:
    """The deck's metric ids, labels and flags, to choose from."""
    rows = "".join(
        f"<tr><td>{b.number}</td><td><code>{_text(b.metric)}</code></td><td>{_text(b.label)}</td>"
        f"<td>{_text(', '.join(sorted({f.type for f in b.flags})) or '')}</td></tr>"
        for b in deck.blocks
    )
    display(
        HTML(
            '<div class="wbr"><table class="wbr-flagged"><tr><th>#</th><th>metric</th>'
            f"<th>label</th><th>flags</th></tr>{rows}</table></div>"
        )
    )


def block(deck: Deck, metric: str) -> None:
    """One metric's block exactly as the deck shows it (needs `head()` first)."""
    display(HTML(render.block_html(deck, deck.block(metric))))


def figure(block: Block) -> go.Figure:
    """The block's 6-12 chart as a live plotly figure (JupyterLab draws it natively)."""
    return six_twelve_figure(block)


def weekly_limits(block: Block) -> go.Figure | None:
    """The block's weekly series (or weekly YoY growth, whichever the flags judged) with each set
    of XmR limits over the weeks it applied to, from Block.series; None when the deck has none."""
    return weekly_limits_figure(block)


def drivers(block: Block) -> None:
    """Contributions by dimension and mix/rate from Block.drivers, as tables."""
    display(HTML(drivers_html(block)))


def drivers_html(block: Block) -> str:
    """Contributions by dimension and mix/rate from Block.drivers, as HTML tables."""
    found = block.drivers or {}
    parts = []
    for dimension, comparisons in (found.get("dimensions") or {}).items():
        for name, result in comparisons.items():
            rows = "".join(
                f"<tr><td>{_text(s['segment'])}</td>"
                f"<td>{format_value(s.get('cy'), block.unit)}</td>"
                f"<td>{format_value(s.get('base'), block.unit)}</td>"
                f"<td>{_signed(s.get('delta'), block.unit)}</td>"
                f"<td>{_share(s.get('share'))}</td>"
                f"<td>{format_change(s.get('change'), block.comparison, block.unit)}</td></tr>"
                for s in result.get("segments", [])
            )
            parts.append(
                f"<h4>{_text(dimension)}: change {name.upper()} "
                f"({_signed(result.get('delta'), block.unit)})</h4>"
                '<table class="wbr-flagged"><tr><th>Segment</th><th>Last week</th><th>Base</th>'
                f"<th>Change</th><th>Share of change</th><th>%/bps</th></tr>{rows}</table>"
            )
    for dimension, comparisons in (found.get("mix_rate") or {}).items():
        for name, result in comparisons.items():
            unit = result.get("unit", "value")
            parts.append(
                f"<h4>{_text(dimension)}: mix vs rate {name.upper()}</h4><p>"
                f"change {_effect(result.get('delta'), unit)} = mix "
                f"{_effect(result.get('mix'), unit)} + rate {_effect(result.get('rate'), unit)}"
                f" + interaction {_effect(result.get('interaction'), unit)}</p>"
            )
    if not parts:
        parts.append("<p class='wbr-muted'>No drivers: the metric is not split by a dimension.</p>")
    return f'<div class="wbr">{"".join(parts)}</div>'


def flags_html(block: Block) -> str:
    """The block's flags with their evidence: type and rule, date, value and limits (in the units
    of the series the flag judged), favourable or not, the detail, and why a signal was set
    aside when it was."""
    if not block.flags:
        return f"<div class='wbr'><p class='wbr-muted'>{_text(block.label)}: no flags.</p></div>"
    rows = []
    for flag in block.flags:
        say = _flag_units(block, flag)
        limits = (
            ""
            if flag.lower is None and flag.upper is None
            else f"{say(flag.lower)} to {say(flag.upper)}"
        )
        aside = getattr(flag, "set_aside", None)
        rows.append(
            f"<tr><td>{_text(flag.type)}/{_text(flag.rule)}</td>"
            f"<td>{flag.date.isoformat() if flag.date else ''}</td>"
            f"<td>{say(flag.value) if flag.value is not None else ''}</td><td>{limits}</td>"
            f"<td>{'set aside: ' + _text(aside) if aside else _favour(flag.favourable)}</td>"
            f"<td>{_text(flag.detail)}</td></tr>"
        )
    return (
        f'<div class="wbr"><h4>{_text(block.label)}: flags</h4><table class="wbr-flagged">'
        "<tr><th>flag</th><th>date</th><th>value</th><th>limits</th><th>direction</th>"
        f"<th>evidence</th></tr>{''.join(rows)}</table></div>"
    )


GROWTH_SERIES = ("yoy", "two_year")  # XmR series whose values are % growth or bps, not values


def _flag_units(block: Block, flag: Flag) -> Any:
    """How a flag's value and limits read: growth (% or bps) for an XmR flag on a YoY series
    (the flag's typed series, else the series the block's XmR judged), else the metric's unit."""
    series = getattr(flag, "series", None)
    if series is None and flag.type == "xmr" and block.series is not None:
        series = block.series.kind
    if series in GROWTH_SERIES:
        return lambda value: format_change(value, block.comparison, block.unit)
    return lambda value: format_value(value, block.unit)


BOX_ROWS = (
    ("LastWk", "last_week", False),
    ("WOW", "wow", True),
    ("YOY", "yoy", True),
    ("MTD", "mtd", False),
    ("MTD YOY", "mtd_yoy", True),
    ("QTD", "qtd", False),
    ("QTD YOY", "qtd_yoy", True),
    ("YTD", "ytd", False),
    ("YTD YOY", "ytd_yoy", True),
)
PLAN_ROWS = (
    ("LastWk plan", "last_week", False),
    ("vs plan", "last_week_var", True),
    ("MTD plan", "mtd", False),
    ("MTD vs plan", "mtd_var", True),
    ("QTD vs plan", "qtd_var", True),
    ("YTD vs plan", "ytd_var", True),
)


def box_html(*blocks: Block) -> str:
    """Box score and plan variance of one metric, a column per block (per week), as a table."""

    def cell(block: Block, part: object, field: str, is_change: bool) -> str:
        value = getattr(part, field) if part is not None else None
        if is_change:
            return format_change(value, block.comparison, block.unit)
        return format_value(value, block.unit)

    rows = [
        f"<tr><td>{name}</td>"
        + "".join(f"<td>{cell(b, b.box, field, change)}</td>" for b in blocks)
        + "</tr>"
        for name, field, change in BOX_ROWS
    ]
    if any(b.plan is not None for b in blocks):
        rows += [
            f"<tr><td>{name}</td>"
            + "".join(f"<td>{cell(b, b.plan, field, change)}</td>" for b in blocks)
            + "</tr>"
            for name, field, change in PLAN_ROWS
        ]
    heads = "".join(f"<th>week ending {b.weeks[-1].end.isoformat()}</th>" for b in blocks)
    return f'<table class="wbr-flagged"><tr><th></th>{heads}</tr>{"".join(rows)}</table>'


def block_details_html(block: Block) -> str:
    """A block without its chart (the explore view draws that live): heading, box score, flags
    with evidence, questions, commentary and drivers, with the deck's stylesheet."""
    questions = "".join(f"<li><b>{_text(q.id)}</b> {_text(q.text)}</li>" for q in block.questions)
    notes = "".join(f"<p><b>{_text(c.author)}</b>: {_text(c.text)}</p>" for c in block.commentary)
    return (
        f"<style>{render.deck_css()}</style>"
        f'<div class="wbr"><h3>{block.number}. {_text(block.label)}</h3>'
        f'<p class="wbr-muted">Owner: {_text(block.owner or "unassigned")} · '
        f"{_text(block.kind)} metric</p>{box_html(block)}{notes}</div>"
        f"{flags_html(block)}"
        + (f'<div class="wbr"><h4>Questions</h4><ol>{questions}</ol></div>' if questions else "")
        + drivers_html(block)
    )


def compare_html(first: Block, second: Block) -> str:
    """Two weeks of one metric side by side: box score values and comparisons, and flags."""
    a, b = first.weeks[-1].end, second.weeks[-1].end
    flags = [
        "<br>".join(_text(f"{f.type}/{f.rule}") for f in block.flags) or "none"
        for block in (first, second)
    ]
    table = box_html(first, second).replace(
        "</table>", f"<tr><td>flags</td><td>{flags[0]}</td><td>{flags[1]}</td></tr></table>"
    )
    return f'<div class="wbr"><h4>{_text(first.label)}: week ending {a} vs {b}</h4>{table}</div>'


def _favour(favourable: bool | None) -> str:
    return "" if favourable is None else ("favourable" if favourable else "unfavourable")


def _text(value: Any) -> str:
    from html import escape

    return escape(str(value))


def _signed(value: float | None, unit: str) -> str:
    text = format_value(value, unit)
    return text if value is None or value < 0 else f"+{text}"


def _share(value: float | None) -> str:
    return "N/A" if value is None else f"{value * 100:.0f}%"


def _effect(value: float | None, unit: str) -> str:
    if value is None:
        return "N/A"
    return f"{value:+,.0f} bps" if unit == "bps" else f"{value:+,.4g}"
