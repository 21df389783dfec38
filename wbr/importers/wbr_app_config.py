"""Reading a WBR App deck config: its YAML with the line of every key, its setup values (week
ending, fiscal year, display units), and the report of what an import does not convert.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from wbr.engine.config import AliasError, parse_yaml_document, read_config_text
from wbr.errors import ConfigError, Problem

MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")


@dataclass(frozen=True)
class NotConverted:
    """One App setting, metric or block that has no equivalent in the written wbr.yaml."""

    key: str
    reason: str


class ImportReport:
    """What an import could not convert (each App key with its line and why) and its notes."""

    def __init__(self, lines: dict[tuple, int]) -> None:
        self.lines = lines
        self.not_converted: list[NotConverted] = []
        self.notes: list[str] = []

    def skip(self, key: tuple, reason: str) -> None:
        """Record an App key that has no equivalent, with its line."""
        line = self.lines.get(key)
        where = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in key)
        where = where.lstrip(".") + (f" (line {line})" if line else "")
        self.not_converted.append(NotConverted(where, reason))


def load_app_yaml(path: Path) -> tuple[dict[str, Any], dict[tuple, int]]:
    """The App config as a dict, plus the line of every key for messages."""
    text = read_config_text(path, "WBR App config")
    try:
        root, raw = parse_yaml_document(text)
    except AliasError as exc:
        raise ConfigError(exc.message(str(path))) from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = f"not valid YAML: {getattr(exc, 'problem', None) or exc}"
        invalid = Problem(str(path), mark.line + 1 if mark else None, None, problem)
        raise ConfigError(problems=[invalid]) from exc
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: expected the WBR App sections setup, metrics and deck")
    for section in ("setup", "metrics"):
        if not isinstance(raw.get(section), dict):
            raise ConfigError(f"{path}: missing section '{section}' (a mapping)")
    return raw, _line_index(root)


def _line_index(node: yaml.Node | None, path: tuple = ()) -> dict[tuple, int]:
    """Map every key path of a YAML document to its 1-based line."""
    if node is None:
        return {}
    lines = {path: node.start_mark.line + 1}
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            lines.update(_line_index(value, (*path, key.value)))
            lines[(*path, key.value)] = key.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            lines.update(_line_index(item, (*path, i)))
    return lines


def parse_week_ending(value: Any, where: str) -> dt.date:
    """The App's week_ending (25-SEP-2021, or an ISO date) as a date."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    for fmt in ("%d-%b-%Y", "%Y-%m-%d", "%d-%b-%y"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ConfigError(
        f"{where}: setup.week_ending: expected a date like 25-SEP-2021, got {value!r}"
    )


def fiscal_year_start_month(value: Any, where: str) -> int:
    """Our fiscal_year_start_month from the App's fiscal_year_end_month (DEC when blank)."""
    if value is None or str(value).strip() == "":
        return 1
    text = str(value).strip().upper()
    full_names = [calendar.month_name[m].upper() for m in range(1, 13)]
    if text.isdigit() and 1 <= int(text) <= 12:
        end = int(text)
    elif text in MONTHS:
        end = MONTHS.index(text) + 1
    elif text in full_names:
        end = full_names.index(text) + 1
    else:
        raise ConfigError(f"{where}: setup.fiscal_year_end_month: expected JAN..DEC, got {value!r}")
    return end % 12 + 1


def unit_from_scaling(y_scaling: Any) -> str | None:
    """Our display unit from the App's y_scaling: '%' and 'bps' formats are rates."""
    if not isinstance(y_scaling, str):
        return None
    text = y_scaling.strip().lower()
    if text.endswith("%") or text.endswith("bps"):
        return "percent"
    return "count"
