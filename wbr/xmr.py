"""XmR process behaviour charts (Wheeler): natural process limits, the four rules, locked limits.

Pure numpy on one time-ordered series; WBR_PRACTICE.md section 4.5 is the specification. The deck's
flags (wbr/flags.py) read an `XmrChart`: the limits in effect for the latest point, every limit
change with its reason, and the rules the latest point trips.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

NPL_SCALING = 2.66  # 3 / d2, d2 = 1.128 for moving ranges of two points
URL_SCALING = 3.268  # D4 for n = 2: upper range limit of the mR chart
HALFWAY_SCALING = NPL_SCALING / 2
RUN_LENGTH = 8
MIN_POINTS = 6  # Wheeler: useful limits from as few as 5-6 points

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
    return XmrLimits(float(x.mean()), float(np.abs(np.diff(x)).mean()), len(x))


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


def _pooled(x: np.ndarray, prior: XmrLimits) -> XmrLimits:
    """Limits of a young segment: its own mean, its moving ranges pooled with the prior ones."""
    ranges = np.abs(np.diff(x))
    prior_ranges = prior.points - 1
    mr = (ranges.sum() + prior.mr_mean * prior_ranges) / (len(ranges) + prior_ranges)
    return XmrLimits(float(x.mean()), float(mr), len(x))


def _run_lengths(flags: np.ndarray) -> np.ndarray:
    """Length of the run of True values ending at each position."""
    idx = np.arange(len(flags))
    last_false = np.maximum.accumulate(np.where(flags, -1, idx))
    return np.where(flags, idx - last_false, 0)


def _window_count(flags: np.ndarray, width: int) -> np.ndarray:
    """Number of True values in the window of `width` points ending at each position."""
    total = np.concatenate(([0], np.cumsum(flags)))
    idx = np.arange(1, len(flags) + 1)
    return total[idx] - total[np.maximum(idx - width, 0)]


@dataclass(frozen=True)
class _Rules:
    """Per-point rule arrays of one segment (positions relative to the segment start)."""

    outside: tuple[np.ndarray, np.ndarray]  # (above UNPL, below LNPL)
    outside_in_3: tuple[np.ndarray, np.ndarray]
    beyond_half: tuple[np.ndarray, np.ndarray]
    beyond_half_in_4: tuple[np.ndarray, np.ndarray]
    run: tuple[np.ndarray, np.ndarray]


def _rules(x: np.ndarray, mean: float | np.ndarray, mr_mean: float | np.ndarray) -> _Rules:
    """Rule arrays for the points of one segment judged against the limits of (mean, mR̄).

    mean and mr_mean are numbers, or arrays giving each point the limits in effect for it.
    """
    above, below = x > mean + NPL_SCALING * mr_mean, x < mean - NPL_SCALING * mr_mean
    half_up = x > mean + HALFWAY_SCALING * mr_mean
    half_down = x < mean - HALFWAY_SCALING * mr_mean
    return _Rules(
        outside=(above, below),
        outside_in_3=(_window_count(above, 3), _window_count(below, 3)),
        beyond_half=(half_up, half_down),
        beyond_half_in_4=(_window_count(half_up, 4), _window_count(half_down, 4)),
        run=(_run_lengths(x > mean), _run_lengths(x < mean)),
    )


def _growing_limits(x: np.ndarray, first: int, prior: XmrLimits) -> tuple[np.ndarray, np.ndarray]:
    """(mean, mR̄) in effect for each point of a young segment, from the points before it.

    The mean is the segment's own (at least `first` points). A shift moves the level, not the
    routine variation, so the moving ranges of the previous limits are pooled with the new ones
    until the segment has its own full baseline; five ranges alone make limits jumpy.
    """
    count = np.maximum(np.arange(len(x)), first)
    sums = np.concatenate(([0.0], np.cumsum(x)))
    ranges = np.concatenate(([0.0], np.cumsum(np.abs(np.diff(x)))))
    prior_ranges = prior.points - 1
    mr = (ranges[count - 1] + prior.mr_mean * prior_ranges) / (count - 1 + prior_ranges)
    return sums[count] / count, mr


_SHIFT_TESTS = (
    ("run of 8", RUN_LENGTH),  # rule 3
    ("3 of 4 beyond halfway", 4),  # rule 2
    ("2 of 3 outside the limits", 3),  # rule 1 repeated
)


def _shift_points(r: _Rules) -> list[tuple[np.ndarray, int, int]]:
    """Where each shift test fires: (positions, side index, test index)."""
    found = []
    for side_index in (0, 1):
        hits = (
            r.run[side_index] >= RUN_LENGTH,
            r.beyond_half_in_4[side_index] >= 3,
            r.outside_in_3[side_index] >= 2,
        )
        found += [(np.flatnonzero(h), side_index, k) for k, h in enumerate(hits)]
    return found


def _next_shift(
    r: _Rules, points: list[tuple[np.ndarray, int, int]], lo: int, hi: int
) -> tuple[int, int, int, str] | None:
    """First confirmed sustained shift in [lo, hi): (at, new level start, side, reason).

    Confirmed means rule 3 (run of 8), rule 2 (3 of 4 beyond halfway) or rule 1 repeated
    (2 of 3 outside the same limit); the new level starts at the first point of that evidence.
    """
    best: tuple[int, int, int] | None = None
    for positions, side_index, test in points:
        k = int(positions.searchsorted(lo))
        if k < len(positions) and positions[k] < hi and (best is None or positions[k] < best[0]):
            best = (int(positions[k]), side_index, test)
    if best is None:
        return None
    at, side_index, test = best
    reason, width = _SHIFT_TESTS[test]
    if test == 0:
        start = at - int(r.run[side_index][at]) + 1
    else:
        flags = (r.beyond_half if test == 1 else r.outside)[side_index]
        first = max(at - width + 1, 0)
        start = first + int(np.argmax(flags[first : at + 1]))
    return at, start, 1 if side_index == 0 else -1, reason


def _signals_at(x: np.ndarray, seg: int, lim: XmrLimits, at: int) -> tuple[XmrSignal, ...]:
    """The rules that point `at` trips against `lim` (runs and windows stay inside the segment)."""
    r = _rules(x[seg : at + 1], lim.mean, lim.mr_mean)
    i = at - seg
    value = float(x[at])
    found: list[XmrSignal] = []
    for side_index, side in ((0, 1), (1, -1)):
        if r.outside[side_index][i]:
            found.append(XmrSignal(OUTSIDE_LIMITS, at, value, side, at))
        if r.beyond_half[side_index][i] and r.beyond_half_in_4[side_index][i] >= 3:
            window = r.beyond_half[side_index][max(i - 3, 0) : i + 1]
            since = seg + max(i - 3, 0) + int(np.argmax(window))
            found.append(XmrSignal(THREE_OF_FOUR, at, value, side, since))
        if r.run[side_index][i] >= RUN_LENGTH:
            since = at - int(r.run[side_index][i]) + 1
            found.append(XmrSignal(RUN_OF_EIGHT, at, value, side, since))
    if at >= 1 and not np.isnan(x[at - 1]):
        jump = value - float(x[at - 1])
        if abs(jump) > lim.url:
            found.append(XmrSignal(MOVING_RANGE, at, abs(jump), 1 if jump > 0 else -1, at - 1))
    return tuple(sorted(found, key=lambda s: RULES.index(s.rule)))


def xmr_signals(values: Sequence[float] | np.ndarray, limits: XmrLimits) -> tuple[XmrSignal, ...]:
    """Every signal of every point of a series against fixed limits (no locking, no recompute)."""
    x = np.asarray(values, dtype=float)
    return tuple(
        s for at in range(len(x)) if not np.isnan(x[at]) for s in _signals_at(x, 0, limits, at)
    )


def xmr_chart(
    values: Sequence[float] | np.ndarray,
    baseline_points: int = 20,
    baseline_start: int = 0,
) -> XmrChart | None:
    """Locked-limit XmR chart of a series, judged at its latest point; None if too short.

    Limits come from the first `baseline_points` stable points from `baseline_start` (points
    outside the first-pass limits are dropped once). They stay locked until a sustained shift is
    confirmed (rule 1 twice in 3 points, rule 2 or rule 3); then they are recomputed from the
    first point of the new level, once it has at least 6 points, growing until `baseline_points`.
    A shift confirmed at the latest point does not move that point's own limits. Missing values
    are skipped (the chart runs over the points that exist).
    """
    raw = np.asarray(values, dtype=float)
    where = np.flatnonzero(~np.isnan(raw))
    where = where[where >= baseline_start]
    if len(where) == 0 or where[-1] != len(raw) - 1 or len(where) < MIN_POINTS + 1:
        return None
    x = raw[where]
    n = len(x)
    size = min(baseline_points, n - 1)
    lim = _stable_limits(x[:size])
    changes = [LimitChange(int(where[0]), lim, f"baseline: first {size} points")]
    seg, t, locked = 0, size, size >= baseline_points
    previous = lim  # the last locked limits: their routine variation carries into a new level
    rules, points, cached = None, [], -1
    while t < n - 1:
        if locked:
            hi = n - 1
            if cached != seg:  # locked limits: one set of rule arrays serves the whole segment
                rules = _rules(x[seg:hi], lim.mean, lim.mr_mean)
                points, cached = _shift_points(rules), seg
        else:  # each point of a young segment is judged by the limits of the points before it
            hi = min(seg + baseline_points, n - 1)
            rules = _rules(x[seg:hi], *_growing_limits(x[seg:hi], t - seg, previous))
            points, cached = _shift_points(rules), -1
        assert rules is not None
        shift = _next_shift(rules, points, t - seg, hi - seg)
        if shift is None:
            t = hi
        else:
            at, start, side, reason = (shift[0] + seg, shift[1] + seg, shift[2], shift[3])
            ready = start + MIN_POINTS
            if ready > n - 1:
                break  # too few points of the new level yet: the latest point keeps these limits
            mean = lim.mean if locked else float(x[seg:at].mean())
            held = np.sum((x[start:ready] - mean) * side > 0) >= MIN_POINTS - 1
            t = max(at + 1, ready)
            if held:
                if locked:
                    previous = lim
                seg, locked = start, False
                new = _pooled(x[start:t], previous)
                changes.append(
                    LimitChange(int(where[start]), new, f"{reason} from point {where[start]}")
                )
        if not locked and t - seg >= baseline_points:
            lim, locked = xmr_limits(x[seg : seg + baseline_points]), True
            changes[-1] = LimitChange(changes[-1].start, lim, changes[-1].reason)
    if not locked:
        lim = _pooled(x[seg : n - 1], previous)
        changes[-1] = LimitChange(changes[-1].start, lim, changes[-1].reason)
    signals = tuple(
        XmrSignal(s.rule, int(where[s.index]), s.value, s.side, int(where[s.since]))
        for s in _signals_at(x, seg, lim, n - 1)
    )
    return XmrChart(lim, tuple(changes), signals, int(where[-1]))
