"""What a deck reads from tables and SQL sources, merged with its CSV sources into one Dataset.

Only the days the deck reads are queried: from a year before its earliest window (last year's
YTD, month or week twins) to its week ending, so the flags still see a year of weekly history
before the first number shown. Distinct counts come back per window (every week and month in
that span, and MTD/QTD/YTD with their prior-year twins): they cannot be added up from days.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from pathlib import Path
from typing import Any

import pandas as pd

from wbr.engine.calendar import Calendar, Window
from wbr.engine.config import Config
from wbr.engine.warehouse.connect import Connection, WarehouseError, open_connection
from wbr.engine.warehouse.queries import daily_values, query_text, result_rows, run_query
from wbr.engine.warehouse.tables import TableQuery, table_metrics

HISTORY_BEFORE_FIRST_WINDOW = dt.timedelta(days=364)


def reads_warehouse(config: Config) -> bool:
    """True when any metric is read from a table or a metric source is SQL."""
    sources = (config.sources.actuals, config.sources.plan)
    return any(s is not None and s.path is None for s in sources) or any(
        spec.from_ is not None for spec in config.metrics.values()
    )


class Connections:
    """Connections opened once per deck, by config name (None = the embedded DuckDB)."""

    def __init__(
        self,
        config: Config,
        sessions: dict[str, Any] | None = None,
        opened: dict[str, Connection] | None = None,
    ) -> None:
        self.config = config
        self.sessions = sessions or {}
        # `opened`: connections made elsewhere (compile-only ones, to review another engine's SQL)
        self.opened: dict[str | None, Connection] = {}
        for name, connection in (opened or {}).items():
            self.opened[name] = connection

    def get(self, name: str | None) -> Connection:
        """The open connection called `name`, opening it on first use."""
        if name not in self.opened:
            self.opened[name] = open_connection(
                name,
                self.config.connections,
                self.config.base_dir,
                self.sessions.get(name) if name is not None else None,
            )
        return self.opened[name]

    def close(self) -> None:
        """Close the in-process DuckDB connections opened here: their buffers are freed before
        the analysis runs, so the two never add up. (A server's connection closes with the
        process; a Spark backend's disconnect would stop the shared SparkSession.)"""
        for name, connection in self.opened.items():
            if connection.offline or connection.dialect != "duckdb" or name in self.sessions:
                continue
            with contextlib.suppress(Exception):  # the results are already in pandas
                connection.backend.disconnect()
        self.opened.clear()


def table_queries(config: Config, connections: Connections) -> list[TableQuery]:
    """One TableQuery per table that metrics are read from (columns checked on creation)."""
    return [
        TableQuery(
            connections.get(config.tables[name].connection),
            name,
            config.tables[name],
            metrics,
            config.base_dir,
            config.calendar.time_zone,
        )
        for name, metrics in table_metrics(config).items()
    ]


def deck_windows(calendar: Calendar, week: dt.date) -> tuple[list[Window], list[Window]]:
    """(every window the deck's blocks read, the period-to-date ones among them)."""
    from wbr.engine.build import PTD_KEYS, _Windows

    windows = _Windows(calendar, week)
    ptd = [windows.current[windows.ptd_index(k)] for k in PTD_KEYS]
    ptd += [windows.prior[windows.ptd_index(k)] for k in PTD_KEYS]
    return windows.current + windows.prior, ptd


def days_read(calendar: Calendar, week: dt.date) -> Window:
    """The days a deck for `week` reads: a year before its earliest window through the week."""
    every, _ = deck_windows(calendar, week)
    return Window(min(w.start for w in every) - HISTORY_BEFORE_FIRST_WINDOW, week)


def _requested_week(config: Config, week_ending: dt.date | str | None) -> dt.date | None:
    """The week asked for, or None for the latest (an unreadable value is left to the deck)."""
    wanted = config.week_ending if week_ending is None else week_ending
    if isinstance(wanted, dt.date):
        return wanted
    text = str(wanted).strip().lower()
    if text == "latest":
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


def _file_dataset(config: Config) -> Any:
    """The CSV actuals (with commentary and events) through the ordinary loader, or None.

    The loader sees the config without the metrics read from tables (it would ask the file for
    them) and without the plan (read separately: it may be SQL, and it may plan table metrics).
    """
    from wbr.engine import sources as files

    actuals = config.sources.actuals
    if actuals is None or actuals.path is None:
        return None
    kept = {m: s for m, s in config.metrics.items() if s.from_ is None}
    scoped = config.model_copy(
        update={
            "metrics": kept,
            "tables": {},
            "sources": config.sources.model_copy(update={"plan": None}),
        }
    )
    return files.load_data(scoped)


def _query_source(
    config: Config, role: str, connections: Connections, required: bool
) -> tuple[pd.DataFrame | None, pd.DataFrame | None]:
    """(daily values, slices) of sources.actuals or sources.plan given as SQL."""
    from wbr.engine import sources as files

    source = getattr(config.sources, role)
    metrics = [m for m in config.base_metrics() if not required or config.metrics[m].from_ is None]
    connection = connections.get(source.connection)
    where = f"sources.{role} ({connection.describe()})"
    frame = run_query(connection, query_text(source, config.base_dir, role), role)
    dims = config.dimensions if required and source.format == "long" else []
    rows = result_rows(frame, source, metrics, dims, where)
    if rows.empty:
        if required:
            raise WarehouseError(f"{where}: the query returned no rows for the deck's metrics")
        return None, None
    if source.grain != "daily":
        rows = files._phase_plan(rows, source.grain, config, files.Problems(Path(where)))
    return daily_values(rows, metrics), (rows if dims else None)


def _plan(config: Config, connections: Connections) -> pd.DataFrame | None:
    """The daily plan, from its CSV or its query (table metrics may have a plan too)."""
    from wbr.engine import sources as files

    source = config.sources.plan
    if source is None:
        return None
    if source.path is not None:
        from wbr.engine.plan_grain import check_plan_grain

        plan = files._load_metric_source(config, source, required=False)[0]
        check_plan_grain(config, plan)  # as for a deck of CSV files only
        return plan
    return _query_source(config, "plan", connections, required=False)[0]


def _text_sources(config: Config) -> tuple[pd.DataFrame | None, pd.DataFrame | None]:
    """Commentary and events when there is no CSV actuals file to load them with."""
    from wbr.engine import sources as files

    commentary = events = None
    if config.sources.commentary is not None:
        commentary = files._text_table(
            config.resolve(config.sources.commentary.path),
            ["week_ending", "metric", "author", "text"],
            "week_ending",
            optional=("question",),
        )
    if config.sources.events is not None:
        events = files._text_table(
            config.resolve(config.sources.events.path), ["date", "metric", "description"], "date"
        )
    return commentary, events


def _merge(frames: list[pd.DataFrame | None]) -> pd.DataFrame:
    """Daily frames side by side on one continuous day index."""
    present = [f for f in frames if f is not None and not f.empty]
    merged = pd.concat(present, axis=1) if len(present) > 1 else present[0]
    days = pd.date_range(merged.index.min(), merged.index.max(), freq="D", name="date")
    return merged.reindex(days).astype(float)


def load_mixed(
    config: Config, week_ending: dt.date | str | None = None, sessions: dict[str, Any] | None = None
) -> Any:
    """The Dataset of a deck that reads tables or SQL sources (and maybe CSV files too)."""
    connections = Connections(config, sessions)
    try:
        return _load(config, week_ending, connections)
    finally:
        connections.close()


def _load(config: Config, week_ending: dt.date | str | None, connections: Connections) -> Any:
    import dataclasses

    from wbr.engine import sources as files

    from_files = _file_dataset(config)
    file_actuals, file_slices = (
        (from_files.actuals, from_files.slices) if from_files is not None else (None, None)
    )
    if config.sources.actuals is not None and config.sources.actuals.path is None:
        file_actuals, file_slices = _query_source(config, "actuals", connections, required=True)
    queries = table_queries(config, connections)
    calendar = Calendar.from_config(config.calendar)
    week = _requested_week(config, week_ending)
    if week is None:
        found = [q.last_day() for q in queries]
        if file_actuals is not None:
            found.append(file_actuals.dropna(how="all").index.max().date())
        lasts = [day for day in found if day is not None]
        if not lasts:
            raise WarehouseError(
                "no rows: the tables " + ", ".join(q.name for q in queries) + " are empty"
            )
        week = calendar.week_end_on_or_before(max(lasts))
    days = days_read(calendar, week)
    _, ptd = deck_windows(calendar, week)
    daily_frames: list[pd.DataFrame | None] = [file_actuals]
    slices = [file_slices] if file_slices is not None else []
    distinct: dict[str, dict[tuple[dt.date, dt.date], float]] = {}
    for query in queries:
        rows = query.fetch_daily(days)
        if rows.empty:
            raise WarehouseError(
                f"{query.connection.describe()}: table '{query.name}': no rows between "
                f"{days.start} and {days.end} (the days the deck for week ending {week} reads)"
            )
        daily_frames.append(daily_values(rows, [m.metric for m in query.metrics]))
        if config.dimensions:
            table_slices = query.fetch_slices(days)
            if table_slices is not None:
                slices.append(table_slices)
        distinct.update(query.fetch_distinct(days, week, ptd))
    slice_rows = None
    if slices and config.dimensions:
        slice_rows = pd.concat(slices, ignore_index=True)
        for dimension in config.dimensions:
            if dimension not in slice_rows.columns:
                slice_rows[dimension] = None
        slice_rows = slice_rows[["date", "metric", "value", *config.dimensions]]
    actuals, plan = _merge(daily_frames), _plan(config, connections)
    if from_files is not None:
        return dataclasses.replace(
            from_files, actuals=actuals, plan=plan, slices=slice_rows, window_values=distinct
        )
    commentary, events = _text_sources(config)
    return files.Dataset(actuals, plan, slice_rows, commentary, events, window_values=distinct)
