"""HTML of the deck: cover, one-page summary, numbered blocks (chart, box score, notes), appendix.

Each function takes the Deck (a block's fragment: the Deck and the Block) and returns HTML made
by a template of wbr/templates/ (render.assets, autoescaped); nothing here computes a number or
writes markup, it only chooses what the templates show. plotly.js is emitted once, by
`head_html`, and each chart only adds its JSON, so a page works offline from disk and as an email
attachment.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import plotly.io as pio
from markupsafe import Markup

from wbr.engine.deck import Block, Deck, Section
from wbr.fmt import (
    FAVOURABLE,
    FLAG_KINDS,
    UNFAVOURABLE,
    change_cell,
    direction,
    favourability,
    flag_groups,
    flag_name,
    format_change,
    format_value,
    long_date,
    mtd_days,
    shortened,
    value_cell,
    week_heading,
)
from wbr.render.assets import (
    CHART_DIV_CLASS,
    CHART_LOADER,
    chart_loader_problem,
    count_charts,
    deck_css,
    head_html,
    macro,
    render,
)
from wbr.render.charts import CHART_HEIGHT, six_twelve_figure

__all__ = [
    "CHART_DIV_CLASS",
    "CHART_LOADER",
    "FAVOURABLE",
    "UNFAVOURABLE",
    "appendix_html",
    "block_html",
    "box_score_html",
    "change_html",
    "chart_loader_problem",
    "count_charts",
    "cover_html",
    "deck_css",
    "deck_html",
    "direction",
    "favourability",
    "head_html",
    "long_date",
    "section_anchors",
    "sections_html",
    "summary_html",
    "value_html",
    "week_heading",
]

# typesetMath off: a label such as "$5 to $10 orders" must never be typeset as maths
PLOTLY_CONFIG = {"displayModeBar": False, "responsive": True, "typesetMath": False}
TOP_QUESTIONS = 10
SUMMARY_DETAIL_CHARS = 180  # the summary quotes the most severe flag; the block has them all
TOP_SEGMENTS = 3

_PTD_ALIGNMENT = {
    "calendar_date": "MTD/QTD/YTD compared with the same calendar dates last year",
    "shift_364": "MTD/QTD/YTD compared with the same weekdays 364 days earlier",
}
_POLARITY = {
    "higher_is_better": "higher is better",
    "lower_is_better": "lower is better",
    "neutral": "neither direction is better",
}
_COMPARISON_NAMES = {"wow": "WoW", "yoy": "YoY", "plan": "vs plan"}


# ---------------------------------------------------------------- cells


def change_html(change: float | None, method: str, polarity: str) -> str:
    """A comparison cell: arrow for direction, colour and hidden text for favourability."""
    return str(macro("macros.html.j2", "cell")(change_cell(change, method, polarity)))


def value_html(value: float | None, unit: str) -> str:
    """A value cell in the metric's unit; N/A when missing."""
    return str(macro("macros.html.j2", "cell")(value_cell(value, unit)))


def block_anchor(number: int) -> str:
    """The id of a block's element, for links such as #block-37."""
    return f"block-{number}"


def _polarity(block: Block) -> str:
    return _POLARITY.get(block.polarity, block.polarity)


# ---------------------------------------------------------------- cover and summary


def _generated(stamp: str) -> str:
    try:
        moment = dt.datetime.fromisoformat(stamp)
    except ValueError:
        return stamp
    zone = moment.strftime("%z")
    zone = "UTC" if zone in ("+0000", "") else f"UTC{zone[:3]}:{zone[3:]}"
    return f"{long_date(moment.date())} {moment:%H:%M} {zone}"


def _block_range(section: Section) -> str:
    if not section.blocks:
        return "no blocks"
    first, last = section.blocks[0], section.blocks[-1]
    return f"{first}" if first == last else f"{first}–{last}"


def cover_html(deck: Deck) -> str:
    """Title, week, calendar conventions, generated-at, data complete through, contents."""
    calendar = deck.calendar or {}
    fiscal_start = calendar.get("fiscal_year_start_month")
    complete_through = deck.data_complete_through
    facts = [
        ("Weeks end on", str(calendar.get("week_end_day", "")).title() or "N/A"),
        (
            "Fiscal year starts in",
            dt.date(2000, fiscal_start, 1).strftime("%B") if fiscal_start else "N/A",
        ),
        ("Period to date", _PTD_ALIGNMENT.get(calendar.get("ptd_alignment", ""), "N/A")),
        ("Dates are days in", str(calendar.get("time_zone") or "N/A")),
        ("Data complete through", long_date(complete_through) if complete_through else "N/A"),
        ("Generated", _generated(deck.generated_at)),
        (
            "Blocks",
            f"{len(deck.blocks)} in {len(deck.sections)} sections, "
            f"{sum(b.flagged for b in deck.blocks)} flagged",
        ),
    ]
    contents = [
        (s.title, anchor, _block_range(s))
        for s, anchor in zip(deck.sections, section_anchors(deck), strict=True)
    ]
    return render(
        "cover.html.j2",
        deck=deck,
        week_heading=week_heading(deck),
        incomplete_data=bool(complete_through and complete_through < deck.week_ending),
        facts=facts,
        contents=contents,
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


def flag_reasons(block: Block) -> str:
    """Each kind of flag once, most severe first, with a count when it repeats."""
    return "; ".join(
        name if count == 1 else f"{name} ×{count}" for name, count, _ in flag_groups(block.flags)
    )


def summary_html(deck: Deck) -> str:
    """One-page summary: flagged blocks with reasons, top questions, plan misses, data issues."""
    by_number = {b.number: b for b in deck.blocks}
    by_metric = {b.metric: b for b in deck.blocks}
    flagged = [
        (b, flag_reasons(b), shortened(b.flags[0].detail, SUMMARY_DETAIL_CHARS))
        for b in deck.blocks
        if b.flagged
    ]
    no_variance = (change_cell(None, "pct", "neutral"),) * 4
    plan_misses = [
        (
            b,
            "; ".join(dict.fromkeys(flag_name(f) for f in b.flags if f.type == "plan")),
            tuple(
                change_cell(v, b.comparison, b.polarity, b.unit)
                for v in (
                    (b.plan.last_week_var, b.plan.mtd_var, b.plan.qtd_var, b.plan.ytd_var)
                    if b.plan
                    else ()
                )
            )
            or no_variance,
        )
        for b in deck.blocks
        if any(f.type == "plan" for f in b.flags)
    ]
    return render(
        "summary.html.j2",
        deck=deck,
        flagged=flagged,
        questions=[
            (q, by_number.get(q.block), [by_metric[m] for m in q.also if m in by_metric])
            for q in deck.questions[:TOP_QUESTIONS]
        ],
        more_questions=len(deck.questions) - TOP_QUESTIONS,
        plan_misses=plan_misses,
        incomplete=[b for b in deck.blocks if not b.status.complete],
        data_flags=[
            (b, f.detail or f.rule.replace("_", " "))
            for b in deck.blocks
            for f in b.flags
            if f.type == "data"
        ],
    )


# ---------------------------------------------------------------- blocks


def chart_html(block: Block) -> str:
    """The block's 6-12 chart: a div, and a call that draws it with the page's one plotly.js."""
    # plotly's JSON escapes < > and /, so no text from the data can close the script tag
    figure = pio.to_json(six_twelve_figure(block), validate=False, pretty=False)
    return render(
        "chart.html.j2",
        div_id=f"wbr-chart-{block.number}",
        height=CHART_HEIGHT,
        figure=Markup(figure),
        config=PLOTLY_CONFIG,
    )


def box_score_html(deck: Deck, block: Block) -> str:
    """LastWk WOW YOY MTD YOY QTD YOY YTD YOY, then plan and vs-plan rows when there is a plan."""
    return str(macro("macros.html.j2", "box_score")(block, mtd_days(deck)))


def _signed(value: float | None, unit: str) -> str:
    text = format_value(value, unit)
    return f"+{text}" if value is not None and value > 0 else text


def driver_lines(block: Block) -> list[dict[str, Any]]:
    """One line per dimension and comparison: the segments that moved the metric most, or the
    mix, rate and interaction effects of a ratio."""
    drivers = block.drivers or {}
    lines: list[dict[str, Any]] = []
    for dimension, comparisons in (drivers.get("dimensions") or {}).items():
        for name, found in comparisons.items():
            segments = ", ".join(
                f"{s['segment']} {_signed(s.get('delta'), block.unit)}"
                + (f" ({s['share'] * 100:.0f}%)" if s.get("share") is not None else "")
                for s in found.get("segments", [])[:TOP_SEGMENTS]
            )
            lines.append(
                {
                    "kind": "segments",
                    "dimension": dimension,
                    "comparison": _COMPARISON_NAMES.get(name, name),
                    "delta": _signed(found.get("delta"), block.unit),
                    "segments": segments,
                }
            )
    for dimension, comparisons in (drivers.get("mix_rate") or {}).items():
        for name, found in comparisons.items():
            unit = found.get("unit", "value")

            def effect(value: float | None, unit: str = unit) -> str:
                return format_change(value, "bps") if unit == "bps" else _signed(value, block.unit)

            lines.append(
                {
                    "kind": "mix",
                    "dimension": dimension,
                    "comparison": _COMPARISON_NAMES.get(name, name),
                    **{
                        key: effect(found.get(key))
                        for key in ("delta", "mix", "rate", "interaction")
                    },
                }
            )
    return lines


def block_html(deck: Deck, block: Block) -> str:
    """One numbered block: header, 6-12 chart, box score, commentary, flags, questions, drivers
    and events."""
    return render(
        "block.html.j2",
        block=block,
        flag_kinds=", ".join(sorted({FLAG_KINDS.get(f.type, f.type) for f in block.flags})),
        polarity=_polarity(block),
        chart=Markup(chart_html(block)),
        mtd_days=mtd_days(deck),
        drivers=driver_lines(block),
    )


def section_html(section: Section, anchor: str | None = None) -> str:
    """A section heading, linked from the cover (`anchor` from section_anchors)."""
    return render("section.html.j2", section=section, anchor=anchor or _section_anchor(section))


def sections_html(deck: Deck) -> list[str]:
    """Section headings and blocks in deck order, one fragment each."""
    by_number = {b.number: b for b in deck.blocks}
    fragments = []
    for section, anchor in zip(deck.sections, section_anchors(deck), strict=True):
        fragments.append(section_html(section, anchor))
        fragments.extend(block_html(deck, by_number[n]) for n in section.blocks if n in by_number)
    return fragments


# ---------------------------------------------------------------- appendix and whole page


def appendix_html(deck: Deck) -> str:
    """Metric definitions of every block, and the data-status log."""
    return render(
        "appendix.html.j2",
        deck=deck,
        # no empty column while no block has a definition
        with_definitions=any(b.definition for b in deck.blocks),
        polarity=_polarity,
        incomplete=[b for b in deck.blocks if not b.status.complete],
    )


def deck_fragments(deck: Deck) -> list[str]:
    """The whole deck body in reading order: cover, summary, sections with blocks, appendix."""
    return [cover_html(deck), summary_html(deck), *sections_html(deck), appendix_html(deck)]


def page_title(deck: Deck) -> str:
    """The HTML page title: deck title and week."""
    return f"{deck.title}: {week_heading(deck)}"


def deck_html(deck: Deck) -> str:
    """A complete standalone HTML page of the deck, without a notebook or a kernel."""
    return (
        render(
            "page.html.j2",
            title=page_title(deck),
            head=Markup(head_html()),
            fragments=[Markup(f) for f in deck_fragments(deck)],
        )
        + "\n"
    )
