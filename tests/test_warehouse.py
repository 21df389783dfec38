"""Metrics read where they live, on the embedded DuckDB: raw Parquet and CSV tables give the same
deck as a daily CSV pandas aggregated from the same rows; distinct counts are counted over each
window; bad tables, columns, conditions and queries are one clear line."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.warehouse_support import (
    WEEK,
    csv_config,
    daily_csv,
    local_days,
    raw_orders,
    table_config,
)
from wbr.cli import main
from wbr.engine.build import build_deck
from wbr.engine.config import load_config, parse_config
from wbr.engine.warehouse.settings import parse_measure
from wbr.errors import ConfigError, WbrError

NUMBERS = ("last_week", "wow", "yoy", "mtd", "mtd_yoy", "qtd", "qtd_yoy", "ytd", "ytd_yoy")


@pytest.fixture(scope="module")
def raw() -> pd.DataFrame:
    return raw_orders()


def _deck(folder: Path, text: str, files: dict[str, object] | None = None):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "wbr.yaml").write_text(text)
    return build_deck(load_config(folder / "wbr.yaml"), analyse=False)


def deck_numbers(deck, metrics=("orders", "revenue", "aov", "wac"), weeks_only=()) -> dict:
    """Every number of the listed blocks (for `weeks_only`: the weekly ones)."""
    found = {}
    for block in deck.blocks:
        if block.metric not in metrics:
            continue
        weekly = [(w.end, w.cy, w.py) for w in block.weeks]
        box = {k: getattr(block.box, k) for k in ("last_week", "wow", "yoy")}
        if block.metric not in weeks_only:
            weekly += [(m.month, m.cy, m.py) for m in block.months]
            box = {k: getattr(block.box, k) for k in NUMBERS}
        found[block.metric] = (weekly, box)
    return found


def assert_same(left: dict, right: dict) -> None:
    assert left.keys() == right.keys()
    for metric in left:
        (lw, lb), (rw, rb) = left[metric], right[metric]
        assert [k for k, *_ in lw] == [k for k, *_ in rw], metric
        for (key, lcy, lpy), (_, rcy, rpy) in zip(lw, rw, strict=True):
            assert lcy == pytest.approx(rcy, rel=1e-12), (metric, key)
            assert lpy == pytest.approx(rpy, rel=1e-12), (metric, key)
            assert lcy is not None, (metric, key)
        for key in lb:
            assert lb[key] == pytest.approx(rb[key], rel=1e-9, abs=1e-9), (metric, key)


def test_parquet_csv_table_and_daily_csv_give_the_same_deck(tmp_path, raw):
    raw.to_parquet(tmp_path / "orders.parquet")
    raw.to_csv(tmp_path / "orders.csv", index=False)
    daily_csv(raw, tmp_path / "daily.csv")
    parquet = _deck(tmp_path, table_config("    {path: orders.parquet, date: created_at}\n"))
    csv_table = _deck(tmp_path, table_config("    {path: orders.csv, date: created_at}\n"))
    daily = _deck(tmp_path, csv_config())
    assert_same(deck_numbers(parquet), deck_numbers(csv_table))
    # The daily file cannot carry a distinct count over a month: wac is compared week by week.
    assert_same(
        deck_numbers(parquet, weeks_only=("wac",)), deck_numbers(daily, weeks_only=("wac",))
    )


def test_distinct_counts_are_counted_over_each_window_not_summed_from_days(tmp_path, raw):
    raw.to_parquet(tmp_path / "orders.parquet")
    deck = _deck(tmp_path, table_config("    {path: orders.parquet, date: created_at}\n"))
    block = next(b for b in deck.blocks if b.metric == "wac")
    day = local_days(raw)

    def distinct(start: dt.date, end: dt.date) -> int:
        inside = (day >= pd.Timestamp(start)) & (day <= pd.Timestamp(end))
        return raw.loc[inside, "customer_id"].nunique()

    last = block.weeks[-1]
    assert last.cy == distinct(WEEK - dt.timedelta(days=6), WEEK)
    assert last.py == distinct(WEEK - dt.timedelta(days=370), WEEK - dt.timedelta(days=364))
    october = next(m for m in block.months if m.month == "2026-10")
    assert october.cy == distinct(dt.date(2026, 10, 1), dt.date(2026, 10, 31))
    assert october.py == distinct(dt.date(2025, 10, 1), dt.date(2025, 10, 31))
    assert block.box.ytd == distinct(dt.date(2026, 1, 1), WEEK)
    assert block.box.qtd == distinct(dt.date(2026, 10, 1), WEEK)
    daily_sum = sum(
        distinct(WEEK - dt.timedelta(days=k), WEEK - dt.timedelta(days=k)) for k in range(7)
    )
    assert last.cy < daily_sum  # the same customer on two days counts once


def test_where_filters_and_time_zone_days(tmp_path):
    # 03:30 UTC on 2 Nov is still 1 Nov in New York; a cancelled order is not counted.
    rows = pd.DataFrame(
        {
            "created_at": pd.to_datetime(
                ["2026-11-01 03:30", "2026-11-01 18:00", "2026-11-02 03:30", "2026-11-02 12:00"]
            ),
            "status": ["shipped", "cancelled", "shipped", "shipped"],
            "amount": [10.0, 20.0, 30.0, 40.0],
        }
    )
    rows.to_parquet(tmp_path / "o.parquet")
    text = (
        "title: t\nweek_ending: 2026-11-07\ncalendar: {time_zone: America/New_York}\n"
        "tables:\n  o: {path: o.parquet, date: created_at}\n"
        "metrics:\n  n: {from: o, measure: count, where: \"status <> 'cancelled'\"}\n"
        "  top: {from: o, measure: max(amount)}\n"
    )
    (tmp_path / "wbr.yaml").write_text(text)
    from wbr.engine.sources import load_data

    data = load_data(load_config(tmp_path / "wbr.yaml"))
    assert data.actuals.loc["2026-10-31", "n"] == 1  # 03:30 UTC 1 Nov = 23:30 31 Oct EDT
    assert data.actuals.loc["2026-11-01", "n"] == 1  # the 18:00 row is cancelled; 03:30 2 Nov
    assert data.actuals.loc["2026-11-02", "n"] == 1
    assert data.actuals.loc["2026-11-01", "top"] == 30.0


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("sum", "sum needs a column"),
        ("count(x)", "count takes no column"),
        ("avg(x)", "expected count, sum(column)"),
    ],
)
def test_bad_measures(text, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        parse_measure(text)


@pytest.mark.parametrize(
    ("metric", "message"),
    [
        ("{from: nowhere, measure: count}", "metrics.m.from: unknown table 'nowhere'"),
        ("{measure: count}", "measure is only for a metric read from a table"),
        ("{from: o, measure: count, aggregation: mean}", "aggregated over a window as sum"),
        ("{aggregation: distinct}", "aggregation: distinct is only for a table metric"),
    ],
)
def test_config_errors_name_the_key(metric, message):
    text = (
        "title: t\ntables:\n  o: {path: o.parquet, date: d}\n"
        f"metrics:\n  m: {metric}\n  x: {{from: o, measure: count}}\n"
    )
    with pytest.raises(ConfigError, match=message):
        parse_config(text)


def _fails(tmp_path: Path, text: str, capsys) -> str:
    (tmp_path / "wbr.yaml").write_text(text)
    code = main(["deck", "--config", str(tmp_path / "wbr.yaml"), "--quiet"])
    err = capsys.readouterr().err.strip()
    assert code == 2, err
    assert len(err.splitlines()) == 1, err
    return err


def test_unknown_column_and_bad_condition_are_one_line(tmp_path, raw, capsys):
    raw.head(100).to_parquet(tmp_path / "orders.parquet")
    text = table_config("    {path: orders.parquet, date: created_at}\n")
    err = _fails(tmp_path, text.replace("sum(amount)", "sum(amout)"), capsys)
    assert "table 'orders': metrics.revenue.measure: unknown column 'amout'" in err
    err = _fails(tmp_path, text.replace("status = 'shipped'", "statos = 'shipped'"), capsys)
    assert "metrics.revenue.where: unknown column 'statos'" in err
    err = _fails(tmp_path, text.replace("status = 'shipped'", "status = = 1"), capsys)
    assert "metrics.revenue.where is not an SQL condition" in err
    err = _fails(tmp_path, text.replace("date: created_at", "date: status"), capsys)
    assert "column 'status' is string, expected a date or a timestamp" in err
    err = _fails(tmp_path, text.replace("orders.parquet", "missing.parquet"), capsys)
    assert "missing.parquet not found" in err


def test_query_source_wrong_columns_and_sql_error(tmp_path, capsys):
    head = "title: t\nsources:\n  actuals:\n    query: "
    metrics = "\nmetrics:\n  m: {}\n"
    err = _fails(tmp_path, head + "\"SELECT DATE '2026-01-01' AS day, 1 AS n\"" + metrics, capsys)
    assert "sources.actuals (embedded DuckDB): the result has no column 'date', 'metric'" in err
    err = _fails(tmp_path, head + '"SELEC 1"' + metrics, capsys)
    assert err.startswith("wbr: error: embedded DuckDB: sources.actuals query failed:")
    err = _fails(
        tmp_path,
        head
        + "\"SELECT TIMESTAMP '2026-01-01 10:00' AS date, 'm' AS metric, 1 AS value\""
        + metrics,
        capsys,
    )
    assert "holds times of day" in err


def test_missing_environment_variable_names_it(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("WBR_TEST_NO_SUCH_URL", raising=False)
    text = (
        "title: t\nconnections: {w: '${WBR_TEST_NO_SUCH_URL}'}\n"
        "tables:\n  o: {connection: w, table: orders, date: d}\n"
        "metrics:\n  m: {from: o, measure: count}\n"
    )
    err = _fails(tmp_path, text, capsys)
    assert "connections.w: environment variable WBR_TEST_NO_SUCH_URL is not set" in err


def test_mixing_a_table_metric_with_a_csv_and_a_query_plan(tmp_path, raw):
    raw.to_parquet(tmp_path / "orders.parquet")
    daily_csv(raw, tmp_path / "daily.csv")
    text = (
        f"title: mixed\nweek_ending: {WEEK}\ncalendar: {{time_zone: America/New_York}}\n"
        "sources:\n  actuals: {path: daily.csv, format: long}\n"
        "  plan: {format: long, query: \"SELECT DATE '2026-11-15' + CAST(i AS INTEGER) AS date, "
        "'orders' AS metric, 30 AS value FROM range(7) t(i)\"}\n"
        "tables:\n  orders: {path: orders.parquet, date: created_at}\n"
        "metrics:\n  orders: {}\n  revenue: {unit: currency}\n"
        "  shipped: {from: orders, measure: count, where: \"status = 'shipped'\"}\n"
    )
    deck = _deck(tmp_path, text)
    blocks = {b.metric: b for b in deck.blocks}
    day = local_days(raw)
    week = (day >= pd.Timestamp(WEEK - dt.timedelta(days=6))) & (raw["status"] == "shipped")
    assert blocks["shipped"].box.last_week == int(week.sum())
    assert blocks["orders"].plan.last_week == 210
    assert blocks["orders"].box.last_week == int(
        ((day >= pd.Timestamp(WEEK - dt.timedelta(days=6))) & (raw["status"] != "cancelled")).sum()
    )


def test_wbr_sql_prints_one_query_per_table(tmp_path, raw, capsys):
    raw.head(50).to_parquet(tmp_path / "orders.parquet")
    (tmp_path / "wbr.yaml").write_text(
        table_config("    {path: orders.parquet, date: created_at}\n")
    )
    assert main(["sql", "--config", str(tmp_path / "wbr.yaml")]) == 0
    out = capsys.readouterr().out
    assert "-- table orders" in out and "is the files orders.parquet" in out
    assert "GROUP BY" in out and "COUNT(DISTINCT" in out
    assert "AT TIME ZONE 'America/New_York'" in out


def test_validate_reports_each_table_and_its_columns(tmp_path, raw, capsys):
    raw.to_parquet(tmp_path / "orders.parquet")
    (tmp_path / "wbr.yaml").write_text(
        table_config("    {path: orders.parquet, date: created_at}\n")
    )
    assert main(["validate", "--config", str(tmp_path / "wbr.yaml")]) == 0
    out = capsys.readouterr().out
    assert "table orders (embedded DuckDB): OK" in out


def test_wbr_error_is_the_warehouse_error_base():
    from wbr.engine.warehouse.connect import WarehouseError

    assert issubclass(WarehouseError, WbrError)


def test_a_distinct_window_is_looked_up_never_summed_and_needs_every_day():
    import numpy as np

    from wbr.engine.aggregate import DailyMatrix, base_window_values
    from wbr.engine.calendar import Window

    first = dt.date(2026, 11, 1)
    daily = np.array([[3.0]] * 21)
    daily[2, 0] = np.nan  # a missing day in the first week
    matrix = DailyMatrix(first, daily, ("wac",))
    weeks = [
        Window(first + dt.timedelta(days=7 * k), first + dt.timedelta(days=7 * k + 6))
        for k in range(3)
    ]
    counted = {"wac": {(weeks[0].start, weeks[0].end): 5.0, (weeks[1].start, weeks[1].end): 4.0}}
    values, complete = base_window_values(matrix, ["distinct"], weeks, counted)
    assert np.isnan(values[0, 0]) and not complete[0, 0]  # incomplete: N/A, never a partial count
    assert values[1, 0] == 4.0  # the window's own count, not 7 days x 3
    assert np.isnan(values[2, 0]) and complete[2, 0]  # not counted by the engine: N/A


def test_a_table_in_a_duckdb_file_connection(tmp_path, raw):
    import duckdb

    raw.to_parquet(tmp_path / "orders.parquet")
    with duckdb.connect(str(tmp_path / "wh.duckdb")) as database:
        database.execute(f"CREATE TABLE orders AS SELECT * FROM '{tmp_path / 'orders.parquet'}'")
    connection = "connections: {local: 'duckdb://wh.duckdb'}\n"  # relative to wbr.yaml
    in_file = _deck(
        tmp_path,
        table_config("    {connection: local, table: orders, date: created_at}\n", connection),
    )
    on_files = _deck(tmp_path, table_config("    {path: orders.parquet, date: created_at}\n"))
    assert_same(deck_numbers(in_file), deck_numbers(on_files))


def test_table_dimensions_give_drill_down_slices_that_add_up(tmp_path, raw):
    from wbr.engine.sources import load_data

    raw.to_parquet(tmp_path / "orders.parquet")
    text = table_config("    {path: orders.parquet, date: created_at, dimensions: [region]}\n")
    (tmp_path / "wbr.yaml").write_text(
        text.replace("metrics:\n", "dimensions: [region]\nmetrics:\n")
    )
    data = load_data(load_config(tmp_path / "wbr.yaml"))
    slices = data.slices
    assert set(slices["metric"]) == {"orders", "revenue"}  # additive measures only
    assert set(slices["region"]) == {"NA", "EU"}
    by_day = slices.pivot_table(index="date", columns="metric", values="value", aggfunc="sum")
    totals = data.actuals.loc[by_day.index, ["orders", "revenue"]]
    assert np.allclose(by_day[["orders", "revenue"]].to_numpy(), totals.to_numpy())
    week = slices[(slices["date"] > pd.Timestamp(WEEK - dt.timedelta(days=7)))]
    day = local_days(raw)
    in_week = (day > pd.Timestamp(WEEK - dt.timedelta(days=7))) & (raw["status"] != "cancelled")
    expected = raw[in_week].groupby("region").size()
    got = week[week["metric"] == "orders"].groupby("region")["value"].sum()
    assert got.to_dict() == {k: float(v) for k, v in expected.items()}


def _setting(backend, name: str) -> str:
    return backend.raw_sql(f"SELECT current_setting('{name}')").fetchone()[0]


def test_embedded_duckdb_has_a_memory_budget(tmp_path, monkeypatch, capsys):
    from wbr.engine.warehouse.connect import embedded_duckdb

    monkeypatch.delenv("WBR_DUCKDB_MEMORY_LIMIT", raising=False)
    monkeypatch.delenv("WBR_DUCKDB_THREADS", raising=False)
    backend = embedded_duckdb(tmp_path)
    # 128MB as DuckDB prints it, and one thread: what keeps a deck's peak flat over raw rows
    assert _setting(backend, "memory_limit").replace(" ", "") in ("122.0MiB", "128.0MiB")
    assert _setting(backend, "threads") == 1
    monkeypatch.setenv("WBR_DUCKDB_MEMORY_LIMIT", "1GB")
    monkeypatch.setenv("WBR_DUCKDB_THREADS", "2")
    backend = embedded_duckdb(tmp_path)
    assert _setting(backend, "memory_limit").replace(" ", "") in ("1.0GiB", "953.6MiB")
    assert _setting(backend, "threads") == 2
    monkeypatch.setenv("WBR_DUCKDB_MEMORY_LIMIT", "lots")
    text = 'title: t\nsources:\n  actuals: {query: "SELECT 1"}\nmetrics:\n  m: {}\n'
    err = _fails(tmp_path, text, capsys)
    assert "embedded DuckDB: cannot set memory_limit = 'lots'" in err


def test_a_query_beyond_the_budget_says_which_setting_to_raise(tmp_path, raw, monkeypatch, capsys):
    raw.to_parquet(tmp_path / "orders.parquet")
    monkeypatch.setenv("WBR_DUCKDB_MEMORY_LIMIT", "2MB")
    err = _fails(tmp_path, table_config("    {path: orders.parquet, date: created_at}\n"), capsys)
    assert "embedded DuckDB: table 'orders':" in err and "Out of Memory" in err
    assert "raise WBR_DUCKDB_MEMORY_LIMIT" in err


def test_the_embedded_duckdb_is_closed_once_the_deck_has_its_numbers(tmp_path, raw, monkeypatch):
    from wbr.engine.warehouse import connect

    opened = []

    def recorded(base_dir):
        opened.append(connect_embedded(base_dir))
        return opened[-1]

    connect_embedded = connect.embedded_duckdb
    monkeypatch.setattr(connect, "embedded_duckdb", recorded)
    raw.to_parquet(tmp_path / "orders.parquet")
    deck = _deck(tmp_path, table_config("    {path: orders.parquet, date: created_at}\n"))
    assert deck.blocks and len(opened) == 1
    with pytest.raises(Exception, match=r"(?i)closed"):  # its buffers are freed for the analysis
        opened[0].raw_sql("SELECT 1")
