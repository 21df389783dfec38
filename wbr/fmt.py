"""Display formatting of values and comparisons (the only place numbers are rounded), and the
wording every renderer shares: dates, arrows and favourability, the box score's cells, flag names
and missing-data lines."""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from wbr.engine.calendar import MONTH_ABBR
from wbr.engine.compare import favourable

if TYPE_CHECKING:
    from wbr.engine.deck import Block, Deck, Flag

PERCENT_UNITS = ("percent", "%")
CURRENCY_UNITS = ("currency", "usd", "$")


def scaled(value: float) -> str:
    """Three significant figures: 7.56M, 12.6M, 1.23K, 126B, 94.4, 0.00490; counts stay whole."""
    if value == 0 or not math.isfinite(value):
        return f"{value:,.0f}" if value == 0 else str(value)
    rounded = float(f"{value:.3g}")  # round first, so 99.96 is 100 and 999,999 is 1.00M
    magnitude = abs(rounded)
    for threshold, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
        if magnitude >= threshold:
            return f"{rounded / threshold:,.{significant_decimals(magnitude / threshold)}f}{suffix}"
    if magnitude >= 100 or value == int(value):
        return f"{rounded:,.0f}"
    return f"{rounded:,.{significant_decimals(magnitude)}f}"


def significant_decimals(magnitude: float) -> int:
    """Decimals that show three significant figures of a number already rounded to them."""
    if magnitude >= 100:
        return 0
    return min(9, 2 - math.floor(math.log10(magnitude)))


def format_value(value: float | None, unit: str) -> str:
    """A metric value for display: N/A when missing; % for percent units; $ for currency."""
    if value is None or not math.isfinite(value):
        return "N/A"
    if unit in PERCENT_UNITS:
        points = value * 100
        if points != 0 and abs(points) < 0.01:  # never show a real rate as 0.00%
            return f"{scaled(points)}%"
        return f"{points:.2f}%"
    if unit in CURRENCY_UNITS:
        return ("-$" if value < 0 else "$") + scaled(abs(value))
    text = scaled(value)
    return text if unit in ("count", "") else f"{text} {unit}"


def format_change(change: float | None, method: str, unit: str = "") -> str:
    """A comparison for display: +2.5% (1 decimal), +25 bps (whole), or for `abs` the difference
    in the metric's `unit` (+2.30 °C, -4 pts, +$1.20K, +1.50 pp for rates); N/A when undefined."""
    if change is None or not math.isfinite(change):
        return "N/A"
    if method == "abs":
        if unit in PERCENT_UNITS:  # a difference of two rates is in percentage points
            size = f"{scaled(abs(change) * 100)} pp"
        else:
            size = format_value(abs(change), unit)
        return size if change == 0 else ("+" if change > 0 else "-") + size
    if method == "bps":
        return "0 bps" if round(change) == 0 else f"{change:+,.0f} bps"
    return "0.0%" if round(change, 1) == 0 else f"{change:+,.1f}%"


# C0 and C1 control characters (tab excepted), DEL, the Unicode line and paragraph separators
# and the bidirectional overrides: each can move the cursor, recolour a terminal, end a YAML
# comment line or reorder what a reader sees.
_CONTROL_CHARACTERS = re.compile(
    "[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]"
)
_NAMED_ESCAPES = {"\n": "\\n", "\r": "\\r"}


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    if char in _NAMED_ESCAPES:
        return _NAMED_ESCAPES[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(text: str, keep_newlines: bool = False) -> str:
    """Text safe for a terminal or a YAML comment: control characters shown as escapes (\\x1b).

    With `keep_newlines`, "\\n" stays a line break (multi-line output); every other control
    character, a carriage return included, is shown.
    """
    if keep_newlines:
        return "\n".join(visible(line) for line in text.split("\n"))
    return _CONTROL_CHARACTERS.sub(_escape, text)


# ---------------------------------------------------------------- dates, directions, box score

FAVOURABLE = "favourable"
UNFAVOURABLE = "unfavourable"
BOX_HEADINGS = ("LastWk", "WOW", "YOY", "MTD", "YOY", "QTD", "YOY", "YTD", "YOY")
PLAN_PERIODS = ("LastWk", "MTD", "QTD", "YTD")
FLAG_KINDS = {
    "xmr": "XmR",
    "plan": "Plan",
    "data": "Data",
    "seasonal": "Seasonal",
    "trend": "Trend",
}
MISSING_DAYS_SHOWN = 5


def long_date(day: dt.date) -> str:
    """'Sat 21 Nov 2026'."""
    return f"{day:%a} {day.day} {MONTH_ABBR[day.month - 1]} {day.year}"


def week_heading(deck: Deck) -> str:
    """'Week 47, ending Sat 21 Nov 2026'."""
    return f"Week {deck.week_number}, ending {long_date(deck.week_ending)}"


def favourability(change: float | None, polarity: str) -> str | None:
    """'favourable', 'unfavourable' or None (no change, no direction, or neutral metric)."""
    verdict = favourable(change, polarity)
    return None if verdict is None else FAVOURABLE if verdict else UNFAVOURABLE


def direction(change: float | None, method: str, polarity: str) -> tuple[str, str | None]:
    """(arrow, favourability) of a comparison as displayed: none for N/A or what shows as 0."""
    if change is None or not math.isfinite(change):
        return "", None
    if change == 0 or (method != "abs" and round(change, 0 if method == "bps" else 1) == 0):
        return "", None  # shown as 0.0% or 0 bps: "-0.0%" with a red arrow would mislead
    return ("▲" if change > 0 else "▼"), favourability(change, polarity)


@dataclass(frozen=True)
class Cell:
    """One formatted number: its text, the arrow of a change and its favourability (or None)."""

    text: str
    arrow: str = ""
    verdict: str | None = None
    missing: bool = False  # N/A: shown muted

    def __str__(self) -> str:
        return f"{self.arrow} {self.text}".strip()


def value_cell(value: float | None, unit: str) -> Cell:
    """A value in the metric's unit; N/A when missing."""
    missing = value is None or not math.isfinite(value)
    return Cell(format_value(value, unit), missing=missing)


def change_cell(change: float | None, method: str, polarity: str, unit: str = "") -> Cell:
    """A comparison with its arrow and favourability as displayed (`unit`: for abs changes)."""
    missing = change is None or not math.isfinite(change)
    arrow, verdict = direction(change, method, polarity)
    return Cell(format_change(change, method, unit), arrow, verdict, missing)


@dataclass(frozen=True)
class BoxCells:
    """A block's box score formatted once, for the deck, the email and the terminal."""

    actual: tuple[Cell, ...]  # under BOX_HEADINGS
    plan: tuple[Cell, ...] | None  # plan values over PLAN_PERIODS; None without a plan
    vs_plan: tuple[Cell, ...] | None  # the actual's variance to plan over PLAN_PERIODS
    provisional: bool  # some window the block reads is missing a day


def box_cells(block: Block) -> BoxCells:
    """The formatted cells of a block's box score (values in its unit, changes in % or bps)."""
    box, unit, method, polarity = block.box, block.unit, block.comparison, block.polarity
    actual = (
        value_cell(box.last_week, unit),
        change_cell(box.wow, method, polarity, unit),
        change_cell(box.yoy, method, polarity, unit),
        value_cell(box.mtd, unit),
        change_cell(box.mtd_yoy, method, polarity, unit),
        value_cell(box.qtd, unit),
        change_cell(box.qtd_yoy, method, polarity, unit),
        value_cell(box.ytd, unit),
        change_cell(box.ytd_yoy, method, polarity, unit),
    )
    plan = block.plan
    if plan is None:
        return BoxCells(actual, None, None, not block.status.complete)
    values = (plan.last_week, plan.mtd, plan.qtd, plan.ytd)
    variances = (plan.last_week_var, plan.mtd_var, plan.qtd_var, plan.ytd_var)
    return BoxCells(
        actual,
        tuple(value_cell(v, unit) for v in values),
        tuple(change_cell(v, method, polarity, unit) for v in variances),
        not block.status.complete,
    )


def mtd_days(deck: Deck) -> int | None:
    """Days of the month-to-date window when it is shorter than a week (the box score says so)."""
    days = (deck.period_days or {}).get("mtd")
    return days if days is not None and days < 7 else None


def flag_name(flag: Flag) -> str:
    """'XmR outside limits', 'Plan miss streak', 'Seasonal residual'."""
    kind = FLAG_KINDS.get(flag.type, flag.type.replace("_", " ").title())
    return f"{kind} {flag.rule.replace('_', ' ')}"


def flag_groups(flags: Sequence[Flag]) -> list[tuple[str, int, str]]:
    """Each kind of flag once, in order: (name, how many, the first one's detail)."""
    groups: dict[str, list[Flag]] = {}
    for flag in flags:
        groups.setdefault(flag_name(flag), []).append(flag)
    return [(name, len(found), found[0].detail) for name, found in groups.items()]


def shortened(text: str, limit: int) -> str:
    """The text cut to `limit` characters with an ellipsis."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def missing_text(block: Block) -> str:
    """'data incomplete: missing Sat 21 Nov 2026, ...' (the first few days, then a count)."""
    days = block.status.missing_days
    if not days:
        return "data incomplete"
    shown = ", ".join(long_date(d) for d in days[:MISSING_DAYS_SHOWN])
    more = len(days) - MISSING_DAYS_SHOWN
    return f"data incomplete: missing {shown}{f' and {more} more' if more > 0 else ''}"


def history_text(block: Block) -> str | None:
    """Why prior-year numbers before the metric's first day are N/A, or None when none are."""
    starts = block.status.history_starts
    if starts is None:
        return None
    return f"N/A before the history begins on {long_date(starts)}: no prior year to compare"


def evidence_number(value: float | None) -> str:
    """A flag's evidence number without a unit (the flag may be on a growth series)."""
    if value is None or not math.isfinite(value):
        return "N/A"
    magnitude = abs(value)
    for threshold, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
        if magnitude >= threshold:
            return f"{value / threshold:,.3g}{suffix}"
    return f"{value:,.4g}"


def flag_evidence(flag: Flag) -> str:
    """What a flag's detail does not already state: its date, value and limits, favourability."""
    evidence = []
    if not flag.detail:  # the detail already states the evidence in the metric's units
        if flag.date:
            evidence.append(f"on {long_date(flag.date)}")
        if flag.value is not None:
            evidence.append(f"value {evidence_number(flag.value)}")
        if flag.lower is not None or flag.upper is not None:
            evidence.append(
                f"limits {evidence_number(flag.lower)} to {evidence_number(flag.upper)}"
            )
    if flag.favourable is not None:
        evidence.append(FAVOURABLE if flag.favourable else UNFAVOURABLE)
    return ", ".join(evidence)
