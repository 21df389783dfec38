"""Short histories (issue 9): how the daily seasonal-residual screen behaves when its STL fit sees
only a few weeks, on development data only. Prints numbers for benchmarks/README.md.

- `--tails`: the largest robust |z| of a plain week's days against fits of 4-12 weeks, on the
  generated plain series of the tuning seeds 0-59 (the deck's week and 20 and 40 weeks before it)
  and on bikeshare's rides/casual/member/weather metrics (every week from 2011-04-02, weeks with a
  known event left out); with and without residuals.SHORT_FIT_WIDENING.
- `--sweep`: SHORT_FIT_WIDENING and MIN_FIT_WEEKS on the flag pass of signal_eval's `young` (plain,
  5-20 weeks of history: false flags) and `young_shock` (shocks caught) cases, tuning seeds 0-59.
- `--bikeshare`: bikeshare decks on a truncated history, the data starting 5-20 weeks before the
  deck's week (a start every `--step` weeks from 2011-01-02): block-weeks flagged by history
  length, seasonal flags, and Irene, the snowstorm and Sandy still flagged and cited by day.

Nothing here reads held-out data (no nyc_taxi, no report seeds).

    .venv/bin/python benchmarks/short_history_eval.py [--tails] [--sweep] [--bikeshare] [--step 2]
        [--widening 0] [--min-weeks 6]   # the rule off (the numbers before it); a higher minimum
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT.parent))

import signal_eval as se  # noqa: E402

from wbr.analysis import residuals  # noqa: E402
from wbr.engine.build import build_deck  # noqa: E402
from wbr.engine.config import load_config  # noqa: E402
from wbr.engine.sources import load_data  # noqa: E402

BIKESHARE = ROOT / "data" / "bikeshare"
FIT_WEEKS = (4, 5, 6, 7, 8, 10, 12)
WIDENINGS = (0.0, 1.4, 2.8, 4.2)
MIN_WEEKS = (4, 5, 6)
# known events: (the deck's week, the day, the blocks that must flag it and cite the day)
EVENTS = {
    "Hurricane Irene": (
        dt.date(2011, 8, 27),
        dt.date(2011, 8, 27),
        ("rides", "casual", "registered"),
    ),
    "October snowstorm": (dt.date(2011, 10, 29), dt.date(2011, 10, 29), ("rides", "registered")),
    "Hurricane Sandy": (
        dt.date(2012, 11, 3),
        dt.date(2012, 10, 29),
        ("rides", "casual", "registered"),
    ),
}


def _largest_z(daily: pd.Series, end: pd.Timestamp, weeks: int) -> float:
    """The week's largest |z| against a fit that sees exactly `weeks` weeks before it."""
    start = end - pd.Timedelta(days=7 * (weeks + 1) - 1)
    days = residuals.residual_days(daily[daily.index >= start], end.date())
    return max((abs(d.z) for d in days), default=np.nan)


def tails() -> None:
    """Tail of a plain week's largest |z| by fit length, without and with the widening."""
    kept = residuals.SHORT_FIT_WIDENING
    frame = pd.read_csv(BIKESHARE / "daily.csv", parse_dates=["date"], index_col="date")
    events = pd.to_datetime(pd.read_csv(BIKESHARE / "events.csv")["date"])
    ends = pd.date_range("2011-04-02", "2012-12-29", freq="W-SAT")
    plain_ends = [
        e for e in ends if not ((events <= e) & (events > e - pd.Timedelta(days=7))).any()
    ]
    series = {
        "generated plain, seeds 0-59": [
            (se.case_metric("plain", seed, i)[0], se.WEEK - pd.Timedelta(days=7 * back))
            for seed in se.SWEEP_SEEDS
            for i in range(12)
            for back in (0, 20, 40)
        ],
        "bikeshare, 6 metrics": [
            (frame[m], end)
            for m in ("rides", "casual", "registered", "temp_c", "humidity", "wind_kmh")
            for end in plain_ends
        ],
    }
    for widening in (0.0, kept):
        residuals.SHORT_FIT_WIDENING = widening
        for name, found in series.items():
            print(f"{name} ({len(found)} weeks), SHORT_FIT_WIDENING {widening}:")
            for weeks in FIT_WEEKS:
                z = np.array([_largest_z(daily, end, weeks) for daily, end in found])
                print(
                    f"  {weeks:2d} weeks: a day beyond z 5 {np.mean(z >= 5):.2%}, beyond 3.5"
                    f" {np.mean(z >= 3.5):.2%}; largest |z| 99th percentile"
                    f" {np.nanquantile(z, 0.99):.2f}"
                )
    residuals.SHORT_FIT_WIDENING = kept


def sweep() -> None:
    """False flags on young plain metrics and young shocks caught, per setting (flag pass)."""
    from wbr.analysis import flags
    from wbr.engine.config import FlagSettings, MetricConfig

    metric, settings = MetricConfig(label="m"), FlagSettings()
    inputs = {
        case: [
            se.weekly_history(*se.case_metric(case, seed, i)[:2])
            for seed in se.SWEEP_SEEDS
            for i in range(12)
        ]
        for case in ("young", "young_shock")
    }
    kept = residuals.SHORT_FIT_WIDENING, residuals.MIN_FIT_WEEKS
    n = 12 * len(se.SWEEP_SEEDS)
    print(f"sweep on tuning seeds 0-{se.SWEEP_SEEDS[-1]} (now {kept}), {n} metrics per case:")
    for minimum in MIN_WEEKS:
        for widening in WIDENINGS:
            residuals.SHORT_FIT_WIDENING, residuals.MIN_FIT_WEEKS = widening, minimum
            counts = {}
            for case, found in inputs.items():
                flagged = [
                    [f for f in flags.assess_metric(h, metric, settings, (), named=named).flags]
                    for h, named in found
                ]
                counts[case] = (
                    sum(any(f.type in se.SIGNAL for f in fs) for fs in flagged),
                    sum(any(f.type == "seasonal" for f in fs) for fs in flagged),
                )
            print(
                f"  MIN_FIT_WEEKS {minimum}, SHORT_FIT_WIDENING {widening}: young plain flagged"
                f" {counts['young'][0]}/{n} (seasonal {counts['young'][1]}), young shocks caught"
                f" {counts['young_shock'][0]}/{n}"
            )
    residuals.SHORT_FIT_WIDENING, residuals.MIN_FIT_WEEKS = kept


def bikeshare(step: int) -> None:
    """Decks on bikeshare's history cut to start 5-20 weeks before the deck's week."""
    full = pd.read_csv(BIKESHARE / "daily.csv")
    starts = pd.date_range("2011-01-02", "2012-09-02", freq="W-SUN")[::step]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        shutil.copy(BIKESHARE / "wbr.yaml", folder)
        shutil.copy(BIKESHARE / "events.csv", folder)
        for start in starts:
            full[full.date >= start.date().isoformat()].to_csv(folder / "daily.csv", index=False)
            config = load_config(folder / "wbr.yaml")
            data = load_data(config)
            for weeks in range(5, 21):
                week = (start + pd.Timedelta(days=7 * weeks - 1)).date()
                if week > dt.date(2012, 12, 29):
                    break
                deck = build_deck(config, data, week, generated_at=dt.datetime(2026, 1, 1))
                for block in deck.blocks:
                    rows.append(
                        {
                            "weeks": weeks,
                            "week": week,
                            "metric": block.metric,
                            "flagged": bool(block.flags),
                            "seasonal": any(f.type == "seasonal" for f in block.flags),
                            "questions": len(block.questions),
                            "flags": block.flags,
                        }
                    )
    found = pd.DataFrame(rows)
    event_weeks = {end for end, _, _ in EVENTS.values()}
    plain = found[~found.week.isin(event_weeks)]
    print(
        f"bikeshare, history cut to 5-20 weeks before the deck ({len(starts)} starts, every"
        f" {step} weeks; SHORT_FIT_WIDENING {residuals.SHORT_FIT_WIDENING}, MIN_FIT_WEEKS"
        f" {residuals.MIN_FIT_WEEKS}):"
    )
    for label, part in (
        ("5-8 weeks", plain[plain.weeks <= 8]),
        ("9-12 weeks", plain[(plain.weeks > 8) & (plain.weeks <= 12)]),
        ("13-20 weeks", plain[plain.weeks > 12]),
        ("all", plain),
    ):
        print(
            f"  {label}: {len(part)} block-weeks without a known event, flagged"
            f" {part.flagged.mean():.1%}, seasonal flags {part.seasonal.mean():.1%}, questions"
            f" per block {part.questions.mean():.2f}"
        )
    for label, (end, day, metrics) in EVENTS.items():
        at = found[(found.week == end) & found.metric.isin(metrics)]
        cited = at["flags"].map(
            lambda fs, day=day: any(f.type in se.SIGNAL and se.cites(f, day) for f in fs)
        )
        print(f"  {label}: flagged and cited by day in {int(cited.sum())} of {len(at)} blocks")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tails", action="store_true")
    parser.add_argument("--sweep", action="store_true")
    parser.add_argument("--bikeshare", action="store_true")
    parser.add_argument("--step", type=int, default=2, help="weeks between truncated starts")
    parser.add_argument("--widening", type=float, help="set SHORT_FIT_WIDENING (0: the rule off)")
    parser.add_argument("--min-weeks", type=int, help="set MIN_FIT_WEEKS (the shortest fit)")
    args = parser.parse_args()
    if args.widening is not None:
        residuals.SHORT_FIT_WIDENING = args.widening
    if args.min_weeks is not None:
        residuals.MIN_FIT_WEEKS = args.min_weeks
    if args.tails:
        tails()
    if args.sweep:
        sweep()
    if args.bikeshare:
        bikeshare(args.step)


if __name__ == "__main__":
    main()
