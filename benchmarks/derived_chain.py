"""Time a deep chain of derived metrics: d<i> = d<i-1> + orders, listed deepest first.

Issue 10 found 1,500 such metrics took 12 s in a cubic cycle check and then ended in a
RecursionError. This prints, per chain length, the time to load and check the config and to
build the deck (best of --repeat), with Python's default recursion limit.

    .venv/bin/python benchmarks/derived_chain.py [--sizes 1500 3000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

from wbr.engine.build import build_deck
from wbr.engine.config import load_config


def write_chain(folder: Path, chain: int) -> Path:
    """A year of daily orders and a wbr.yaml with `chain` derived metrics, deepest first."""
    days = pd.date_range("2025-11-01", "2026-11-21")
    frame = pd.DataFrame({"date": days.strftime("%Y-%m-%d"), "orders": range(1, len(days) + 1)})
    frame.to_csv(folder / "m.csv", index=False)
    lines = ["title: Chain", "sources: {actuals: {path: m.csv, format: wide}}", "metrics:"]
    for i in range(chain, 0, -1):
        operand = f"d{i - 1}" if i > 1 else "orders"
        lines.append(
            f"  d{i}: {{aggregation: derived, show: {str(i == chain).lower()}, "
            f"formula: {{op: sum, operands: [{operand}, orders]}}}}"
        )
    lines.append("  orders: {show: false}")
    path = folder / "wbr.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def main() -> None:
    """Print load and build times per chain length."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1500, 3000])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.2f}; recursion limit {sys.getrecursionlimit()}")
    print("chain  load+check best  build best")
    for chain in args.sizes:
        with tempfile.TemporaryDirectory() as tmp:
            path = write_chain(Path(tmp), chain)
            loads, builds = [], []
            for _ in range(args.repeat):
                started = time.perf_counter()
                config = load_config(path)
                loads.append(time.perf_counter() - started)
                started = time.perf_counter()
                build_deck(config, week_ending="2026-11-21", analyse=False)
                builds.append(time.perf_counter() - started)
        print(f"{chain:>5}  {min(loads):>13.2f} s  {min(builds):>8.2f} s")
    print(f"load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
