"""What `wbr sql` and `wbr validate` show of the warehouse: the generated SQL of each table's
metrics, and a check of every connection, table and query with the columns it returns."""

from __future__ import annotations

import datetime as dt
from functools import partial

from wbr.engine.calendar import Calendar
from wbr.engine.config import Config
from wbr.engine.warehouse.connect import Connection, run
from wbr.engine.warehouse.load import (
    Connections,
    _requested_week,
    days_read,
    deck_windows,
    table_queries,
)
from wbr.engine.warehouse.queries import query_text, result_rows, run_query
from wbr.errors import ConfigError


def _week(config: Config, queries: list, week_ending: dt.date | str | None) -> dt.date:
    """The deck's week: the one asked for, else the last week end with rows in the tables."""
    calendar = Calendar.from_config(config.calendar)
    week = _requested_week(config, week_ending)
    if week is not None:
        return week
    if any(q.connection.offline for q in queries):  # nothing to ask for the last day
        raise ConfigError("SQL compiled without a connection needs a week: give --week YYYY-MM-DD")
    lasts = [day for day in (q.last_day() for q in queries) if day is not None]
    if not lasts:  # no week to show SQL for: the tables hold no rows yet
        names = ", ".join(q.name for q in queries)
        raise ConfigError(
            f"tables {names} have no rows: give --week YYYY-MM-DD to see the SQL of that week"
        )
    return calendar.week_end_on_or_before(max(lasts))


def table_sql(
    config: Config,
    table: str | None = None,
    week_ending: dt.date | str | None = None,
    connections: Connections | None = None,
) -> str:
    """The SQL each table's metrics run, in the table engine's dialect, for review.

    `connections` may hold compile-only ones (connect.compile_only): their SQL is generated
    without a server, as it would be sent to one.
    """
    if table is not None and table not in config.tables:
        known = ", ".join(config.tables) or "none"
        raise ConfigError(f"no table '{table}' under tables: (tables: {known})")
    connections = connections or Connections(config)
    queries = [q for q in table_queries(config, connections) if table in (None, q.name)]
    if not queries:
        raise ConfigError("no metric is read from a table (metrics.<id>.from)")
    calendar = Calendar.from_config(config.calendar)
    week = _week(config, queries, week_ending)
    days = days_read(calendar, week)
    _, ptd = deck_windows(calendar, week)
    parts = []
    for query in queries:
        dialect = query.connection.dialect
        metrics = ", ".join(f"{m.metric} = {m.measure}" for m in query.metrics)
        head = f"-- table {query.name} ({query.connection.describe()}, {dialect}): {metrics}"
        if query.table.path is not None:  # the engine names the files' view itself
            head += f"\n-- {query.raw.get_name()} is the files {query.table.path}"
        parts.append(f"{head}\n-- daily values of every metric, one scan, {days.start}..{days.end}")
        # every compilation runs inside `run`: an engine error becomes one line, URL redacted
        compiled = partial(run, query.connection, "cannot compile")
        _sql = partial(_compiled_sql, engine=_engine(query.connection))
        parts.append(compiled(partial(_sql, query.daily(days))))
        slices = query.slices(days) if config.dimensions else None
        if slices is not None:
            parts.append("-- additive metrics by day and dimension (drill-down)")
            parts.append(compiled(partial(_sql, slices)))
        if query.distinct_metrics():
            weeks, _ = query.distinct_weeks(days, week)
            parts.append("-- distinct counts over every week")
            parts.append(compiled(partial(_sql, weeks)))
            parts.append("-- distinct counts over every month")
            parts.append(compiled(partial(_sql, query.distinct_months(days))))
            parts.append("-- distinct counts over MTD, QTD, YTD and their prior-year twins")
            parts.append(compiled(partial(_sql, query.distinct_windows(days, ptd))))
    return "\n".join(part.rstrip() + ("" if part.startswith("--") else ";\n") for part in parts)


def _engine(connection: Connection) -> str | None:
    """The ibis compiler a compile-only connection names (None: the connected backend's own)."""
    return connection.backend.__name__.rsplit(".", 1)[-1] if connection.offline else None


def _compiled_sql(expression: object, engine: str | None) -> str:
    import ibis

    return str(ibis.to_sql(expression, dialect=engine))


def warehouse_report(config: Config) -> list[str]:
    """One line per connection, table and SQL source: reachable, and the columns it gives."""
    lines = []
    connections = Connections(config)
    for name in config.connections:  # every connection, used or not: can we log in?
        opened = connections.get(name)
        lines.append(f"  connection {name}: OK ({opened.dialect})")
    for query in table_queries(config, connections):  # opening checks every named column
        columns = ", ".join(query.raw.columns)
        lines.append(f"  table {query.name} ({query.connection.describe()}): OK ({columns})")
    for role in ("actuals", "plan"):
        source = getattr(config.sources, role)
        if source is None or source.path is not None:
            continue
        connection = connections.get(source.connection)
        frame = run_query(connection, query_text(source, config.base_dir, role), role)
        metrics = config.base_metrics()
        where = f"sources.{role} ({connection.describe()})"
        rows = result_rows(frame, source, metrics, [], where)
        found = ", ".join(map(str, frame.columns))
        lines.append(
            f"  sources.{role} query ({connection.describe()}): OK, {len(frame)} rows "
            f"({found}); {rows['metric'].nunique()} metrics"
        )
    return lines
