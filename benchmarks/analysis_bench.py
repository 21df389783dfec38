"""Speed of the analysis step's own parts: drivers, commentary, questions (flags excluded).

Builds an in-memory business of N metrics (every fifth a ratio of the two sums before it) with
3 years of daily slices split by region (3) x channel (2), 52 weeks of commentary, events and a
plan, then times, best of --repeat:

- drivers.compute_drivers for every metric (one pass over all slices);
- commentary.commentary_by_metric;
- analysis.analyse with the flag pass replaced by a stub (what analysis adds besides flags:
  drivers, commentary, forecasts, facts and every question trigger);
- analysis.analyse with the real flags (for reference; flags are wbr/analysis/flags.py's budget).

    .venv/bin/python benchmarks/analysis_bench.py [--metrics 100 500] [--repeat 3]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import time
from types import SimpleNamespace

import numpy as np
import pandas as pd

from wbr.analysis import annotate as analysis
from wbr.analysis import flags
from wbr.analysis.commentary import commentary_by_metric
from wbr.analysis.drivers import compute_drivers
from wbr.engine import build
from wbr.engine.config import parse_config
from wbr.engine.sources import Dataset

WEEK = dt.date(2026, 11, 21)
DAYS = pd.date_range("2023-11-19", WEEK)
REGIONS = ("North", "South", "West")
CHANNELS = ("app", "web")


def business(n_metrics: int, seed: int = 3) -> tuple:
    """(config, dataset) with n_metrics metrics, a fifth of them ratios."""
    rng = np.random.default_rng(seed)
    lines = ["title: Bench", "sources: {actuals: {path: m.csv}}", "dimensions: [region, channel]",
             "metrics:"]  # fmt: skip
    sums: list[str] = []
    for i in range(n_metrics):
        if i % 5 == 4:
            lines.append(
                f"  m{i}: {{aggregation: ratio, numerator: m{i - 2}, denominator: m{i - 1}, "
                f"unit: percent, owner: Owner {i}}}"
            )
        else:
            drives = f", drives: [m{i + 1}]" if i % 5 == 0 else ""
            lines.append(f"  m{i}: {{owner: Owner {i}{drives}}}")
            sums.append(f"m{i}")
    config = parse_config("\n".join(lines))
    cells = [(r, c) for r in REGIONS for c in CHANNELS]
    n_days, n_cells = len(DAYS), len(cells)
    level = rng.uniform(100, 10_000, len(sums))
    season = 1 + 0.2 * np.sin(np.arange(n_days) * 2 * np.pi / 365.25)
    values = (
        level[:, None, None]
        * season[None, :, None]
        * rng.uniform(0.9, 1.1, (len(sums), n_days, n_cells))
        / n_cells
    )
    regions = np.array([r for r, _ in cells], dtype=object)
    channels = np.array([c for _, c in cells], dtype=object)
    slices = pd.DataFrame(
        {
            "date": np.tile(np.repeat(DAYS.to_numpy(), n_cells), len(sums)),
            "metric": np.repeat(np.array(sums, dtype=object), n_days * n_cells),
            "value": values.reshape(-1),
            "region": np.tile(regions, n_days * len(sums)),
            "channel": np.tile(channels, n_days * len(sums)),
        }
    )
    actuals = pd.DataFrame(values.sum(axis=2).T, index=DAYS, columns=sums)
    plan_days = pd.date_range("2026-01-01", "2026-12-31")
    plan = pd.DataFrame(
        np.repeat(level[None, :] * 1.02, len(plan_days), axis=0), index=plan_days, columns=sums
    )
    weeks = [WEEK - dt.timedelta(weeks=k) for k in range(52)]
    commented = [m for m in config.metrics][::5]
    commentary = pd.DataFrame(
        [
            (pd.Timestamp(w), m, "Owner", "Down 2.0% WoW due to weather; fix by 2026-12-01.")
            for w in weeks
            for m in commented
        ],
        columns=["week_ending", "metric", "author", "text"],
    )
    events = pd.DataFrame(
        {
            "date": pd.to_datetime(["2026-11-17", "2026-10-01", "2025-11-28"]),
            "metric": [None, "m0", None],
            "description": ["Outage", "Launched feature", "Black Friday"],
        }
    )
    return config, Dataset(actuals, plan, slices, commentary, events)


def best(repeat: int, run) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def stub_flags(history, metric, settings, events=(), *, plan_score=None):
    """No flags: isolates what analysis adds besides the flag pass."""
    return SimpleNamespace(flags=(), xmr_series=None, chart=None)


def measure(n: int, repeat: int) -> str:
    """One table row for a business of n metrics."""
    config, dataset = business(n)
    blocks = build.build_deck(config, dataset, WEEK, analyse=False).blocks
    histories = build._histories(
        config,
        dataset,
        build.DailyMatrix.from_frame(dataset.actuals),
        build.DailyMatrix.from_frame(dataset.plan),
        WEEK,
    )
    drivers = best(repeat, lambda: compute_drivers(dataset, config, WEEK))
    notes = best(repeat, lambda: commentary_by_metric(dataset.commentary, WEEK, config.metrics))
    real = flags.assess_metric
    flags.assess_metric = stub_flags
    try:
        quiet = best(repeat, lambda: analysis.analyse(blocks, histories, config, dataset, WEEK))
    finally:
        flags.assess_metric = real
    start = time.perf_counter()
    analysed = analysis.analyse(blocks, histories, config, dataset, WEEK)
    full = time.perf_counter() - start
    asked = sum(len(b.questions) for b in analysed)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return (
        f"| {n} | {len(dataset.slices):,} | {drivers:.3f} s | {drivers / n * 1000:.2f} ms | "
        f"{notes:.3f} s | {quiet:.3f} s | {quiet / len(blocks) * 1000:.2f} ms | {full:.2f} s | "
        f"{asked} | {peak:.0f} MB |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--metrics", type=int, nargs="+", default=[100, 500])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.1f}; best of {args.repeat}")
    print(
        "| metrics | slice rows | drivers | per metric | commentary | analyse (no flags) | "
        "per block | analyse (real flags, once) | questions | peak RSS |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for n in args.metrics:
        print(measure(n, args.repeat))


if __name__ == "__main__":
    main()
