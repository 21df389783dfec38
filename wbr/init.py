"""`wbr init --from data.csv`: a starter wbr.yaml guessed from a daily CSV, every guess explained.

Reads the file with the loader's own reader (wbr.engine.sources.read_table: the same encodings,
number and date formats, and the same errors for a file it cannot read) and decides:

- the date column (named date, else the first column whose every cell is a date in one of the
  loader's formats) and its format;
- long (`date,metric,value[,slices]`) or wide (`date,<metric>...`); the slice columns of a long
  file become `dimensions`;
- per metric: unit, aggregation and polarity from its name and values (a name like a rate with
  every value in 0..1 is a percent compared in bps);
- calendar.week_end_day from the last date on which every metric has a value, so the latest week
  is complete;
- ratios it can see from names (x and x_total, x_numerator and x_denominator, a part named after
  its whole such as mobile_page_views and page_views), proposed as comments, never as guesses.

Every guess is a YAML comment saying why, so the user can correct it. The file is written next
to nothing it would replace: an existing --out is an error.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from wbr.engine.config import WEEKDAYS
from wbr.engine.sources import DATE_FORMATS, Problems, parse_dates, parse_numbers, read_table
from wbr.errors import DataError, WbrError
from wbr.fmt import visible

RATE_WORDS = re.compile(
    r"(rate|ratio|pct|percent|share|conversion|margin|ctr|yield|fraction|proportion|"
    r"utili[sz]ation|availability|accuracy|/|_per_|per[A-Z]|Per[A-Z])",
    re.IGNORECASE,
)
CURRENCY_WORDS = re.compile(r"(revenue|sales|spend|cost|profit|price|amount|gmv|income|fee)", re.I)
DURATION_WORDS = re.compile(r"(latency|_ms$|ms$|duration|response_time|seconds|_secs?$)", re.I)
AVERAGE_WORDS = re.compile(r"^(avg|average|mean)|(_avg|_average|_mean)$", re.I)
LEVEL_WORDS = re.compile(r"(inventory|on_hand|balance|headcount|backlog|subscribers)", re.I)
LOWER_WORDS = re.compile(
    r"(latency|defect|error|contact|complaint|churn|cancel|return|refund|delay|late|cost|"
    r"days|_ms$|outage|incident|backlog|bounce)",
    re.I,
)
WIDTH = 100  # longest line written; a longer reason goes on comment lines above its key
PLAN_SUFFIX = re.compile(r"^(?P<metric>.+?)(__target|_target|__plan|_plan)$", re.I)
TOTAL_PAIRS = (("", "_total"), ("_numerator", "_denominator"), ("_num", "_den"))


@dataclass
class MetricGuess:
    """What init decided about one metric column, and why (each reason becomes a comment)."""

    metric: str
    label: str
    unit: str = "count"
    aggregation: str = "sum"
    polarity: str = "higher_is_better"
    why: list[str] = field(default_factory=list)
    last_day: dt.date | None = None


@dataclass
class Guess:
    """Everything init decided about a file: the starter config's contents and reasons."""

    path: Path
    date_column: str
    date_format: str
    layout: str  # long | wide
    metrics: list[MetricGuess]
    dimensions: list[str]
    first_day: dt.date
    last_day: dt.date
    complete_through: dt.date
    week_end_day: str
    plan_columns: dict[str, str]  # column -> metric it looks like the plan of
    ratios: list[tuple[str, str, str]]  # (numerator, denominator, why)


def _label(metric: str) -> str:
    """A display name: page_views -> Page views, MobilePageViews -> Mobile page views."""
    words = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", metric).replace("_", " ").split()
    text = " ".join(words).lower()
    return text[:1].upper() + text[1:] if text else metric


def _date_column(frame: pd.DataFrame) -> tuple[str, str]:
    """(column, format label): the column named date, else the first that is all dates."""
    named = [c for c in frame.columns if c.strip().lower() == "date"]
    for column in named + [c for c in frame.columns if c not in named]:
        text = frame[column].dropna().astype(str).str.strip()
        distinct = pd.Series(text[text != ""].unique())
        if distinct.empty:
            continue
        for fmt, label in DATE_FORMATS:
            if pd.to_datetime(distinct, format=fmt, errors="coerce").notna().all():
                return column, label
        if column in named:
            break  # the loader reads this column; it must hold dates
    raise DataError(
        f"{_shown(frame)}no date column: a column named date, or one whose every cell is a "
        f"date ({', '.join(label for _, label in DATE_FORMATS)})"
    )


def _shown(frame: pd.DataFrame) -> str:
    return f"{frame.attrs['path']}: " if "path" in frame.attrs else ""


def _numeric(frame: pd.DataFrame, column: str, path: Path) -> pd.Series | None:
    """A column's numbers as the loader parses them, or None when any cell is not a number."""
    problems = Problems(path)
    values = parse_numbers(frame[column], problems, column)
    return None if problems.items else values


def _guess_metric(metric: str, values: pd.Series, days: pd.Series) -> MetricGuess:
    """Unit, aggregation and polarity of one metric from its name and its cells (`days`: each
    cell's date), with reasons."""
    guess = MetricGuess(metric, _label(metric))
    present = values.dropna()
    if not present.empty:
        guess.last_day = days[values.notna()].max().date()
    in_unit_range = bool(not present.empty and present.between(0, 1).all())
    rate_like = bool(RATE_WORDS.search(metric))
    if rate_like and in_unit_range:
        guess.unit, guess.aggregation = "percent", "mean"
        guess.why.append(
            "named like a rate and every value is in 0..1: a percent, compared in bps; a "
            "window is the mean of its days (with its numerator and denominator as metrics, "
            "a ratio would be exact)"
        )
    elif rate_like:
        guess.aggregation = "mean"
        guess.why.append(
            "named like a rate but values go above 1, so not a fraction: a window is the mean "
            "of its days (set unit: percent only for fractions, 0.5 = 50%)"
        )
    elif CURRENCY_WORDS.search(metric):
        guess.unit = "currency"
        guess.why.append("named like money: unit currency, summed over a window")
    elif DURATION_WORDS.search(metric):
        guess.unit, guess.aggregation = "ms", "mean"
        guess.why.append("named like a duration: unit ms, a window is the mean of its days")
    elif AVERAGE_WORDS.search(metric):
        guess.aggregation = "mean"
        guess.why.append("named like an average: a window is the mean of its days")
    elif LEVEL_WORDS.search(metric):
        guess.aggregation = "last"
        guess.why.append("named like a level, not a flow: a window shows its last day's value")
    else:
        guess.why.append("a count: summed over a window (the default)")
        if in_unit_range:
            guess.why.append("every value is in 0..1: if this is a rate, set unit: percent")
    if LOWER_WORDS.search(metric):
        guess.polarity = "lower_is_better"
        guess.why.append("named like something to keep down: lower_is_better")
    return guess


def _ratios(metrics: list[str]) -> list[tuple[str, str, str]]:
    """(numerator, denominator, why) pairs the names suggest."""
    found = []
    names = set(metrics)
    for metric in metrics:
        for part, whole in TOTAL_PAIRS:
            if part and not metric.endswith(part):
                continue
            stem = metric[: len(metric) - len(part)] if part else metric
            if f"{stem}{whole}" in names and f"{stem}{whole}" != metric:
                found.append((metric, f"{stem}{whole}", f"named {stem}{part} and {stem}{whole}"))
    for numerator in metrics:
        for denominator in metrics:
            longer = len(numerator) > len(denominator)
            if not longer or not denominator or numerator == denominator:
                continue
            tail = numerator[-len(denominator) :]
            head = numerator[: -len(denominator)]
            same = tail.lower() == denominator.lower()
            split = head.endswith("_") or (denominator[:1].isupper() and head[-1:].islower())
            if same and split and not any(n == numerator for n, _, _ in found):
                why = f"{numerator} is named as a part of {denominator}"
                found.append((numerator, denominator, why))
    return found


def guess_config(csv_path: Path) -> Guess:
    """Read a daily CSV and decide every part of a starter config (see the module docstring)."""
    frame = read_table(csv_path)  # the loader's reader: its errors for a file it cannot read
    frame.attrs["path"] = str(csv_path)
    if frame.empty:
        raise DataError(f"{csv_path}: no data rows")
    date_column, date_format = _date_column(frame)
    dates = parse_dates(frame[date_column], Problems(csv_path), date_column)
    lower = {c.strip().lower(): c for c in frame.columns}
    if "metric" in lower and "value" in lower:
        if date_column.strip().lower() != "date":
            raise DataError(
                f"{csv_path}: a long file's date column must be named date (found {date_column!r})"
            )
        layout = "long"
        used = {date_column, lower["metric"], lower["value"]}
        dimensions = [c for c in frame.columns if c not in used]
        names = frame[lower["metric"]].fillna("").astype(str).str.strip()
        values = _numeric(frame, lower["value"], csv_path)
        if values is None:
            raise DataError(
                f"{csv_path}: column {lower['value']!r} holds cells that are not numbers"
            )
        cells = {
            m: (values[names == m], dates[names == m]) for m in dict.fromkeys(names[names != ""])
        }
    else:
        layout = "wide"
        if date_column != frame.columns[0] and date_column.strip().lower() != "date":
            raise DataError(
                f"{csv_path}: a wide file's date column must be named date or come first "
                f"(found {date_column!r})"
            )
        dimensions, cells = [], {}
        for column in frame.columns:
            if column == date_column:
                continue
            values = _numeric(frame, column, csv_path)
            if values is None:
                dimensions.append(column)
            else:
                cells[column] = (values, dates)
        if dimensions:
            raise DataError(
                f"{csv_path}: {', '.join(dimensions)} hold text, like slice columns, but a wide "
                "file cannot carry slices: write it long (date,metric,value,"
                f"{','.join(dimensions)}) and run wbr init on that"
            )
    plan_columns = {}
    for metric in list(cells):
        match = PLAN_SUFFIX.match(metric)
        if match and match["metric"] in cells:
            plan_columns[metric] = match["metric"]
            del cells[metric]
    if not cells:
        raise DataError(f"{csv_path}: no metric columns with numbers")
    metrics = [_guess_metric(metric, *found) for metric, found in cells.items()]
    lasts = [m.last_day for m in metrics if m.last_day is not None]
    if not lasts:
        raise DataError(f"{csv_path}: every metric cell is empty")
    last_day = max(lasts)
    complete_through = min(lasts)
    first_day = dates.min().date()
    return Guess(
        path=csv_path,
        date_column=date_column,
        date_format=date_format,
        layout=layout,
        metrics=metrics,
        dimensions=dimensions,
        first_day=first_day,
        last_day=last_day,
        complete_through=complete_through,
        week_end_day=WEEKDAYS[complete_through.weekday()],
        plan_columns=plan_columns,
        ratios=_ratios([m.metric for m in metrics]),
    )


_PLAIN = re.compile(r"^[A-Za-z_][A-Za-z0-9_ ./-]*$")
_RESERVED = {"y", "n", "yes", "no", "true", "false", "on", "off", "null", "~"}


def _scalar(text: str) -> str:
    """A YAML key or value: plain when that reads back as the same string, else quoted."""
    plain = _PLAIN.match(text) and text.strip() == text and text.lower() not in _RESERVED
    return text if plain else json.dumps(text, ensure_ascii=False)


def _comment(text: str) -> str:
    return visible(text.replace("\n", " "))


def _with_why(line: str, why: str) -> list[str]:
    """A line with its reason: a trailing comment when it fits in WIDTH, else comment lines
    above it at the line's indent."""
    if len(line) + len(why) + 4 <= WIDTH:
        return [f"{line}  # {why}"]
    indent = " " * (len(line) - len(line.lstrip()))
    wrapped = textwrap.wrap(why, WIDTH - len(indent) - 2)
    return [f"{indent}# {part}" for part in wrapped] + [line]


def _source_path(csv_path: Path, out: Path) -> str:
    """The CSV as the config names it: relative to the config's folder when inside it (or a
    sibling folder), else absolute."""
    absolute = csv_path.resolve()
    relative = Path(os.path.relpath(absolute, out.resolve().parent))
    return absolute.as_posix() if relative.parts[:2] == ("..", "..") else relative.as_posix()


def render_config(guess: Guess, out: Path) -> str:
    """The starter wbr.yaml text: each guess with a comment saying why."""
    day = guess.complete_through
    lines = [
        f"# Starter config written by `wbr init --from {_comment(guess.path.name)}`. Every guess",
        "# says why in a comment: correct what is wrong, then `wbr run`. Paths are relative to",
        "# this file; the README's wbr.yaml reference lists every key.",
        f"title: {_scalar(_label(guess.path.stem) + ' WBR')}",
    ]
    if guess.complete_through < guess.last_day:
        lines += _with_why(
            f"week_ending: {day.isoformat()}",
            "the last day every metric has a value; 'latest' would follow the data to"
            f" {guess.last_day.isoformat()}, where some metrics are empty",
        )
    else:
        lines += _with_why("week_ending: latest", "the last complete week in the data")
    lines.append("calendar:")
    lines += _with_why(
        f"  week_end_day: {guess.week_end_day}",
        f"the data's last complete day, {day.isoformat()}, is a {day:%A}: weeks end on it, so"
        " the latest week is whole",
    )
    shape = (
        "long: date, metric, value columns"
        if guess.layout == "long"
        else "wide: a date column and one column per metric"
    )
    lines.append("sources:")
    lines += _with_why(
        f"  actuals: {{path: {_scalar(_source_path(guess.path, out))}, format: {guess.layout}}}",
        f"{shape}; the dates in column {_comment(guess.date_column)!r} are {guess.date_format},"
        f" {guess.first_day.isoformat()} .. {guess.last_day.isoformat()}",
    )
    for column, planned in guess.plan_columns.items():
        why = (
            f"{_comment(column)} looks like the plan of {_comment(planned)}, so it is not a"
            " metric: a plan is read from its own file (sources.plan: {path, format}, the same"
            " shapes); `wbr import-wbr-app` converts a WBR App file's __Target columns"
        )
        lines += [f"  # {part}" for part in textwrap.wrap(why, WIDTH - 4)]
    if guess.dimensions:
        names = ", ".join(_scalar(d) for d in guess.dimensions)
        lines += _with_why(
            f"dimensions: [{names}]",
            "the columns after date, metric, value are slices: listed to drill down by them",
        )
    lines.append("metrics:")
    for metric in guess.metrics:
        lines.append(f"  {_scalar(metric.metric)}:")
        lines.append(f"    label: {_scalar(metric.label)}")
        lines += _with_why(f"    aggregation: {metric.aggregation}", _comment(metric.why[0]))
        lines += _with_why(
            f"    unit: {metric.unit}", "see aggregation" if metric.unit != "count" else "a number"
        )
        if metric.unit == "percent":
            lines += _with_why("    comparison: bps", "a rate's change reads in basis points")
        polarity = next((w for w in metric.why if "lower_is_better" in w), "the default")
        lines += _with_why(f"    polarity: {metric.polarity}", _comment(polarity))
        for extra in metric.why[1:]:
            if "lower_is_better" not in extra:
                lines += [f"    # {part}" for part in textwrap.wrap(_comment(extra), WIDTH - 6)]
    if guess.ratios:
        lines += [
            "  # Ratios the names suggest (proposals, not guesses: uncomment the real ones;",
            "  # a ratio is sum(numerator) / sum(denominator) over every window):",
        ]
        for numerator, denominator, why in guess.ratios:
            lines += [
                f"  # {_scalar(f'{numerator}_per_{denominator}')}:  # {_comment(why)}",
                "  #   aggregation: ratio",
                f"  #   numerator: {_scalar(numerator)}",
                f"  #   denominator: {_scalar(denominator)}",
                "  #   unit: percent",
            ]
    return "\n".join(lines) + "\n"


def write_starter_config(csv_path: Path, out: Path) -> Guess:
    """Guess a config from `csv_path` and write it to `out`, which must not exist yet."""
    if out.exists() or out.is_symlink():
        raise WbrError(f"{out} already exists; choose another --out or remove it first")
    if not out.parent.is_dir():
        raise WbrError(f"{out.parent}: folder not found (for --out {out})")
    guess = guess_config(csv_path)
    partial = out.with_name(f".{out.name}.partial")
    partial.write_text(render_config(guess, out), encoding="utf-8")
    try:
        os.link(partial, out)  # fails if `out` appeared meanwhile: never replace a file
    except FileExistsError:
        raise WbrError(f"{out} already exists; choose another --out or remove it first") from None
    finally:
        partial.unlink()
    return guess
