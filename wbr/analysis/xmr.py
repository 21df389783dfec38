"""XmR process behaviour charts (Wheeler): natural process limits, the four rules, locked limits.

One time-ordered series at a time (xmr_batch.py gives the same charts for many series at once);
docs/calculation-rules.md (Flags) states the rules. The deck's flags (flags.py) read an
`XmrChart`: the limits in effect for the latest point, every limit change with its reason, and
the rules the latest point trips.
"""

from __future__ import annotations

import operator
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

NPL_SCALING = 2.66  # 3 / d2, d2 = 1.128 for moving ranges of two points
URL_SCALING = 3.268  # D4 for n = 2: upper range limit of the mR chart
HALFWAY_SCALING = NPL_SCALING / 2
RUN_LENGTH = 8
MIN_POINTS = 6  # Wheeler: useful limits from as few as 5-6 points
# A shift signal confirms a new level when 5 of the 6 weeks after it stay on its side of the old
# mean. Without that, chance signals in plain noise relocked 0.87 times per 110-week series and the
# biased new limits raised a false signal at 4.3% of latest weeks (measured, iid normal data).
CONFIRM_POINTS = 6

OUTSIDE_LIMITS = "outside_limits"
THREE_OF_FOUR = "three_of_four"
RUN_OF_EIGHT = "run_of_eight"
MOVING_RANGE = "moving_range"
RULES = (OUTSIDE_LIMITS, THREE_OF_FOUR, RUN_OF_EIGHT, MOVING_RANGE)  # in order of severity


@dataclass(frozen=True)
class XmrLimits:
    """Central line, average moving range and the limits derived from them."""

    mean: float
    mr_mean: float
    points: int

    @property
    def unpl(self) -> float:
        """Upper natural process limit: mean + 2.66 mR̄."""
        return self.mean + NPL_SCALING * self.mr_mean

    @property
    def lnpl(self) -> float:
        """Lower natural process limit: mean - 2.66 mR̄."""
        return self.mean - NPL_SCALING * self.mr_mean

    @property
    def url(self) -> float:
        """Upper range limit of the moving-range chart: 3.268 mR̄."""
        return URL_SCALING * self.mr_mean

    @property
    def upper_halfway(self) -> float:
        """Midpoint between the mean and UNPL (rule 2 threshold)."""
        return self.mean + HALFWAY_SCALING * self.mr_mean

    @property
    def lower_halfway(self) -> float:
        """Midpoint between the mean and LNPL (rule 2 threshold)."""
        return self.mean - HALFWAY_SCALING * self.mr_mean


@dataclass(frozen=True)
class XmrSignal:
    """One rule tripped at one point: which rule, where, on which side of the mean."""

    rule: str
    index: int
    value: float
    side: int  # +1 above the mean (or a rising jump for moving_range), -1 below
    since: int  # first point of the run or window that makes the signal


@dataclass(frozen=True)
class LimitChange:
    """Limits set from `start` on, and why (the baseline, or the shift that forced a recompute)."""

    start: int
    limits: XmrLimits
    reason: str


@dataclass(frozen=True)
class XmrChart:
    """A locked-limit XmR chart of a series, as judged at its latest point."""

    limits: XmrLimits  # the limits in effect for the latest point
    changes: tuple[LimitChange, ...]
    signals: tuple[XmrSignal, ...]  # the rules the latest point trips, most severe first
    last: int  # index of the latest point in the input series


def xmr_limits(values: Sequence[float] | np.ndarray) -> XmrLimits:
    """Natural process limits from every non-missing value given (all of them are the baseline)."""
    x = np.asarray(values, dtype=float)
    x = x[~np.isnan(x)]
    if len(x) < 2:
        raise ValueError(f"XmR limits need at least 2 values, got {len(x)}")
    ranges = np.abs(np.diff(x))
    # sum / count is ndarray.mean's own arithmetic (the same sum, one division), without its
    # ~5 us of dispatch: this runs ~4 times per chart, 44,000 times at 10,000 metrics
    return XmrLimits(float(x.sum() / len(x)), float(ranges.sum() / len(ranges)), len(x))


def _stable_limits(x: np.ndarray) -> XmrLimits:
    """Limits from a baseline after dropping its own points outside the first-pass limits once."""
    first = xmr_limits(x)
    keep = (x <= first.unpl) & (x >= first.lnpl)
    if keep.all() or keep.sum() < MIN_POINTS:
        return first
    # moving ranges only between neighbours that are both kept, so a wild point adds no range
    pairs = keep[1:] & keep[:-1]
    ranges = np.abs(np.diff(x))[pairs]
    if len(ranges) == 0:
        return first
    return XmrLimits(float(x[keep].mean()), float(ranges.mean()), int(keep.sum()))


def _young_limits(total: float, ranges: float, count: int, prior: XmrLimits | None) -> XmrLimits:
    """Limits of a segment younger than its baseline: its own mean; its moving ranges pooled
    with the previous limits' ones (a shift moves the level, not the routine variation, and
    five ranges alone make limits jumpy)."""
    if prior is None:
        return XmrLimits(total / count, ranges / (count - 1), count)
    pooled = prior.points - 1
    return XmrLimits(total / count, (ranges + prior.mr_mean * pooled) / (count - 1 + pooled), count)


def _range_sum(points: Sequence[float]) -> float:
    """Sum of the moving ranges of consecutive points."""
    return sum(map(abs, map(operator.sub, points[1:], points)))  # pairwise, in order


_BITS = tuple(bin(i).count("1") for i in range(16))


class _Rules:
    """The four rules' state over the points judged so far in a segment (pure Python: a chart
    has ~150 points, where numpy's per-call overhead would cost more than the arithmetic)."""

    __slots__ = ("half_down", "half_up", "out_down", "out_up", "run_down", "run_up")

    def __init__(self, points: Sequence[float] = (), limits: XmrLimits | None = None) -> None:
        # push() over every point, on local variables (a chart replays its baseline this way)
        run_up = run_down = half_up = half_down = out_up = out_down = 0  # last 4 / 3 as bits
        if points:
            assert limits is not None
            mean, mr_mean = limits.mean, limits.mr_mean
            reach, half = NPL_SCALING * mr_mean, HALFWAY_SCALING * mr_mean
            upper, lower = mean + reach, mean - reach
            upper_half, lower_half = mean + half, mean - half
            for value in points:
                run_up = run_up + 1 if value > mean else 0
                run_down = run_down + 1 if value < mean else 0
                half_up = ((half_up << 1) | (value > upper_half)) & 15
                half_down = ((half_down << 1) | (value < lower_half)) & 15
                out_up = ((out_up << 1) | (value > upper)) & 7
                out_down = ((out_down << 1) | (value < lower)) & 7
        self.run_up, self.run_down = run_up, run_down
        self.half_up, self.half_down, self.out_up, self.out_down = (
            half_up,
            half_down,
            out_up,
            out_down,
        )

    def push(self, value: float, lim: XmrLimits) -> None:
        """Judge the next point against `lim`."""
        mean, reach, half = lim.mean, NPL_SCALING * lim.mr_mean, HALFWAY_SCALING * lim.mr_mean
        self.run_up = self.run_up + 1 if value > mean else 0
        self.run_down = self.run_down + 1 if value < mean else 0
        self.half_up = ((self.half_up << 1) | (value > mean + half)) & 15
        self.half_down = ((self.half_down << 1) | (value < mean - half)) & 15
        self.out_up = ((self.out_up << 1) | (value > mean + reach)) & 7
        self.out_down = ((self.out_down << 1) | (value < mean - reach)) & 7

    def state(self) -> tuple[int, int, int, int, int, int]:
        """Run lengths up and down, then the halfway and outside bits up and down."""
        return (
            self.run_up,
            self.run_down,
            self.half_up,
            self.half_down,
            self.out_up,
            self.out_down,
        )

    def sides(self) -> tuple[tuple[int, int, int, int], ...]:
        return (1, self.run_up, self.half_up, self.out_up), (
            -1,
            self.run_down,
            self.half_down,
            self.out_down,
        )

    def shift(self, at: int) -> tuple[int, int, str] | None:
        """A sustained shift confirmed at point `at`: (first point of the new level, side, why).

        Confirmed means rule 3 (run of 8), rule 2 (3 of 4 beyond halfway) or rule 1 repeated
        (2 of 3 outside the same limit).
        """
        for side, run, half, out in self.sides():
            if run >= RUN_LENGTH:
                return at - run + 1, side, "run of 8"
            if _BITS[half] >= 3:
                return at - half.bit_length() + 1, side, "3 of 4 beyond halfway"
            if _BITS[out] >= 2:
                return at - out.bit_length() + 1, side, "2 of 3 outside the limits"
        return None

    def signals(
        self, at: int, value: float, before: float | None, lim: XmrLimits
    ) -> list[XmrSignal]:
        """The rules the point just pushed (`at`) trips, most severe first."""
        found = []
        for side, run, half, out in self.sides():
            if out & 1:
                found.append(XmrSignal(OUTSIDE_LIMITS, at, value, side, at))
            if half & 1 and _BITS[half] >= 3:
                found.append(XmrSignal(THREE_OF_FOUR, at, value, side, at - half.bit_length() + 1))
            if run >= RUN_LENGTH:
                found.append(XmrSignal(RUN_OF_EIGHT, at, value, side, at - run + 1))
        if before is not None and abs(value - before) > lim.url:
            jump = 1 if value > before else -1
            found.append(XmrSignal(MOVING_RANGE, at, abs(value - before), jump, at - 1))
        return sorted(found, key=lambda s: RULES.index(s.rule))


def xmr_signals(values: Sequence[float] | np.ndarray, limits: XmrLimits) -> tuple[XmrSignal, ...]:
    """Every signal of every point of a series against fixed limits (no locking, no recompute)."""
    rules = _Rules()
    found: list[XmrSignal] = []
    before = None
    for at, value in enumerate(np.asarray(values, dtype=float).tolist()):
        if value != value:  # NaN: skipped, as the chart skips missing weeks
            continue
        rules.push(value, limits)
        found += rules.signals(at, value, before, limits)
        before = value
    return tuple(found)


def xmr_chart(
    values: Sequence[float] | np.ndarray,
    baseline_points: int = 20,
    baseline_start: int = 0,
) -> XmrChart | None:
    """Locked-limit XmR chart of a series, judged at its latest point; None if too short.

    Limits come from the first `baseline_points` stable points from `baseline_start` (points
    outside the first-pass limits are dropped once). They stay locked until a sustained shift is
    confirmed: a shift signal (rule 1 twice in 3 points, rule 2 or rule 3) and then 5 of the next
    6 points on its side of the old mean. Then they are recomputed from the first point of the
    signal, growing (moving ranges pooled with the old ones) until `baseline_points`. The latest
    point is judged by the limits in effect before it. Missing values are skipped (the chart
    runs over the points that exist).
    """
    raw = np.asarray(values, dtype=float)
    where = np.flatnonzero(~np.isnan(raw))
    where = where[where >= baseline_start]
    if len(where) == 0 or where[-1] != len(raw) - 1 or len(where) < MIN_POINTS + 1:
        return None
    x: list[float] = raw[where].tolist()
    n = len(x)
    size = min(baseline_points, n - 1)
    lim = _stable_limits(np.array(x[:size]))
    changes = [LimitChange(int(where[0]), lim, f"baseline: first {size} points")]
    rules = _Rules(x[:size], lim)
    seg, locked = 0, size >= baseline_points
    prior = lim if locked else None  # the last locked limits
    total = sum(x[:size])
    ranges = _range_sum(x[:size])
    pending: tuple[int, int, str, float, int] | None = None  # start, side, why, old mean, at
    # The loop below is _Rules.push and _Rules.shift written out on local variables (the same
    # comparisons in the same order): it runs for every week of every metric's chart.
    run_up, run_down = rules.run_up, rules.run_down
    half_up, half_down, out_up, out_down = (
        rules.half_up,
        rules.half_down,
        rules.out_up,
        rules.out_down,
    )
    bits = _BITS
    judged = None  # the limits the thresholds below were worked out from
    mean = upper_half = lower_half = upper = lower = 0.0
    for t in range(size, n - 1):
        if not locked:
            lim = _young_limits(total, ranges, t - seg, prior)
        if lim is not judged:
            judged, mean = lim, lim.mean
            reach, half = NPL_SCALING * lim.mr_mean, HALFWAY_SCALING * lim.mr_mean
            upper_half, lower_half, upper, lower = (
                mean + half,
                mean - half,
                mean + reach,
                mean - reach,
            )
        value = x[t]
        run_up = run_up + 1 if value > mean else 0
        run_down = run_down + 1 if value < mean else 0
        half_up = ((half_up << 1) | (value > upper_half)) & 15
        half_down = ((half_down << 1) | (value < lower_half)) & 15
        out_up = ((out_up << 1) | (value > upper)) & 7
        out_down = ((out_down << 1) | (value < lower)) & 7
        if not locked:  # locked limits never read these; they are recomputed when limits unlock
            total += value
            ranges += abs(value - x[t - 1]) if t > seg else 0.0
        if pending is None and (
            run_up >= RUN_LENGTH
            or run_down >= RUN_LENGTH
            or bits[half_up] >= 3
            or bits[half_down] >= 3
            or bits[out_up] >= 2
            or bits[out_down] >= 2
        ):
            rules.run_up, rules.run_down = run_up, run_down
            rules.half_up, rules.half_down, rules.out_up, rules.out_down = (
                half_up,
                half_down,
                out_up,
                out_down,
            )
            found = rules.shift(t)
            if found is not None:
                pending = (*found, mean, t)
        if pending is not None and t >= pending[4] + CONFIRM_POINTS:
            start, side, reason, old_mean, at = pending
            pending = None
            after = x[at + 1 : t + 1]
            if sum((v - old_mean) * side > 0 for v in after) >= CONFIRM_POINTS - 1:
                if locked:
                    prior = lim
                seg, locked = start, False
                total = sum(x[seg : t + 1])
                ranges = _range_sum(x[seg : t + 1])
                lim = _young_limits(total, ranges, t + 1 - seg, prior)
                changes.append(
                    LimitChange(int(where[seg]), lim, f"{reason} from point {where[seg]}")
                )
                rules = _Rules(x[seg : t + 1], lim)
                run_up, run_down, half_up, half_down, out_up, out_down = rules.state()
        if not locked and t + 1 - seg >= baseline_points:
            lim, locked = xmr_limits(x[seg : seg + baseline_points]), True
            changes[-1] = replace(changes[-1], limits=lim)
            rules = _Rules(x[seg : t + 1], lim)
            run_up, run_down, half_up, half_down, out_up, out_down = rules.state()
    rules.run_up, rules.run_down = run_up, run_down
    rules.half_up, rules.half_down, rules.out_up, rules.out_down = (
        half_up,
        half_down,
        out_up,
        out_down,
    )
    if not locked:
        lim = _young_limits(total, ranges, n - 1 - seg, prior)
        changes[-1] = replace(changes[-1], limits=lim)
        rules = _Rules(x[seg : n - 1], lim)  # the latest point's windows, judged by its limits
    return latest_chart(rules, x, seg, lim, changes, where)


def latest_chart(
    rules: _Rules,
    x: list[float],
    seg: int,
    lim: XmrLimits,
    changes: list[LimitChange],
    where: np.ndarray,
) -> XmrChart:
    """The chart judged at its latest point, `x[-1]`: pushed on the rules' state of the points
    before it in segment `seg`, against the limits in effect (`where`: each point's position in
    the input series)."""
    n = len(x)
    rules.push(x[n - 1], lim)
    before = x[n - 2] if n - 2 >= seg else None
    signals = tuple(
        XmrSignal(s.rule, int(where[s.index]), s.value, s.side, int(where[s.since]))
        for s in rules.signals(n - 1, x[n - 1], before, lim)
    )
    return XmrChart(lim, tuple(changes), signals, int(where[-1]))
