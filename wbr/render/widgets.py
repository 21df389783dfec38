"""Live explore controls for JupyterLab, and charts that still show once a notebook is exported.

`Controls` puts metric, week, dimension, drill-down and comparison pickers over plotly
FigureWidgets and HTML panels; a change redraws them in place (no re-run of the notebook). Each
panel is displayed on its own (`controls.weekly`, `controls.daily`, ...), so that every output
carries its own static fallback: a chart's output holds both the live widget and a PNG of it
(kaleido), and an HTML panel the same HTML. JupyterLab shows the live widget; nbconvert's HTML and
GitHub's notebook view, which have no widget state, show the PNG or the HTML instead.

`Chart` is the same idea for one static plotly figure (what the explore API's methods return):
plotly's own output for JupyterLab plus a PNG for exports.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from typing import TYPE_CHECKING, Any

import ipywidgets as widgets
import plotly.graph_objects as go
import plotly.io as pio

from wbr.errors import WbrError
from wbr.render import show
from wbr.render.assets import macro
from wbr.render.charts import six_twelve_figure
from wbr.render.explore_charts import (
    HEIGHT,
    compare_weeks_figure,
    daily_figure,
    drivers_figure,
    message_figure,
    mix_rate_figure,
    weekly_limits_figure,
)

if TYPE_CHECKING:
    from wbr.explore import Explorer

PNG_WIDTH = 900
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
PLOTLY_MIME = "application/vnd.plotly.v1+json"
LAYOUT_LISTS = ("annotations", "shapes", "images")  # emptied, not unset, when a figure has none


def _explore(name: str, *args: Any) -> str:
    """A macro of templates/explore.html.j2, rendered (autoescaped: an error may quote data)."""
    return str(macro("explore.html.j2", name)(*args))


def _png_bundle(figures: list[go.Figure]) -> list[dict[str, str]]:
    """Each figure as an image/png entry (one Chromium session for all); a text/html note when
    Chromium cannot draw them, so the live view still works."""
    from wbr.render.charts import static_png

    try:
        images = static_png(figures, width=PNG_WIDTH, height=HEIGHT)
    except WbrError as error:
        note = _explore("note", f"static image unavailable: {error}")
        return [{"text/html": note} for _ in figures]
    return [{"image/png": base64.b64encode(image).decode("ascii")} for image in images]


def _title(figure: go.Figure) -> str:
    return str(figure.layout.title.text or "chart")


class Chart:
    """One plotly figure: drawn by JupyterLab's plotly renderer, with a PNG for exports."""

    def __init__(self, figure: go.Figure, static: bool = True) -> None:
        self.figure = figure
        self.static = static

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        spec = json.loads(pio.to_json(self.figure, validate=False))
        bundle: dict[str, Any] = {PLOTLY_MIME: {**spec, "config": {"displaylogo": False}}}
        if self.static:
            bundle.update(_png_bundle([self.figure])[0])
        bundle["text/plain"] = _title(self.figure)
        return bundle


def _leaves(tree: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """A layout's properties by dotted path ("yaxis.ticksuffix"); a list is one property."""
    found: dict[str, Any] = {}
    for key, value in tree.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            found.update(_leaves(value, f"{path}."))
        else:
            found[path] = value
    return found


class LiveChart:
    """A FigureWidget that Controls redraws in place; displays with a PNG of its current state."""

    def __init__(self, owner: Controls) -> None:
        self.owner = owner
        self.widget = go.FigureWidget()

    def draw(self, figure: go.Figure) -> None:
        """Replace the widget's traces and layout with a new figure's.

        Assigning a layout only sends the browser the new figure's properties, so whatever the
        old layout set and the new one does not (an annotation, a tick suffix, a range) is reset
        first; axes without a range of their own autorange again."""
        old = self.widget.layout.to_plotly_json()
        new = figure.layout.to_plotly_json()
        reset: dict[str, Any] = {
            path: [] if path in LAYOUT_LISTS else None
            for path in _leaves(old)
            if path not in _leaves(new) and not path.startswith("template")
        }
        for axis in (key for key in {**old, **new} if key.startswith(("xaxis", "yaxis"))):
            if "range" not in new.get(axis, {}):
                reset[f"{axis}.autorange"] = True
        if reset:
            self.widget.plotly_relayout(reset)
        self.widget.data = ()
        self.widget.add_traces(list(figure.data))
        self.widget.layout = figure.layout

    @property
    def title(self) -> str:
        """The title drawn now."""
        return _title(self.widget)

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        bundle = dict(self.widget._repr_mimebundle_(include=include, exclude=exclude) or {})
        bundle.update(self.owner.static_image(self))
        bundle["text/plain"] = self.title
        return bundle


class LivePanel:
    """An HTML widget that Controls rewrites in place; displays with the same HTML for exports."""

    def __init__(self) -> None:
        self.widget = widgets.HTML()

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        bundle = dict(self.widget._repr_mimebundle_(include=include, exclude=exclude) or {})
        bundle["text/html"] = self.widget.value
        return bundle


class LivePicker:
    """Picker widgets; for exports, the picks they hold as a line of text."""

    def __init__(self, widget: widgets.Widget, pickers: list[widgets.Dropdown]) -> None:
        self.widget = widget
        self.pickers = pickers

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        bundle = dict(self.widget._repr_mimebundle_(include=include, exclude=exclude) or {})
        picks = ", ".join(f"{p.description}: {p.label}" for p in self.pickers)
        bundle["text/html"] = _explore("note", picks)
        bundle["text/plain"] = picks
        return bundle


class Controls:
    """Pickers over live charts of one Explorer. Display `pickers`, then the panels wanted."""

    def __init__(
        self,
        explorer: Explorer,
        metric: str | None = None,
        dimension: str | None = None,
        compare_with: dt.date | str | None = None,
        static_images: bool = True,
    ) -> None:
        self.explorer = explorer
        self.static_images = static_images
        deck = explorer.deck()
        metric = show.pick_metric(deck, metric)
        dimensions = explorer.dimensions()
        if dimension is not None and dimension not in dimensions:
            raise KeyError(f"{dimension!r} is not a dimension; choose one of {dimensions}")
        weeks = explorer.weeks()
        earlier = weeks[1] if len(weeks) > 1 else weeks[0]
        compare_with = explorer.week(compare_with) if compare_with else earlier
        if compare_with not in weeks:
            weeks.append(compare_with)

        def picker(description: str, options: list, value: Any) -> widgets.Dropdown:
            return widgets.Dropdown(description=description, options=options, value=value)

        self.metric = picker(
            "metric", [(f"{b.label} ({b.metric})", b.metric) for b in deck.blocks], metric
        )
        self.week = picker("week", [(str(w), w) for w in weeks], explorer.week_ending)
        self.dimension = picker(
            "dimension",
            [("(none)", None)] + [(d, d) for d in dimensions],
            dimension or (dimensions[0] if dimensions else None),
        )
        within = [("(all)", None)] + [
            (f"{d} = {s}", (d, s)) for d in dimensions for s in explorer.segments(d)
        ]
        self.within = picker("within", within, None)
        self.comparison = picker(
            "change", [("WoW", "wow"), ("YoY", "yoy"), ("vs plan", "plan")], "wow"
        )
        self.compare_week = picker("compare", [(str(w), w) for w in weeks], compare_with)
        self.status = widgets.HTML()
        self.pickers = LivePicker(
            widgets.VBox(
                [
                    widgets.HBox([self.metric, self.week]),
                    widgets.HBox([self.dimension, self.within, self.comparison]),
                    self.status,
                ]
            ),
            [self.metric, self.week, self.dimension, self.within, self.comparison],
        )
        self.compare_picker = LivePicker(self.compare_week, [self.compare_week])
        self.chart, self.weekly, self.daily = LiveChart(self), LiveChart(self), LiveChart(self)
        self.drivers, self.mix_rate = LiveChart(self), LiveChart(self)
        self.compare_chart = LiveChart(self)
        self.details, self.flags, self.compare_table = LivePanel(), LivePanel(), LivePanel()
        self._images: dict[int, dict[str, str]] = {}
        for control in (self.metric, self.week, self.dimension, self.within, self.comparison):
            control.observe(self._changed, names="value")
        self.compare_week.observe(self._changed, names="value")
        self.refresh()

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        return self.pickers._repr_mimebundle_(include, exclude)

    @property
    def charts(self) -> list[LiveChart]:
        """Every live chart, in display order."""
        return [
            self.chart,
            self.weekly,
            self.daily,
            self.drivers,
            self.mix_rate,
            self.compare_chart,
        ]

    def _changed(self, change: dict[str, Any]) -> None:
        self.refresh()

    def refresh(self) -> None:
        """Redraw every panel for the picked metric, week, dimension and drill-down."""
        self.status.value = _explore("status_busy")
        try:
            self._draw()
        except (WbrError, KeyError, ValueError) as error:
            self.status.value = _explore("status_error", type(error).__name__, str(error))
            return
        self._images.clear()  # the static images show the state at display time
        self.status.value = ""

    def _draw(self) -> None:
        explorer = self.explorer
        metric, week = self.metric.value, self.week.value
        dimension, comparison = self.dimension.value, self.comparison.value
        block = explorer.block_data(metric, week)

        self.chart.draw(six_twelve_figure(block))
        self.details.widget.value = show.block_details_html(block)
        weekly = weekly_limits_figure(block)
        self.weekly.draw(weekly or message_figure(block.label, "no weekly series in the deck"))
        daily = explorer.histories(week)[metric].daily
        self.daily.draw(daily_figure(block, daily, explorer.seasonal_fit(metric, week)))
        self.flags.widget.value = show.flags_html(block)
        within = dict([self.within.value]) if self.within.value else None
        self._draw_drivers(block, dimension, within, comparison, week)
        other = self.compare_week.value
        segments = explorer.compare_segments(metric, other, week, dimension) if dimension else None
        self.compare_chart.draw(
            compare_weeks_figure(explorer.block_data(metric, other), block, segments, dimension)
        )
        self.compare_table.widget.value = show.compare_html(
            explorer.block_data(metric, other), block
        )

    def _draw_drivers(
        self,
        block: Any,
        dimension: str | None,
        within: dict[str, str] | None,
        comparison: str,
        week: dt.date,
    ) -> None:
        label = block.label
        if dimension is None:
            for chart, what in ((self.drivers, "drivers"), (self.mix_rate, "mix vs rate")):
                chart.draw(message_figure(f"{label}: {what}", "pick a dimension"))
            return
        if within and dimension in within:
            text = f"drill down by a dimension other than {dimension}"
            for chart in (self.drivers, self.mix_rate):
                chart.draw(message_figure(f"{label}: by {dimension}", text))
            return
        found = self.explorer.drivers(block.metric, dimension, within, week) or {}
        scope = ", ".join(f"{k} {v}" for k, v in (within or {}).items())
        contribution = (found.get("dimensions") or {}).get(comparison)
        mix = (found.get("mix_rate") or {}).get(comparison)
        self.drivers.draw(drivers_figure(block, contribution, dimension, comparison, scope))
        self.mix_rate.draw(mix_rate_figure(block, mix, dimension, comparison, scope))

    def static_image(self, chart: LiveChart) -> dict[str, str]:
        """The static fallback of a live chart: every chart drawn in one Chromium session the
        first time one is displayed after a change."""
        if not self.static_images:
            return {}
        if id(chart) not in self._images:
            charts = self.charts
            figures = [go.Figure(c.widget) for c in charts]
            for each, image in zip(charts, _png_bundle(figures), strict=True):
                self._images[id(each)] = image
        return self._images[id(chart)]
