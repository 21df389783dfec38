"""Metrics from raw tables: time and peak memory of `wbr deck` over raw order rows.

    .venv/bin/python benchmarks/warehouse.py                  # 5M and 50M rows, Parquet + DuckDB
    .venv/bin/python benchmarks/warehouse.py --rows 5e6 --postgres 5e6

For each size it writes the raw orders as Parquet files (in --work, default a temp folder; the
50M set is about 0.7 GB), then runs `wbr deck --json` in a fresh process and reports its wall time
and peak resident memory (ru_maxrss of the child), beside the floor: the same aggregation written
by hand in DuckDB SQL (the daily GROUP BY, and the distinct counts per week, month and period to
date), timed in-process (`--floor-only`: just that, on existing files). With --postgres N
it starts a throwaway PostgreSQL (Debian's server, as in the tests), copies N rows in and times
the deck against it. Peak memory should not grow with the row count: only metrics x days come
back to Python. The machine's load average is printed, since timings depend on it.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CHUNK = 2_500_000
FIRST = np.datetime64("2024-01-01T00:00:00", "s")
SPAN_DAYS = 3 * 365 - 20  # ends 2026-12-11: the deck's week is the last whole week
STATUSES = np.array(["shipped", "pending", "cancelled", "returned"])
CONFIG = """title: Warehouse benchmark
calendar: {{time_zone: America/New_York}}
{connections}tables:
  orders: {{{table}, date: created_at}}
metrics:
  orders: {{from: orders, measure: count, where: "status <> 'cancelled'"}}
  revenue: {{from: orders, measure: sum(amount), where: "status = 'shipped'", unit: currency}}
  aov: {{aggregation: ratio, numerator: revenue, denominator: orders, unit: currency}}
  biggest_order: {{from: orders, measure: max(amount), unit: currency}}
  active_customers: {{from: orders, measure: count_distinct(customer_id)}}
"""
LOCAL_DAY = "CAST(created_at AT TIME ZONE 'UTC' AT TIME ZONE 'America/New_York' AS DATE)"
# The floor: what wbr asks the engine for, written by hand in DuckDB SQL over the same files and
# days (the daily values of every metric, then the distinct customers per week, per month and
# per period to date).
FLOOR_SQL = (
    """
SELECT {day} AS day, COUNT(*) FILTER (WHERE status <> 'cancelled'),
       SUM(amount) FILTER (WHERE status = 'shipped'), MAX(amount), COUNT(DISTINCT customer_id)
FROM read_parquet('{glob}') WHERE {days} GROUP BY 1""",
    """
SELECT (({day}) - DATE '{anchor}') // 7 AS week, COUNT(DISTINCT customer_id)
FROM read_parquet('{glob}') WHERE {days} GROUP BY 1""",
    """
SELECT year({day}) * 12 + month({day}) AS month, COUNT(DISTINCT customer_id)
FROM read_parquet('{glob}') WHERE {days} GROUP BY 1""",
    """
SELECT {windows} FROM read_parquet('{glob}') WHERE {days}""",
)


def chunks(rows: int, seed: int = 1):
    """Raw order rows as Arrow tables of CHUNK rows, timestamps spread over SPAN_DAYS."""
    rng = np.random.default_rng(seed)
    done = 0
    while done < rows:
        n = min(CHUNK, rows - done)
        seconds = np.sort(rng.integers(0, SPAN_DAYS * 86_400, n))
        yield pa.table(
            {
                "order_id": np.arange(done, done + n, dtype=np.int64),
                "created_at": (FIRST + seconds.astype("timedelta64[s]")).astype("datetime64[us]"),
                "customer_id": rng.integers(0, 2_000_000, n),
                "status": pa.array(STATUSES[rng.integers(0, 4, n)]).dictionary_encode(),
                "amount": np.round(rng.gamma(2.0, 30.0, n), 2),
            }
        )
        done += n


def write_parquet(folder: Path, rows: int) -> Path:
    """The raw rows as Parquet files in `folder` (reused when already there)."""
    folder.mkdir(parents=True, exist_ok=True)
    marker = folder / f".complete-{rows}"
    if not marker.exists():
        for old in folder.glob("*.parquet"):
            old.unlink()
        for index, table in enumerate(chunks(rows)):
            pq.write_table(table, folder / f"part-{index:04d}.parquet", compression="zstd")
        marker.touch()
    return folder


# A small launcher process runs each measured command and reports the command's own peak memory:
# Linux carries the exec-ing process's peak into ru_maxrss, so the command must not be exec'ed
# straight from this (large) process.
LAUNCHER = (
    "import os, subprocess, sys\n"
    "child = subprocess.Popen(sys.argv[1:])\n"
    "_, status, usage = os.wait4(child.pid, 0)\n"
    "print('maxrss', usage.ru_maxrss, file=sys.stderr)\n"
    "sys.exit(os.waitstatus_to_exitcode(status))\n"
)


def measured(command: list[str], env: dict[str, str] | None = None) -> tuple[float, float, str]:
    """(seconds, peak MB, stdout) of a command run in a fresh process."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", LAUNCHER, *command],
        env={**os.environ, **(env or {})},
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command[:4])} failed: {done.stderr.strip()}")
    line = next(x for x in done.stderr.splitlines() if x.startswith("maxrss"))
    return seconds, int(line.split()[1]) / 1024, done.stdout


def run_deck(config: Path, env: dict[str, str] | None = None) -> tuple[float, float]:
    """(seconds, peak MB) of `wbr deck --json` (the embedded DuckDB's memory included)."""
    command = [sys.executable, "-m", "wbr.cli", "deck", "--quiet", "--config", str(config)]
    seconds, peak, _ = measured([*command, "--json", str(config.with_suffix(".json"))], env)
    return seconds, peak


def floor_seconds(folder: Path) -> float:
    """The same aggregation written directly in DuckDB SQL, timed in this process."""
    import datetime as dt
    import zoneinfo

    import duckdb

    from wbr.engine.calendar import Calendar
    from wbr.engine.warehouse.connect import DUCKDB_MEMORY_LIMIT, DUCKDB_THREADS
    from wbr.engine.warehouse.load import days_read, deck_windows

    budget = {  # the budget wbr's embedded DuckDB has
        "memory_limit": os.environ.get("WBR_DUCKDB_MEMORY_LIMIT", DUCKDB_MEMORY_LIMIT),
        "preserve_insertion_order": False,
    }
    threads = os.environ.get("WBR_DUCKDB_THREADS", DUCKDB_THREADS)
    if threads:
        budget["threads"] = int(threads)
    connection = duckdb.connect(config=budget)
    started = time.perf_counter()
    glob = folder / "*.parquet"
    last = connection.execute(f"SELECT MAX({LOCAL_DAY}) FROM read_parquet('{glob}')").fetchone()[0]
    calendar = Calendar()
    week = calendar.week_end_on_or_before(last)
    days = days_read(calendar, week)
    zone = zoneinfo.ZoneInfo("America/New_York")  # the days' UTC bounds, as wbr computes them
    low = dt.datetime.combine(days.start, dt.time(), zone).astimezone(dt.UTC).replace(tzinfo=None)
    high = dt.datetime.combine(days.end + dt.timedelta(days=1), dt.time(), zone)
    high = high.astimezone(dt.UTC).replace(tzinfo=None)
    where = f"created_at >= TIMESTAMP '{low}' AND created_at < TIMESTAMP '{high}'"
    _, ptd = deck_windows(calendar, week)
    windows = ", ".join(
        f"COUNT(DISTINCT customer_id) FILTER (WHERE {LOCAL_DAY} BETWEEN DATE '{w.start}' "
        f"AND DATE '{w.end}')"
        for w in ptd
    )
    anchor = week - dt.timedelta(days=7 * ((week - days.start).days // 7 + 1) - 1)
    for sql in FLOOR_SQL:
        text = sql.format(day=LOCAL_DAY, glob=glob, days=where, anchor=anchor, windows=windows)
        connection.execute(text).fetchall()
    return time.perf_counter() - started


def bench_parquet(work: Path, rows: int) -> None:
    folder = write_parquet(work / f"orders-{rows}", rows)
    size = sum(p.stat().st_size for p in folder.glob("*.parquet")) / 1e6
    config = work / f"parquet-{rows}.yaml"
    config.write_text(CONFIG.format(connections="", table=f"path: {folder}/*.parquet"))
    seconds, peak = run_deck(config)
    _, floor_peak, out = measured([sys.executable, __file__, "--floor-one", str(folder)])
    floor = float(out.split()[0])
    print(
        f"parquet  {rows:>12,} rows  {size:8.0f} MB  wbr deck {seconds:6.1f} s  "
        f"peak {peak:6.0f} MB  | DuckDB SQL floor {floor:6.1f} s  peak {floor_peak:6.0f} MB",
        flush=True,
    )


def bench_postgres(rows: int) -> None:
    import psycopg

    from tests.warehouse_support import PASSWORD, postgres_server

    with postgres_server() as (host, port), tempfile.TemporaryDirectory() as scratch:
        started = time.perf_counter()
        with psycopg.connect(
            host=host, port=port, user="wbr", password=PASSWORD, dbname="wbr"
        ) as connection:
            connection.execute(
                "CREATE TABLE orders (order_id bigint, created_at timestamp, "
                "customer_id bigint, status text, amount double precision)"
            )
            with connection.cursor().copy("COPY orders FROM STDIN") as copy:
                for table in chunks(rows):
                    frame = table.to_pandas()
                    frame["status"] = frame["status"].astype(str)
                    copy.write(frame.to_csv(sep="\t", header=False, index=False).encode())
            connection.execute("CREATE INDEX ON orders (created_at)")
            connection.execute("ANALYZE orders")
        loaded = time.perf_counter() - started
        config = Path(scratch) / "pg.yaml"
        connection_line = "connections: {pg: '${WBR_BENCH_PG_URL}'}\n"
        config.write_text(
            CONFIG.format(connections=connection_line, table="connection: pg, table: orders")
        )
        url = f"postgresql://wbr:{PASSWORD}@{host}:{port}/wbr"
        seconds, peak = run_deck(config, {"WBR_BENCH_PG_URL": url})
        print(
            f"postgres {rows:>12,} rows  (loaded in {loaded:5.0f} s)  wbr deck {seconds:6.1f} s  "
            f"peak {peak:6.0f} MB",
            flush=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=float, nargs="+", default=[5e6, 5e7])
    parser.add_argument("--postgres", type=float, default=0, help="rows in PostgreSQL (0: skip)")
    parser.add_argument("--work", type=Path, default=None, help="folder for the Parquet files")
    parser.add_argument("--floor-only", action="store_true", help="time only the DuckDB SQL floor")
    parser.add_argument("--floor-one", type=Path, help=argparse.SUPPRESS)  # the floor's process
    args = parser.parse_args()
    if args.floor_one:
        print(floor_seconds(args.floor_one))
        return
    work = args.work or Path(tempfile.mkdtemp(prefix="wbr-warehouse-"))
    print(f"load average {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f}, {os.cpu_count()} CPUs")
    budget = {k: v for k, v in os.environ.items() if k.startswith("WBR_DUCKDB_")}
    print(f"embedded DuckDB budget: {budget or 'the defaults'}")
    for rows in sorted(int(r) for r in args.rows):
        if args.floor_only:
            folder = write_parquet(work / f"orders-{rows}", rows)
            print(f"parquet  {rows:>12,} rows  DuckDB SQL floor {floor_seconds(folder):6.1f} s")
        else:
            bench_parquet(work, rows)
    if args.postgres:
        bench_postgres(int(args.postgres))
    print(f"load average {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f}")


if __name__ == "__main__":
    main()
