"""The queries generated for a raw table's metrics: daily values in one scan, distinct counts per
window, compiled by ibis for the table's engine.

Rows are filtered to the days the deck reads on the raw date column (so an index or a partition
on it is used); a timestamp becomes a day in `calendar.time_zone` inside the engine (a timestamp
without a zone is taken as UTC). Each metric's `where:` is an SQL condition in the engine's own
dialect; it is parsed with sqlglot to check the columns it names before anything runs.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from wbr.engine.calendar import Window, month_window
from wbr.engine.warehouse.connect import Connection, WarehouseError, run
from wbr.engine.warehouse.settings import Measure, TableConfig, parse_measure

DAY = "__wbr_day"
_SOURCE = "__wbr_source"


@dataclass(frozen=True)
class TableMetric:
    """One metric on a table: its id, measure and optional row condition."""

    metric: str
    measure: Measure
    where: str | None


def table_metrics(config: Any) -> dict[str, list[TableMetric]]:
    """Metrics read from each table (tables without metrics are left out), in config order."""
    found: dict[str, list[TableMetric]] = {}
    for metric_id, spec in config.metrics.items():
        if spec.from_ is not None:
            found.setdefault(spec.from_, []).append(
                TableMetric(metric_id, parse_measure(spec.measure), spec.where)
            )
    return found


class TableQuery:
    """The ibis expressions for one table's metrics on one open connection."""

    def __init__(
        self,
        connection: Connection,
        name: str,
        table: TableConfig,
        metrics: Sequence[TableMetric],
        base_dir: Path,
        time_zone: str,
    ) -> None:
        self.connection = connection
        self.name = name
        self.table = table
        self.metrics = list(metrics)
        self.time_zone = time_zone
        if connection.engine == "redshift":  # served by the postgres backend, but older SQL
            raise WarehouseError(
                f"{connection.describe()}: table '{name}': tables on Redshift are not supported "
                "(the generated SQL uses FILTER and MAKE_DATE, which Redshift lacks); "
                "read the metrics with a `query` source instead"
            )
        # condition text -> flag column, so metrics with the same condition share one flag
        self.where_of: dict[str, str] = {}
        self._rows: dict[Window, Any] = {}
        for item in self.metrics:
            if item.where and item.where.strip() not in self.where_of:
                self.where_of[item.where.strip()] = f"__wbr_w{len(self.where_of)}"
        self.raw = run(connection, self._doing("cannot open"), lambda: self._open(base_dir))
        self._check_columns()

    def _doing(self, what: str) -> str:
        return f"table '{self.name}': {what}"

    def _open(self, base_dir: Path) -> Any:
        backend = self.connection.backend
        if self.table.path is not None:
            path = Path(self.table.path)
            path = path if path.is_absolute() else base_dir / path
            if not any(ch in str(path) for ch in "*?[") and not path.exists():
                raise WarehouseError(
                    f"table '{self.name}': path {path} not found ({self.connection.describe()})"
                )
            suffix = path.suffix.lower()
            reader = backend.read_csv if suffix in (".csv", ".gz", ".tsv") else backend.read_parquet
            return reader(str(path))
        parts = str(self.table.table).split(".")
        database = tuple(parts[:-1]) if len(parts) == 3 else (parts[0] if len(parts) == 2 else None)
        if self.connection.schemas is not None:  # compile-only: the columns are given
            import ibis

            schema = self.connection.schemas.get(str(self.table.table))
            if schema is None:
                raise self._problem(f"no columns given for {self.table.table}")
            catalog, db = (parts[0], parts[1]) if len(parts) == 3 else (None, database)
            return ibis.table(schema, name=parts[-1], catalog=catalog, database=db)
        return backend.table(parts[-1], database=database)

    def _problem(self, message: str) -> WarehouseError:
        return WarehouseError(
            self.connection.clean(f"{self.connection.describe()}: table '{self.name}': {message}")
        )

    def _check_columns(self) -> None:
        """Every column the config names must exist, with a usable type for the date."""
        import sqlglot
        from sqlglot import exp

        columns = set(self.raw.columns)
        shown = ", ".join(self.raw.columns)
        wanted = [(self.table.date, f"tables.{self.name}.date")]
        wanted += [(d, f"tables.{self.name}.dimensions") for d in self.table.dimensions]
        for item in self.metrics:
            if item.measure.column:
                wanted.append((item.measure.column, f"metrics.{item.metric}.measure"))
            if item.where:
                try:
                    parsed = sqlglot.parse_one(item.where, dialect=self.connection.dialect)
                except sqlglot.errors.ParseError as exc:
                    first = str(exc).splitlines()[0]
                    raise self._problem(
                        f"metrics.{item.metric}.where is not an SQL condition: {first}"
                    ) from None
                wanted += [
                    (column.name, f"metrics.{item.metric}.where")
                    for column in parsed.find_all(exp.Column)
                ]
        for column, key in wanted:
            if column not in columns:
                raise self._problem(f"{key}: unknown column '{column}' (columns: {shown})")
        kind = self.raw[self.table.date].type()
        if not (kind.is_date() or kind.is_timestamp()):
            raise self._problem(
                f"tables.{self.name}.date: column '{self.table.date}' is {kind}, "
                f"expected a date or a timestamp"
            )

    # -- the row projection: day, dimensions, measured columns, condition flags ------------------

    def _day_sql(self) -> Any:
        """The local day of a row as a sqlglot expression (no conversion for a date column)."""
        from sqlglot import exp

        column: exp.Expression = exp.column(self.table.date, quoted=True)
        kind = self.raw[self.table.date].type()
        if kind.is_date():
            return column
        zone = exp.Literal.string(self.time_zone)
        utc = exp.Literal.string("UTC")
        naive = kind.timezone is None  # a timestamp without a zone is UTC
        if naive and self.time_zone == "UTC":
            return exp.cast(column, "date")
        dialect = self.connection.dialect
        # Engines where the generic form would read a zone-less timestamp in the session's zone
        # (or not parse): each one's own spelling of "this UTC instant, as a local day".
        if dialect == "bigquery":  # DATETIME column: TIMESTAMP() reads it as UTC
            stamp = exp.Anonymous(this="TIMESTAMP", expressions=[column]) if naive else column
            return exp.Anonymous(this="DATE", expressions=[stamp, zone])
        if dialect == "snowflake" and naive:
            converted = exp.ConvertTimezone(source_tz=utc, target_tz=zone, timestamp=column)
            return exp.cast(converted, "date")
        if dialect == "trino" and naive:
            column = exp.Anonymous(this="WITH_TIMEZONE", expressions=[column, utc])
        elif naive:
            column = exp.AtTimeZone(this=column, zone=utc)
        return exp.cast(exp.AtTimeZone(this=column, zone=zone), "date")

    def _in_days(self, days: Window) -> Any:
        """The raw rows whose local day is in `days`: a range on the raw column."""
        import ibis

        column = self.raw[self.table.date]
        kind = column.type()
        if kind.is_date():
            return self.raw.filter(column >= days.start, column <= days.end)
        zone = zoneinfo.ZoneInfo(self.time_zone)
        start = dt.datetime.combine(days.start, dt.time(), zone).astimezone(dt.UTC)
        stop = dt.datetime.combine(days.end + dt.timedelta(days=1), dt.time(), zone)
        stop = stop.astimezone(dt.UTC)
        if kind.timezone is None:
            start, stop = start.replace(tzinfo=None), stop.replace(tzinfo=None)
        low = ibis.literal(start, type=kind)
        high = ibis.literal(stop, type=kind)
        return self.raw.filter(column >= low, column < high)

    def rows(self, days: Window) -> Any:
        """The table's rows in `days` with only the columns the metrics need, plus their day."""
        if days not in self._rows:  # each projection costs the engine a schema look-up
            self._rows[days] = self._project(days)
        return self._rows[days]

    def _project(self, days: Window) -> Any:
        import sqlglot
        from sqlglot import exp

        dialect = self.connection.dialect
        needed = list(
            dict.fromkeys(
                [
                    *self.table.dimensions,
                    *(m.measure.column for m in self.metrics if m.measure.column),
                ]
            )
        )
        select = [exp.alias_(self._day_sql(), DAY, quoted=True)]
        select += [exp.column(name, quoted=True) for name in needed]
        for condition, flag in self.where_of.items():
            parsed = sqlglot.parse_one(condition, dialect=dialect)
            select.append(exp.alias_(exp.Paren(this=parsed), flag, quoted=True))
        query = exp.select(*select).from_(exp.to_table(_SOURCE, quoted=True))
        filtered = self._in_days(days).alias(_SOURCE)
        if self.connection.offline:  # no engine to ask for the result's types: they are known
            import ibis
            import ibis.expr.operations as ops

            types = {DAY: "date", **{name: self.raw[name].type() for name in needed}}
            types.update({flag: "boolean" for flag in self.where_of.values()})
            view = ops.SQLStringView(
                parent=filtered.op(), query=query.sql(dialect=dialect), schema=ibis.schema(types)
            )
            return view.to_expr()
        return run(
            self.connection,
            self._doing("the metrics' columns or conditions are not valid SQL here"),
            lambda: filtered.sql(query.sql(dialect=dialect), dialect=dialect),
        )

    @staticmethod
    def _reduction(rows: Any, measure: Measure, where: Any) -> Any:
        """One measure over a group of rows, counting only rows where `where` holds."""
        if measure.kind == "count":
            return rows.count(where=where)
        column = rows[measure.column]
        if measure.kind == "sum":
            return column.sum(where=where).fill_null(0)  # a day with rows but none match: 0
        if measure.kind == "count_distinct":
            return column.nunique(where=where)
        return getattr(column, measure.kind)(where=where)

    def _flag(self, rows: Any, item: TableMetric) -> Any:
        return rows[self.where_of[item.where.strip()]] if item.where else None

    def daily(self, days: Window) -> Any:
        """One row per local day: every metric of the table, one scan."""
        rows = self.rows(days)
        measures = {
            f"m{i}": self._reduction(rows, item.measure, self._flag(rows, item))
            for i, item in enumerate(self.metrics)
        }
        return rows.group_by(rows[DAY]).aggregate(**measures)

    def slices(self, days: Window) -> Any | None:
        """Additive metrics (count, sum) per day and dimension values, for drill-down; or None."""
        additive = [
            (i, m) for i, m in enumerate(self.metrics) if m.measure.kind in ("count", "sum")
        ]
        if not self.table.dimensions or not additive:
            return None
        rows = self.rows(days)
        measures = {
            f"m{i}": self._reduction(rows, item.measure, self._flag(rows, item))
            for i, item in additive
        }
        return rows.group_by([rows[DAY], *self.table.dimensions]).aggregate(**measures)

    def distinct_metrics(self) -> list[tuple[int, TableMetric]]:
        """The table's count_distinct metrics with their positions."""
        return [(i, m) for i, m in enumerate(self.metrics) if m.measure.kind == "count_distinct"]

    def distinct_weeks(self, days: Window, week_ending: dt.date) -> Any:
        """Distinct counts over every week (ending on the deck's weekday) in `days`."""
        import ibis

        rows = self.rows(days)
        anchor = week_ending - dt.timedelta(days=7 * ((week_ending - days.start).days // 7 + 1) - 1)
        week = rows[DAY].delta(ibis.date(anchor), unit="day") // 7
        measures = {
            f"m{i}": rows[m.measure.column].nunique(where=self._flag(rows, m))
            for i, m in self.distinct_metrics()
        }
        return rows.group_by(week=week).aggregate(**measures), anchor

    def distinct_months(self, days: Window) -> Any:
        """Distinct counts over every calendar month in `days`."""
        rows = self.rows(days)
        month = rows[DAY].year() * 12 + rows[DAY].month() - 1
        measures = {
            f"m{i}": rows[m.measure.column].nunique(where=self._flag(rows, m))
            for i, m in self.distinct_metrics()
        }
        return rows.group_by(month=month).aggregate(**measures)

    def distinct_windows(self, days: Window, windows: Sequence[Window]) -> Any:
        """Distinct counts over each of `windows` (period-to-date ones), in one row."""
        rows = self.rows(days)
        measures = {}
        for w, window in enumerate(windows):
            inside = rows[DAY].between(window.start, window.end)
            for i, m in self.distinct_metrics():
                flag = self._flag(rows, m)
                measures[f"w{w}_m{i}"] = rows[m.measure.column].nunique(
                    where=inside if flag is None else inside & flag
                )
        return rows.aggregate(**measures)

    def last_day(self) -> dt.date | None:
        """The latest local day with a row, None when the table is empty.

        A MAX on the raw column (an index or the files' statistics answer it), made a local
        day here: one value, so no conversion of every row.
        """
        column = self.raw[self.table.date]
        value = self.execute(column.max(), "cannot read the last date")
        if value is None or pd.isna(value):
            return None
        stamp = pd.Timestamp(value)
        if column.type().is_date():
            return stamp.date()
        if stamp.tzinfo is None:  # a timestamp without a zone is UTC
            stamp = stamp.tz_localize("UTC")
        return stamp.tz_convert(self.time_zone).date()

    def execute(self, expression: Any, doing: str) -> Any:
        """Run an expression on the table's engine, failures as one line."""
        return run(self.connection, self._doing(doing), expression.execute)

    # -- results -------------------------------------------------------------------------------

    def fetch_daily(self, days: Window) -> pd.DataFrame:
        """Long rows date, metric, value of every metric on every day in `days` with rows."""
        frame = self.execute(self.daily(days), "the metrics' query failed")
        return self._long(frame, [(i, m) for i, m in enumerate(self.metrics)], [])

    def fetch_slices(self, days: Window) -> pd.DataFrame | None:
        """Long rows date, metric, value, <dimensions> of the additive metrics, or None."""
        expression = self.slices(days)
        if expression is None:
            return None
        frame = self.execute(expression, "the drill-down query failed")
        additive = [
            (i, m) for i, m in enumerate(self.metrics) if m.measure.kind in ("count", "sum")
        ]
        return self._long(frame, additive, self.table.dimensions)

    @staticmethod
    def _long(
        frame: pd.DataFrame, items: list[tuple[int, TableMetric]], dims: list[str]
    ) -> pd.DataFrame:
        dates = pd.to_datetime(frame[DAY]).astype("datetime64[ns]")
        parts = []
        for i, item in items:
            part = pd.DataFrame(
                {"date": dates, "metric": item.metric, "value": frame[f"m{i}"].astype(float)}
            )
            for dim in dims:
                part[dim] = frame[dim].astype(object).where(frame[dim].notna(), None)
            parts.append(part)
        columns = ["date", "metric", "value", *dims]
        return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=columns)

    def fetch_distinct(
        self, days: Window, week_ending: dt.date, ptd: Sequence[Window]
    ) -> dict[str, dict[tuple[dt.date, dt.date], float]]:
        """Per distinct metric: its value over every week, month and PTD window inside `days`."""
        found: dict[str, dict[tuple[dt.date, dt.date], float]] = {}
        items = self.distinct_metrics()
        if not items:
            return found
        for _, item in items:
            found[item.metric] = {}
        weeks, anchor = self.distinct_weeks(days, week_ending)
        for row in self.execute(weeks, "the weekly distinct count failed").itertuples():
            start = anchor + dt.timedelta(days=7 * int(row.week))
            for i, item in items:
                found[item.metric][(start, start + dt.timedelta(days=6))] = float(
                    getattr(row, f"m{i}")
                )
        months = self.execute(self.distinct_months(days), "the monthly distinct count failed")
        for row in months.itertuples():
            window = month_window(int(row.month) // 12, int(row.month) % 12 + 1)
            for i, item in items:
                found[item.metric][(window.start, window.end)] = float(getattr(row, f"m{i}"))
        if ptd:
            one = self.execute(self.distinct_windows(days, ptd), "the distinct count failed")
            for w, window in enumerate(ptd):
                for i, item in items:
                    found[item.metric][(window.start, window.end)] = float(one[f"w{w}_m{i}"][0])
        return found
