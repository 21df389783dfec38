"""Scale: whole-process time and peak memory of `wbr deck` at 100, 500 and 1,000 metrics.

For each size, writes 3 years of daily data (a wide CSV) and a matching wbr.yaml into a temporary
folder, then runs `wbr deck --config X --json out.json` as a separate process, best of 3 by wall
clock, with the peak resident memory of that process (RUSAGE_CHILDREN of a one-child wrapper).
Also times rendering a 300-block HTML deck (wbr.render.html.deck_html).

    .venv/bin/python benchmarks/scale.py [--sizes 100 500 1000] [--repeat 3] [--phases]
        [--shocked K] [--profile 500] [--long 50 200]

The table gives the time per metric (best wall and CPU seconds over the metrics; issue 14 asks
for it at 1,000, 10,000 and 100,000 to show growth is linear). `--phases` loads as `wbr deck`
does (the collector off while the config and data load, then everything loaded frozen).

`--long N...` also writes long files (date, metric, value, region, channel) of N metrics, each
split by 20 regions x 3 channels over the same 3 years (50 metrics: 3.3 M rows; 200: 13 M; 760:
50 M, 2 GB), whose floor reads the file and sums every metric by week with a groupby; the
target there (issue 14) is 3x the floor and 1 GB at 3.3 M rows. `--sizes` with no number skips
the wide files.

Before timing, scale.py compiles the bytecode of each tree it runs, as a wheel install does (this
machine sets PYTHONDONTWRITEBYTECODE: otherwise every run compiles wbr's ~100 modules, ~0.1 s).

`--shocked K` makes one day of the deck's week 3x its usual value in K metrics: their seasonal
residual flags cite that day. statsmodels' STL (about 0.2 s to import without scipy.signal:
wbr/analysis/stl_import.py) is imported at the first STL fit, for any week the weekday screen
sends on: the plain business sends some too (39 weeks at 1,000 metrics), so both import it.

The peak memory is the `wbr deck` process's own (ru_maxrss) and its whole process tree's (the
analysis forks a worker on big decks: wbr/analysis/parallel.py), sampled every 50 ms: the sum of
PSS (shared pages split between the processes sharing them: the memory the tree holds) and of
RSS (shared pages counted in each: an upper bound). The tree is sampled in one more run of each
size and tree, after the timed ones: the sampler reads /proc/PID/smaps_rollup, which walks the
page tables of processes it reads, and slowed the timed process (a 10,000-metric deck: 6.72 s
sampled against 6.24 s not, best of 4 interleaved).

Each size also times the floor, best of the same number of runs in the same run: a plain pandas
script that reads the same CSV and sums every metric by week, interpreter start included (issue
14 states its targets as wbr's ratio to it).

Targets (issue 6): 500 metrics < 2 s, 1,000 < 4 s, peak < 300 MB. The WBR App, measured on a
2-core machine: 100 metrics 8.1 s, 500 metrics 39 s (185 MB peak), 1,000 metrics 98 s.
"""

from __future__ import annotations

import argparse
import compileall
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

ROOT = Path(__file__).resolve().parents[1]
WBR = ROOT / ".venv" / "bin" / "wbr"
PYTHON = ROOT / ".venv" / "bin" / "python"
WEEK_ENDING = dt.date(2026, 11, 21)  # a Saturday
DAYS = 3 * 365 + 1
SECTIONS = ("Customer experience", "Traffic", "Shopping", "Fulfilment", "Financials")
TARGETS = {500: 2.0, 1000: 4.0}
PEAK_TARGET_MB = 300
RENDER_BLOCKS = 300
LONG_REGIONS = 20  # a long business: every metric split by 20 regions x 3 channels
LONG_CHANNELS = ("web", "app", "store")
LONG_RATIO_TARGET, LONG_PEAK_TARGET_MB = 3.0, 1024  # issue 14, at 3.3 M long rows
LONG_DAYS_PER_CHUNK = 32  # days written at a time (50 M rows never held at once)

# Runs one command as this wrapper's only child: wall seconds and the child's peak RSS (MB), and
# with "sample" as first argument the peak of its whole process tree (the analysis may fork a
# worker: wbr/analysis/parallel.py) sampled every 50 ms from /proc: the sum of the tree's PSS
# (proportional set size: a page shared by a parent and its forked child counts half in each, so
# the sum is the memory the tree really holds) and the sum of their RSS (shared pages counted in
# each: an upper bound). Reading smaps_rollup walks the process's page tables: sampling slowed a
# 10,000-metric deck by ~0.5 s (8%), so the timed runs are not sampled; one more run is.
_MEASURE = textwrap.dedent(
    """
    import resource, subprocess, sys, threading, time, json
    def tree(pid):
        found, todo = [], [pid]
        while todo:
            p = todo.pop()
            found.append(p)
            try:
                with open(f"/proc/{p}/task/{p}/children") as f:
                    todo += [int(c) for c in f.read().split()]
            except OSError:
                pass
        return found
    def kb(pid, field):
        try:
            with open(f"/proc/{pid}/smaps_rollup") as f:
                for line in f:
                    if line.startswith(field):
                        return int(line.split()[1])
        except (OSError, ValueError):
            pass
        return 0
    peak = {"pss": 0, "rss": 0}
    def sample(proc, stop):
        while not stop.wait(0.05):
            pids = tree(proc.pid)
            peak["pss"] = max(peak["pss"], sum(kb(p, "Pss:") for p in pids))
            peak["rss"] = max(peak["rss"], sum(kb(p, "Rss:") for p in pids))
    sampling = sys.argv[1] == "sample"
    start = time.perf_counter()
    proc = subprocess.Popen(sys.argv[2:], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    stop = threading.Event()
    sampler = threading.Thread(target=sample, args=(proc, stop))
    if sampling:
        sampler.start()
    out, err = proc.communicate()
    seconds = time.perf_counter() - start
    stop.set()
    if sampling:
        sampler.join()
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(json.dumps({"seconds": seconds, "peak_mb": usage.ru_maxrss / 1024,
                      "tree_pss_mb": peak["pss"] / 1024, "tree_rss_mb": peak["rss"] / 1024,
                      "cpu_s": usage.ru_utime + usage.ru_stime, "code": proc.returncode,
                      "stderr": err[-2000:]}))
    """
)


def write_business(
    folder: Path, n_metrics: int, seed: int = 6, shocked: int = 0, events: int = 0
) -> Path:
    """A wide daily CSV of n metrics over 3 years and its wbr.yaml; returns the yaml path.

    One metric in five combines the two sum metrics before it, alternately as a ratio and as a
    derived difference or product (so 60% of metrics are sums, 10% ratios, 10% derived, 20%
    mean/last/first/min/max levels): the mix of a real deck, and of the WBR App's functions.
    The first `shocked` sum metrics have the Wednesday of the deck's week at 3x. `events`: an
    events file of that many, one every 9 days back from the deck's week, a third of them on one
    metric, the others on the whole business.
    """
    rng = np.random.default_rng(seed)
    days = pd.date_range(end=WEEK_ENDING, periods=DAYS, freq="D")
    weekly = 1 + 0.15 * np.sin(2 * np.pi * np.arange(DAYS) / 7)
    trend = np.linspace(1.0, 1.3, DAYS)
    metrics: dict[str, dict] = {}
    columns: dict[str, np.ndarray] = {}
    kinds = ("sum", "sum", "combined", "sum", "level")
    levels = ("mean", "last", "first", "min", "max")
    combined = ("ratio", "difference", "ratio", "product")
    for i in range(n_metrics):
        metric = f"m{i:04d}"
        kind = kinds[i % len(kinds)]
        section = SECTIONS[i * len(SECTIONS) // n_metrics]
        operands = [f"m{i - 1:04d}", f"m{i - 2:04d}"]
        op = combined[(i // 5) % len(combined)]
        if kind == "combined" and op == "ratio":
            metrics[metric] = {
                "aggregation": "ratio",
                "numerator": operands[0],
                "denominator": operands[1],
                "unit": "percent",
                "section": section,
            }
            continue
        if kind == "combined":
            formula = {"op": op, "operands": operands}
            metrics[metric] = {"aggregation": "derived", "formula": formula, "section": section}
            continue
        scale = float(rng.uniform(50, 50_000))
        noise = rng.normal(1.0, 0.05, DAYS)
        columns[metric] = np.round(scale * weekly * trend * noise, 2)
        aggregation = "sum" if kind != "level" else levels[(i // 5) % len(levels)]
        metrics[metric] = {"aggregation": aggregation, "section": section}
        if aggregation == "sum" and shocked > 0:
            columns[metric][-4] *= 3  # the Wednesday of the week ending WEEK_ENDING
            shocked -= 1
    frame = pd.DataFrame(columns, index=days.strftime("%Y-%m-%d"))
    frame.to_csv(folder / "metrics.csv", index_label="date")
    sources: dict[str, dict] = {"actuals": {"path": "metrics.csv", "format": "wide"}}
    if events:
        lines = ["date,metric,description"]
        for k in range(events):
            owner = f"m{(k * 37) % n_metrics:04d}" if k % 3 == 0 else ""
            lines.append(f"{WEEK_ENDING - dt.timedelta(days=9 * k)},{owner},event {k}")
        (folder / "events.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
        sources["events"] = {"path": "events.csv"}
    config = {
        "title": f"Scale test: {n_metrics} metrics",
        "week_ending": WEEK_ENDING,
        "sources": sources,
        "sections": list(SECTIONS),
        "metrics": metrics,
    }
    path = folder / "wbr.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return path


def write_long_business(
    folder: Path, n_metrics: int, seed: int = 6, days: int = DAYS, irregular: bool = False
) -> Path:
    """A long daily CSV (date, metric, value, region, channel) of n metrics, each split by
    LONG_REGIONS regions x 3 channels over 3 years, and its wbr.yaml; returns the yaml path.

    Rows come day by day, then region, channel, metric (not in the loader's key order). Four
    metrics in five are sums, one a mean level; one ratio of two sums per ten metrics is computed
    from them. `irregular` makes the file a real export's: the first metric is not split (blank
    region and channel, one row a day), one slice row is absent mid-history (its day's total is
    then missing), one value is blank and the rows are shuffled.
    """
    rng = np.random.default_rng(seed)
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pa_csv

    metrics: dict[str, dict] = {}
    names = [f"m{i:04d}" for i in range(n_metrics)]
    for i, metric in enumerate(names):
        section = SECTIONS[i * len(SECTIONS) // n_metrics]
        aggregation = "mean" if i % 5 == 4 else "sum"
        metrics[metric] = {"aggregation": aggregation, "section": section}
    for i in range(0, n_metrics - 1, 10):
        metrics[f"r{i:04d}"] = {
            "aggregation": "ratio",
            "numerator": names[i],
            "denominator": names[i + 1],
            "unit": "percent",
            "section": SECTIONS[i * len(SECTIONS) // n_metrics],
        }
    regions = [f"region-{r:02d}" for r in range(LONG_REGIONS)]
    calendar = pd.date_range(end=WEEK_ENDING, periods=days, freq="D")
    day_names = pa.array(calendar.strftime("%Y-%m-%d").tolist())
    scales = rng.uniform(5, 5_000, n_metrics)
    per_day = LONG_REGIONS * len(LONG_CHANNELS) * n_metrics
    # Within a day: region, channel, metric (metric varies fastest).
    metric_of = np.tile(np.arange(n_metrics), LONG_REGIONS * len(LONG_CHANNELS))
    region_of = np.repeat(np.arange(LONG_REGIONS), len(LONG_CHANNELS) * n_metrics)
    channel_of = np.tile(np.repeat(np.arange(len(LONG_CHANNELS)), n_metrics), LONG_REGIONS)
    path = folder / "metrics.csv"
    options = pa_csv.WriteOptions(include_header=False, quoting_style="none")
    with open(path, "wb") as out:
        out.write(b"date,metric,value,region,channel\n")
        for first in range(0, days, LONG_DAYS_PER_CHUNK):
            chunk = np.arange(first, min(first + LONG_DAYS_PER_CHUNK, days))
            day = np.repeat(chunk, per_day)
            metric = np.tile(metric_of, len(chunk))
            region = np.tile(region_of, len(chunk)).astype(np.int32)
            channel = np.tile(channel_of, len(chunk)).astype(np.int32)
            shape = 1 + 0.15 * np.sin(2 * np.pi * day / 7) + 0.3 * day / days
            value = np.round(scales[metric] * shape * rng.normal(1.0, 0.05, len(day)), 2)
            columns = {
                "date": pc.take(day_names, pa.array(day)),
                "metric": pa.array(np.asarray(names, dtype=object)[metric]),
                "value": pa.array(value),
                "region": pc.take(pa.array(regions), pa.array(region)),
                "channel": pc.take(pa.array(list(LONG_CHANNELS)), pa.array(channel)),
            }
            table = pa.table(columns)
            if irregular:
                table = _irregular_rows(table.to_pandas(), first == 0, rng)
                table = pa.Table.from_pandas(table, preserve_index=False)
            pa_csv.write_csv(table, out, options)
    config = {
        "title": f"Scale test: {n_metrics} metrics, long",
        "week_ending": WEEK_ENDING,
        "sources": {"actuals": {"path": "metrics.csv", "format": "long"}},
        "dimensions": ["region", "channel"],
        "sections": list(SECTIONS),
        "metrics": metrics,
    }
    config_path = folder / "wbr.yaml"
    config_path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return config_path


def _irregular_rows(
    rows: pd.DataFrame, first_chunk: bool, rng: np.random.Generator
) -> pd.DataFrame:
    """One chunk of a long file made irregular (see write_long_business)."""
    unsplit = rows["metric"] == "m0000"
    totals = rows[unsplit].groupby("date", as_index=False)["value"].sum().round(2)
    rows = pd.concat([rows[~unsplit], totals.assign(metric="m0000")], ignore_index=True)
    if first_chunk:
        rows = rows.drop(index=[len(rows) // 2]).reset_index(drop=True)  # an absent slice row
        rows.loc[len(rows) // 3, "value"] = np.nan  # a blank value
    return rows.sample(frac=1.0, random_state=int(rng.integers(1 << 30))).reset_index(drop=True)


def _run_once(command: list[str], pythonpath: str | None = None, sample: bool = False) -> dict:
    """One measured run; `pythonpath` runs another tree's wbr (PYTHONPATH comes first);
    `sample`: the process tree's memory sampled every 50 ms (tree_pss_mb, tree_rss_mb; else 0)."""
    env = dict(os.environ)
    if pythonpath:
        env["PYTHONPATH"] = pythonpath
    mode = "sample" if sample else "time"
    out = subprocess.run(
        [str(PYTHON), "-c", _MEASURE, mode, *command],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    run = json.loads(out.stdout)
    if run["code"] != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{run['stderr']}")
    return run


def _summary(runs: list[dict], sampled: dict | None = None) -> dict:
    """Times of the timed runs; the tree's memory of the `sampled` run (its time kept apart)."""
    memory = [*runs, sampled] if sampled else runs
    return {
        "best_s": min(r["seconds"] for r in runs),
        "median_s": sorted(r["seconds"] for r in runs)[len(runs) // 2],
        "peak_mb": max(r["peak_mb"] for r in memory),
        "tree_pss_mb": max(r["tree_pss_mb"] for r in memory),
        "tree_rss_mb": max(r["tree_rss_mb"] for r in memory),
        "cpu_s": min(r["cpu_s"] for r in runs),
        "sampled_s": sampled["seconds"] if sampled else None,
    }


def measure(command: list[str], repeat: int) -> dict:
    """Best wall time of `repeat` runs of a command, then one run with the memory sampled."""
    return _summary([_run_once(command) for _ in range(repeat)], _run_once(command, sample=True))


def measure_trees(
    command: list[str], trees: list[str], repeat: int, floor: list[str]
) -> tuple[dict[str, dict], dict]:
    """`measure` for each tree's wbr (PYTHONPATH=tree; "" = this checkout) and for the floor,
    runs interleaved (tree 1, tree 2, ..., floor, tree 1, ...), so that a change in the
    machine's load falls on every tree and the floor alike."""
    runs: dict[str, list[dict]] = {tree: [] for tree in trees}
    floor_runs = []
    for _ in range(repeat):
        for tree in trees:
            runs[tree].append(_run_once(command, tree))
        floor_runs.append(_run_once(floor))
    sampled = {tree: _run_once(command, tree, sample=True) for tree in trees}
    return {tree: _summary(tree_runs, sampled[tree]) for tree, tree_runs in runs.items()}, _summary(
        floor_runs
    )


def compile_bytecode(trees: list[str]) -> None:
    """Compile each tree's wbr package, as a wheel install does: an editable install writes no
    bytecode, and with PYTHONDONTWRITEBYTECODE set (as on this machine) every run would compile
    wbr's ~100 modules from source (~0.1 s), a cost no installed copy pays; pandas' and the
    floor's modules come compiled."""
    for tree in trees:
        package = Path(tree) / "wbr" if tree else ROOT / "wbr"
        if not compileall.compile_dir(str(package), quiet=1):
            raise SystemExit(f"{package}: does not compile")


def deck_command(config: Path) -> list[str]:
    return [
        str(WBR),
        "deck",
        "--config",
        str(config),
        "--json",
        str(config.parent / "deck.json"),
        "--quiet",
    ]


def render_command(deck_json: Path) -> list[str]:
    """A process that reads deck.json and renders the HTML deck, printing render seconds."""
    script = textwrap.dedent(
        f"""
        import time
        from wbr.engine.deck import Deck
        from wbr.render.html import deck_html
        deck = Deck.read_json({str(deck_json)!r})
        start = time.perf_counter()
        html = deck_html(deck)
        print(time.perf_counter() - start, len(html))
        """
    )
    return [str(PYTHON), "-c", script]


# The floor: a plain pandas script that reads the same CSV and sums every metric by week
# (interpreter start and imports included), what no deck can do faster.
_FLOOR = textwrap.dedent(
    """
    import sys
    import pandas as pd
    frame = pd.read_csv(sys.argv[1], index_col="date", parse_dates=["date"])
    weekly = frame.resample("W-SAT").sum()
    print(weekly.shape)
    """
)


# The floor of a long file: read it, sum every metric by week (its slices summed too).
_FLOOR_LONG = textwrap.dedent(
    """
    import sys
    import pandas as pd
    frame = pd.read_csv(sys.argv[1], parse_dates=["date"])
    weekly = frame.groupby([pd.Grouper(key="date", freq="W-SAT"), "metric"])["value"].sum()
    print(weekly.shape)
    """
)


def floor_command(csv: Path, long: bool = False) -> list[str]:
    """The floor's process: read the CSV, sum every metric by week."""
    return [str(PYTHON), "-c", _FLOOR_LONG if long else _FLOOR, str(csv)]


def render_benchmark(folder: Path, repeat: int) -> dict:
    """Time to render a 300-block deck."""
    config = write_business(folder, RENDER_BLOCKS)  # every metric, ratios too, has a block
    subprocess.run(deck_command(config), check=True)
    deck_json = config.parent / "deck.json"
    blocks = len(json.loads(deck_json.read_text(encoding="utf-8"))["blocks"])
    whole = measure(render_command(deck_json), repeat)
    in_process = []
    for _ in range(repeat):
        out = subprocess.run(render_command(deck_json), capture_output=True, text=True, check=True)
        seconds, size = out.stdout.split()
        in_process.append(float(seconds))
    return {"blocks": blocks, "render_s": min(in_process), "html_mb": int(size) / 2**20, **whole}


_PHASES = textwrap.dedent(
    """
    import gc, sys, time
    config_path = sys.argv[1]
    t = [time.perf_counter()]
    import wbr.cli, wbr.engine.build, wbr.engine.config, wbr.engine.sources, wbr.analysis.annotate
    t.append(time.perf_counter())
    from wbr.engine.config import load_config
    from wbr.engine.sources import load_data
    from wbr.engine.build import build_deck
    gc.disable()  # as `wbr deck` loads: the collector off, then everything loaded frozen
    config = load_config(config_path); t.append(time.perf_counter())
    dataset = load_data(config); t.append(time.perf_counter())
    gc.freeze(); gc.enable()
    build_deck(config, dataset, analyse=False); t.append(time.perf_counter())
    deck = build_deck(config, dataset); t.append(time.perf_counter())
    deck.to_json(); t.append(time.perf_counter())
    imported = "statsmodels.tsa.stl._stl" in sys.modules  # STL (analysis/stl_import.py)
    names = ["imports", "config", "data", "numbers", "numbers+analysis", "to_json"]
    line = " | ".join(f"{n} {b - a:.2f}" for n, a, b in zip(names, t, t[1:]))
    if imported:
        line += " | statsmodels' STL imported in the analysis (a week went to STL)"
    else:
        start = time.perf_counter()
        from wbr.analysis.stl_import import stl_class
        stl_class()
        line += f" | STL not imported (its import: {time.perf_counter() - start:.2f})"
    print(line)
    """
)


def phases(config: Path) -> str:
    """Seconds per phase of one deck, in one process, and whether it imported statsmodels."""
    return subprocess.run(
        [str(PYTHON), "-c", _PHASES, str(config)], capture_output=True, text=True, check=True
    ).stdout.strip()


def profile(config: Path, top: int = 25) -> str:
    """cProfile of one `wbr deck` run, top functions by cumulative time."""
    out = config.parent / "profile.out"
    subprocess.run(
        [str(PYTHON), "-m", "cProfile", "-o", str(out), str(WBR), *deck_command(config)[1:]],
        check=True,
    )
    script = (
        f"import pstats,sys; pstats.Stats(sys.argv[1]).sort_stats('cumulative').print_stats({top})"
    )
    return subprocess.run(
        [str(PYTHON), "-c", script, str(out)], capture_output=True, text=True, check=True
    ).stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[100, 500, 1000])
    parser.add_argument(
        "--long",
        type=int,
        nargs="*",
        default=[],
        help="long-file businesses of these many metrics x 20 regions x 3 channels "
        "(50: 3.3 M rows, 200: 13 M, 760: 50 M)",
    )
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--profile", type=int, default=None, help="profile this size too")
    parser.add_argument("--phases", action="store_true", help="seconds per phase per size")
    parser.add_argument("--shocked", type=int, default=0, help="metrics with a 3x day, per size")
    parser.add_argument("--events", type=int, default=0, help="an events file of this many")
    parser.add_argument("--no-render", action="store_true")
    parser.add_argument(
        "--trees",
        nargs="+",
        default=None,
        help="compare these checkouts' wbr (each run with PYTHONPATH=tree), runs interleaved",
    )
    args = parser.parse_args()

    print("load average before: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    print(
        "| metrics | CSV MB | blocks | best s | median s | sampled run s | CPU s | peak MB "
        "| tree PSS / RSS MB "
        "| floor s | ratio "
        "| floor CPU s | CPU ratio | ms per metric (CPU) | target |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        cases = [(n, False) for n in args.sizes] + [(n, True) for n in args.long]
        trees = args.trees or [""]
        compile_bytecode(trees)
        for n, long in cases:
            folder = Path(tmp) / (f"long{n}" if long else f"m{n}")
            folder.mkdir()
            if long:
                config = write_long_business(folder, n)
            else:
                config = write_business(folder, n, shocked=args.shocked, events=args.events)
            floor_command_ = floor_command(folder / "metrics.csv", long)
            results, floor = measure_trees(deck_command(config), trees, args.repeat, floor_command_)
            blocks = len(json.loads((folder / "deck.json").read_text())["blocks"])
            csv_mb = (folder / "metrics.csv").stat().st_size / 2**20
            target = None if long else TARGETS.get(n)
            for tree, result in results.items():
                verdict = (
                    ""
                    if target is None
                    else (f"< {target:g} s: {'met' if result['best_s'] < target else 'MISSED'}")
                )
                if long:
                    ratio = result["best_s"] / floor["best_s"]
                    met = "met" if ratio <= LONG_RATIO_TARGET else "MISSED"
                    verdict = f"<= {LONG_RATIO_TARGET:g}x: {met}"
                    if max(result["peak_mb"], result["tree_pss_mb"]) >= LONG_PEAK_TARGET_MB:
                        verdict += f"; peak >= {LONG_PEAK_TARGET_MB} MB"
                elif max(result["peak_mb"], result["tree_pss_mb"]) >= PEAK_TARGET_MB:
                    verdict += f"; peak >= {PEAK_TARGET_MB} MB"
                label = f"{n} ({args.shocked} shocked)" if args.shocked else str(n)
                if args.events:
                    label += f", {args.events} events"
                if long:
                    rows = n * LONG_REGIONS * len(LONG_CHANNELS) * DAYS
                    label = f"{n} long ({rows / 1e6:.1f} M rows)"
                if tree:
                    label += f" {tree}"
                print(
                    f"| {label} | {csv_mb:.1f} | {blocks} | {result['best_s']:.2f} | "
                    f"{result['median_s']:.2f} | {result['sampled_s']:.2f} | "
                    f"{result['cpu_s']:.2f} | {result['peak_mb']:.0f} | "
                    f"{result['tree_pss_mb']:.0f} / {result['tree_rss_mb']:.0f} | "
                    f"{floor['best_s']:.2f} | {result['best_s'] / floor['best_s']:.1f}x | "
                    f"{floor['cpu_s']:.2f} | {result['cpu_s'] / floor['cpu_s']:.1f}x | "
                    f"{1000 * result['best_s'] / n:.2f} ({1000 * result['cpu_s'] / n:.2f}) | "
                    f"{verdict} |",
                    flush=True,
                )
            if args.phases:
                print(f"|   phases: {phases(config)} |")
            if args.profile == n:
                print(profile(config))
            shutil.rmtree(folder)  # a 50 M-row file is 2 GB
        if not args.no_render:
            folder = Path(tmp) / "render"
            folder.mkdir()
            render = render_benchmark(folder, args.repeat)
            print(
                f"\nrender {render['blocks']} blocks: deck_html {render['render_s']:.2f} s "
                f"in process; whole process (import, read deck.json, render) "
                f"{render['best_s']:.2f} s, peak {render['peak_mb']:.0f} MB, "
                f"HTML {render['html_mb']:.1f} MB"
            )
    print("load average after: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))


if __name__ == "__main__":
    sys.exit(main())
