"""Anomaly detection: window-level precision, recall and F1 of wbr's flags against two baselines.

Scored as the Monday job runs: for every week of the evaluation period each detector sees only the
data up to that week's end and says whether the week is flagged. A labelled anomaly window counts
as found when a flagged week overlaps it; a flagged week that overlaps no window is a false flag.

Detectors:
- wbr flags: `flag_metric` (XmR on raw or YoY weeks with the set-aside rules, STL day residuals);
  a week is flagged by any xmr or seasonal flag (plan and data flags do not apply here);
- rolling z-score: a day more than 3 standard deviations from the mean of the 28 days before it;
- raw XmR: any of the four rules at the week on locked limits of the raw weekly values
  (wbr.analysis.xmr.xmr_chart), without the second views, day residuals or events.

Data:
- generated business series: 3 years of daily values (level, growth, yearly season for half of
  them, weekday pattern, noise) with recurring holidays every year (not anomalies; listed as
  events), and in the last two years injected shocks (1-3 days or a whole week) and level shifts
  (the window runs 9 weeks from the shift, the time a run of 8 needs);
- NAB (shared/datasets/nab: realKnownCause, realAdExchange, realTraffic), resampled to daily
  means, windows from labels/combined_windows.json. NAB labels holidays as anomalies and most of
  its series are a few weeks long (too short for weekly limits): reported, not tuned to.

"+cal" columns give each detector the events calendar: wbr's flags take the events as input; the
baselines drop a flag within a day of an event, as the earlier study on this machine did.

    .venv/bin/python benchmarks/anomaly_eval.py [--series 24] [--seed 3]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from wbr.analysis.flags import flag_metric  # noqa: E402
from wbr.analysis.xmr import xmr_chart  # noqa: E402
from wbr.engine.config import FlagSettings, MetricConfig  # noqa: E402
from wbr.engine.series import MetricHistory  # noqa: E402

NAB = Path("/work/shared/datasets/nab")
NAB_GROUPS = ("realKnownCause", "realAdExchange", "realTraffic")
END = pd.Timestamp("2025-11-29")  # a Saturday
YEARS_OF_DAYS = 3 * 364 + 7
FIRST_SCORED_WEEK = 60  # a year of history plus a baseline before the job starts scoring
NAB_FIRST_WEEK = 4
Z_WINDOW, Z_LIMIT = 28, 3.0
Events = Sequence[tuple[dt.date, str]]
Window = tuple[dt.date, dt.date]


@dataclass
class Series:
    """One daily series with its anomaly windows and known events."""

    name: str
    daily: pd.Series
    windows: list[Window]
    events: list[tuple[dt.date, str]] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)  # per window: day, week or shift


# ----------------------------------------------------------------------------- data


def history_upto(daily: pd.Series, end: pd.Timestamp) -> MetricHistory:
    """The weekly history the engine would build on week ending `end` (7-day sums, PY 364 days)."""
    days = daily.loc[:end]
    sums = days.rolling(7, min_periods=7).sum()
    ends = pd.date_range(end=end, periods=len(days) // 7, freq="7D")
    cy = sums.reindex(ends).to_numpy()
    weekly = pd.DataFrame(
        {
            "cy": cy,
            "py": sums.reindex(ends - pd.Timedelta(days=364)).to_numpy(),
            "plan": np.nan,
            "complete": ~np.isnan(cy),
        },
        index=ends,
    )
    return MetricHistory("metric", weekly, days)


def generated(count: int, seed: int) -> list[Series]:
    """Business-like daily series with recurring holidays, shocks and level shifts."""
    out = []
    for i in range(count):
        rng = np.random.default_rng(seed * 1000 + i)
        days = pd.date_range(end=END, periods=YEARS_OF_DAYS, freq="D")
        t = np.arange(len(days)) / 365.25
        amplitude = rng.uniform(0.1, 0.3) if i % 2 else 0.0
        values = (
            rng.uniform(200, 20_000)
            * (1 + rng.uniform(-0.05, 0.3)) ** t
            * (1 + amplitude * np.sin(2 * np.pi * t + rng.uniform(0, 2 * np.pi)))
            * (1 + rng.uniform(-0.25, 0.25, 7))[days.day_of_week]
            * np.exp(rng.normal(0, rng.uniform(0.03, 0.1), len(days)))
        )
        daily = pd.Series(values, index=days)
        events: list[tuple[dt.date, str]] = []
        # two holidays a year: a weekday-aligned peak (364 days apart) and a fixed-date dip
        peak = pd.Timestamp("2025-11-28") - pd.Timedelta(days=7 * int(rng.integers(0, 20)))
        dip = pd.Timestamp(f"2025-{int(rng.integers(1, 11)):02d}-{int(rng.integers(1, 28)):02d}")
        peak_size, dip_size = rng.uniform(1.5, 2.5), rng.uniform(0.3, 0.6)
        for years in range(4):
            for day, size, label in (
                (peak - pd.Timedelta(days=364 * years), peak_size, "Holiday sale"),
                (dip.replace(year=dip.year - years), dip_size, "Public holiday"),
            ):
                if day in daily.index:
                    daily[day] *= size
                    events.append((day.date(), label))
        windows: list[Window] = []
        kinds: list[str] = []
        scored = days[FIRST_SCORED_WEEK * 7 :]
        taken: list[pd.Timestamp] = []
        for _ in range(int(rng.integers(2, 5))):
            start = scored[int(rng.integers(0, len(scored) - 10))]
            if any(abs((start - other).days) < 21 for other in [*taken, peak, dip]):
                continue
            taken.append(start)
            form = rng.integers(0, 3)
            if form == 0:  # one to three unusual days
                length = int(rng.integers(1, 4))
                size = rng.choice([rng.uniform(1.6, 3.0), rng.uniform(0.15, 0.5)])
            else:  # a whole unusual week
                length, size = 7, rng.choice([rng.uniform(1.25, 1.5), rng.uniform(0.6, 0.8)])
            stop = start + pd.Timedelta(days=length - 1)
            daily[start:stop] *= size
            windows.append((start.date(), stop.date()))
            kinds.append("day" if length < 7 else "week")
        if rng.random() < 0.5:  # a level shift that stays
            start = scored[int(rng.integers(10, len(scored) - 70))]
            if all(abs((start - other).days) >= 70 for other in taken):
                daily[start:] *= rng.choice([rng.uniform(1.15, 1.3), rng.uniform(0.75, 0.87)])
                windows.append((start.date(), (start + pd.Timedelta(weeks=9, days=-1)).date()))
                kinds.append("shift")
        out.append(Series(f"gen{i:02d}", daily, windows, events, kinds))
    return out


def nab() -> list[Series]:
    """The NAB subset resampled to daily means, with its labelled windows."""
    labels = json.loads((NAB / "labels" / "combined_windows.json").read_text())
    out = []
    for group in NAB_GROUPS:
        for path in sorted((NAB / group).glob("*.csv")):
            raw = pd.read_csv(path, parse_dates=["timestamp"]).set_index("timestamp")["value"]
            daily = raw.resample("D").mean()
            windows = [
                (pd.Timestamp(a).date(), pd.Timestamp(b).date())
                for a, b in labels.get(f"{group}/{path.name}", [])
            ]
            out.append(Series(f"{group}/{path.stem}", daily, windows))
    return out


# ----------------------------------------------------------------------------- detectors


def wbr_flags(series: Series, end: pd.Timestamp, events: Events) -> bool:
    """wbr.analysis.flags: any XmR or seasonal flag on the week ending `end`."""
    flags = flag_metric(history_upto(series.daily, end), MetricConfig(), FlagSettings(), events)
    return any(f.type in ("xmr", "seasonal") for f in flags)


def raw_xmr(series: Series, end: pd.Timestamp, events: Events) -> bool:
    """XmR on raw weekly values: any of the four rules at the week, locked limits, nothing else."""
    chart = xmr_chart(history_upto(series.daily, end).weekly["cy"].to_numpy())
    return bool(chart and chart.signals) and not _near_event(end, events)


def rolling_z(series: Series, end: pd.Timestamp, events: Events) -> bool:
    """A day of the week more than 3 sd from the mean of the 28 days before it."""
    days = series.daily.loc[:end].to_numpy(dtype=float)
    if len(days) < Z_WINDOW + 7:
        return False
    window = np.lib.stride_tricks.sliding_window_view(days[-Z_WINDOW - 7 : -1], Z_WINDOW)
    mean, sd = np.nanmean(window, axis=1), np.nanstd(window, axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.abs(days[-7:] - mean) / sd
    flagged = [end - pd.Timedelta(days=6 - i) for i in range(7) if z[i] > Z_LIMIT]
    return any(not _near_event(day, events, days_only=True) for day in flagged)


def _near_event(when: pd.Timestamp, events: Events, days_only: bool = False) -> bool:
    """An event within a day of `when` (a day), or within the week ending `when`."""
    first = when - pd.Timedelta(days=0 if days_only else 6)
    lo, hi = (first - pd.Timedelta(days=1)).date(), (when + pd.Timedelta(days=1)).date()
    return any(lo <= day <= hi for day, _ in events)


DETECTORS: dict[str, Callable[[Series, pd.Timestamp, Events], bool]] = {
    "wbr.analysis.flags": wbr_flags,
    "rolling z-score": rolling_z,
    "raw weekly XmR": raw_xmr,
}


# ----------------------------------------------------------------------------- scoring


@dataclass
class Score:
    """Window-level counts summed over series, and time per weekly call."""

    flagged: int = 0
    true_flags: int = 0
    windows: int = 0
    found: int = 0
    seconds: float = 0.0
    calls: int = 0
    by_kind: dict[str, list[int]] = field(default_factory=dict)  # kind: [found, windows]

    @property
    def precision(self) -> float:
        return self.true_flags / self.flagged if self.flagged else 0.0

    @property
    def recall(self) -> float:
        return self.found / self.windows if self.windows else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def score(series_list: list[Series], detector: Callable, first_week: int, calendar: bool) -> Score:
    """Run a detector as the weekly job would over every series and count windows and flags."""
    total = Score()
    for series in series_list:
        index = series.daily.index
        start = index[0] + pd.Timedelta(days=7 * first_week - 1)
        ends = list(pd.date_range(start, index[-1], freq="7D"))
        if not ends:
            continue
        first_day = ends[0].date() - dt.timedelta(days=6)
        kinds = series.kinds or ["window"] * len(series.windows)
        scored_kinds = [k for w, k in zip(series.windows, kinds, strict=True) if w[1] >= first_day]
        scored = [w for w in series.windows if w[1] >= first_day]
        events = series.events if calendar else []
        hit: set[int] = set()
        began = time.perf_counter()
        for end in ends:
            if not detector(series, end, events):
                continue
            total.flagged += 1
            first, last = (end - pd.Timedelta(days=6)).date(), end.date()
            overlaps = [k for k, (a, b) in enumerate(scored) if a <= last and b >= first]
            total.true_flags += bool(overlaps)
            hit.update(overlaps)
        total.seconds += time.perf_counter() - began
        total.calls += len(ends)
        total.windows += len(scored)
        total.found += len(hit)
        for k, kind in enumerate(scored_kinds):
            counts = total.by_kind.setdefault(kind, [0, 0])
            counts[0] += k in hit
            counts[1] += 1
    return total


def deck_timing(count: int) -> str:
    """flag_metric over a deck of `count` 3-year metrics, as `wbr deck` calls it (one week)."""
    rng = np.random.default_rng(6)
    days = pd.date_range(end=END, periods=3 * 365 + 1, freq="D")
    weekday = 1 + 0.15 * np.sin(2 * np.pi * np.arange(len(days)) / 7)
    trend = np.linspace(1.0, 1.3, len(days))
    histories = []
    for i in range(count):
        noise = rng.normal(1.0, 0.05, len(days))
        values = rng.uniform(50, 50_000) * weekday * trend * noise
        if i % 10 == 0:  # one metric in ten has an unusual day in the deck's week
            values[-int(rng.integers(1, 8))] *= rng.choice([0.4, 2.0])
        histories.append(history_upto(pd.Series(values, index=days), END))
    began = time.perf_counter()
    import statsmodels.tsa.stl._stl  # noqa: F401  (the deck pays this once)

    imported = time.perf_counter() - began
    metric, settings = MetricConfig(), FlagSettings()
    best, flagged = float("inf"), 0
    for _ in range(3):
        began = time.perf_counter()
        flagged = sum(bool(flag_metric(h, metric, settings)) for h in histories)
        best = min(best, time.perf_counter() - began)
    return (
        f"deck timing: flag_metric on {count} metrics x 3 years: {best:.2f} s best of 3"
        f" ({best / count * 1000:.2f} ms per metric; {flagged} flagged); statsmodels STL"
        f" import {imported:.2f} s once"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", type=int, default=72, help="generated series (default 72)")
    parser.add_argument("--deck", type=int, default=500, help="metrics in the deck timing")
    parser.add_argument("--seed", type=int, default=3)
    args = parser.parse_args(argv)
    warnings.filterwarnings("ignore")
    began = time.perf_counter()
    timing = deck_timing(args.deck)  # first, so it pays the statsmodels import
    datasets = {
        "generated": (generated(args.series, args.seed), FIRST_SCORED_WEEK),
        "NAB daily": (nab(), NAB_FIRST_WEEK),
    }
    rows = []
    for data_name, (series_list, first_week) in datasets.items():
        windows = sum(len(s.windows) for s in series_list)
        print(f"{data_name}: {len(series_list)} series, {windows} labelled windows", flush=True)
        for calendar in (False, True):
            if calendar and data_name.startswith("NAB"):
                continue  # NAB has no events calendar
            for name, detector in DETECTORS.items():
                result = score(series_list, detector, first_week, calendar)
                rows.append((data_name + (" +cal" if calendar else ""), name, result))
    print()
    print("| data | detector | precision | recall | F1 | flagged weeks | windows found | ms/week |")
    print("|---|---|---|---|---|---|---|---|")
    for data_name, name, r in rows:
        ms = r.seconds / r.calls * 1000 if r.calls else 0.0
        print(
            f"| {data_name} | {name} | {r.precision:.2f} | {r.recall:.2f} | {r.f1:.2f} |"
            f" {r.flagged} | {r.found}/{r.windows} | {ms:.2f} |"
        )
    print()
    print("recall by kind of anomaly (generated, no calendar):")
    for data_name, name, r in rows:
        if data_name == "generated":
            parts = ", ".join(f"{k} {f}/{n}" for k, (f, n) in sorted(r.by_kind.items()))
            print(f"  {name}: {parts}")
    print()
    for data_name in dict.fromkeys(d for d, _, _ in rows):
        f1 = {name: r.f1 for d, name, r in rows if d == data_name}
        best_baseline = max(v for k, v in f1.items() if k != "wbr.analysis.flags")
        margin = f1["wbr.analysis.flags"] - best_baseline
        print(
            f"{data_name}: wbr flags F1 {f1['wbr.analysis.flags']:.2f},"
            f" best baseline {best_baseline:.2f},"
            f" margin {margin:+.2f}"
        )
    print()
    print(timing)
    print(f"\ntotal {time.perf_counter() - began:.0f} s")


if __name__ == "__main__":
    main()
