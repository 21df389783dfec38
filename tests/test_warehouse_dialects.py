"""The SQL generated for engines that cannot run here (Snowflake, BigQuery, Trino; Redshift is
refused): compiled through `wbr sql`'s own path with a compile-only connection, then parsed back
with sqlglot in that engine's dialect, with the time-zone conversion and the metrics' conditions
checked in the parsed statements."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlglot
from sqlglot import exp

from wbr.engine.config import parse_config
from wbr.engine.warehouse.connect import WarehouseError, compile_only
from wbr.engine.warehouse.load import Connections
from wbr.engine.warehouse.review import table_sql
from wbr.errors import ConfigError

WEEK = dt.date(2026, 11, 21)
CONFIG = """title: dialects
calendar: {time_zone: America/New_York}
connections: {w: '${WBR_TEST_NEVER_SET_URL}'}
tables:
  orders: {connection: w, table: analytics.orders, date: created_at, dimensions: [region]}
dimensions: [region]
metrics:
  orders: {from: orders, measure: count, where: "status <> 'cancelled'"}
  revenue: {from: orders, measure: sum(amount), where: "status = 'shipped'", unit: currency}
  active_customers: {from: orders, measure: count_distinct(customer_id)}
"""
# The local day of a row, as each engine spells it, for a timestamp column without a zone (UTC)
# and one with a zone. Snowflake's two-argument CONVERT_TIMEZONE and Trino's AT_TIMEZONE would
# read a zone-less value in the session's zone, so those must name UTC as the source.
LOCAL_DAY = {
    ("snowflake", "timestamp"): "CONVERT_TIMEZONE('UTC', 'America/New_York', \"created_at\")",
    ("snowflake", "timestamp('UTC')"): "CONVERT_TIMEZONE('America/New_York', \"created_at\")",
    ("bigquery", "timestamp"): "DATE(TIMESTAMP(`created_at`), 'America/New_York')",
    ("bigquery", "timestamp('UTC')"): "DATE(`created_at`, 'America/New_York')",
    ("trino", "timestamp"): (
        "AT_TIMEZONE(WITH_TIMEZONE(\"created_at\", 'UTC'), 'America/New_York')"
    ),
    ("trino", "timestamp('UTC')"): "AT_TIMEZONE(\"created_at\", 'America/New_York')",
}
# daily values, drill-down slices, distinct counts per week, per month and per period to date
QUERIES = 5


def _sql(engine: str, date_type: str, week: dt.date | None = WEEK) -> str:
    config = parse_config(CONFIG)
    schema = {
        "created_at": date_type,
        "status": "string",
        "amount": "float64",
        "customer_id": "int64",
        "region": "string",
    }
    offline = compile_only("w", engine, {"analytics.orders": schema})
    connections = Connections(config, opened={"w": offline})
    return table_sql(config, week_ending=week, connections=connections)


@pytest.mark.parametrize(("engine", "date_type"), sorted(LOCAL_DAY))
def test_generated_sql_parses_in_the_engines_dialect(engine, date_type):
    text = _sql(engine, date_type)
    assert text.startswith(f"-- table orders (connection 'w', {engine})")
    statements = [s for s in sqlglot.parse(text, read=engine) if s is not None]
    assert len(statements) == QUERIES
    conditions = {
        sqlglot.parse_one(where, read=engine).sql(engine)
        for where in ("status <> 'cancelled'", "status = 'shipped'")
    }
    for statement in statements:
        found = {node.sql(engine) for node in statement.find_all(exp.NEQ, exp.EQ)}
        assert conditions <= found, statement.sql(engine)  # both flags in every projection
        rendered = statement.sql(engine)
        assert LOCAL_DAY[(engine, date_type)] in rendered
        # the rows are limited on the raw column (an index or partition serves it), both ends
        bounds = [
            node
            for node in statement.find_all(exp.GTE, exp.LT)
            if isinstance(node.this, exp.Column) and node.this.name == "created_at"
        ]
        assert len(bounds) == 2, rendered
    assert "COUNT(DISTINCT" in text
    assert text.count(LOCAL_DAY[(engine, date_type)]) == QUERIES


@pytest.mark.parametrize("engine", ["snowflake", "bigquery", "trino"])
def test_a_date_column_needs_no_conversion(engine):
    text = _sql(engine, "date")
    assert "'America/New_York'" not in text
    assert len([s for s in sqlglot.parse(text, read=engine) if s is not None]) == QUERIES


def test_the_deck_days_are_bounded_by_local_midnights_in_utc():
    # 2026-11-21 in New York ends at 05:00 UTC on the 22nd (EST); the first day read is in EDT
    text = _sql("snowflake", "timestamp")
    assert "< TIMESTAMP_FROM_PARTS(2026, 11, 22, 5, 0, 0, 0)" in text
    assert ">= TIMESTAMP_FROM_PARTS(2023, 11, 3, 4, 0, 0, 0)" in text


def test_tables_on_redshift_are_refused_with_the_reason():
    with pytest.raises(WarehouseError, match=r"tables on Redshift are not supported.*query"):
        _sql("redshift", "timestamp")


def test_compiling_without_a_connection_needs_a_week():
    with pytest.raises(ConfigError, match="needs a week"):
        _sql("snowflake", "date", week=None)
