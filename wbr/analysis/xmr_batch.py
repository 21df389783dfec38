"""XmR charts of many series at once: `xmr_charts(series, ...)` is `[xmr_chart(s, ...) ...]`,
the same charts to the last bit, worked out a week at a time over all the series of one length
(numpy across series) instead of a Python loop over the weeks of each series.

xmr.xmr_chart stays the definition (docs/calculation-rules.md, Flags); this module replays its
steps in the same order with the same float operations: the rules' state, the limits of a young
segment and its running sums are arrays over series, updated week by week; each week's confirmed
shifts, relocks and segment replays are worked out for the series they concern at once. The
baseline's second pass (points outside the first-pass limits dropped) and the latest point's
judgement are done one series at a time with xmr.py's own functions. Groups of series too small
to pay for a week of numpy calls go through xmr_chart itself (MIN_GROUP)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from wbr.analysis.xmr import (
    CONFIRM_POINTS,
    HALFWAY_SCALING,
    MIN_POINTS,
    NPL_SCALING,
    RUN_LENGTH,
    LimitChange,
    XmrChart,
    XmrLimits,
    _range_sum,
    _Rules,
    _stable_limits,
    _young_limits,
    latest_chart,
    xmr_chart,
)

# Below this many series of one length, xmr_chart one at a time: a week of the batch costs ~30
# numpy calls whatever the number of series, a series' week in xmr_chart ~1 us. Measured on the
# 10,000-metric benchmark's YoY series (104 points): 250 series 29 ms one by one, 35 ms batched;
# 500: 60 and 54 ms; 1,000: 123 and 72 ms; 4,000: 456 and 198 ms.
MIN_GROUP = 400
_THREE_OF_FOUR = np.array([bin(i).count("1") >= 3 for i in range(16)])
_TWO_OF_THREE = np.array([bin(i).count("1") >= 2 for i in range(8)])
_BIT_LENGTH = np.array([i.bit_length() for i in range(16)])
# rows of the stacked (up, down) x (run, halfway, outside) cases, in _Rules.shift's order
_CASE_ORDER = np.array([0, 2, 4, 1, 3, 5])
_SHIFT_REASONS = ("run of 8", "3 of 4 beyond halfway", "2 of 3 outside the limits")


def xmr_charts(
    series: Sequence[np.ndarray | Sequence[float]],
    baseline_points: Sequence[int],
    baseline_starts: Sequence[int],
) -> list[XmrChart | None]:
    """`[xmr_chart(v, p, s) for v, p, s in zip(series, baseline_points, baseline_starts)]`."""
    charts: list[XmrChart | None] = [None] * len(series)
    groups: dict[tuple[int, int, int], list[tuple[int, np.ndarray, np.ndarray]]] = {}
    for i, (values, points, start) in enumerate(
        zip(series, baseline_points, baseline_starts, strict=True)
    ):
        raw = np.asarray(values, dtype=float)
        where = np.flatnonzero(~np.isnan(raw))
        where = where[where >= start]
        if len(where) == 0 or where[-1] != len(raw) - 1 or len(where) < MIN_POINTS + 1:
            continue  # xmr_chart's None
        n = len(where)
        size = min(points, n - 1)
        groups.setdefault((n, size, points), []).append((i, raw[where], where))
    for (_, size, points), members in groups.items():
        if len(members) < MIN_GROUP or size < MIN_POINTS:
            for i, _, _ in members:
                charts[i] = xmr_chart(series[i], baseline_points[i], baseline_starts[i])
            continue
        values = np.array([x for _, x, _ in members])
        group = _Group(values, [w for _, _, w in members], size, points)
        for (i, _, _), chart in zip(members, group.charts(), strict=True):
            charts[i] = chart
    return charts


def _row_limits(block: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """xmr_limits' mean and mR̄ of each row: its sum is numpy's pairwise sum of a contiguous
    row, as xmr_limits' 1-D sum, over the same count."""
    width = block.shape[1]
    return block.sum(axis=1) / width, np.abs(np.diff(block, axis=1)).sum(axis=1) / (width - 1)


def _trailing_run(hits: np.ndarray) -> np.ndarray:
    """Each row's count of True at its end (a run's length)."""
    backwards = hits[:, ::-1]
    return np.where(backwards.all(axis=1), hits.shape[1], backwards.argmin(axis=1))


def _last_bits(hits: np.ndarray, bits: int) -> np.ndarray:
    """Each row's last `bits` values as bits of an int, the latest the lowest (_Rules' windows)."""
    window = hits[:, -bits:].astype(np.int64)
    return window @ (1 << np.arange(bits - 1, -1, -1))


class _Group:
    """Series of one length, one baseline size and one baseline length, charted in lockstep."""

    def __init__(self, x: np.ndarray, wheres: list[np.ndarray], size: int, points: int) -> None:
        self.x, self.wheres, self.size, self.points = x, wheres, size, points
        # the baselines as lists of floats, as xmr_chart sums them (Python's sum, in order)
        self.baselines: list[list[float]] = x[:, :size].tolist()
        count = len(x)
        self.limits = self._baseline_limits()
        self.changes = [
            [LimitChange(int(where[0]), lim, f"baseline: first {size} points")]
            for where, lim in zip(wheres, self.limits, strict=True)
        ]
        self.mean = np.array([lim.mean for lim in self.limits])
        self.mr = np.array([lim.mr_mean for lim in self.limits])
        self.locked = np.full(count, size >= points)
        # the last locked limits (xmr_chart's `prior`): mean unused, mR̄ and points
        self.has_prior = self.locked.copy()
        self.prior_mr = self.mr.copy()
        self.prior_points = np.array([lim.points for lim in self.limits])
        self.prior: list[XmrLimits | None] = [
            lim if size >= points else None for lim in self.limits
        ]
        self.seg = np.zeros(count, dtype=np.int64)
        self.total = np.array([sum(row) for row in self.baselines])
        self.ranges = np.array([_range_sum(row) for row in self.baselines])
        self.pending = np.zeros(count, dtype=bool)
        self.pending_start = np.zeros(count, dtype=np.int64)
        self.pending_side = np.zeros(count, dtype=np.int64)
        self.pending_reason = np.zeros(count, dtype=np.int64)
        self.pending_mean = np.zeros(count)
        self.pending_at = np.zeros(count, dtype=np.int64)
        # The rules' state, above the mean (row 0) and below it (row 1): the run length and the
        # last 4 and 3 points beyond halfway and the limits, as bits (_Rules). Below is above
        # for the negated values and thresholds (negation is exact: the same comparisons).
        self.run = np.zeros((2, count), dtype=np.int64)
        self.half = np.zeros((2, count), dtype=np.int64)
        self.out = np.zeros((2, count), dtype=np.int64)
        self.signed = np.stack([x, -x])
        self._thresholds()
        for t in range(size):  # _Rules(x[:size], lim): the baseline replayed
            self._push(self.signed[:, :, t])

    def _baseline_limits(self) -> list[XmrLimits]:
        """_stable_limits of each series' first `size` points: the first pass for all at once,
        the second (points outside the first-pass limits dropped) one series at a time."""
        base = self.x[:, : self.size]
        mean, mr = _row_limits(base)
        upper, lower = mean + NPL_SCALING * mr, mean - NPL_SCALING * mr
        keep = (base <= upper[:, None]) & (base >= lower[:, None])
        kept = keep.sum(axis=1)
        first = (kept == self.size) | (kept < MIN_POINTS)
        return [
            XmrLimits(float(m), float(r), self.size)
            if plain
            else _stable_limits(np.array(row[: self.size]))
            for m, r, plain, row in zip(mean, mr, first, self.baselines, strict=True)
        ]

    def _thresholds(self) -> None:
        """The rules' thresholds from the limits in effect (xmr_chart's `judged`), signed."""
        mean, mr = self.mean, self.mr
        reach, half = NPL_SCALING * mr, HALFWAY_SCALING * mr
        self.centre = np.stack([mean, -mean])
        self.halfway = np.stack([mean + half, -(mean - half)])
        self.limit = np.stack([mean + reach, -(mean - reach)])

    def _push(self, signed: np.ndarray) -> None:
        """_Rules.push of every series' next point (and its negation) against the thresholds."""
        self.run = (self.run + 1) * (signed > self.centre)
        self.half = ((self.half << 1) | (signed > self.halfway)) & 15
        self.out = ((self.out << 1) | (signed > self.limit)) & 7

    def charts(self) -> list[XmrChart]:
        """xmr_chart of every series: the weeks after the baseline, then the latest point."""
        x = self.x
        n = x.shape[1]
        for t in range(self.size, n - 1):
            young = ~self.locked
            any_young = young.any()
            if any_young:
                self._young(young, t)
            self._thresholds()
            self._push(self.signed[:, :, t])
            if any_young:  # the running sums of unlocked segments
                value = x[:, t]
                self.total[young] += value[young]
                step = np.where(t > self.seg, np.abs(value - x[:, t - 1]), 0.0)
                self.ranges[young] += step[young]
            self._find_shifts(t)
            due = self.pending & (t >= self.pending_at + CONFIRM_POINTS)
            if due.any():
                self._confirm(np.flatnonzero(due), t)
            relock = ~self.locked & (t + 1 - self.seg >= self.points)
            if relock.any():
                self._relock(np.flatnonzero(relock), t)
        return [self._latest(i) for i in range(x.shape[0])]

    def _young(self, young: np.ndarray, t: int) -> None:
        """_young_limits of every unlocked segment at week t (the same float operations)."""
        count = (t - self.seg)[young]
        total, ranges = self.total[young], self.ranges[young]
        pooled = self.prior_points[young] - 1
        own = ranges / (count - 1)
        mixed = (ranges + self.prior_mr[young] * pooled) / (count - 1 + pooled)
        self.mean[young] = total / count
        self.mr[young] = np.where(self.has_prior[young], mixed, own)

    def _find_shifts(self, t: int) -> None:
        """_Rules.shift for every series without a shift awaiting confirmation: the first of
        run of 8, 3 of 4 beyond halfway, 2 of 3 outside, above the mean, then below it."""
        by_run = self.run >= RUN_LENGTH
        by_half = _THREE_OF_FOUR[self.half]
        by_out = _TWO_OF_THREE[self.out]
        tripped = (by_run | by_half | by_out).any(axis=0) & ~self.pending
        if not tripped.any():
            return
        at = np.flatnonzero(tripped)
        run, half, out = self.run[:, at], self.half[:, at], self.out[:, at]
        cases = np.concatenate([by_run[:, at], by_half[:, at], by_out[:, at]])[_CASE_ORDER]
        firsts = np.concatenate([run, _BIT_LENGTH[half], _BIT_LENGTH[out]])[_CASE_ORDER]
        case = cases.argmax(axis=0)
        self.pending[at] = True
        self.pending_start[at] = t - firsts[case, np.arange(len(at))] + 1
        self.pending_side[at] = np.where(case < 3, 1, -1)
        self.pending_reason[at] = case % 3
        self.pending_mean[at] = self.mean[at]
        self.pending_at[at] = t

    def _confirm(self, due: np.ndarray, t: int) -> None:
        """Pending shifts confirmed by 5 of the 6 weeks after them on their side of the old
        mean: those series' limits unlock from the shift's first point (xmr_chart's steps)."""
        self.pending[due] = False
        side = self.pending_side[due]
        # the 6 weeks after the signal: a shift is due CONFIRM_POINTS weeks after it was found
        after = self.x[due, t - CONFIRM_POINTS + 1 : t + 1]
        beyond = ((after - self.pending_mean[due, None]) * side[:, None] > 0).sum(axis=1)
        rows = due[beyond >= CONFIRM_POINTS - 1]
        if len(rows) == 0:
            return
        starts = self.pending_start[rows]
        was_locked = self.locked[rows]
        self.seg[rows], self.locked[rows] = starts, False
        values, inside = self._segments(rows, starts, t)
        # sequential sums from 0, as Python's sum over the segment (the zeros before it add
        # nothing): np.cumsum adds in order, where ndarray.sum would add pairwise
        total = np.cumsum(values, axis=1)[:, -1]
        steps = np.where(inside[:, 1:] & inside[:, :-1], np.abs(values[:, 1:] - values[:, :-1]), 0)
        ranges = np.cumsum(steps, axis=1)[:, -1]
        self.total[rows], self.ranges[rows] = total, ranges
        for k, i in enumerate(rows.tolist()):
            if was_locked[k]:
                lim = self.limits[i]
                self.prior[i] = lim
                self.has_prior[i] = True
                self.prior_mr[i], self.prior_points[i] = lim.mr_mean, lim.points
            seg = int(starts[k])
            lim = _young_limits(float(total[k]), float(ranges[k]), t + 1 - seg, self.prior[i])
            self.limits[i] = lim
            where = self.wheres[i]
            reason = _SHIFT_REASONS[int(self.pending_reason[i])]
            self.changes[i].append(
                LimitChange(int(where[seg]), lim, f"{reason} from point {where[seg]}")
            )
        self._restart(rows, values, inside)

    def _relock(self, rows: np.ndarray, t: int) -> None:
        """Young segments long enough for a baseline: their limits locked (xmr_limits of the
        segment's first `points` points)."""
        starts = self.seg[rows]
        mean, mr = _row_limits(self.x[rows[:, None], starts[:, None] + np.arange(self.points)])
        self.locked[rows] = True
        for i, m, r in zip(rows.tolist(), mean.tolist(), mr.tolist(), strict=True):
            lim = XmrLimits(m, r, self.points)
            self.limits[i] = lim
            self.changes[i][-1] = replace(self.changes[i][-1], limits=lim)
        self._restart(rows, *self._segments(rows, starts, t))

    def _segments(self, rows: np.ndarray, starts: np.ndarray, t: int) -> tuple[np.ndarray, ...]:
        """Each row's points from its start to week t, right-aligned in one block: the values
        (0 before the start) and where the segment is."""
        width = max(int(t + 1 - starts.min()), 4)  # 4: the widest rule window
        columns = np.arange(t + 1 - width, t + 1)
        inside = columns >= starts[:, None]
        values = np.where(inside, self.x[rows[:, None], np.maximum(columns, 0)], 0.0)
        return values, inside

    def _restart(self, rows: np.ndarray, values: np.ndarray, inside: np.ndarray) -> None:
        """The rules' state after a limit change: each row's segment replayed against its new
        limits (_Rules(points, lim): runs and the last 4 and 3 points beyond the thresholds)."""
        mean = np.array([self.limits[i].mean for i in rows.tolist()])
        mr = np.array([self.limits[i].mr_mean for i in rows.tolist()])
        self.mean[rows], self.mr[rows] = mean, mr
        reach, half = NPL_SCALING * mr, HALFWAY_SCALING * mr
        tests = (
            (values > mean[:, None], values < mean[:, None]),
            (values > (mean + half)[:, None], values < (mean - half)[:, None]),
            (values > (mean + reach)[:, None], values < (mean - reach)[:, None]),
        )
        (above, below), (half_up, half_down), (out_up, out_down) = (
            (up & inside, down & inside) for up, down in tests
        )
        self.run[0, rows], self.run[1, rows] = _trailing_run(above), _trailing_run(below)
        self.half[0, rows], self.half[1, rows] = _last_bits(half_up, 4), _last_bits(half_down, 4)
        self.out[0, rows], self.out[1, rows] = _last_bits(out_up, 3), _last_bits(out_down, 3)

    def _latest(self, i: int) -> XmrChart:
        """Series i's chart: its latest point judged by the limits in effect before it."""
        row: list[float] = self.x[i].tolist()
        where, changes = self.wheres[i], self.changes[i]
        n, seg = len(row), int(self.seg[i])
        if self.locked[i]:
            lim = self.limits[i]
            rules = _Rules()
            rules.run_up, rules.run_down = int(self.run[0, i]), int(self.run[1, i])
            rules.half_up, rules.half_down = int(self.half[0, i]), int(self.half[1, i])
            rules.out_up, rules.out_down = int(self.out[0, i]), int(self.out[1, i])
        else:
            total, ranges = float(self.total[i]), float(self.ranges[i])
            lim = _young_limits(total, ranges, n - 1 - seg, self.prior[i])
            changes[-1] = replace(changes[-1], limits=lim)
            rules = _Rules(row[seg : n - 1], lim)
        return latest_chart(rules, row, seg, lim, changes, where)
