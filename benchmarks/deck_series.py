"""What Block.series (the weekly series and XmR limits each block carries for the explore view)
costs: deck.json's size and Deck.to_json CPU time with and without the series, and the CPU time
of making them from the flag pass's assessments, on the bundled sample and on
benchmarks/scale.py's generated businesses.

    .venv/bin/python benchmarks/deck_series.py [--sizes 100 500] [--repeat 5]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.scale import write_business  # noqa: E402
from wbr.analysis import flags  # noqa: E402
from wbr.analysis.weekly_series import weekly_series  # noqa: E402
from wbr.engine.build import build_deck, metric_histories  # noqa: E402
from wbr.engine.config import Config, load_config  # noqa: E402
from wbr.engine.deck import Deck  # noqa: E402


def best_seconds(deck: Deck, repeat: int) -> float:
    """Best of `repeat` CPU times of deck.to_json() (the machine is shared: wall time varies)."""
    times = []
    for _ in range(repeat):
        start = time.process_time()
        deck.to_json()
        times.append(time.process_time() - start)
    return min(times)


def series_seconds(config: Config, deck: Deck) -> float:
    """CPU time of making every block's WeeklySeries from its flag assessment."""
    histories = metric_histories(config, week_ending=deck.week_ending)
    pairs = [
        (
            flags.assess_metric(
                histories[b.metric],
                config.metrics[b.metric],
                config.flag_settings(b.metric),
                plan_score=b.plan,
            ),
            histories[b.metric],
        )
        for b in deck.blocks
    ]
    start = time.process_time()
    for assessment, history in pairs:
        weekly_series(assessment, history)
    return time.process_time() - start


def row(name: str, config_path: Path, repeat: int) -> str:
    """One table row: blocks, bytes and to_json time without and with the series."""
    config = load_config(config_path)
    deck = build_deck(config)
    bare = replace(deck, blocks=tuple(replace(b, series=None) for b in deck.blocks))
    with_bytes, bare_bytes = len(deck.to_json().encode()), len(bare.to_json().encode())
    with_time, bare_time = best_seconds(deck, repeat), best_seconds(bare, repeat)
    weeks = max((len(b.series.values) for b in deck.blocks if b.series), default=0)
    return (
        f"| {name} | {len(deck.blocks)} | {weeks} | {bare_bytes / 1e6:.2f} -> "
        f"{with_bytes / 1e6:.2f} MB (+{with_bytes / bare_bytes - 1:.0%}) | "
        f"{bare_time:.3f} -> {with_time:.3f} s | {series_seconds(config, deck):.3f} s |"
    )


def main() -> None:
    """Print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 500])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.2f}")
    print("| deck | blocks | weeks kept | deck.json | to_json | making the series |")
    print("|---|---|---|---|---|---|")
    print(row("sample (wbr.yaml)", ROOT / "wbr.yaml", args.repeat))
    with tempfile.TemporaryDirectory() as scratch:
        for size in args.sizes:
            folder = Path(scratch) / str(size)
            folder.mkdir()
            print(row(f"{size} metrics", write_business(folder, size), args.repeat))
    print(f"load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
