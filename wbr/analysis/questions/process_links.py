"""Catalogue groups C and D, a metric's links: Q16 launch without signal (an initiative on it or
its inputs), Q17 output moved without its inputs, Q18 input pushed without its output."""

from __future__ import annotations

import re

import numpy as np

from wbr.analysis import commentary as lint
from wbr.analysis.questions.engine import SIGNAL, Facts, Fill, question
from wbr.analysis.questions.process_common import limits_text, series_name, shift_run
from wbr.analysis.xmr import XmrLimits, xmr_signals

__all__ = [
    "LAUNCH_WEEKS",
    "SUSTAINED_WEEKS",
    "input_without_output",
    "launch_without_signal",
    "output_without_inputs",
]

LAUNCH_WEEKS = (4, 13)  # Q16: a launch this many weeks old with no signal since
SUSTAINED_WEEKS = 6  # Q18: an input's favourable shift has lasted this long
_LAUNCH = re.compile(
    r"\b(launch\w*|roll(?:ed)? ?out|go-live|went live|releas\w*|introduc\w*|initiative|"
    r"experiment|pilot|new feature)\b",
    re.IGNORECASE,
)


@question(
    "Q16",
    SIGNAL,
    "{metric} shows no XmR signal (limits {limits}) in the {weeks} weeks since '{initiative}' "
    "({owner_metric}, {date}). Did the change work? If not, is this the right lever, and should it "
    "stay in the deck?",
)
def launch_without_signal(f: Facts) -> Fill | None:
    """Q16: a launch on this metric or its inputs, 4-13 weeks old, with no XmR signal since."""
    if f.xmr is None or f.signalled(f.block.metric):
        return None
    own = [(f.block.metric, e) for e in f.events if e.description]
    candidates = [
        (metric, e)
        for metric, e in [*own, *f.input_events]
        if _LAUNCH.search(e.description)
        and LAUNCH_WEEKS[0] * 7 <= (f.week_ending - e.date).days <= LAUNCH_WEEKS[1] * 7
    ]
    if not candidates or not f.week_ends:  # week ends only when there is a launch to date
        return None
    metric, event = max(candidates, key=lambda pair: pair[1].date)
    x = f.xmr
    first = next(i for i, end in enumerate(f.week_ends) if end >= event.date)
    since = xmr_signals(x.values[first:], XmrLimits(x.mean, x.mr_mean, 0))
    if any(s.rule in ("outside_limits", "run_of_eight", "three_of_four") for s in since):
        return None
    weeks = (f.week_ending - event.date).days // 7
    return Fill(
        {
            "initiative": lint.quote(event.description),
            "owner_metric": f.config.metric_label(metric) if metric in f.config.metrics else metric,
            "date": event.date.isoformat(),
            "weeks": str(weeks),
            "metric": f.label,
            "limits": limits_text(f, x.lower, x.upper, x.series),
        },
        {
            "event": event.description,
            "event_date": event.date,
            "event_metric": metric,
            "weeks": weeks,
        },
    )


def _moves(f: Facts) -> str:
    box = f.block.box
    parts = [
        f"{f.change(box.yoy)} YoY" if box.yoy is not None else "",
        f"{f.wow()} WoW" if box.wow is not None else "",
    ]
    return " and ".join(p for p in parts if p) or "N/A"


@question(
    "Q17",
    SIGNAL,
    "{metric} moved {moves} but none of its inputs ({inputs}) moved outside routine variation. "
    "What input are we missing? What could we have tracked that would have warned us?",
)
def output_without_inputs(f: Facts) -> Fill | None:
    """Q17: the output is signalled, and none of its (known) inputs is."""
    if not f.signalled(f.block.metric):
        return None
    statuses = {m: f.signalled(m) for m in f.inputs}
    known = [m for m, status in statuses.items() if status is not None]
    if not known or any(statuses[m] for m in known):
        return None
    return Fill(
        {"metric": f.label, "moves": _moves(f), "inputs": f.labels(known)},
        {"inputs": known, "inputs_flagged": [], "wow": f.block.box.wow, "yoy": f.block.box.yoy},
    )


@question(
    "Q18",
    SIGNAL,
    "We pushed {metric}{series} {direction} from an average of {mean} to {recent} over the last "
    "{weeks} weeks, but {outputs} show no signal. Is this still the right controllable input, or "
    "has it stopped working?",
)
def input_without_output(f: Facts) -> Fill | None:
    """Q18: an input shifted favourably (rule 2 or 3) for 6+ weeks; its outputs show no signal."""
    if not f.outputs:
        return None
    shifts = [x for x in f.flags("xmr", "run_of_eight", "three_of_four") if x.favourable]
    if not shifts:
        return None
    flag = shifts[0]
    shift = shift_run(f, flag)
    if shift is None:
        return None
    mean, series, values, side, run = shift
    quiet = [m for m in f.outputs if f.signalled(m) is False]
    if run < SUSTAINED_WEEKS or not quiet:
        return None
    recent = float(np.mean(values[-run:]))
    return Fill(
        {
            "metric": f.label,
            "series": series_name(flag),
            "direction": "up" if side > 0 else "down",
            "mean": f.series_value(mean, series),
            "recent": f.series_value(recent, series),
            "weeks": str(run),
            "outputs": f.labels(quiet),
        },
        {
            "xmr_mean": mean,
            "recent_mean": recent,
            "weeks": run,
            "outputs": quiet,
            "xmr_series": series,
        },
    )
