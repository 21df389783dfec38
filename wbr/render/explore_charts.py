"""The explore view's plotly figures: weekly series with XmR limits, daily values with the seasonal
fit and the cited days, drivers by a dimension, mix versus rate, and two weeks side by side.

Each function draws numbers it is handed (a Block, a drivers dict from analysis.drivers, a daily
series and its seasonal fit); none computes a number. Every figure's title names the metric's
label, so a reader (and the browser test) can tell which metric a chart shows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from wbr.engine.deck import Block, Flag
from wbr.fmt import PERCENT_UNITS, format_change, format_value
from wbr.render.charts import CY_COLOUR, FONT, GRID_COLOUR, PLAN_COLOUR, PY_COLOUR

LIMIT_COLOUR = "#d55e00"
CITED_COLOUR = "#b8420b"
FAVOURABLE_COLOUR = "#009e73"
HEIGHT = 380


def _layout(title: str, **extra: Any) -> dict[str, Any]:
    return {
        "template": "none",
        "height": HEIGHT,
        "title": {"text": title, "x": 0.01},
        "font": {"family": FONT, "size": 11},
        "hovermode": "x",
        "legend": {"orientation": "h", "y": -0.15},
        "margin": {"l": 70, "r": 20, "t": 50, "b": 60},
        **extra,
    }


def _value_axis(unit: str) -> dict[str, Any]:
    return {"gridcolor": GRID_COLOUR, **({"tickformat": ".2%"} if unit in PERCENT_UNITS else {})}


def message_figure(title: str, text: str) -> go.Figure:
    """An empty chart that says why there is nothing to draw (keeps a live widget in place)."""
    fig = go.Figure(layout=_layout(title))
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    fig.add_annotation(text=text, x=0.5, y=0.5, xref="paper", yref="paper", showarrow=False)
    return fig


def weekly_limits_figure(block: Block) -> go.Figure | None:
    """Block.series: the judged weekly series, each set of limits over its weeks, the signals."""
    series = block.series
    if series is None:
        return None
    if series.kind == "yoy":
        title = f"{block.label}: weekly YoY growth and process limits"
        yaxis = {
            "gridcolor": GRID_COLOUR,
            "ticksuffix": " bps" if block.comparison == "bps" else "%",
        }
    else:
        title = f"{block.label}: weekly values and process limits"
        yaxis = _value_axis(block.unit)
    fig = go.Figure(layout=_layout(title, yaxis=yaxis))
    fig.add_scatter(
        x=list(series.ends),
        y=list(series.values),
        mode="lines+markers",
        name="week",
        line={"color": CY_COLOUR, "width": 2},
        marker={"size": 5},
    )
    for number, span in enumerate(series.limits):
        last = number == len(series.limits) - 1
        for value, name, colour, dash, legend in (
            (span.mean, "central line", PY_COLOUR, "solid", last),
            (span.upper, "natural process limits", LIMIT_COLOUR, "dash", last),
            (span.lower, "natural process limits", LIMIT_COLOUR, "dash", False),
        ):
            fig.add_scatter(
                x=[span.start, span.end],
                y=[value, value],
                mode="lines",
                name=name,
                legendgroup=name,
                showlegend=legend,
                hovertext=span.reason,
                line={"color": colour, "dash": dash, "width": 1.5},
            )
    if series.signals and series.values and series.values[-1] is not None:
        fig.add_annotation(
            x=series.ends[-1],
            y=series.values[-1],
            text=", ".join(rule.replace("_", " ") for rule in series.signals),
            showarrow=True,
            arrowhead=2,
            font={"color": CITED_COLOUR},
        )
    if series.note:
        fig.add_annotation(
            text=series.note, x=0, y=1.06, xref="paper", yref="paper", showarrow=False
        )
    return fig


def cited_days(flags: Sequence[Flag]) -> dict[dt.date, str]:
    """Every day a flag cites, with the flag that cites it: a seasonal flag's day, and the days of
    the deck's week (and last year's) a flag lists as its evidence."""
    found: dict[dt.date, str] = {}
    for flag in flags:
        named = f"{flag.type}/{flag.rule}"
        for day in (*flag.days, *flag.py_days):
            found.setdefault(day, named)
        if flag.type == "seasonal" and flag.date is not None:
            found[flag.date] = f"{named}: {flag.detail}"
    return dict(sorted(found.items()))


def daily_figure(
    block: Block, daily: pd.Series, fit: pd.DataFrame | None, days: int = 182
) -> go.Figure:
    """The last `days` daily values, the seasonal fit of the flags' window with the band a day
    must leave to be flagged, and the days the flags cite."""
    title = f"{block.label}: daily values and seasonal fit"
    end = pd.Timestamp(daily.index[-1]) if len(daily) else None
    fig = go.Figure(layout=_layout(title, yaxis=_value_axis(block.unit)))
    if end is None:
        return message_figure(title, "no daily values")
    shown = daily.loc[end - pd.Timedelta(days=days - 1) :]
    fig.add_scatter(
        x=shown.index, y=shown.to_numpy(), mode="lines", name="day", line={"color": CY_COLOUR}
    )
    if fit is not None:
        fig.add_scatter(
            x=list(fit.index) + list(fit.index[::-1]),
            y=list(fit["upper"]) + list(fit["lower"][::-1]),
            fill="toself",
            fillcolor="rgba(230,159,0,0.15)",
            line={"width": 0},
            name="band a seasonal flag needs to leave",
            hoverinfo="skip",
        )
        fig.add_scatter(
            x=fit.index,
            y=fit["expected"],
            mode="lines",
            name="seasonal fit",
            line={"color": PLAN_COLOUR, "width": 2},
        )
    else:
        fig.add_annotation(
            text="no seasonal fit: the history is too short or has too many gaps",
            x=0,
            y=1.06,
            xref="paper",
            yref="paper",
            showarrow=False,
        )
    first = shown.index[0].date()
    cited = {day: why for day, why in cited_days(block.flags).items() if day >= first}
    if cited:
        stamps = pd.DatetimeIndex(list(cited))
        fig.add_scatter(
            x=stamps,
            y=daily.reindex(stamps).to_numpy(),
            mode="markers",
            name="days the flags cite",
            marker={
                "color": CITED_COLOUR,
                "size": 11,
                "symbol": "circle-open",
                "line": {"width": 3},
            },
            hovertext=list(cited.values()),
        )
    return fig


def drivers_figure(
    block: Block, result: dict[str, Any] | None, dimension: str, comparison: str, scope: str = ""
) -> go.Figure:
    """One contribution result of analysis.drivers: each segment's change, largest first."""
    where = f" within {scope}" if scope else ""
    title = f"{block.label}: {comparison.upper()} change by {dimension}{where}"
    if not result or not result.get("segments"):
        why = (
            "a ratio's change splits into mix and rate (below), not into contributions"
            if block.aggregation == "ratio"
            else f"{block.label} is not split by {dimension}{where}"
        )
        return message_figure(title, why)
    segments = result["segments"][::-1]  # plotly draws the first bar at the bottom
    fig = go.Figure(layout=_layout(title, hovermode="y", xaxis=_value_axis(block.unit)))
    fig.add_bar(
        y=[s["segment"] for s in segments],
        x=[s["delta"] for s in segments],
        orientation="h",
        marker={"color": [CY_COLOUR if s["delta"] >= 0 else LIMIT_COLOUR for s in segments]},
        text=[
            f"{format_value(s['delta'], block.unit)}"
            f" ({format_change(s['change'], block.comparison, block.unit)})"
            for s in segments
        ],
        textposition="auto",
        name="change",
    )
    total = format_value(result.get("delta"), block.unit)
    fig.add_annotation(
        text=f"total change {total}", x=1, y=1.06, xref="paper", yref="paper", showarrow=False
    )
    return fig


def mix_rate_figure(
    block: Block, result: dict[str, Any] | None, dimension: str, comparison: str, scope: str = ""
) -> go.Figure:
    """One mix/rate result of analysis.drivers as a waterfall: mix + rate + interaction = change."""
    where = f" within {scope}" if scope else ""
    title = f"{block.label}: mix vs rate by {dimension}, {comparison.upper()}{where}"
    if not result:
        return message_figure(
            title,
            "mix vs rate compares two weeks: pick WoW or YoY"
            if comparison == "plan"
            else f"no mix/rate: {block.label} is not a ratio"
            if block.aggregation != "ratio"
            else f"no mix/rate: the numerator and denominator of {block.label} are not both"
            f" split by {dimension}",
        )
    unit = " bps" if result.get("unit") == "bps" else ""
    parts = [result["mix"], result["rate"], result["interaction"], result["delta"]]
    fig = go.Figure(layout=_layout(title, yaxis={"gridcolor": GRID_COLOUR, "ticksuffix": unit}))
    fig.add_waterfall(
        x=["mix", "rate", "interaction", "change"],
        y=parts,
        measure=["relative", "relative", "relative", "total"],
        text=[f"{value:+,.1f}{unit}" if unit else f"{value:+,.4g}" for value in parts],
        increasing={"marker": {"color": FAVOURABLE_COLOUR}},
        decreasing={"marker": {"color": LIMIT_COLOUR}},
        totals={"marker": {"color": CY_COLOUR}},
        name="mix vs rate",
    )
    return fig


def compare_weeks_figure(
    block_a: Block,
    block_b: Block,
    by_segment: dict[str, tuple[float | None, float | None]] | None,
    dimension: str | None,
) -> go.Figure:
    """Two weeks side by side: last week's value, or each segment's value by `dimension`."""
    a, b = block_a.weeks[-1].end, block_b.weeks[-1].end
    what = f" by {dimension}" if by_segment else ""
    title = f"{block_a.label}: week ending {a} vs {b}{what}"
    fig = go.Figure(layout=_layout(title, barmode="group", yaxis=_value_axis(block_a.unit)))
    if by_segment:
        names = list(by_segment)
        for position, (end, colour) in enumerate(((a, PY_COLOUR), (b, CY_COLOUR))):
            values = [by_segment[name][position] for name in names]
            fig.add_bar(
                x=names,
                y=values,
                name=f"week ending {end}",
                marker={"color": colour},
                text=[format_value(v, block_a.unit) for v in values],
            )
        return fig
    for end, block, colour in ((a, block_a, PY_COLOUR), (b, block_b, CY_COLOUR)):
        value = block.box.last_week
        fig.add_bar(
            x=[f"week ending {end}"],
            y=[value],
            name=f"week ending {end}",
            marker={"color": colour},
            text=[format_value(value, block.unit)],
        )
    return fig
