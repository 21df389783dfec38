"""Signal, not noise: how much of a year of decks is flagged, whether known events are, and what
the questions read like (issue 9). Prints numbers for benchmarks/README.md.

Real data (benchmarks/data/, sources and licences beside each):
- bikeshare: Capital Bikeshare daily rides and weather 2011-2012 (UCI, CC BY 4.0), 8 metrics,
  one deck every Saturday from 2011-07-02 to 2012-12-29. Known events: Hurricane Irene
  (2011-08-27), the October 2011 snowstorm (2011-10-29), Hurricane Sandy (2012-10-29): the rides
  blocks of those weeks must be flagged and cite the day.
- nyc_taxi: NAB's NYC taxi passengers summed by day, Jul 2014 - Jan 2015 (MIT), one deck every
  Saturday from 2014-08-02; NAB's labelled windows (marathon, Thanksgiving, Christmas, New Year,
  blizzard) are the known events. Held out: nothing was tuned on it.
- held out, listed in benchmarks/signal_datasets.py (how each file is made, its decks and
  events): metro_traffic, westbound I-94 vehicles and weather by day 2015-10 - 2018-09 (UCI, CC
  BY 4.0), 7 metrics. `--held-out` runs only these. Nothing was tuned on metro_traffic, but its
  texts were read to find the rules of issue 9's third round: it is no longer held out for those.
  Also uk_grid and melbourne_footfall; `--held-out --only NAME` runs one of them. A set in
  signal_datasets.NOT_YET_RUN is kept for its single evaluation: it runs only when named so.

Generated cases (12 metrics each, 3.2 years of daily data, decks for the week ending 2025-11-29;
seeds 0-59 tune thresholds (--sweep, the flag pass on each metric), 0-2 are also printed as
decks; seeds 100-102 are the report seeds, never looked at while tuning):
plain, shock (the deck's week moves), recurring_peak (an annual peak every year, no events
file), one_off_near_py (a one-off event this week, an unrelated event a year earlier within 1-3
days, both in the events file), short_history (13 months of plain history), base_effect (last
year's week was hit, this week is plain), rare_counts (Poisson counts of 0.05-0.6 a day),
young (5-20 weeks of plain history, half with a holiday-like dip before the deck's week: the
daily fit sees few weeks), young_shock (the same with the shock case's shocks) and intermittent
(weather-like hours: 0 on most days, 1-14 on the others; rain any season, snow in winter only).

    .venv/bin/python benchmarks/signal_eval.py [--seeds tune|report|looked|all] [--skip-real]
        [--skip-generated] [--texts bikeshare]   # also print every question of a real deck
    .venv/bin/python benchmarks/signal_eval.py --sweep   # TWO_YEAR_SHARE on the tuning seeds
"""

from __future__ import annotations

import argparse
import collections
import datetime as dt
import re
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT.parent))

from wbr.engine.build import build_deck  # noqa: E402
from wbr.engine.config import load_config  # noqa: E402
from wbr.engine.sources import load_data  # noqa: E402

WEEK = pd.Timestamp("2025-11-29")  # the generated decks' week (a Saturday)
TUNE_SEEDS = (0, 1, 2)  # decks printed for the tuning seeds
SWEEP_SEEDS = tuple(range(60))  # tuning seeds of the threshold sweeps (flag pass only, fast)
# 10-12 were the first report seeds until a shock missed on seed 11 was looked into while the
# year-aware day check was written: they are tuning seeds now (inside SWEEP_SEEDS), and the
# report seeds below were never opened while tuning.
LOOKED_AT_SEEDS = (10, 11, 12)
REPORT_SEEDS = (100, 101, 102)
SWEEP = {
    "TWO_YEAR_SHARE": (0.5, 0.6, 0.7, 0.8, 0.9, 1.0),
    "RECUR_SIZE": ((0.5, 2.0), (0.33, 3.0), (0.25, 4.0), (0.5, 1e9)),
}
YOUNG_SWEEP = {"TREND_WEEKS": (6, 8, 10), "TREND_SHARE": (0.75, 1.0, 1.25)}
CASES = (
    "plain",
    "shock",
    "recurring_peak",
    "one_off_near_py",
    "short_history",
    "short_shock",
    "base_effect",
    "rare_counts",
    "young",
    "young_shock",
    "intermittent",
)
SIGNAL = ("xmr", "seasonal")
_ABSURD = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d)?%|robust z [+-]?\d{3,}|[+-]\d{4,}\.\d%")
MISSING = re.compile(r"\bmissing\b", re.IGNORECASE)


# ----------------------------------------------------------------------------- deck statistics


class Tally:
    """Counts over many decks: blocks, flagged blocks, questions, templates, endings."""

    def __init__(self) -> None:
        self.blocks = 0
        self.flagged = 0
        self.questions: list[int] = []
        self.per_deck: list[int] = []
        self.ids: collections.Counter[str] = collections.Counter()
        self.endings: collections.Counter[str] = collections.Counter()
        self.absurd: list[str] = []
        self.texts: list[str] = []
        self.top_repeats = 0  # deck-list top-ten entries whose template is already higher in it

    def add(self, deck) -> None:
        total = 0
        for block in deck.blocks:
            self.blocks += 1
            self.flagged += bool(block.flags)
            self.questions.append(len(block.questions))
            total += len(block.questions)
            for q in block.questions:
                self.ids[q.id] += 1
                self.endings[q.text.rstrip("?. ").rsplit(". ", 1)[-1][-60:]] += 1
                self.texts.append(f"{deck.week_ending} {block.metric}: {q.text}")
            for text in [q.text for q in block.questions] + [f.detail for f in block.flags]:
                if _ABSURD.search(text):
                    self.absurd.append(text)
        self.per_deck.append(total)
        top = [q.id for q in deck.questions[:10]]
        self.top_repeats += len(top) - len(set(top))

    def report(self, name: str) -> None:
        share = self.flagged / max(self.blocks, 1)
        q = np.array(self.questions or [0])
        print(
            f"  {name}: {len(self.per_deck)} decks, {self.blocks} block-weeks,"
            f" {self.flagged} flagged ({share:.0%}); questions per block mean {q.mean():.2f},"
            f" max {q.max()}; per deck mean {np.mean(self.per_deck):.1f}, max"
            f" {max(self.per_deck)}"
        )
        top = ", ".join(f"{k} x{v}" for k, v in self.ids.most_common(4))
        print(f"    most asked: {top}")
        ending, times = self.endings.most_common(1)[0] if self.endings else ("", 0)
        print(f"    most repeated ending ({times}x): ...{ending!r}")
        print(f"    texts with absurd numbers: {len(self.absurd)}")
        print(
            f"    deck top ten: {self.top_repeats} entries repeat a template listed higher"
            f" (mean {self.top_repeats / max(len(self.per_deck), 1):.2f} a deck)"
        )
        for text in self.absurd[:2]:
            print(f"      {text[:160]}")


def cites(flag, day: dt.date) -> bool:
    """Does a flag cite a day (its typed days, its date, or the ISO date in its words)? The
    signals a raised flag notes as set aside ("also set aside: ... known event 'Easter Monday' on
    2011-04-25") are not what it cites."""
    days = getattr(flag, "days", None) or ()
    words = flag.detail.split("; also set aside:")[0]
    return day in days or flag.date == day or day.isoformat() in words


def saturdays(first: str, last: str) -> list[dt.date]:
    return [d.date() for d in pd.date_range(first, last, freq="W-SAT")]


# ----------------------------------------------------------------------------- real data


def real(name: str, first: str, last: str, events: dict, texts: bool, year: str | None) -> None:
    """A deck every Saturday; known events = {label: (week end, day, metrics that must flag)}."""
    config = load_config(ROOT / "data" / name / "wbr.yaml")
    dataset = load_data(config)
    tally, in_year = Tally(), Tally()
    found = {}
    started = time.perf_counter()
    for week in saturdays(first, last):
        deck = build_deck(config, dataset, week, generated_at=dt.datetime(2026, 1, 1))
        tally.add(deck)
        if year and str(week.year) == year:
            in_year.add(deck)
        for label, (end, day, metrics) in events.items():
            if end == week:
                found[label] = [
                    m
                    for m in metrics
                    if any(f.type in SIGNAL and cites(f, day) for f in deck.block(m).flags)
                ]
    seconds = time.perf_counter() - started
    print(f"{name} ({seconds:.1f} s):")
    tally.report("all decks")
    if year:
        in_year.report(f"decks of {year}")
    for label, (_, day, metrics) in events.items():
        print(
            f"    known event {label} ({day}): flagged and cited in {found.get(label, [])}"
            f" of {list(metrics)}"
        )
    if texts:
        for text in tally.texts:
            print("    " + text)


def held_out(texts: str, only: str = "") -> None:
    """The held-out real datasets of benchmarks/signal_datasets.py (never tuned on); `only`: the
    one of that name."""
    sys.path.insert(0, str(ROOT))
    from signal_datasets import HELD_OUT, NOT_YET_RUN

    specs = [spec for spec in HELD_OUT if only in ("", spec.name)]
    if not specs:
        raise SystemExit(f"--only {only}: not a held-out dataset ({[s.name for s in HELD_OUT]})")
    for spec in specs:
        if spec.name in NOT_YET_RUN and only != spec.name:
            print(
                f"{spec.name}: not run, kept for its one evaluation"
                f" (--held-out --only {spec.name}; signal_datasets.NOT_YET_RUN)"
            )
            continue
        print(
            f"{spec.name}: held out (nothing tuned on it; which rules were written after reading"
            " its texts: benchmarks/README.md):"
        )
        real(spec.name, spec.first, spec.last, spec.events, texts == spec.name, spec.year)


# ----------------------------------------------------------------------------- generated cases


def business(rng: np.random.Generator, days: pd.DatetimeIndex) -> np.ndarray:
    """A plain business metric: level, growth, a yearly swing, weekday pattern, noise."""
    t = np.arange(len(days)) / 365.25
    weekday = 1 + rng.uniform(-0.2, 0.2, 7)
    level = rng.uniform(200, 5000) * (1 + rng.uniform(-0.05, 0.25)) ** t
    season = 1 + rng.uniform(0, 0.25) * np.sin(2 * np.pi * t + rng.uniform(0, 2 * np.pi))
    noise = np.exp(rng.normal(0, rng.uniform(0.04, 0.12), len(days)))
    return level * season * weekday[days.day_of_week] * noise


def scale_days(values: np.ndarray, days: pd.DatetimeIndex, start: pd.Timestamp, n: int, by: float):
    at = days.get_indexer(pd.date_range(start, periods=n))
    values[at[at >= 0]] *= by


def case_metric(case: str, seed: int, i: int) -> tuple[pd.Series, list[tuple[str, str]], list]:
    """(daily values, events [(date, description)], days that must be cited) of one metric."""
    rng = np.random.default_rng(100_000 * CASES.index(case) + 1000 * seed + i)
    years = 13 / 12 if case == "short_history" else 3.2
    length = int(years * 365)
    if case == "short_shock":  # 10 weeks to 13 months, the same for every metric of a seed
        length = int(np.random.default_rng(seed).integers(70, 396))
    if case in ("young", "young_shock"):  # 5-20 weeks of history, and 0-6 days of a week more
        length = 7 * int(rng.integers(5, 21)) + int(rng.integers(0, 7))
    days = pd.date_range(end=WEEK, periods=length, freq="D")
    events: list[tuple[str, str]] = []
    cited: list[dt.date] = []
    if case == "intermittent":  # weather-like: hours of rain (any season) or snow (winter only)
        wet = rng.random(len(days)) < rng.uniform(0.2, 0.5)
        if i % 2:
            wet &= days.month.isin([11, 12, 1, 2, 3])
        hours = np.where(wet, rng.integers(1, 15, len(days)), 0).astype(float)
        return pd.Series(hours, index=days), events, cited
    if case == "rare_counts":
        rate = rng.uniform(0.05, 0.6)
        return pd.Series(rng.poisson(rate, len(days)).astype(float), index=days), events, cited
    values = business(rng, days)
    n = len(days)
    if case in ("young", "young_shock") and rng.random() < 0.5:  # a holiday before the week
        values[int(rng.integers(0, n - 7))] *= rng.uniform(0.3, 0.7)
    if case in ("shock", "short_shock", "young_shock"):
        form = rng.integers(0, 4)
        first = int(rng.integers(0, 6))
        if form == 0:
            values[-7:] *= rng.choice([rng.uniform(1.25, 1.5), rng.uniform(0.5, 0.75)])
        elif form == 1:
            values[n - 7 + first : n - 5 + first] *= rng.uniform(2, 3)
        elif form == 2:
            values[n - 7 + first : n - 5 + first] *= rng.uniform(0.1, 0.4)
        else:
            values[n - 7 + first] *= rng.uniform(2.5, 4)
    elif case == "recurring_peak":
        size, width = rng.uniform(1.4, 2.2), int(rng.integers(1, 3))
        peak = WEEK - pd.Timedelta(days=int(rng.integers(width - 1, 7)))
        same_date = rng.random() < 0.5
        for k in range(4):
            start = (
                peak.replace(year=peak.year - k) if same_date else peak - pd.Timedelta(days=364 * k)
            )
            scale_days(values, days, start, width, size)
    elif case == "one_off_near_py":
        day = WEEK - pd.Timedelta(days=int(rng.integers(0, 7)))
        values[days.get_loc(day)] *= rng.uniform(0.05, 0.3)
        near = day - pd.Timedelta(days=364 + int(rng.choice([-3, -2, -1, 1, 2, 3])))
        scale_days(values, days, near, 1, rng.uniform(0.3, 0.6))
        events += [
            (day.date().isoformat(), "Hurricane: system closed"),
            (near.date().isoformat(), "Thunderstorm"),
        ]
        cited.append(day.date())
    elif case == "base_effect":
        py = WEEK - pd.Timedelta(days=364 + int(rng.integers(1, 5)))
        scale_days(values, days, py, 2, rng.uniform(0.1, 0.4))
        if rng.random() < 0.5:
            events.append((py.date().isoformat(), "Snowstorm"))
    return pd.Series(values, index=days), events, cited


def generated(case: str, seed: int, folder: Path):
    """One deck of 12 metrics of a case: (deck, cited days per metric)."""
    frames, events, cited = {}, [], {}
    for i in range(12):
        values, found, days = case_metric(case, seed, i)
        name = f"m{i:02d}"
        frames[name] = values
        events += [(day, name, text) for day, text in found]
        cited[name] = days
    wide = pd.DataFrame(frames)
    wide.index.name = "date"
    wide.to_csv(folder / "actuals.csv", float_format="%.4f")
    lines = ["date,metric,description"] + [f"{d},{m},{t}" for d, m, t in events]
    (folder / "events.csv").write_text("\n".join(lines) + "\n")
    metrics = "\n".join(f"  {name}: {{section: S}}" for name in frames)
    (folder / "wbr.yaml").write_text(
        "title: generated\nsources:\n  actuals: {path: actuals.csv, format: wide}\n"
        f"  events: {{path: events.csv}}\nmetrics:\n{metrics}\n"
    )
    config = load_config(folder / "wbr.yaml")
    deck = build_deck(config, week_ending=WEEK.date(), generated_at=dt.datetime(2026, 1, 1))
    return deck, cited


def run_generated(seeds: tuple[int, ...], label: str) -> None:
    print(f"generated, {label} seeds {list(seeds)} (12 metrics per case per seed):")
    with tempfile.TemporaryDirectory() as tmp:
        for case in CASES:
            tally = Tally()
            flagged = signal = data = missing_q = base_words = caught_cited = 0
            for seed in seeds:
                deck, cited = generated(case, seed, Path(tmp))
                tally.add(deck)
                for block in deck.blocks:
                    flagged += bool(block.flags)
                    signal += any(f.type in SIGNAL for f in block.flags)
                    data += any(f.type == "data" for f in block.flags)
                    missing_q += any(MISSING.search(q.text) for q in block.questions)
                    base_words += any("base" in q.text.lower() for q in block.questions)
                    days = cited[block.metric]
                    caught_cited += bool(days) and all(
                        any(cites(f, d) for f in block.flags) for d in days
                    )
            n = 12 * len(seeds)
            q = np.array(tally.questions)
            extra = ""
            if case == "one_off_near_py":
                extra = f", flagged citing the event's day {caught_cited}/{n}"
            if case == "base_effect":
                extra = f", with a question about the base {base_words}/{n}"
            print(
                f"  {case:16s} flagged {flagged:2d}/{n} (signal {signal}, data {data}),"
                f" 'missing' questions {missing_q}, questions/block {q.mean():.2f} (max"
                f" {q.max()}), absurd texts {len(tally.absurd)}{extra}"
            )


def weekly_history(daily: pd.Series, events: list[tuple[str, str]]):
    """A sum metric's MetricHistory as the engine builds it (Saturday weeks, PY 364 days back)."""
    from wbr.engine.series import MetricHistory

    sums = daily.rolling(7).sum()
    ends = daily.index[(daily.index.day_of_week == 5) & (daily.index >= daily.index[6])]
    weekly = pd.DataFrame(
        {
            "cy": sums.reindex(ends).to_numpy(),
            "py": sums.reindex(ends - pd.Timedelta(days=364)).to_numpy(),
            "plan": np.nan,
            "complete": True,
        },
        index=ends,
    )
    named = [(dt.date.fromisoformat(day), text) for day, text in events]
    return MetricHistory("m", weekly, daily), named


def sweep() -> None:
    """Shocks caught and false flags (plain, recurring peaks, base effects) per setting, on the
    flag pass of each generated metric (no deck: 60 seeds in about a minute)."""
    from wbr.analysis import flags
    from wbr.engine.config import FlagSettings, MetricConfig

    metric, settings = MetricConfig(label="m"), FlagSettings()
    cases = ("shock", "plain", "recurring_peak", "base_effect", "one_off_near_py")
    inputs = {
        case: [
            weekly_history(*case_metric(case, seed, i)[:2])
            for seed in SWEEP_SEEDS
            for i in range(12)
        ]
        for case in cases
    }
    for name, values in SWEEP.items():
        kept = getattr(flags, name)
        print(f"sweep of {name} on tuning seeds 0-{SWEEP_SEEDS[-1]} (now {kept}):")
        for value in values:
            _set_threshold(name, value)
            counts = {
                case: sum(
                    bool(flags.assess_metric(h, metric, settings, (), named=named).flags)
                    for h, named in found
                )
                for case, found in inputs.items()
            }
            false = counts["plain"] + counts["recurring_peak"] + counts["base_effect"]
            n = 12 * len(SWEEP_SEEDS)
            print(
                f"  {value}: shocks {counts['shock']}/{n}, one-off closures"
                f" {counts['one_off_near_py']}/{n}, false flags {false}/{3 * n} (plain"
                f" {counts['plain']}, recurring {counts['recurring_peak']}, base effect"
                f" {counts['base_effect']})"
            )
        _set_threshold(name, kept)


def _set_threshold(name: str, value: object) -> None:
    """Set a flag-pass threshold in every module of the pass that reads it."""
    from wbr.analysis import flag_days, flag_week, flags

    for module in (flags, flag_week, flag_days):
        if hasattr(module, name):
            setattr(module, name, value)


def sweep_young() -> None:
    """A young metric's trend check (flags.TREND_SHARE, flags.TREND_WEEKS) on the tuning seeds:
    short histories flagged (false flags: plain metrics) and short-history shocks caught."""
    from wbr.analysis import flags
    from wbr.engine.config import FlagSettings, MetricConfig

    metric, settings = MetricConfig(label="m"), FlagSettings()
    inputs = {
        case: [
            weekly_history(*case_metric(case, seed, i)[:2])
            for seed in SWEEP_SEEDS
            for i in range(12)
        ]
        for case in ("short_history", "short_shock")
    }
    kept = flags.TREND_SHARE, flags.TREND_WEEKS
    print(f"sweep of the trend check on tuning seeds 0-{SWEEP_SEEDS[-1]} (now {kept}):")
    for weeks in YOUNG_SWEEP["TREND_WEEKS"]:
        for share in YOUNG_SWEEP["TREND_SHARE"]:
            _set_threshold("TREND_SHARE", share)
            _set_threshold("TREND_WEEKS", weeks)
            counts = {
                case: sum(
                    any(
                        f.type in SIGNAL
                        for f in flags.assess_metric(h, metric, settings, (), named=named).flags
                    )
                    for h, named in found
                )
                for case, found in inputs.items()
            }
            n = 12 * len(SWEEP_SEEDS)
            print(
                f"  TREND_WEEKS {weeks}, TREND_SHARE {share}: short-history shocks caught"
                f" {counts['short_shock']}/{n}, plain short histories flagged"
                f" {counts['short_history']}/{n}"
            )
    _set_threshold("TREND_SHARE", kept[0])
    _set_threshold("TREND_WEEKS", kept[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", choices=("tune", "report", "looked", "all"), default="all")
    parser.add_argument("--sweep", action="store_true", help="tune TWO_YEAR_SHARE (tuning seeds)")
    parser.add_argument(
        "--sweep-young", action="store_true", help="tune the trend check (tuning seeds)"
    )
    parser.add_argument("--skip-real", action="store_true")
    parser.add_argument("--skip-generated", action="store_true")
    parser.add_argument("--texts", default="", help="print every question of this real dataset")
    parser.add_argument("--held-out", action="store_true", help="only the held-out real data")
    parser.add_argument("--only", default="", help="with --held-out: only this dataset")
    args = parser.parse_args()
    if args.only and not args.held_out:
        parser.error("--only goes with --held-out")
    if args.held_out:
        held_out(args.texts, args.only)
        return
    if args.sweep:
        sweep()
        return
    if args.sweep_young:
        sweep_young()
        return
    if not args.skip_real:
        d = dt.date
        real(
            "bikeshare",
            "2011-07-02",
            "2012-12-29",
            {
                "Hurricane Irene": (
                    d(2011, 8, 27),
                    d(2011, 8, 27),
                    ("rides", "casual", "registered"),
                ),
                "October snowstorm": (d(2011, 10, 29), d(2011, 10, 29), ("rides", "registered")),
                "Hurricane Sandy": (
                    d(2012, 11, 3),
                    d(2012, 10, 29),
                    ("rides", "casual", "registered"),
                ),
            },
            args.texts == "bikeshare",
            "2012",
        )
        real(
            "nyc_taxi",
            "2014-08-02",
            "2015-01-31",
            {
                "NYC marathon": (d(2014, 11, 8), d(2014, 11, 2), ("passengers",)),
                "Thanksgiving": (d(2014, 11, 29), d(2014, 11, 27), ("passengers",)),
                "Christmas": (d(2014, 12, 27), d(2014, 12, 25), ("passengers",)),
                "New Year": (d(2015, 1, 3), d(2015, 1, 1), ("passengers",)),
                "Blizzard": (d(2015, 1, 31), d(2015, 1, 27), ("passengers",)),
            },
            args.texts == "nyc_taxi",
            None,
        )
        held_out(args.texts)
    if not args.skip_generated:
        if args.seeds in ("tune", "all"):
            run_generated(TUNE_SEEDS, "tuning")
        if args.seeds in ("report", "all"):
            run_generated(REPORT_SEEDS, "report (not tuned on)")
        if args.seeds == "looked":
            run_generated(LOOKED_AT_SEEDS, "looked at once (10-12)")


if __name__ == "__main__":
    main()
