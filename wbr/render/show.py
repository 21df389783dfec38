"""Display helpers the notebooks call: each puts one part of the deck, or one drill-down, on screen.

The deck notebook calls head, cover, summary, sections and appendix in that order (head first: it
carries the stylesheet and the page's one copy of plotly.js). The explore notebook calls block,
weekly_limits and drivers. The HTML comes from render.html and the numbers from the Deck; nothing
here computes a number, except that `weekly_limits` asks wbr.analysis.flags for the process limits.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import plotly.graph_objects as go
from IPython.display import HTML, display

from wbr.engine.config import Config
from wbr.engine.deck import Block, Deck
from wbr.fmt import format_change, format_value
from wbr.render import html as render
from wbr.render.charts import CY_COLOUR, FONT, GRID_COLOUR, PY_COLOUR, six_twelve_figure


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
    display(HTML(render.block_html(deck.block(metric), deck.week_ending)))


def figure(block: Block) -> go.Figure:
    """The block's 6-12 chart as a live plotly figure (JupyterLab draws it natively)."""
    return six_twelve_figure(block)


def weekly_limits(config: Config, deck: Deck, metric: str, weeks: int = 104) -> go.Figure | None:
    """The metric's weekly series (or weekly YoY growth, whichever the flags judge) with the
    XmR central line and natural process limits from analysis.flags; None without a history."""
    from wbr.analysis import flags  # deferred: they load the data and statsmodels
    from wbr.engine import build

    histories = _histories(build, config, deck.week_ending)
    history = histories.get(metric)
    if history is None:
        return None
    spec = config.metrics[metric]
    assessment = flags.assess_metric(
        history,
        spec,
        config.flag_settings(metric),
        plan_score=deck.block(metric).plan if metric in {b.metric for b in deck.blocks} else None,
    )
    full = history.weekly
    if assessment.xmr_series == "yoy":
        series = flags.yoy_series(full, spec.comparison_method)
        title = f"{config.metric_label(metric)}: weekly YoY growth"
        yaxis = {"ticksuffix": " bps" if spec.comparison_method == "bps" else "%"}
    else:
        series = full["cy"].to_numpy(dtype=float)
        title = f"{config.metric_label(metric)}: weekly values"
        yaxis = {"tickformat": ".1%"} if spec.unit in ("percent", "%") else {}
    ends = [d.date() for d in full.index]
    first = max(0, len(ends) - weeks)
    fig = go.Figure(
        layout={
            "template": "none",
            "height": 380,
            "title": {"text": title, "x": 0.01},
            "font": {"family": FONT, "size": 11},
            "hovermode": "x",
            "yaxis": {"gridcolor": GRID_COLOUR, **yaxis},
            "legend": {"orientation": "h", "y": -0.15},
        }
    )
    fig.add_scatter(
        x=ends[first:],
        y=series[first:],
        mode="lines+markers",
        name="week",
        line={"color": CY_COLOUR, "width": 2},
        marker={"size": 5},
    )
    chart = assessment.chart
    if chart is not None:
        # each locked set of limits is drawn over the weeks it applied to (from flags.xmr_chart)
        starts = [c.start for c in chart.changes] + [len(ends)]
        for number, change in enumerate(chart.changes):
            begin, stop = max(change.start, first), starts[number + 1] - 1
            if stop < first:
                continue
            span = [ends[begin], ends[stop]]
            lim = change.limits
            for value, name, colour, dash in (
                (lim.mean, "central line", PY_COLOUR, "solid"),
                (lim.unpl, "natural process limits", "#d55e00", "dash"),
                (lim.lnpl, "natural process limits", "#d55e00", "dash"),
            ):
                fig.add_scatter(
                    x=span,
                    y=[value, value],
                    mode="lines",
                    name=name,
                    legendgroup=name,
                    showlegend=number == len(chart.changes) - 1 and value != lim.lnpl,
                    hovertext=change.reason,
                    line={"color": colour, "dash": dash, "width": 1.5},
                )
        if chart.signals:
            fig.add_annotation(
                x=ends[-1],
                y=series[-1],
                text=", ".join(s.rule.replace("_", " ") for s in chart.signals),
                showarrow=True,
                arrowhead=2,
                font={"color": "#b8420b"},
            )
    return fig


def _histories(build: Any, config: Config, week_ending: dt.date) -> dict[str, Any]:
    """Every metric's full weekly history from the engine."""
    public = getattr(build, "metric_histories", None)
    if public is not None:
        return public(config, week_ending=week_ending)
    # until the engine exposes its histories publicly, rebuild them the way build_deck does
    from wbr.engine.aggregate import DailyMatrix
    from wbr.engine.sources import load_data

    dataset = load_data(config)
    actual = DailyMatrix.from_frame(dataset.actuals)
    plan = DailyMatrix.from_frame(dataset.plan) if dataset.plan is not None else None
    return build._histories(config, dataset, actual, plan, week_ending)


def drivers(block: Block) -> None:
    """Contributions by dimension and mix/rate from Block.drivers, as tables."""
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
                f"<td>{format_change(s.get('change'), block.comparison)}</td></tr>"
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
    display(HTML(f'<div class="wbr">{"".join(parts)}</div>'))


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
