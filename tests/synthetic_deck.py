"""A small factory of synthetic Decks for rendering tests and benchmarks (no CSV, no engine).

Values follow smooth deterministic curves so charts look like a business; the odd cases a renderer
must survive (missing points, incomplete weeks, hostile commentary, no plan) are switched on
by name.
"""

from __future__ import annotations

import datetime as dt
import math

from wbr.engine.calendar import MONTH_ABBR, add_months
from wbr.engine.deck import (
    Block,
    BoxScore,
    Commentary,
    Deck,
    DeckQuestion,
    Event,
    Flag,
    MonthPoint,
    PlanScore,
    Question,
    Section,
    Status,
    WeekPoint,
)

WEEK_ENDING = dt.date(2026, 11, 21)
WEEK_NUMBER = 47


def _weeks(base: float, seasonal: float, plan: bool, gap: bool, incomplete: bool) -> tuple:
    points = []
    for offset in range(5, -1, -1):
        end = WEEK_ENDING - dt.timedelta(days=7 * offset)
        cy = base * (1 + seasonal * math.sin(offset / 2))
        is_last = offset == 0
        points.append(
            WeekPoint(
                end=end,
                label=f"wk {WEEK_NUMBER - offset}",
                cy=None if gap and offset == 3 else cy,
                py=cy * 0.9,
                plan=cy * 1.03 if plan else None,
                complete=not (incomplete and is_last),
            )
        )
    return tuple(points)


def _months(base: float, seasonal: float, plan: bool, factor: float) -> tuple:
    points = []
    year, month = 2026, 10
    for offset in range(11, -1, -1):
        y, m = add_months(year, month, -offset)
        cy = base * factor * (1 + seasonal * math.cos(offset / 3))
        points.append(
            MonthPoint(
                month=f"{y:04d}-{m:02d}",
                label=MONTH_ABBR[m - 1],
                cy=cy,
                py=cy * 0.92,
                plan=cy * 1.02 if plan else None,
                complete=True,
            )
        )
    return tuple(points)


def make_block(
    number: int,
    metric: str = "orders",
    *,
    label: str | None = None,
    section: str = "Shopping",
    unit: str = "count",
    aggregation: str = "sum",
    comparison: str = "pct",
    polarity: str = "higher_is_better",
    base: float = 125_000.0,
    plan: bool = True,
    gap: bool = False,
    incomplete: bool = False,
    flagged: bool = False,
    commentary: str | None = None,
    events: bool = False,
    owner: str | None = "Dana Ruiz",
) -> Block:
    """One synthetic metric block; ratio-like blocks pass unit='percent' and a fractional base."""
    monthly_factor = 4.33 if aggregation == "sum" else 1.0
    weeks = _weeks(base, 0.06, plan, gap, incomplete)
    months = _months(base, 0.08, plan, monthly_factor)
    change = 25.0 if comparison == "bps" else 2.5
    box = BoxScore(
        last_week=weeks[-1].cy,
        wow=-change if incomplete else change,
        yoy=change * 4,
        mtd=base * 3,
        mtd_yoy=None,
        qtd=base * 7,
        qtd_yoy=-change / 2,
        ytd=base * 46,
        ytd_yoy=change * 2,
    )
    plan_score = (
        PlanScore(
            last_week=base * 1.03,
            last_week_var=-change * 1.2,
            mtd=base * 3.1,
            mtd_var=-change,
            qtd=base * 7.1,
            qtd_var=change / 4,
            ytd=base * 45,
            ytd_var=None,
        )
        if plan
        else None
    )
    flags = ()
    questions = ()
    if flagged:
        flags = (
            Flag(
                type="xmr",
                rule="outside_limits",
                date=WEEK_ENDING,
                value=weeks[-1].cy,
                lower=base * 0.9,
                upper=base * 1.04,
                favourable=False,
                detail="above the upper natural process limit",
            ),
            Flag(
                type="plan",
                rule="miss_streak",
                date=WEEK_ENDING,
                value=-change * 1.2,
                lower=None,
                upper=None,
                favourable=False,
                detail="below plan for 3 weeks in a row",
            ),
        )
        questions = (
            Question(
                id="Q1",
                severity=3,
                text=f"What changed in {label or metric} in wk {WEEK_NUMBER}?",
                evidence={"rule": "outside_limits"},
            ),
        )
    notes = (Commentary(author=owner or "unknown", text=commentary, lint=()),) if commentary else ()
    return Block(
        number=number,
        metric=metric,
        label=label or metric.replace("_", " ").capitalize(),
        section=section,
        kind="output",
        owner=owner,
        unit=unit,
        aggregation=aggregation,
        comparison=comparison,
        polarity=polarity,
        weeks=weeks,
        months=months,
        box=box,
        plan=plan_score,
        status=Status(
            complete=not incomplete,
            missing_days=(WEEK_ENDING,) if incomplete else (),
        ),
        flags=flags,
        questions=questions,
        commentary=notes,
        events=(Event(date=WEEK_ENDING - dt.timedelta(days=9), description="Autumn promotion"),)
        if events
        else (),
    )


def standard_blocks() -> list[Block]:
    """Four blocks covering a volume, a currency, a rate and a lower-is-better metric."""
    return [
        make_block(1, "sessions", label="Sessions", section="Traffic", base=2_400_000, events=True),
        make_block(
            2,
            "conversion",
            label="Conversion rate",
            section="Shopping",
            unit="percent",
            aggregation="ratio",
            comparison="bps",
            base=0.0335,
            flagged=True,
            commentary="Conversion -30 bps WoW to 3.05%.\n<script>alert('x')</script> & more",
        ),
        make_block(
            3,
            "revenue",
            label="Revenue",
            section="Financials",
            unit="currency",
            base=12_600_000,
            gap=True,
            incomplete=True,
        ),
        make_block(
            4,
            "delivery_days",
            label="Delivery days",
            section="Shopping",
            unit="days",
            aggregation="mean",
            polarity="lower_is_better",
            base=2.4,
            plan=False,
            owner=None,
            flagged=True,
        ),
    ]


def make_deck(
    blocks: list[Block] | None = None, generated_at: str = "2026-11-23T06:00:00+00:00"
) -> Deck:
    """A Deck whose sections follow the blocks' order of first appearance."""
    blocks = blocks if blocks is not None else standard_blocks()
    order: list[str] = []
    for block in blocks:
        if block.section not in order:
            order.append(block.section)
    sections = tuple(
        Section(title, tuple(b.number for b in blocks if b.section == title)) for title in order
    )
    questions = tuple(
        DeckQuestion(
            block=b.number,
            metric=b.metric,
            id=q.id,
            severity=q.severity,
            text=q.text,
            evidence=q.evidence,
        )
        for b in blocks
        for q in b.questions
    )
    return Deck(
        title="Acme Retail WBR",
        week_ending=WEEK_ENDING,
        week_number=WEEK_NUMBER,
        generated_at=generated_at,
        data_complete_through=WEEK_ENDING - dt.timedelta(days=1),
        period_days={"mtd": 21, "qtd": 52, "ytd": 325},
        calendar={
            "week_end_day": "saturday",
            "fiscal_year_start_month": 1,
            "ptd_alignment": "calendar_date",
        },
        sections=sections,
        questions=questions,
        blocks=tuple(blocks),
    )


def large_deck(count: int = 300) -> Deck:
    """`count` blocks cycling through the standard shapes, in ten sections."""
    shapes = standard_blocks()
    blocks = []
    for index in range(count):
        model = shapes[index % len(shapes)]
        blocks.append(
            make_block(
                index + 1,
                f"{model.metric}_{index + 1}",
                label=f"{model.label} {index + 1}",
                section=f"Section {index * 10 // count + 1}",
                unit=model.unit,
                aggregation=model.aggregation,
                comparison=model.comparison,
                polarity=model.polarity,
                base=model.weeks[0].cy or 1.0,
                plan=model.plan is not None,
                flagged=bool(model.flags),
            )
        )
    return make_deck(blocks)
