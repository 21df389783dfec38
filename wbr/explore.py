"""The notebook API for JupyterLab: open a deck and dig into one metric.

    import wbr
    ex = wbr.explore.open("wbr.yaml", week="latest")
    ex.chart("orders")                  # the block's 6-12 chart
    ex.block("orders")                  # its box score, flags, questions and drivers
    ex.weekly("orders")                 # the weekly series with its XmR limits
    ex.daily("orders")                  # daily values, the seasonal fit, the days flags cite
    ex.drivers_chart("orders", "channel", within={"region": "West"})   # nested drill-down
    ex.mix_rate_chart("conversion", "region")
    ex.flags("orders")                  # the flags with their evidence
    ex.compare_chart("orders", "2026-11-14", "2026-11-21", dimension="region")
    ex.controls()                       # pickers driving live charts (wbr.render.widgets)

Every number comes from the same Deck and metric histories the deck is built from
(wbr.engine.build); a drill-down below the deck's own drivers runs analysis.drivers on the loaded
rows of the chosen segment. Nothing here computes a number another way.

Paths: a relative config path is looked up from the current folder (a notebook's own folder in
JupyterLab) and then from each folder above it, so "wbr.yaml" finds the repository's config from
notebooks/; the YAML's own paths stay relative to the YAML file. `Explorer.config_path` says which
file was opened.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import replace
from pathlib import Path
from typing import Any

import pandas as pd

from wbr.engine.build import build_deck, metric_histories, resolve_week_ending
from wbr.engine.calendar import Calendar
from wbr.engine.config import Config, load_config
from wbr.engine.deck import Block, Deck, Flag
from wbr.engine.series import MetricHistory
from wbr.engine.sources import Dataset, load_data
from wbr.errors import ConfigError

WEEKS_OFFERED = 26  # week ends the week picker offers, newest first
COMPARISONS = ("wow", "yoy", "plan")


def find_config(path: str | os.PathLike[str] = "wbr.yaml", start: Path | None = None) -> Path:
    """The config file: an absolute path as it is; a relative one from `start` (the current folder)
    or the first folder above it that has it."""
    wanted = Path(path).expanduser()
    if wanted.is_absolute():
        if not wanted.is_file():
            raise ConfigError(f"{wanted}: config file not found")
        return wanted
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / wanted).is_file():
            return folder / wanted
    raise ConfigError(
        f"{path}: config file not found in {here} or any folder above it; pass an absolute path "
        "or set config_path relative to the notebook's folder"
    )


def open(config: str | os.PathLike[str] = "wbr.yaml", week: dt.date | str = "latest") -> Explorer:
    """Load the config and its data once and open the deck of `week` ("latest" or a week end)."""
    path = find_config(config)
    loaded = load_config(path)
    dataset = load_data(loaded, week)
    return Explorer(path, loaded, dataset, resolve_week_ending(loaded, dataset, week))


def _read_per_week(config: Config) -> bool:
    """Does the config read tables or SQL sources (queried for one deck's days at a time)?"""
    from wbr.engine.warehouse.load import reads_warehouse

    return bool(reads_warehouse(config))


class Explorer:
    """One business's decks and metric histories, built on demand per week and kept."""

    def __init__(self, config_path: Path, config: Config, dataset: Dataset, week: dt.date) -> None:
        self.config_path = config_path
        self.config = config
        self.dataset = dataset
        self.week_ending = week
        self._decks: dict[dt.date, Deck] = {}
        self._datasets: dict[dt.date, Dataset] = {week: dataset}
        self._histories: dict[dt.date, dict[str, MetricHistory]] = {}

    def __repr__(self) -> str:
        return f"<wbr.explore.Explorer {self.config_path} week ending {self.week_ending}>"

    # ------------------------------------------------------------------ what there is

    def week(self, week: dt.date | str | None = None) -> dt.date:
        """A week end of the data (checked), or the opened week."""
        if week is None:
            return self.week_ending
        return resolve_week_ending(self.config, self.dataset, week)

    def weeks(self, count: int = WEEKS_OFFERED) -> list[dt.date]:
        """The last `count` week ends with data, newest first."""
        calendar = Calendar.from_config(self.config.calendar)
        last = calendar.week_end_on_or_before(self.dataset.last_actual_date)
        first = self.dataset.actuals.dropna(how="all").index.min().date()
        ends = [last - dt.timedelta(days=7 * k) for k in range(count)]
        return [end for end in ends if end >= first]

    def metrics(self) -> list[str]:
        """The metric ids that have a block, in deck order."""
        return [block.metric for block in self.deck().blocks]

    def dimensions(self, metric: str | None = None) -> list[str]:
        """Dimensions to drill into (those of the config the loaded rows carry); for a metric,
        only those that split it (both operands, for a ratio)."""
        slices = self.dataset.slices
        found = [d for d in self.config.dimensions if slices is not None and d in slices.columns]
        if metric is None or slices is None:
            return found
        spec = self.config.metrics[metric]
        operands = [spec.numerator, spec.denominator] if spec.aggregation == "ratio" else [metric]
        rows = slices[slices["metric"].isin(operands)]
        return [
            d
            for d in found
            if all(rows.loc[rows["metric"] == m, d].notna().any() for m in operands)
        ]

    def segments(self, dimension: str, within: dict[str, str] | None = None) -> list[str]:
        """The values of a dimension in the loaded rows (within the given segments)."""
        rows = self._rows(within)
        if dimension not in rows.columns:
            raise KeyError(f"{dimension!r} is not a dimension of {self.config_path}")
        return sorted(str(value) for value in rows[dimension].dropna().unique())

    # ------------------------------------------------------------------ the numbers

    def data(self, week: dt.date | str | None = None) -> Dataset:
        """The data a week's deck reads: files are loaded once; tables and SQL sources are read
        per week, as `wbr deck` reads them (only the days that week's deck needs)."""
        end = self.week(week)
        if not _read_per_week(self.config):
            return self.dataset
        if end not in self._datasets:
            self._datasets[end] = load_data(self.config, end)
        return self._datasets[end]

    def deck(self, week: dt.date | str | None = None) -> Deck:
        """The deck of a week, exactly as `wbr deck` builds it (built once, then kept): compared
        with the latest earlier deck.json in the reports/ folder beside the config, as `make wbr`
        writes it, so streaks and carried questions match the rendered deck."""
        end = self.week(week)
        if end not in self._decks:
            reports = self.config_path.parent / "reports"
            self._decks[end] = build_deck(self.config, self.data(end), end, history_dir=reports)
        return self._decks[end]

    def histories(self, week: dt.date | str | None = None) -> dict[str, MetricHistory]:
        """Every metric's weekly and daily history up to a week, as the flags read it."""
        end = self.week(week)
        if end not in self._histories:
            self._histories[end] = metric_histories(self.config, self.data(end), end)
        return self._histories[end]

    def block_data(self, metric: str, week: dt.date | str | None = None) -> Block:
        """A metric's Block (KeyError names a metric without one)."""
        try:
            return self.deck(week).block(metric)
        except KeyError:
            raise KeyError(
                f"{metric!r} has no block; choose one of {', '.join(self.metrics())}"
            ) from None

    def flag_list(self, metric: str, week: dt.date | str | None = None) -> tuple[Flag, ...]:
        """The block's flags, each with its evidence."""
        return self.block_data(metric, week).flags

    def seasonal_fit(self, metric: str, week: dt.date | str | None = None) -> pd.DataFrame | None:
        """The STL fit the daily residual flags scored the week against, with the band beyond
        which a day is flagged (the metric's seasonal_z), from analysis.seasonal_fit."""
        from wbr.analysis.seasonal_fit import seasonal_fit  # deferred: it may import statsmodels

        end = self.week(week)
        z = self.config.flag_settings(metric).seasonal_z
        return seasonal_fit(self.histories(end)[metric].daily, end, z)

    def drivers(
        self,
        metric: str,
        dimension: str,
        within: dict[str, str] | None = None,
        week: dt.date | str | None = None,
    ) -> dict[str, Any] | None:
        """Contribution (sum metrics) or mix/rate (ratios) of `metric` by `dimension`, in
        Block.drivers' shape for that one dimension: {"dimensions": ..., "mix_rate": ...}.

        Without `within` these are the deck's own drivers. `within={"region": "West"}` drills
        down: analysis.drivers runs on the loaded rows of that segment only (no plan there)."""
        block = self.block_data(metric, week)
        if dimension not in self.dimensions():
            raise KeyError(f"{dimension!r} is not a dimension; choose one of {self.dimensions()}")
        if not within:
            found = block.drivers or {}
        else:
            from wbr.analysis.drivers import compute_drivers

            config = self.config.model_copy(update={"dimensions": [dimension]})
            end = self.week(week)
            subset = replace(self.data(end), slices=self._rows(within, end), plan=None)
            found = compute_drivers(subset, config, end, [metric]).get(metric) or {}
        result = {
            "dimensions": (found.get("dimensions") or {}).get(dimension),
            "mix_rate": (found.get("mix_rate") or {}).get(dimension),
        }
        return result if result["dimensions"] or result["mix_rate"] else None

    def _rows(self, within: dict[str, str] | None, week: dt.date | None = None) -> pd.DataFrame:
        """The loaded slice rows, narrowed to the given segment of each dimension."""
        rows = self.data(week).slices
        if rows is None:
            raise KeyError(f"{self.config_path} declares no dimensions to drill into")
        for dimension, segment in (within or {}).items():
            if dimension not in rows.columns:
                raise KeyError(f"{dimension!r} is not a dimension of {self.config_path}")
            rows = rows[rows[dimension].astype("string") == str(segment)]
        return rows

    def compare_segments(
        self, metric: str, week_a: dt.date | str, week_b: dt.date | str, dimension: str
    ) -> dict[str, tuple[float | None, float | None]] | None:
        """Each segment's last-week value (a rate for a ratio) in two decks' drivers."""
        values = []
        for week in (week_a, week_b):
            found = self.drivers(metric, dimension, week=week) or {}
            if found.get("dimensions"):
                result = found["dimensions"].get("wow") or found["dimensions"].get("yoy") or {}
                values.append({s["segment"]: s["cy"] for s in result.get("segments", [])})
            elif found.get("mix_rate"):
                result = found["mix_rate"].get("wow") or found["mix_rate"].get("yoy") or {}
                values.append({s["segment"]: s["r1"] for s in result.get("segments", [])})
            else:
                return None
        names = sorted(set(values[0]) | set(values[1]))
        return {name: (values[0].get(name), values[1].get(name)) for name in names}

    # ------------------------------------------------------------------ what to show

    def chart(self, metric: str, week: dt.date | str | None = None) -> Any:
        """The block's 6-12 chart (a plotly figure with a static image for exports)."""
        from wbr.render.charts import six_twelve_figure
        from wbr.render.widgets import Chart

        return Chart(six_twelve_figure(self.block_data(metric, week)))

    def block(self, metric: str, week: dt.date | str | None = None) -> Any:
        """The block's box score, plan, flags, questions, commentary and drivers, as HTML."""
        from IPython.display import HTML

        from wbr.render import show

        return HTML(show.block_details_html(self.block_data(metric, week)))

    def weekly(self, metric: str, week: dt.date | str | None = None) -> Any:
        """The weekly series the flags judged, with its XmR limits (from Block.series)."""
        from wbr.render.explore_charts import message_figure, weekly_limits_figure
        from wbr.render.widgets import Chart

        block = self.block_data(metric, week)
        figure = weekly_limits_figure(block)
        return Chart(figure or message_figure(block.label, "the deck carries no weekly series"))

    def daily(self, metric: str, week: dt.date | str | None = None) -> Any:
        """Daily values, the seasonal fit of the flags' window and the days the flags cite."""
        from wbr.render.explore_charts import daily_figure
        from wbr.render.widgets import Chart

        block = self.block_data(metric, week)
        daily = self.histories(week)[metric].daily
        return Chart(daily_figure(block, daily, self.seasonal_fit(metric, week)))

    def drivers_chart(
        self,
        metric: str,
        dimension: str,
        within: dict[str, str] | None = None,
        comparison: str = "wow",
        week: dt.date | str | None = None,
    ) -> Any:
        """Each segment's share of the change (sum metrics), drilled down `within` segments."""
        from wbr.render.explore_charts import drivers_figure
        from wbr.render.widgets import Chart

        found = self.drivers(metric, dimension, within, week) or {}
        result = (found.get("dimensions") or {}).get(comparison)
        scope = ", ".join(f"{k} {v}" for k, v in (within or {}).items())
        return Chart(
            drivers_figure(self.block_data(metric, week), result, dimension, comparison, scope)
        )

    def mix_rate_chart(
        self,
        metric: str,
        dimension: str,
        within: dict[str, str] | None = None,
        comparison: str = "wow",
        week: dt.date | str | None = None,
    ) -> Any:
        """Mix versus rate of a ratio's change by `dimension` (a waterfall)."""
        from wbr.render.explore_charts import mix_rate_figure
        from wbr.render.widgets import Chart

        found = self.drivers(metric, dimension, within, week) or {}
        result = (found.get("mix_rate") or {}).get(comparison)
        scope = ", ".join(f"{k} {v}" for k, v in (within or {}).items())
        return Chart(
            mix_rate_figure(self.block_data(metric, week), result, dimension, comparison, scope)
        )

    def flags(self, metric: str, week: dt.date | str | None = None) -> Any:
        """The metric's flags with their evidence (rule, date, value, limits, favourable, why)."""
        from IPython.display import HTML

        from wbr.render import show

        return HTML(show.flags_html(self.block_data(metric, week)))

    def compare_chart(
        self,
        metric: str,
        week_a: dt.date | str,
        week_b: dt.date | str,
        dimension: str | None = None,
    ) -> Any:
        """Two weeks side by side, by segment of `dimension` when the metric is split by it."""
        from wbr.render.explore_charts import compare_weeks_figure
        from wbr.render.widgets import Chart

        by_segment = self.compare_segments(metric, week_a, week_b, dimension) if dimension else None
        figure = compare_weeks_figure(
            self.block_data(metric, week_a), self.block_data(metric, week_b), by_segment, dimension
        )
        return Chart(figure)

    def compare(self, metric: str, week_a: dt.date | str, week_b: dt.date | str) -> Any:
        """Two weeks' box scores and flags side by side, as HTML."""
        from IPython.display import HTML

        from wbr.render import show

        return HTML(
            show.compare_html(self.block_data(metric, week_a), self.block_data(metric, week_b))
        )

    def controls(
        self,
        metric: str | None = None,
        dimension: str | None = None,
        compare_with: dt.date | str | None = None,
        static_images: bool = True,
    ) -> Any:
        """Metric, week and dimension pickers driving live charts (see wbr.render.widgets);
        `static_images=False` skips the PNG fallbacks (faster, but exports show no charts)."""
        from wbr.render.widgets import Controls

        return Controls(self, metric, dimension, compare_with, static_images)
