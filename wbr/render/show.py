"""Display helpers the notebooks call: each puts one part of the deck, or one drill-down, on screen.

The deck notebook calls head, cover, summary, sections and appendix in that order (head first: it
carries the stylesheet and the page's one copy of plotly.js). The explore API (wbr.explore) uses
block, weekly_limits and drivers. The HTML comes from render.html and the explore view's from
templates/explore.html.j2 (autoescaped); the numbers come from the Deck
(the weekly series and its XmR limits from Block.series); nothing here computes a number.
"""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go
from IPython.display import HTML, display
from markupsafe import Markup

from wbr.engine.deck import Block, Deck, Flag
from wbr.fmt import box_cells, format_change, format_value
from wbr.render import html as render
from wbr.render.assets import deck_css, macro
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
    display(HTML(_explore("metrics_table", deck)))


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
    unit, method = block.unit, block.comparison
    tables = [
        {
            "dimension": dimension,
            "comparison": name.upper(),
            "delta": _signed(result.get("delta"), unit),
            "rows": [
                (
                    s["segment"],
                    format_value(s.get("cy"), unit),
                    format_value(s.get("base"), unit),
                    _signed(s.get("delta"), unit),
                    _share(s.get("share")),
                    format_change(s.get("change"), method),
                )
                for s in result.get("segments", [])
            ],
        }
        for dimension, comparisons in (found.get("dimensions") or {}).items()
        for name, result in comparisons.items()
    ]
    mixes = [
        {
            "dimension": dimension,
            "comparison": name.upper(),
            **{
                key: _effect(result.get(key), result.get("unit", "value"))
                for key in ("delta", "mix", "rate", "interaction")
            },
        }
        for dimension, comparisons in (found.get("mix_rate") or {}).items()
        for name, result in comparisons.items()
    ]
    return _explore("drivers", tables, mixes)


def flags_html(block: Block) -> str:
    """The block's flags with their evidence: type and rule, date, value and limits (in the units
    of the series the flag judged), favourable or not, the detail, and why a signal was set
    aside when it was."""
    rows = []
    for flag in block.flags:
        say = _flag_units(block, flag)
        limits = _limits_text(say, flag.lower, flag.upper)
        aside = flag.set_aside
        rows.append(
            (
                f"{flag.type}/{flag.rule}",
                flag.date.isoformat() if flag.date else "",
                say(flag.value) if flag.value is not None else "",
                limits,
                f"set aside: {aside}" if aside else _favour(flag.favourable),
                flag.detail,
            )
        )
    return _explore("flags_table", block.label, rows)


def _limits_text(say: Any, lower: float | None, upper: float | None) -> str:
    """A flag's band: both ends, or the one end it has (a moving range has no lower limit)."""
    if lower is None and upper is None:
        return ""
    if lower is None:
        return f"up to {say(upper)}"
    if upper is None:
        return f"from {say(lower)}"
    return f"{say(lower)} to {say(upper)}"


GROWTH_SERIES = ("yoy", "two_year")  # XmR series whose values are % growth or bps, not values


def _flag_units(block: Block, flag: Flag) -> Any:
    """How a flag's value and limits read: growth (% or bps) for an XmR flag on a YoY series
    (the flag's typed series, else the series the block's XmR judged), else the metric's unit."""
    series = flag.series
    if series is None and flag.type == "xmr" and block.series is not None:
        series = block.series.kind
    if series in GROWTH_SERIES:
        return lambda value: format_change(value, block.comparison, block.unit)
    return lambda value: format_value(value, block.unit)


BOX_ROWS = ("LastWk", "WOW", "YOY", "MTD", "MTD YOY", "QTD", "QTD YOY", "YTD", "YTD YOY")
# (row name, plan value or variance, period: LastWk MTD QTD YTD)
PLAN_ROWS = (
    ("LastWk plan", "plan", 0),
    ("vs plan", "vs_plan", 0),
    ("MTD plan", "plan", 1),
    ("MTD vs plan", "vs_plan", 1),
    ("QTD vs plan", "vs_plan", 2),
    ("YTD vs plan", "vs_plan", 3),
)


def _box_rows(blocks: tuple[Block, ...]) -> list[tuple[str, list[str]]]:
    """The box score's and plan's rows, a cell per block, formatted as the deck formats them."""
    columns = [box_cells(b) for b in blocks]
    rows = [(name, [c.actual[i].text for c in columns]) for i, name in enumerate(BOX_ROWS)]
    if any(b.plan is not None for b in blocks):
        na = format_value(None, "")
        rows += [
            (name, [getattr(c, part)[i].text if getattr(c, part) else na for c in columns])
            for name, part, i in PLAN_ROWS
        ]
    return rows


def box_html(*blocks: Block) -> str:
    """Box score and plan variance of one metric, a column per block (per week), as a table."""
    weeks = [b.weeks[-1].end.isoformat() for b in blocks]
    return _explore("box_table", weeks, _box_rows(blocks))


def block_details_html(block: Block) -> str:
    """A block without its chart (the explore view draws that live): heading, box score, flags
    with evidence, questions, commentary and drivers, with the deck's stylesheet."""
    return _explore(
        "block_details",
        block,
        Markup(deck_css()),
        Markup(box_html(block)),
        Markup(flags_html(block)),
        Markup(drivers_html(block)),
    )


def compare_html(first: Block, second: Block) -> str:
    """Two weeks of one metric side by side: box score values and comparisons, and flags."""
    weeks = [b.weeks[-1].end.isoformat() for b in (first, second)]
    flags = [[f"{f.type}/{f.rule}" for f in block.flags] for block in (first, second)]
    table = _explore("box_table", weeks, _box_rows((first, second)), flags)
    return _explore(
        "compare", first.label, first.weeks[-1].end, second.weeks[-1].end, Markup(table)
    )


def _favour(favourable: bool | None) -> str:
    return "" if favourable is None else ("favourable" if favourable else "unfavourable")


def _explore(name: str, *args: Any) -> str:
    """A macro of templates/explore.html.j2, rendered (autoescaped)."""
    return str(macro("explore.html.j2", name)(*args))


def _signed(value: float | None, unit: str) -> str:
    text = format_value(value, unit)
    return text if value is None or value < 0 else f"+{text}"


def _share(value: float | None) -> str:
    return "N/A" if value is None else f"{value * 100:.0f}%"


def _effect(value: float | None, unit: str) -> str:
    if value is None:
        return "N/A"
    return f"{value:+,.0f} bps" if unit == "bps" else f"{value:+,.4g}"
