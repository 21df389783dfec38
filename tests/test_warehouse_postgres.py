"""The same deck from a real PostgreSQL (Debian's server, started here in a temporary folder):
the raw table, a `query` source, the raw table on the embedded DuckDB and a daily CSV aggregated
by pandas agree number for number; connection, login and SQL failures are one line that never
shows the password."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.test_warehouse import _deck, assert_same, deck_numbers
from tests.warehouse_support import (
    PASSWORD,
    PG_BIN,
    TIME_ZONE,
    csv_config,
    daily_csv,
    free_port,
    load_into_postgres,
    postgres_server,
    query_config,
    raw_orders,
    table_config,
)
from wbr.cli import main

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(
        not (PG_BIN / "initdb").exists() or shutil.which("runuser") is None,
        reason="needs Debian's postgresql package (.ci/run installs it)",
    ),
]

DAILY_QUERY = f"""
SELECT CAST(created_at AT TIME ZONE 'UTC' AT TIME ZONE '{TIME_ZONE}' AS date) AS date,
       'orders' AS metric, COUNT(*) FILTER (WHERE status <> 'cancelled') AS value
FROM orders GROUP BY 1
UNION ALL
SELECT CAST(created_at AT TIME ZONE 'UTC' AT TIME ZONE '{TIME_ZONE}' AS date),
       'revenue', COALESCE(SUM(amount) FILTER (WHERE status = 'shipped'), 0)
FROM orders GROUP BY 1
"""


@pytest.fixture(scope="session")
def raw():
    return raw_orders()


@pytest.fixture(scope="session")
def server(raw):
    with postgres_server() as (host, port):
        load_into_postgres(host, port, raw)
        yield host, port


@pytest.fixture
def pg_url(server, monkeypatch):
    host, port = server
    monkeypatch.setenv("WBR_TEST_PG_URL", f"postgresql://wbr:{PASSWORD}@{host}:{port}/wbr")
    return "${WBR_TEST_PG_URL}"


def test_postgres_table_query_source_duckdb_and_daily_csv_agree(tmp_path, raw, pg_url):
    raw.to_parquet(tmp_path / "orders.parquet")
    daily_csv(raw, tmp_path / "daily.csv")
    connection = f"connections: {{pg: '{pg_url}'}}\n"
    on_postgres = _deck(
        tmp_path / "pg",
        table_config("    {connection: pg, table: public.orders, date: created_at}\n", connection),
    )
    (tmp_path / "duck").mkdir()
    shutil.copy(tmp_path / "orders.parquet", tmp_path / "duck")
    on_duckdb = _deck(
        tmp_path / "duck", table_config("    {path: orders.parquet, date: created_at}\n")
    )
    from_query = _deck(tmp_path / "query", query_config(f"'{pg_url}'", DAILY_QUERY))
    (tmp_path / "csv").mkdir()
    shutil.copy(tmp_path / "daily.csv", tmp_path / "csv")
    from_csv = _deck(tmp_path / "csv", csv_config())
    written = on_postgres.write_json(tmp_path / "deck.json")
    assert PASSWORD not in Path(written).read_text() and "postgresql://" not in str(on_postgres)
    reference = deck_numbers(on_duckdb)
    assert_same(deck_numbers(on_postgres), reference)
    assert_same(deck_numbers(from_query), reference)
    assert_same(
        deck_numbers(from_csv, weeks_only=("wac",)), deck_numbers(on_duckdb, weeks_only=("wac",))
    )


def _one_line_error(folder: Path, text: str, capsys) -> str:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "wbr.yaml").write_text(text)
    code = main(["deck", "--config", str(folder / "wbr.yaml"), "--json", str(folder / "d.json")])
    err = capsys.readouterr().err.strip().splitlines()
    errors = [line for line in err if line.startswith("wbr: error:")]
    assert code == 2 and len(errors) == 1, err
    assert PASSWORD not in "\n".join(err)
    assert not (folder / "d.json").exists()
    return errors[0]


def test_failures_name_the_connection_and_hide_the_password(tmp_path, server, capsys, monkeypatch):
    host, port = server
    table = "    {connection: pg, table: orders, date: created_at}\n"

    def with_url(url: str) -> str:
        monkeypatch.setenv("WBR_TEST_PG_URL", url)
        return table_config(table, "connections: {pg: '${WBR_TEST_PG_URL}'}\n")

    wrong = with_url(f"postgresql://wbr:{PASSWORD}x@{host}:{port}/wbr")
    err = _one_line_error(tmp_path / "auth", wrong, capsys)
    assert "connection 'pg': cannot connect: authentication failed" in err
    refused = with_url(f"postgresql://wbr:{PASSWORD}@127.0.0.1:{free_port()}/wbr")
    err = _one_line_error(tmp_path / "refused", refused, capsys)
    assert "connection 'pg': cannot connect: connection refused" in err
    good = with_url(f"postgresql://wbr:{PASSWORD}@{host}:{port}/wbr")
    err = _one_line_error(
        tmp_path / "table", good.replace("table: orders", "table: ordres"), capsys
    )
    assert "connection 'pg': table 'orders': cannot open" in err and "ordres" in err
    err = _one_line_error(tmp_path / "column", good.replace("sum(amount)", "sum(amnt)"), capsys)
    assert "metrics.revenue.measure: unknown column 'amnt'" in err
    bad_query = query_config("'${WBR_TEST_PG_URL}'", "SELECT date, metric FROM nowhere")
    err = _one_line_error(tmp_path / "sql", bad_query, capsys)
    assert "connection 'pg': sources.actuals query failed" in err and "nowhere" in err
    columns = query_config("'${WBR_TEST_PG_URL}'", "SELECT 1 AS n")
    err = _one_line_error(tmp_path / "columns", columns, capsys)
    assert "sources.actuals (connection 'pg'): the result has no column 'date'" in err


def test_validate_and_sql_on_postgres(tmp_path, pg_url, capsys):
    connection = f"connections: {{pg: '{pg_url}'}}\n"
    text = table_config("    {connection: pg, table: orders, date: created_at}\n", connection)
    (tmp_path / "wbr.yaml").write_text(text)
    assert main(["validate", "--config", str(tmp_path / "wbr.yaml")]) == 0
    out = capsys.readouterr().out
    assert "connection pg: OK (postgres)" in out
    assert "table orders (connection 'pg'): OK (order_id, created_at, status" in out
    assert main(["sql", "--config", str(tmp_path / "wbr.yaml")]) == 0
    out = capsys.readouterr().out
    assert "postgres" in out and "AT TIME ZONE 'UTC' AT TIME ZONE 'America/New_York'" in out
    assert PASSWORD not in out
