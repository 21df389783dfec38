"""Deck identity: deck.json byte for byte (apart from `generated_at`) from two versions of wbr.

Performance work must not change a number or a flag. This script writes the deck.json of the
bundled sample (copied into a temporary folder, so no earlier reports are read) and of
`benchmarks/scale.py`'s generated businesses (plain and with shocked days, which cite a day and so
run statsmodels' STL) and of its long files (`--long`: date, metric, value, region, channel; as
exported and made irregular) with this checkout's wbr and with another version, each `wbr deck`
run as its own process, and compares the files after blanking `generated_at`.

    .venv/bin/python benchmarks/deck_identity.py [--against HEAD~3] [--tree /some/checkout]
        [--sizes 100 500] [--shocked 5] [--events 40] [--long 10]

With `--events N` (default 40) each size also has a deck with an events file, and each size a
deck that remembers last week's (written by this checkout into its reports folder) after its data
changed: restatements and carried questions (`wbr deck --out`).

`--against REV` exports that git revision's `wbr/` with `git archive` into a temporary folder
(default: HEAD, i.e. the uncommitted edits against the last commit); `--tree DIR` uses a checkout
or copy instead, and `--this DIR` replaces this checkout on the other side. Each version runs with
PYTHONPATH pointing at it. Exits 1 if any deck differs, printing the first differing line.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from scale import write_business, write_long_business  # a sibling script, not a package

ROOT = Path(__file__).resolve().parents[1]
PYTHON = ROOT / ".venv" / "bin" / "python"
WBR = ROOT / ".venv" / "bin" / "wbr"
_STAMP = re.compile(rb'"generated_at": "[^"]*"')


def export_revision(revision: str, into: Path) -> Path:
    """`wbr/` as of a git revision, unpacked into `into`; returns `into`."""
    archive = subprocess.run(
        ["git", "archive", "--format=tar", revision, "wbr"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return into


def sample_config(folder: Path) -> Path:
    """The bundled sample (wbr.yaml and data/sample) copied into `folder`."""
    shutil.copy(ROOT / "wbr.yaml", folder / "wbr.yaml")
    shutil.copytree(ROOT / "data" / "sample", folder / "data" / "sample")
    return folder / "wbr.yaml"


def deck_bytes(config: Path, tree: Path | None, out: Path, *options: str) -> bytes:
    """deck.json written by `wbr deck` with the wbr of `tree` (None: this checkout)."""
    env = dict(os.environ)
    if tree is not None:
        env["PYTHONPATH"] = str(tree)
    done = subprocess.run(
        [str(WBR), "deck", "--config", str(config), "--json", str(out), "--quiet", *options],
        cwd=config.parent,
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise SystemExit(f"wbr deck failed ({tree or 'this checkout'}):\n{done.stderr[-2000:]}")
    return _STAMP.sub(b'"generated_at": ""', out.read_bytes())


def remembering_business(folder: Path, n: int, events: int) -> Path:
    """A business whose deck remembers last week's (written here, by this checkout, into
    reports/) and whose data changed since: ~6% of the metrics restated on three past days,
    one number now N/A. Its deck is read with `--out reports`."""
    config = write_business(folder, n, events=events)
    earlier = folder / "reports" / "2026-11-14" / "deck.json"
    earlier.parent.mkdir(parents=True)
    deck_bytes(config, None, earlier, "--week", "2026-11-14")
    frame = pd.read_csv(folder / "metrics.csv", index_col="date")
    rng = np.random.default_rng(1)
    changed = rng.choice(frame.columns, max(1, len(frame.columns) * 6 // 100), replace=False)
    for column in changed:
        rows = rng.choice(np.arange(len(frame) - 200, len(frame) - 8), 3, replace=False)
        frame.iloc[rows, frame.columns.get_loc(column)] *= rng.uniform(0.5, 1.5)
    frame.iloc[-30, frame.columns.get_loc(changed[0])] = np.nan
    frame.to_csv(folder / "metrics.csv")
    return config


def first_difference(a: bytes, b: bytes) -> str:
    """The first line that differs, from each side."""
    for number, (left, right) in enumerate(zip(a.splitlines(), b.splitlines(), strict=False), 1):
        if left != right:
            return f"line {number}:\n  this: {left[:200]!r}\n  other: {right[:200]!r}"
    return f"one is a prefix of the other ({len(a)} vs {len(b)} bytes)"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--against", default="HEAD", help="git revision to compare with")
    parser.add_argument("--tree", type=Path, help="a folder holding wbr/ to compare with")
    parser.add_argument(
        "--this",
        type=Path,
        default=None,
        help="a folder holding wbr/ to use instead of this checkout",
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 500])
    parser.add_argument("--shocked", type=int, default=5)
    parser.add_argument("--events", type=int, default=40, help="events in one more deck a size")
    parser.add_argument(
        "--long",
        type=int,
        nargs="*",
        default=[10],
        help="long files of these many metrics x 20 regions x 3 channels, as exported and "
        "irregular (shuffled, an unsplit metric, an absent slice row, a blank value)",
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        other = args.tree or export_revision(args.against, tmp / "other")
        decks: list[tuple[str, Path, tuple[str, ...]]] = []
        (tmp / "sample").mkdir()
        decks.append(("sample", sample_config(tmp / "sample"), ()))
        for n in args.sizes:
            for shocked in sorted({0, args.shocked}):
                folder = tmp / f"m{n}-{shocked}"
                folder.mkdir()
                label = f"{n} metrics" + (f", {shocked} shocked" if shocked else "")
                decks.append((label, write_business(folder, n, shocked=shocked), ()))
            if args.events:  # the deck's events per block (business-wide and per metric)
                folder = tmp / f"m{n}-events"
                folder.mkdir()
                config = write_business(folder, n, events=args.events)
                decks.append((f"{n} metrics, {args.events} events", config, ()))
            folder = tmp / f"m{n}-memory"  # deck memory: restatements, carried questions
            folder.mkdir()
            config = remembering_business(folder, n, args.events)
            decks.append((f"{n} metrics, deck memory", config, ("--out", str(folder / "reports"))))
        for n in args.long:
            for irregular in (False, True):
                folder = tmp / f"long{n}-{int(irregular)}"
                folder.mkdir()
                label = f"{n} metrics, long" + (", irregular" if irregular else "")
                decks.append((label, write_long_business(folder, n, irregular=irregular), ()))
        print(f"{args.this or 'this checkout'} vs {args.tree or args.against}")
        differ = 0
        for label, config, options in decks:
            mine = deck_bytes(config, args.this, config.parent / "mine.json", *options)
            theirs = deck_bytes(config, other, config.parent / "theirs.json", *options)
            blocks = len(json.loads(mine)["blocks"])
            digest = hashlib.sha256(mine).hexdigest()[:16]
            if mine == theirs:
                print(f"  {label}: identical ({blocks} blocks, {len(mine):,} bytes, {digest})")
            else:
                differ += 1
                print(f"  {label}: DIFFERS ({blocks} blocks) at {first_difference(mine, theirs)}")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
