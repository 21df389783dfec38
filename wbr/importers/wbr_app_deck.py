"""Which App metrics the converted deck shows, and how: block labels, display units, sections
and target lines, read from the App's `deck:` blocks in deck order.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from wbr.importers.wbr_app_config import ImportReport, unit_from_scaling

COMPARISON_SUFFIXES = ("YOY", "WOW", "MOM")


@dataclass
class Block:
    """Where a metric is shown in the App deck: label, unit, section."""

    label: str | None = None
    unit: str | None = None
    section: str | None = None
    key: tuple | None = None  # the App deck key it comes from (for reporting it if dropped)


class DeckReader:
    """The App deck's blocks as ours: one block per shown metric, sections, target lines."""

    def __init__(self, app: dict[str, Any], report: ImportReport) -> None:
        self.app, self.report = app, report
        self.app_metrics: dict[str, Any] = app["metrics"]
        self.plan_of: dict[str, str] = {}  # App target metric -> our metric it is the plan of
        self.blocks: dict[str, Block] = {}
        self.placeholders: set[str] = set()  # blocks a later 6-12 block of the metric replaces
        self.sections: list[str] = []

    def read(self) -> None:
        """Labels, units, sections and shown metrics from the App's blocks, in deck order."""
        section = None
        deck = self.app.get("deck") or []
        if not isinstance(deck, list):
            self.report.skip(("deck",), "expected a list of `- block:` entries")
            return
        for i, item in enumerate(deck):
            block = item.get("block") if isinstance(item, dict) else None
            if not isinstance(block, dict):
                self.report.skip(("deck", i), "expected a `block:` mapping")
                continue
            kind = block.get("ui_type")
            if kind == "section":
                title = str(block.get("title") or "").strip()
                if title:
                    section = title
                    if title not in self.sections:
                        self.sections.append(title)
            elif kind == "6_12Graph":
                self._read_graph(i, block, section)
            elif kind in ("6_WeeksTable", "12_MonthsTable"):
                self._read_table_block(i, block, section)
            else:
                self.report.skip(
                    ("deck", i, "block", "ui_type"), f"block type {kind!r} is not converted"
                )

    def _read_graph(self, i: int, block: dict[str, Any], section: str | None) -> None:
        series = block.get("metrics") or {}
        if not isinstance(series, dict):
            self.report.skip(
                ("deck", i, "block", "metrics"),
                "expected a mapping of metric names to {line_style: ...}; block not converted",
            )
            return
        unit = unit_from_scaling(block.get("y_scaling"))
        if (
            block.get("x_axis_monthly_display", "trailing_twelve_months")
            != "trailing_twelve_months"
        ):
            self.report.skip(
                ("deck", i, "block", "x_axis_monthly_display"),
                "our 12-month part is always the trailing 12 complete months",
            )
        styles = {}
        for name, style in series.items():
            key = ("deck", i, "block", "metrics", str(name))
            if not isinstance(name, str):
                self.report.skip(key, "a metric name must be text (quote it)")
            elif style is not None and not isinstance(style, dict):
                self.report.skip(
                    key, f"expected a mapping like {{line_style: primary}}, got {style!r}"
                )
            else:
                styles[name] = style or {}
        lines = [n for n, s in styles.items() if s.get("line_style") != "target"]
        for name, style in styles.items():
            key = ("deck", i, "block", "metrics", name)
            if style.get("line_style") == "target":
                if lines:
                    self.plan_of.setdefault(name, lines[0])
                else:
                    self.report.skip(
                        key, "a target line in a block without an actual line is not shown"
                    )
                continue
            if self.is_comparison(name):
                self._show_base_of(name, unit, section)
                self.report.skip(
                    key,
                    "growth series (YOY/WOW/MOM) are not blocks of their own: the "
                    "metric's block shows WoW and YoY in its box",
                )
                continue
            if name not in self.app_metrics:
                self.report.skip(key, "not defined under metrics:")
                continue
            if name in self.blocks and name not in self.placeholders:
                self.report.skip(
                    key,
                    f"{name} is already shown by {self.where(name)}: our deck shows "
                    "each metric in one block",
                )
                continue
            self.placeholders.discard(name)
            label = block.get("title") if len(lines) == 1 else style.get("legend_name")
            self.blocks[name] = Block(str(label or name), unit, section, key)
            if len(lines) > 1 and name != lines[0]:
                self.report.notes.append(f"deck[{i}]: secondary line {name} becomes its own block")

    def where(self, name: str) -> str:
        """'deck[3]': the App block a metric's block comes from."""
        key = self.blocks[name].key
        return f"deck[{key[1]}]" if key else "an earlier block"

    def _read_table_block(self, i: int, block: dict[str, Any], section: str | None) -> None:
        self.report.skip(
            ("deck", i, "block", "ui_type"),
            f"{block.get('ui_type')} layout is not "
            "converted: each metric in its rows gets a 6-12 block with the same numbers",
        )
        rows = block.get("rows") or []
        if not isinstance(rows, list):
            self.report.skip(("deck", i, "block", "rows"), "expected a list of `- row:` entries")
            return
        for j, item in enumerate(rows):
            row = item.get("row") if isinstance(item, dict) else None
            if not isinstance(row, dict):
                self.report.skip(("deck", i, "block", "rows", j), "expected a `row:` mapping")
                continue
            name = row.get("metric")
            if not name:
                continue
            if not isinstance(name, str):
                self.report.skip(
                    ("deck", i, "block", "rows", j), "row.metric must be a metric name"
                )
                continue
            if name in self.blocks:
                continue
            if self.is_comparison(name):
                self._show_base_of(name, None, section)  # its block's box shows the growth
                continue
            if name in self.app_metrics:
                self.blocks[name] = Block(
                    name,
                    unit_from_scaling(row.get("y_scaling")),
                    section,
                    ("deck", i, "block", "rows", j),
                )
                self.placeholders.add(name)

    def _show_base_of(self, name: str, unit: str | None, section: str | None) -> None:
        """A growth series is shown through its metric's block: make sure that block exists."""
        base = next(name.removesuffix(s) for s in COMPARISON_SUFFIXES if name.endswith(s))
        if base in self.app_metrics and base not in self.blocks:
            self.blocks[base] = Block(base, None if unit == "percent" else unit, section)
            self.placeholders.add(base)

    def is_comparison(self, name: str) -> bool:
        return name not in self.app_metrics and any(
            name.endswith(suffix) and name[: -len(suffix)] in self.app_metrics
            for suffix in COMPARISON_SUFFIXES
        )
