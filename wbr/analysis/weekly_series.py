"""Block.series: the weekly series the flag pass judged and its XmR limits, kept in the Deck.

The explore view and the notebooks chart a metric's weekly series with its natural process limits.
They read it from the Deck (deck.json included) rather than reloading the data and re-running the
flags: this module turns the flag pass's `Assessment` into a `WeeklySeries`, trimmed to the last
SERIES_WEEKS weeks so that deck.json stays small.
"""

from __future__ import annotations

import math

import numpy as np

from wbr.analysis.flags import Assessment
from wbr.engine.deck import SERIES_WEEKS, LimitSpan, WeeklySeries
from wbr.engine.series import MetricHistory


def weekly_series(
    assessment: Assessment, history: MetricHistory, weeks: int = SERIES_WEEKS
) -> WeeklySeries:
    """The judged weekly series (raw values, or YoY growth) up to the deck's week, with the limit
    sets of its XmR chart over the weeks each applied to; raw values without limits when XmR did
    not judge the metric."""
    index = history.rows.dates  # week ends as dates (converted once for the deck)
    chart = assessment.chart
    if chart is None or assessment.series is None or assessment.xmr_series is None:
        chart, kind = None, "raw"
        values = history.rows.cy
    else:
        kind, values = assessment.xmr_series, np.asarray(assessment.series, dtype=float)
    first = max(0, len(index) - weeks)
    spans: list[LimitSpan] = []
    if chart is not None:
        starts = [change.start for change in chart.changes] + [len(index)]
        for number, change in enumerate(chart.changes):
            stop = starts[number + 1] - 1
            if stop < first or stop < change.start:
                continue  # in effect only before the weeks kept
            limits = change.limits
            spans.append(
                LimitSpan(
                    start=index[max(change.start, first)],
                    end=index[stop],
                    mean=float(limits.mean),
                    lower=float(limits.lnpl),
                    upper=float(limits.unpl),
                    reason=change.reason,
                )
            )
    note = None
    if chart is None:
        note = assessment.skipped or "no XmR limits: XmR is off or the history is too short"
    return WeeklySeries(
        kind=kind,
        first_end=index[first],
        values=_values_or_none(values[first:]),
        limits=tuple(spans),
        signals=tuple(signal.rule for signal in chart.signals) if chart else (),
        note=note,
    )


def _values_or_none(values: np.ndarray) -> tuple[float | None, ...]:
    """The values as floats, None where one is missing (NaN) or infinite."""
    listed = values.tolist()
    if np.isfinite(values).all():  # the usual series: no value to replace, no Python test each
        return tuple(listed)
    return tuple(None if not math.isfinite(v) else v for v in listed)
