"""Shared pieces of the warehouse tests: raw orders, pandas' own daily aggregation of them, deck
configs over the same rows, and a real PostgreSQL server in a temporary folder."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd

TIME_ZONE = "America/New_York"
WEEK = dt.date(2026, 11, 21)  # a Saturday: the deck's week ending and the data's last local day
FIRST_DAY = dt.date(2024, 9, 1)  # after the first day any deck for WEEK reads, so files agree
PG_BINS = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parts[-3]))
PG_BIN = PG_BINS[-1].parent if PG_BINS else Path("/usr/lib/postgresql/15/bin")
PASSWORD = "s3cr3t-Pa55!word"


def raw_orders(seed: int = 7, per_day: int = 40) -> pd.DataFrame:
    """Raw order rows with naive UTC timestamps whose local days run FIRST_DAY .. WEEK."""
    rng = np.random.default_rng(seed)
    zone = "America/New_York"
    start = pd.Timestamp(FIRST_DAY).tz_localize(zone).tz_convert("UTC")
    stop = pd.Timestamp(WEEK + dt.timedelta(days=1)).tz_localize(zone).tz_convert("UTC")
    seconds = int((stop - start).total_seconds())
    n = per_day * (WEEK - FIRST_DAY).days
    offsets = np.sort(rng.integers(0, seconds, n))
    created = (start + pd.to_timedelta(offsets, unit="s")).tz_localize(None)
    return pd.DataFrame(
        {
            "order_id": np.arange(n),
            "created_at": created.astype("datetime64[us]"),
            "status": rng.choice(["shipped", "cancelled", "pending"], n, p=[0.75, 0.1, 0.15]),
            "amount": rng.integers(500, 20000, n) / 100.0,
            "customer_id": rng.integers(0, 900, n),
            "region": rng.choice(["NA", "EU"], n),
        }
    )


def local_days(raw: pd.DataFrame) -> pd.Series:
    """Each row's day in TIME_ZONE (pandas' own conversion, independent of the engines)."""
    local = raw["created_at"].dt.tz_localize("UTC").dt.tz_convert(TIME_ZONE)
    return local.dt.tz_localize(None).dt.normalize()


def daily_csv(raw: pd.DataFrame, path: Path) -> None:
    """The metrics as a long daily CSV aggregated by pandas: orders, revenue and wac_7d (the
    distinct customers of the 7 days ending each day, so a week's last day is its distinct
    count)."""
    day = local_days(raw)
    days = pd.date_range(day.min(), day.max(), freq="D")
    orders = raw[raw["status"] != "cancelled"].groupby(day).size().reindex(days, fill_value=0)
    shipped = raw["status"] == "shipped"
    revenue = raw[shipped].groupby(day[shipped])["amount"].sum().reindex(days, fill_value=0.0)
    customers = raw.groupby(day)["customer_id"].agg(set).reindex(days)
    rolling = [
        len(set().union(*customers.iloc[max(0, i - 6) : i + 1])) if i >= 6 else np.nan
        for i in range(len(days))
    ]
    frames = [
        pd.DataFrame({"date": days, "metric": name, "value": values})
        for name, values in (
            ("orders", orders.to_numpy(dtype=float)),
            ("revenue", revenue.to_numpy()),
            ("wac", rolling),
        )
    ]
    long = pd.concat(frames).dropna()
    long["date"] = long["date"].dt.strftime("%Y-%m-%d")
    long.to_csv(path, index=False)


HEAD = f"""title: Warehouse equivalence
week_ending: {WEEK}
calendar: {{time_zone: {TIME_ZONE}}}
"""
RATIO = "  aov: {aggregation: ratio, numerator: revenue, denominator: orders, unit: currency}\n"
TABLE_METRICS = """  orders: {from: orders, measure: count, where: "status <> 'cancelled'"}
  revenue: {from: orders, measure: sum(amount), where: "status = 'shipped'", unit: currency}
  wac: {from: orders, measure: count_distinct(customer_id), label: Weekly active customers}
"""


def table_config(table_lines: str, connections: str = "") -> str:
    """A deck whose metrics are all read from the table `orders` described by `table_lines`."""
    return (
        HEAD
        + connections
        + "tables:\n  orders:\n"
        + table_lines
        + "metrics:\n"
        + TABLE_METRICS
        + RATIO
    )


def query_config(connection: str, query: str) -> str:
    """orders and revenue from a `query` source; wac from the raw table on the same connection."""
    return (
        HEAD
        + f"connections: {{pg: {connection}}}\n"
        + "sources:\n  actuals:\n    connection: pg\n    format: long\n"
        + "    query: |\n"
        + "".join(f"      {line}\n" for line in query.strip().splitlines())
        + "tables:\n  orders: {connection: pg, table: orders, date: created_at}\n"
        + "metrics:\n"
        + "  orders: {}\n  revenue: {unit: currency}\n"
        + "  wac: {from: orders, measure: count_distinct(customer_id)}\n"
        + RATIO
    )


def csv_config() -> str:
    """The same metrics from the daily CSV pandas wrote (wac: the 7-day count on the last day)."""
    return (
        HEAD
        + "sources:\n  actuals: {path: daily.csv, format: long}\n"
        + "metrics:\n  orders: {}\n  revenue: {unit: currency}\n"
        + "  wac: {aggregation: last, label: Weekly active customers}\n"
        + RATIO
    )


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def postgres_server() -> Iterator[tuple[str, int]]:
    """A throwaway PostgreSQL (Debian's binaries, run as the `postgres` user since root cannot):
    yields (password-bearing URL template pieces) as (host, port); user `wbr`, database `wbr`."""
    user = pwd.getpwnam("postgres")
    folder = Path(tempfile.mkdtemp(prefix="wbr-pg-"))
    os.chown(folder, user.pw_uid, user.pw_gid)
    data = folder / "data"
    password_file = folder / "password"
    password_file.write_text(PASSWORD + "\n")
    os.chown(password_file, user.pw_uid, user.pw_gid)
    port = free_port()

    def as_postgres(*args: str) -> None:
        subprocess.run(
            ["runuser", "-u", "postgres", "--", *args],
            check=True,
            capture_output=True,
            cwd=folder,
        )

    as_postgres(
        str(PG_BIN / "initdb"),
        "-D",
        str(data),
        "-U",
        "wbr",
        "--auth-local=trust",
        "--auth-host=scram-sha-256",
        f"--pwfile={password_file}",
    )
    options = f"-c listen_addresses=127.0.0.1 -p {port} -k {folder} -c fsync=off"
    # The server's output goes to a log file: a pipe held open by it would never reach EOF.
    log = folder / "server.log"
    as_postgres(
        str(PG_BIN / "pg_ctl"), "-D", str(data), "-l", str(log), "-o", options, "-w", "start"
    )
    try:
        as_postgres(
            str(PG_BIN / "createdb"), "-h", str(folder), "-p", str(port), "-U", "wbr", "wbr"
        )
        yield "127.0.0.1", port
    finally:
        as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop")
        time.sleep(0.2)
        shutil.rmtree(folder, ignore_errors=True)


def load_into_postgres(host: str, port: int, raw: pd.DataFrame) -> None:
    """Create table `orders` and copy the raw rows in."""
    import psycopg

    with psycopg.connect(
        host=host, port=port, user="wbr", password=PASSWORD, dbname="wbr"
    ) as connection:
        connection.execute(
            "CREATE TABLE orders (order_id bigint, created_at timestamp, status text, "
            "amount double precision, customer_id bigint, region text)"
        )
        columns = ["order_id", "created_at", "status", "amount", "customer_id", "region"]
        with connection.cursor().copy(f"COPY orders ({', '.join(columns)}) FROM STDIN") as copy:
            for row in raw[columns].itertuples(index=False):
                copy.write_row(
                    (
                        int(row[0]),
                        row[1].to_pydatetime(),
                        row[2],
                        float(row[3]),
                        int(row[4]),
                        row[5],
                    )
                )
