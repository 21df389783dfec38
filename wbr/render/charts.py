"""The 6-12 chart of one block (plotly) and static PNG images of many charts for email (kaleido).

A chart only draws what the Block holds: six weekly points, a gap, twelve monthly points on one
categorical x axis. CY is a solid dark line with data labels, PY a faded line, plan triangles with
no line. Missing values stay gaps (None), incomplete points are drawn hollow and starred, and every
range is computed from the data shown so the same Block always gives the same chart.
"""

from __future__ import annotations

import asyncio
import re
import threading
from collections.abc import Sequence
from typing import Any

import plotly.graph_objects as go

from wbr.engine.deck import Block, MonthPoint, WeekPoint
from wbr.errors import RenderError
from wbr.render.chart_axes import (
    AxisFormat,
    axis_format,
    finite,
    gap,
    nice_range,
    plain,
    step_decimals,
)

# Okabe-Ito based, safe for the common colour-vision deficiencies; CY and PY also differ in
# lightness and width, plan in shape, so nothing depends on hue alone.
CY_COLOUR = "#1b2a49"
PY_COLOUR = "#a3acb9"
PLAN_COLOUR = "#e69f00"
EVENT_COLOUR = "#0072b2"
GRID_COLOUR = "#e6e9ee"
WEEKS_BAND_COLOUR = "#f4f6f9"
LABEL_HALO = "auto"
FONT = "Helvetica Neue, Helvetica, Arial, sans-serif"

CHART_HEIGHT = 360
PNG_WIDTH = 960
GAP_LABEL = " "
PARTIAL_MARK = "*"
# Monthly totals of an additive metric are about 4.3 weekly totals: past 3x they get their own axis.
DUAL_AXIS_RATIO = 3.0


def uses_two_axes(block: Block) -> bool:
    """Monthly values get their own right-hand axis for sums and when they dwarf the weeks."""
    if block.aggregation == "sum":
        return True
    weekly = finite([v for w in block.weeks for v in (w.cy, w.py, w.plan)])
    monthly = finite([v for m in block.months for v in (m.cy, m.py, m.plan)])
    if not weekly or not monthly:
        return False
    weekly_max = max(abs(v) for v in weekly)
    return weekly_max > 0 and max(abs(v) for v in monthly) > DUAL_AXIS_RATIO * weekly_max


def _categories(block: Block) -> tuple[list[str], list[str]]:
    """Unique x categories for the weeks and the months; incomplete points get a star."""
    used: set[str] = {GAP_LABEL}

    def unique(label: str, qualifier: str, complete: bool) -> str:
        if label in used:  # a 13th month repeats a month name: add the year
            label = f"{label} '{qualifier[2:4]}"
        used.add(label)
        return label if complete else f"{label}{PARTIAL_MARK}"

    weeks = [unique(plain(w.label), w.end.isoformat(), w.complete) for w in block.weeks]
    months = [unique(plain(m.label), m.month, m.complete) for m in block.months]
    return weeks, months


def chart_title(block: Block) -> str:
    """Block title with units and scale: 'Orders (K)', 'Revenue ($K weekly, $M monthly)'."""
    weekly_fmt, monthly_fmt = _axis_formats(block)
    label = plain(block.label)
    if weekly_fmt.unit_label == monthly_fmt.unit_label:
        # a scale (K, M, B) is always shown: only a unit the label already names is left out
        if weekly_fmt.divisor < 1e3 and _names_unit(label, weekly_fmt.unit_label):
            return label  # "Delivery days", not "Delivery days (days)"
        return f"{label} ({weekly_fmt.unit_label})"
    return f"{label} ({weekly_fmt.unit_label} weekly, {monthly_fmt.unit_label} monthly)"


def _names_unit(label: str, unit_label: str) -> bool:
    """True when the label holds the unit as a whole word ('days' in 'Delivery days', never the
    'k' of 'Clicks')."""
    pattern = rf"(?<!\w){re.escape(unit_label.lower())}(?!\w)"
    return re.search(pattern, label.lower()) is not None


def _axis_formats(block: Block) -> tuple[AxisFormat, AxisFormat]:
    weekly = [v for w in block.weeks for v in (w.cy, w.py, w.plan)]
    monthly = [v for m in block.months for v in (m.cy, m.py, m.plan)]
    if uses_two_axes(block):
        return axis_format(block.unit, weekly), axis_format(block.unit, monthly)
    shared = axis_format(block.unit, weekly + monthly)
    return shared, shared


def _series(
    name: str,
    x: list[str],
    values: list[float | None],
    fmt: AxisFormat,
    axis: str,
    style: dict[str, Any],
    show_legend: bool,
) -> dict[str, Any]:
    scaled = [None if v is None else v / fmt.divisor for v in values]
    return {
        "type": "scatter",
        "name": name,
        "legendgroup": name,
        "showlegend": show_legend,
        "x": x,
        "y": scaled,
        "yaxis": axis,
        "connectgaps": False,
        "customdata": [fmt.label(v) or "N/A" for v in values],
        "hovertemplate": f"%{{x}} {name}: %{{customdata}}<extra></extra>",
        **style,
    }


def _above(plan: float | None, actual: float | None) -> bool:
    return plan is not None and actual is not None and plan > actual


def _cy_style(points: Sequence[Any], fmt: AxisFormat) -> dict[str, Any]:
    complete = [p.complete for p in points]
    values = [gap(p.cy) for p in points]
    return {
        "mode": "lines+markers+text",
        "line": {"color": CY_COLOUR, "width": 2.5},
        "marker": {
            "color": [CY_COLOUR if c else "#ffffff" for c in complete],
            "size": [7 if c else 9 for c in complete],
            "line": {"color": CY_COLOUR, "width": 2},
        },
        "text": [
            fmt.short(v) + ("" if c or v is None else PARTIAL_MARK)
            for v, c in zip(values, complete, strict=True)
        ],
        # labels sit on the side away from the plan triangle so the two never overlap
        "textposition": [
            "bottom center" if _above(gap(p.plan), gap(p.cy)) else "top center" for p in points
        ],
        # a white halo keeps labels legible where they cross a plan triangle or the PY line
        "textfont": {"color": CY_COLOUR, "size": 10, "shadow": LABEL_HALO},
    }


PY_STYLE = {"mode": "lines", "line": {"color": PY_COLOUR, "width": 1.8}}
PLAN_STYLE = {
    "mode": "markers",
    "marker": {
        "symbol": "triangle-up",
        "color": PLAN_COLOUR,
        "size": 10,
        "line": {"color": "#8a5d00", "width": 1},
    },
}


def _axis(fmt: AxisFormat, values: list[float | None], title: str, **extra: Any) -> dict[str, Any]:
    low, high, step = nice_range([None if v is None else v / fmt.divisor for v in values])
    return {
        "title": {"text": title, "font": {"size": 11, "color": "#4a5568"}},
        "range": [low, high],
        "tick0": low,
        "dtick": step,
        "tickprefix": fmt.prefix,
        "ticksuffix": fmt.suffix,
        "tickformat": f",.{step_decimals(step)}f",
        "gridcolor": GRID_COLOUR,
        "zeroline": False,
        "fixedrange": True,
        "tickfont": {"size": 10, "color": "#4a5568"},
        **extra,
    }


def six_twelve_figure(block: Block) -> go.Figure:
    """The 6-12 chart: 6 weeks, a gap, 12 months; CY labelled, PY faded, plan as triangles."""
    week_x, month_x = _categories(block)
    categories = [*week_x, GAP_LABEL, *month_x]
    two_axes = uses_two_axes(block)
    weekly_fmt, monthly_fmt = _axis_formats(block)
    month_axis = "y2" if two_axes else "y"

    traces = []
    parts = (
        (block.weeks, week_x, weekly_fmt, "y", True),
        (block.months, month_x, monthly_fmt, month_axis, not block.weeks),
    )
    for points, x, fmt, axis, first in parts:
        if not points:
            continue
        py = [gap(p.py) for p in points]
        plan = [gap(p.plan) for p in points]
        cy = [gap(p.cy) for p in points]
        traces.append(_series("PY", x, py, fmt, axis, PY_STYLE, first))
        if any(v is not None for v in plan):
            traces.append(_series("Plan", x, plan, fmt, axis, PLAN_STYLE, first))
        traces.append(_series("CY", x, cy, fmt, axis, _cy_style(points, fmt), first))
    # the legend shows each series once even when only the months carry a plan
    seen: set[str] = set()
    for trace in traces:
        trace["showlegend"] = trace["name"] not in seen
        seen.add(trace["name"])

    weekly_values = [v for w in block.weeks for v in (gap(w.cy), gap(w.py), gap(w.plan))]
    monthly_values = [v for m in block.months for v in (gap(m.cy), gap(m.py), gap(m.plan))]
    if two_axes:
        y = _axis(weekly_fmt, weekly_values, f"Weekly ({weekly_fmt.unit_label})")
        y2 = _axis(
            monthly_fmt,
            monthly_values,
            f"Monthly ({monthly_fmt.unit_label})",
            overlaying="y",
            side="right",
            showgrid=False,
        )
    else:
        y = _axis(weekly_fmt, weekly_values + monthly_values, weekly_fmt.unit_label)
        y2 = None

    annotations = [
        _part_label("Last 6 weeks", (len(week_x) - 1) / 2),
        _part_label("Last 12 months", len(week_x) + 1 + (len(month_x) - 1) / 2),
    ]
    shapes = [
        {
            "type": "rect",
            "xref": "x",
            "yref": "paper",
            "layer": "below",
            "x0": -0.5,
            "x1": len(week_x) - 0.5,
            "y0": 0,
            "y1": 1,
            "fillcolor": WEEKS_BAND_COLOUR,
            "line": {"width": 0},
        }
    ]
    placed: list[tuple[str, WeekPoint | MonthPoint]] = [
        *zip(week_x, block.weeks, strict=True),
        *zip(month_x, block.months, strict=True),
    ]
    for where, point in placed:
        if gap(point.cy) is None:  # say so: a gap must not read as a drawing glitch
            annotations.append(
                {
                    "text": "no data",
                    "xref": "x",
                    "yref": "paper",
                    "x": where,
                    "y": 0.02,
                    "yanchor": "bottom",
                    "showarrow": False,
                    "font": {"size": 9, "color": "#b23c17"},
                }
            )
    event_shapes, event_notes = _event_marks(block, week_x)
    shapes += event_shapes
    annotations += event_notes
    if any(not p.complete for _, p in placed):
        annotations.append(
            {
                "text": f"{PARTIAL_MARK} / hollow point: incomplete data",
                "xref": "paper",
                "yref": "paper",
                "x": 0,
                "y": -0.16,
                "xanchor": "left",
                "yanchor": "top",
                "showarrow": False,
                "font": {"size": 10, "color": "#b23c17"},
            }
        )

    layout: dict[str, Any] = {
        "template": "none",
        "height": CHART_HEIGHT,
        "margin": {"l": 64, "r": 64 if two_axes else 24, "t": 56, "b": 54},
        "title": {
            "text": chart_title(block),
            "x": 0.01,
            "xanchor": "left",
            "font": {"size": 14, "color": "#1a202c"},
        },
        "font": {"family": FONT, "size": 11, "color": "#1a202c"},
        "paper_bgcolor": "#ffffff",
        "plot_bgcolor": "#ffffff",
        "showlegend": True,
        "legend": {
            "orientation": "h",
            "x": 1,
            "xanchor": "right",
            "y": 1.13,
            "yanchor": "bottom",
            "font": {"size": 11},
        },
        "hovermode": "closest",
        "xaxis": {
            "type": "category",
            "categoryorder": "array",
            "categoryarray": categories,
            "range": [-0.5, len(categories) - 0.5],
            "tickfont": {"size": 10, "color": "#4a5568"},
            "showgrid": False,
            "fixedrange": True,
        },
        "yaxis": y,
        "shapes": shapes,
        "annotations": annotations,
    }
    if y2 is not None:
        layout["yaxis2"] = y2
    # one invisible point per category keeps every label, and the gap, on the axis
    traces.insert(
        0,
        {
            "type": "scatter",
            "x": categories,
            "y": [None] * len(categories),
            "mode": "markers",
            "showlegend": False,
            "hoverinfo": "skip",
        },
    )
    return go.Figure({"data": traces, "layout": layout})


def _part_label(text: str, x: float) -> dict[str, Any]:
    return {
        "text": text,
        "xref": "x",
        "yref": "paper",
        "x": x,
        "y": 1.0,
        "yanchor": "bottom",
        "showarrow": False,
        "font": {"size": 10, "color": "#718096"},
    }


def _event_marks(block: Block, week_x: list[str]) -> tuple[list[dict], list[dict]]:
    """A dotted line and an E1, E2... tag on the week of each noteworthy event."""
    shapes, notes = [], []
    for number, event in enumerate(block.events, start=1):
        for index, week in enumerate(block.weeks):
            if 0 <= (week.end - event.date).days < 7:
                shapes.append(
                    {
                        "type": "line",
                        "xref": "x",
                        "yref": "paper",
                        "x0": week_x[index],
                        "x1": week_x[index],
                        "y0": 0,
                        "y1": 0.94,
                        "line": {"color": EVENT_COLOUR, "width": 1, "dash": "dot"},
                    }
                )
                notes.append(
                    {
                        "text": f"E{number}",
                        "xref": "x",
                        "yref": "paper",
                        "x": week_x[index],
                        "y": 0.94,
                        "yanchor": "bottom",
                        "showarrow": False,
                        "font": {"size": 10, "color": EVENT_COLOUR},
                    }
                )
                break
    return shapes, notes


def static_png(
    figures: Sequence[go.Figure], width: int = PNG_WIDTH, height: int = CHART_HEIGHT
) -> list[bytes]:
    """PNG bytes of each figure, drawn in one headless Chromium session (kaleido)."""
    if not figures:
        return []
    result: dict[str, Any] = {}

    def work() -> None:
        try:
            result["images"] = asyncio.run(_draw_all(list(figures), width, height))
        except Exception as exc:  # re-raised in the caller's thread with a plain message
            result["error"] = exc

    # kaleido is async; a Jupyter kernel already runs an event loop, so draw in a thread
    thread = threading.Thread(target=work, name="wbr-static-png")
    thread.start()
    thread.join()
    if "error" in result:
        error = result["error"]
        raise RenderError(
            f"static chart images failed ({type(error).__name__}: {error}); they need Chromium "
            "(Debian: apt-get install chromium, or set BROWSER_PATH)"
        ) from error
    return result["images"]


async def _draw_all(figures: list[go.Figure], width: int, height: int) -> list[bytes]:
    import kaleido  # imported here: only email needs it

    opts = {"format": "png", "width": width, "height": height, "scale": 1}
    async with kaleido.Kaleido(n=1, mathjax=False) as session:
        return [await session.calc_fig(figure, opts=opts) for figure in figures]
