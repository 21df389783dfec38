"""The same `tables:` config on Spark (pyspark in local mode) gives the deck DuckDB gives, number
for number: the path for a business that outgrows one machine."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.test_warehouse import assert_same, deck_numbers
from tests.warehouse_support import raw_orders, table_config
from wbr.engine.build import build_deck
from wbr.engine.config import load_config

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(
        shutil.which("java") is None, reason="Spark needs Java (.ci/run installs it)"
    ),
]


@pytest.fixture(scope="module")
def spark():
    pyspark = pytest.importorskip("pyspark.sql")
    session = (
        pyspark.SparkSession.builder.master("local[2]")
        .appName("wbr-test")
        # Spark timestamps read in the session's zone: UTC, so a naive timestamp stays UTC.
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.ui.enabled", "false")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


def test_spark_and_duckdb_give_the_same_deck(tmp_path: Path, spark):
    raw = raw_orders()
    raw.to_parquet(tmp_path / "orders.parquet")
    on_spark = table_config(
        "    {connection: spark, path: orders.parquet, date: created_at}\n",
        "connections: {spark: 'pyspark://'}\n",  # the running local session
    )
    (tmp_path / "spark.yaml").write_text(on_spark)
    (tmp_path / "duck.yaml").write_text(
        table_config("    {path: orders.parquet, date: created_at}\n")
    )
    duck = build_deck(load_config(tmp_path / "duck.yaml"), analyse=False)
    spark_deck = build_deck(load_config(tmp_path / "spark.yaml"), analyse=False)
    assert_same(deck_numbers(spark_deck), deck_numbers(duck))
