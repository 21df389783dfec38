"""build_deck: (config, data, week) -> Deck. Orchestrates windows, aggregation and comparisons.

This module decides which windows a block shows (6 weeks, 12 months, MTD/QTD/YTD and their
prior-year and plan twins) and assembles the numeric blocks; flags, drivers, commentary and
questions are added afterwards by wbr.analysis.annotate from the same numbers. The flag pass
begins first, on a fork (it reads the weekly histories and each block's plan score), and the
blocks are made meanwhile.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

import numpy as np

from wbr import collector
from wbr.engine import actions, frozen, memory
from wbr.engine.aggregate import (
    DailyMatrix,
    WindowValues,
    has_plan,
    quarter_forecast_totals,
    window_values,
)
from wbr.engine.calendar import MONTH_ABBR, Calendar, Window, add_months, month_window
from wbr.engine.compare import compare
from wbr.engine.config import Config, baseline_start_problems
from wbr.engine.deck import (
    Block,
    BoxScore,
    Deck,
    Event,
    MonthPoint,
    PlanScore,
    QuarterForecast,
    Section,
    Status,
    WeekPoint,
)
from wbr.engine.histories import weekly_histories
from wbr.engine.series import MetricHistory
from wbr.engine.sources import Dataset, load_data
from wbr.engine.status import (
    complete_through,
    data_complete_through,
    history_starts,
    last_value_days,
    missing_days,
)
from wbr.errors import ConfigError, DataError

logger = logging.getLogger(__name__)
WEEKS_SHOWN = 6
MONTHS_SHOWN = 12
PTD_KEYS = ("mtd", "qtd", "ytd")


def resolve_week_ending(
    config: Config, dataset: Dataset, requested: dt.date | str | None = None
) -> dt.date:
    """The deck's week ending: a given date (checked), or the last week end in the data."""
    calendar = Calendar.from_config(config.calendar)
    wanted = config.week_ending if requested is None else requested
    last_actual = dataset.last_actual_date
    first_actual = dataset.actuals.dropna(how="all").index.min().date()
    if isinstance(wanted, str) and wanted.strip().lower() == "latest":
        latest = calendar.week_end_on_or_before(last_actual)
        if latest < first_actual:
            raise DataError(
                f"no week with data: the actuals run {first_actual} .. {last_actual}, and the "
                f"latest week end on or before them is {latest} "
                f"({calendar.week_end_day.title()} weeks)"
            )
        return latest
    if isinstance(wanted, str):
        try:
            wanted = dt.date.fromisoformat(wanted.strip())
        except ValueError:
            raise DataError(
                f"week ending: expected 'latest' or YYYY-MM-DD, got {wanted!r}"
            ) from None
    if not calendar.is_week_end(wanted):
        raise DataError(
            f"week ending {wanted} is a {wanted:%A}, but weeks end on "
            f"{calendar.week_end_day.title()} (calendar.week_end_day)"
        )
    if wanted < first_actual:
        raise DataError(f"week ending {wanted} is before the first actual date {first_actual}")
    if wanted > last_actual:
        raise DataError(
            f"week ending {wanted} is after the last actual date {last_actual}; "
            f"the latest week with data ends {calendar.week_end_on_or_before(last_actual)}"
        )
    return wanted


class _Windows:
    """The windows one deck reads: CY, their prior-year twins, in a fixed order."""

    def __init__(self, calendar: Calendar, week_ending: dt.date) -> None:
        self.week_ends = [
            week_ending - dt.timedelta(days=7 * k) for k in range(WEEKS_SHOWN - 1, -1, -1)
        ]
        self.months = calendar.trailing_complete_months(week_ending, MONTHS_SHOWN)
        ptd = calendar.period_to_date(week_ending)
        self.current: list[Window] = (
            [calendar.week(end) for end in self.week_ends]
            + [month_window(year, month) for year, month in self.months]
            + [ptd[key] for key in PTD_KEYS]
        )
        self.prior: list[Window] = (
            [calendar.week(calendar.prior_year_week(end)) for end in self.week_ends]
            + [month_window(year - 1, month) for year, month in self.months]
            + [calendar.prior_year_ptd(ptd[key]) for key in PTD_KEYS]
        )
        self.first_month = WEEKS_SHOWN
        self.first_ptd = WEEKS_SHOWN + MONTHS_SHOWN
        # labels every block shows alike, worked out once for the deck
        self.week_labels = [f"wk {calendar.week_number(end)}" for end in self.week_ends]
        self.month_labels = [
            (f"{year:04d}-{month:02d}", MONTH_ABBR[month - 1]) for year, month in self.months
        ]

    def ptd_index(self, key: str) -> int:
        """Row of a period-to-date window in the window lists."""
        return self.first_ptd + PTD_KEYS.index(key)


def metric_histories(
    config: Config, dataset: Dataset | None = None, week_ending: dt.date | str | None = None
) -> dict[str, MetricHistory]:
    """Every metric's full weekly CY/PY/plan history and daily values up to the deck's week."""
    dataset = dataset if dataset is not None else load_data(config, week_ending)
    week = resolve_week_ending(config, dataset, week_ending)
    actual = DailyMatrix.from_frame(dataset.actuals)
    plan = DailyMatrix.from_frame(dataset.plan) if dataset.plan is not None else None
    return weekly_histories(config, dataset, actual, plan, week)


class _ShownEvents:
    """Each metric's events in the six weeks shown and their PY twins: its own and the whole
    business's (metric blank), by date. The events in those weeks are picked once per deck,
    and a metric with none of its own there shares the business's (the pick per metric cost
    0.9 ms: 9 s at 10,000 metrics)."""

    def __init__(self, dataset: Dataset, windows: _Windows) -> None:
        events = dataset.events
        self.inside = None
        if events is None:
            return
        spans = [
            (windows.current[0].start, windows.current[WEEKS_SHOWN - 1].end),
            (windows.prior[0].start, windows.prior[WEEKS_SHOWN - 1].end),
        ]
        dates = events["date"].dt.date
        inside = np.zeros(len(events), dtype=bool)
        for start, end in spans:
            inside |= ((dates >= start) & (dates <= end)).to_numpy()
        self.inside = events[inside]
        self.owners = set(self.inside["metric"].dropna().tolist())
        self.shared = self._pick(self.inside["metric"].isna().to_numpy())

    def _pick(self, mine: np.ndarray) -> tuple[Event, ...]:
        assert self.inside is not None
        chosen = self.inside[mine].sort_values("date")
        return tuple(
            Event(day, text)
            for day, text in zip(chosen["date"].dt.date, chosen["description"], strict=True)
        )

    def of(self, metric: str) -> tuple[Event, ...]:
        """The metric's events and the business's in the weeks shown, by date."""
        if self.inside is None:
            return ()
        if metric not in self.owners:
            return self.shared
        column = self.inside["metric"]
        return self._pick((column.isna() | (column == metric)).to_numpy())


# WeekPoint(...) and MonthPoint(...), a third of the time (wbr.engine.frozen): 180,000 points
# at 10,000 metrics
_WEEK_POINT = frozen.maker(WeekPoint)
_MONTH_POINT = frozen.maker(MonthPoint)


def _block(
    number: int,
    metric: str,
    config: Config,
    windows: _Windows,
    cy: WindowValues,
    py: WindowValues,
    planned: WindowValues | None,
    missing: tuple[dt.date, ...],
    complete_through: dt.date | None,
    events: tuple[Event, ...],
    quarter_forecast: QuarterForecast | None,
    history_starts: dt.date | None,
    plan: PlanScore | None,
) -> Block:
    spec = config.metrics[metric]
    method = spec.comparison_method
    column = cy.column[metric]

    planned = planned if plan is not None else None  # the plan covers the metric
    complete = cy.complete_by_metric[column]

    def value(values: WindowValues | None, row: int) -> float | None:
        return None if values is None else values.by_metric[column][row]

    # each window's values of this metric read once (value() per point and window was the
    # block's largest own cost at 10,000 metrics)
    cy_rows, py_rows = cy.by_metric[column], py.by_metric[column]
    plan_rows = planned.by_metric[column] if planned is not None else None
    # 18 points a block: made by _WEEK_POINT and _MONTH_POINT, the points' fields in order
    weeks = tuple(
        _WEEK_POINT(
            end,
            windows.week_labels[row],
            cy_rows[row],
            py_rows[row],
            None if plan_rows is None else plan_rows[row],
            complete[row],
        )
        for row, end in enumerate(windows.week_ends)
    )
    first_month = windows.first_month
    months = tuple(
        _MONTH_POINT(
            month,
            label,
            cy_rows[first_month + k],
            py_rows[first_month + k],
            None if plan_rows is None else plan_rows[first_month + k],
            complete[first_month + k],
        )
        for k, (month, label) in enumerate(windows.month_labels)
    )
    ptd = {key: windows.ptd_index(key) for key in PTD_KEYS}
    last, previous = weeks[-1], weeks[-2]
    box = BoxScore(
        last_week=last.cy,
        wow=compare(last.cy, previous.cy, method),
        yoy=compare(last.cy, last.py, method),
        mtd=value(cy, ptd["mtd"]),
        mtd_yoy=compare(value(cy, ptd["mtd"]), value(py, ptd["mtd"]), method),
        qtd=value(cy, ptd["qtd"]),
        qtd_yoy=compare(value(cy, ptd["qtd"]), value(py, ptd["qtd"]), method),
        ytd=value(cy, ptd["ytd"]),
        ytd_yoy=compare(value(cy, ptd["ytd"]), value(py, ptd["ytd"]), method),
    )
    return Block(
        number=number,
        metric=metric,
        label=config.metric_label(metric),
        section=config.section_of(metric),
        kind=spec.kind,
        owner=spec.owner,
        unit=spec.unit,
        aggregation=spec.aggregation,
        comparison=method,
        polarity=spec.polarity,
        definition=spec.definition,
        weeks=weeks,
        months=months,
        box=box,
        plan=plan,
        status=Status(
            complete=not missing,
            missing_days=missing,
            complete_through=complete_through,
            history_starts=history_starts,
        ),
        events=events,
        quarter_forecast=quarter_forecast,
    )


def _plan_score(
    metric: str, config: Config, windows: _Windows, cy: WindowValues, planned: WindowValues
) -> PlanScore:
    """A metric's plan score: last week's, MTD, QTD and YTD plan and the actuals' variance."""
    method = config.metrics[metric].comparison_method
    column = cy.column[metric]
    cy_rows, plan_rows = cy.by_metric[column], planned.by_metric[column]
    last = len(windows.week_ends) - 1
    mtd, qtd, ytd = (windows.ptd_index(key) for key in ("mtd", "qtd", "ytd"))
    return PlanScore(
        last_week=plan_rows[last],
        last_week_var=compare(cy_rows[last], plan_rows[last], method),
        mtd=plan_rows[mtd],
        mtd_var=compare(cy_rows[mtd], plan_rows[mtd], method),
        qtd=plan_rows[qtd],
        qtd_var=compare(cy_rows[qtd], plan_rows[qtd], method),
        ytd=plan_rows[ytd],
        ytd_var=compare(cy_rows[ytd], plan_rows[ytd], method),
    )


def quarter_forecasts(
    config: Config, calendar: Calendar, actual: DailyMatrix, plan: DailyMatrix | None, week: dt.date
) -> dict[str, QuarterForecast]:
    """QTD actual plus plan for the rest of the fiscal quarter, vs the full quarter's plan.

    For sum metrics, and ratios of two sum metrics (each operand forecast, then divided). A metric
    gets no forecast when any QTD actual day or any planned day of the quarter is missing.
    """
    if plan is None:
        return {}
    start = calendar.fiscal_quarter_start(week)
    year, month = add_months(start.year, start.month, 3)
    quarter = Window(start, dt.date(year, month, 1) - dt.timedelta(days=1))
    sums = [m for m in config.base_metrics() if config.metrics[m].aggregation == "sum"]
    totals = quarter_forecast_totals(actual, plan, sums, quarter, week)
    result = {}
    for metric, spec in config.metrics.items():
        pair = None
        if spec.aggregation == "sum":
            pair = totals.get(metric)
        elif spec.aggregation == "ratio":
            num, den = totals.get(spec.numerator or ""), totals.get(spec.denominator or "")
            if num and den and den[0] > 0 and den[1] > 0:
                pair = num[0] / den[0], num[1] / den[1]
        if pair is not None:
            variance = compare(pair[0], pair[1], spec.comparison_method)
            result[metric] = QuarterForecast(pair[0], pair[1], variance, quarter.end)
    return result


class _Made(NamedTuple):
    """What build_deck makes beside the flag pass: the blocks and the rest the deck shows."""

    blocks: list[Block]
    sections: list[Section]
    open_items: tuple[actions.ActionItem, ...]
    recalled: memory.Recall | None
    complete_through: dt.date | None


def build_deck(
    config: Config,
    dataset: Dataset | None = None,
    week_ending: dt.date | str | None = None,
    generated_at: dt.datetime | None = None,
    analyse: bool = True,
    progress: Callable[[str], None] | None = None,
    history_dir: str | Path | None = None,
) -> Deck:
    """Compute the whole deck for one week (loads the data when no Dataset is given); earlier
    decks are read from `history.folder`, else from `history_dir` (None: no deck memory)."""
    with collector.paused():  # the deck's objects live on: collector passes free next to nothing
        return _build_deck(
            config, dataset, week_ending, generated_at, analyse, progress, history_dir
        )


def _build_deck(
    config: Config,
    dataset: Dataset | None,
    week_ending: dt.date | str | None,
    generated_at: dt.datetime | None,
    analyse: bool,
    progress: Callable[[str], None] | None,
    history_dir: str | Path | None,
) -> Deck:
    """build_deck's work."""
    note = progress or logger.info
    if dataset is None:
        note("loading data")
        dataset = load_data(config, week_ending)
    calendar = Calendar.from_config(config.calendar)
    week = resolve_week_ending(config, dataset, week_ending)
    late_baselines = baseline_start_problems(config, week)
    if late_baselines:  # XmR flags would be off without a word
        raise ConfigError("\n".join(late_baselines))
    note(f"computing week ending {week}")
    actual = DailyMatrix.from_frame(dataset.actuals)
    plan = DailyMatrix.from_frame(dataset.plan) if dataset.plan is not None else None
    windows = _Windows(calendar, week)
    cy = window_values(config, actual, windows.current, dataset.window_values)
    planned = window_values(config, plan, windows.current) if plan is not None else None

    shown: dict[str, list[str]] = {}  # each section's shown metrics, in the config's order
    for metric, spec in config.metrics.items():
        if spec.show:
            shown.setdefault(config.section_of(metric), []).append(metric)
    titles = config.ordered_sections()
    order = [metric for title in titles for metric in shown.get(title, ())]  # the blocks'
    plans = {
        metric: _plan_score(metric, config, windows, cy, planned)
        if planned is not None and has_plan(config, plan, metric)
        else None
        for metric in order
    }

    def made_blocks() -> _Made:
        """The deck's blocks (with action items and, from deck memory, restatements) and what
        else the deck shows that the flag pass does not read (while it runs, on a fork)."""
        py = window_values(config, actual, windows.prior, dataset.window_values)
        missing = missing_days(config, actual, windows.current, windows.prior)
        through = complete_through(config, last_value_days(dataset.actuals, week))
        forecasts = quarter_forecasts(config, calendar, actual, plan, week)
        starts = history_starts(config, actual, windows.current + windows.prior)
        shown_events = _ShownEvents(dataset, windows)
        blocks: list[Block] = []
        sections: list[Section] = []
        for title in titles:
            numbers = []
            for metric in shown.get(title, ()):
                number = len(blocks) + 1
                blocks.append(
                    _block(
                        number,
                        metric,
                        config,
                        windows,
                        cy,
                        py,
                        planned,
                        missing[metric],
                        through[metric],
                        shown_events.of(metric),
                        forecasts.get(metric),
                        starts[metric],
                        plans[metric],
                    )
                )
                numbers.append(number)
            sections.append(Section(title, tuple(numbers)))
        # deck memory and action items (wbr.engine.memory, wbr.engine.actions)
        open_items = actions.open_actions(actions.load_actions(config), week)
        blocks = list(actions.attach_actions(blocks, open_items))
        folder = config.resolve(config.history.folder) if config.history.folder else None
        recalled = memory.recall(config.history, memory.history_folder(folder, history_dir), week)
        return _Made(
            list(memory.before_analysis(blocks, recalled)),
            sections,
            open_items,
            recalled,
            data_complete_through(config, dataset),
        )

    history = None
    questions: tuple = ()
    if analyse:
        note("flagging variances and asking questions")
        from wbr.analysis import annotate as analysis

        histories = weekly_histories(config, dataset, actual, plan, week)
        # a forked child judges its part of the metrics while this process makes the blocks
        with analysis.flags_started(
            histories, config, dataset, week, order, plans, analysis.PARENT_SHARE_BESIDE_BLOCKS
        ) as flag_pass:
            made = made_blocks()
            flagged = flag_pass()
        analysed = analysis.analyse(tuple(made.blocks), histories, config, dataset, week, flagged)
        blocks = list(analysed)
        blocks, history = memory.after_analysis(blocks, made.recalled, dataset.commentary, week)
        questions = memory.mark_deck_questions(analysis.rank_questions(tuple(blocks)), blocks)
    else:
        made = made_blocks()
        blocks = made.blocks

    stamp = generated_at or dt.datetime.now(dt.UTC).replace(microsecond=0)
    return Deck(
        title=config.title,
        week_ending=week,
        week_number=calendar.week_number(week),
        generated_at=stamp.isoformat(),
        data_complete_through=made.complete_through,
        calendar={
            "week_end_day": calendar.week_end_day,
            "fiscal_year_start_month": calendar.fiscal_year_start_month,
            "ptd_alignment": calendar.ptd_alignment,
            "time_zone": config.calendar.time_zone,
        },
        sections=tuple(made.sections),
        questions=questions,
        blocks=tuple(blocks),
        history=history,
        actions=made.open_items,
        period_days={key: window.days for key, window in calendar.period_to_date(week).items()},
    )
