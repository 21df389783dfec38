"""Absent slice rows: time of wbr.engine.slices.absent_slices on a large long file.

Builds 100 metrics x 4 regions x 2 channels x 1,250 days (1,000,000 rows) in memory, with and
without two deleted rows, and prints the best of 3 for each, with the load average.

    .venv/bin/python benchmarks/slices_bench.py [--metrics 100] [--days 1250] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import time

import pandas as pd

from wbr.engine.slices import absent_slices

COLUMNS = ["region", "channel"]


def long_rows(metrics: int, days: int) -> pd.DataFrame:
    """Every metric on every day in every region and channel: a complete long file."""
    index = pd.MultiIndex.from_product(
        [
            pd.date_range("2023-08-01", periods=days),
            [f"m{i:03d}" for i in range(metrics)],
            ["Northeast", "South", "Midwest", "West"],
            ["web", "app"],
        ],
        names=["date", "metric", *COLUMNS],
    )
    return index.to_frame(index=False).astype(
        {"metric": object, "region": object, "channel": object}
    )


def best_of(repeat: int, rows: pd.DataFrame) -> tuple[float, int]:
    """(best seconds, absent rows found)."""
    best, found = float("inf"), 0
    for _ in range(repeat):
        started = time.perf_counter()
        found = len(absent_slices(rows, COLUMNS, COLUMNS))
        best = min(best, time.perf_counter() - started)
    return best, found


def main() -> None:
    """Print the timings."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--metrics", type=int, default=100)
    parser.add_argument("--days", type=int, default=1250)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    complete = long_rows(args.metrics, args.days)
    holes = complete.drop(index=[5_000, len(complete) // 2]).reset_index(drop=True)
    print(f"load average {os.getloadavg()[0]:.2f}; {len(complete):,} rows")
    for label, rows in (("complete", complete), ("two rows deleted", holes)):
        seconds, found = best_of(args.repeat, rows)
        print(f"{label:>18}: {seconds:.3f} s, {found} absent")
    print(f"load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
