"""WBR App deck config -> our wbr.yaml, with the derived data files it reads.

Owns `wbr import-wbr-app`: reading the WBR App's YAML (setup, metrics, deck), converting it to our
config, and writing three files side by side: `<out>.yaml`, `<out>.actuals.csv` (wide: one column
per App column or filter metric, keyed by the App's metric names, one row per day) and
`<out>.plan.csv` (wide, same ids) when the App has plans (`X__Target` columns or `line_style:
target` series). The parts: wbr_app_config reads the App's YAML and setup, wbr_app_deck its
blocks, wbr_app_metrics converts its metrics, wbr_app_data reads its CSV; this module writes.

The derived actuals file exists because App metrics are not CSV columns: two metrics can read one
column, a `filter` metric is a slice of a long file, and a file with several rows per day is reduced
to one value per day by the metric's own `aggf`. Every `aggf` has an aggregation of ours with the
same name (`first` is the window's first day). Functions are evaluated as the App does, after
window aggregation: `divide` becomes our `ratio`, `sum`/`difference`/`product` become
`aggregation: derived` with the same operands, so no function is precomputed per day. What has no
equivalent is listed as not converted, never dropped silently.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from wbr.engine.config import WEEKDAYS, parse_config
from wbr.errors import ConfigError
from wbr.fmt import visible
from wbr.importers.wbr_app_config import (
    ImportReport,
    NotConverted,
    fiscal_year_start_month,
    load_app_yaml,
    parse_week_ending,
    unit_from_scaling,
)
from wbr.importers.wbr_app_data import AppTable, write_wide
from wbr.importers.wbr_app_deck import Block, DeckReader
from wbr.importers.wbr_app_metrics import MetricConverter

__all__ = [
    "ConversionResult",
    "NotConverted",
    "convert_wbr_app",
    "fiscal_year_start_month",
    "output_paths",
    "parse_week_ending",
    "report_lines",
    "unit_from_scaling",
]

SETUP_DONE = {"week_ending", "title", "fiscal_year_end_month"}
SETUP_IGNORED = {
    "week_number": "our week numbers come from the calendar (the App's label arithmetic breaks "
    "in 53-week years)",
    "block_starting_number": "our blocks are numbered from 1 in deck order",
    "tooltip": "display option of the App's web page",
}


@dataclass(frozen=True)
class ConversionResult:
    """What convert_wbr_app wrote, and what it could not convert (each with the App key and why)."""

    config_path: Path
    not_converted: tuple[NotConverted, ...]
    data_files: tuple[Path, ...] = ()
    notes: tuple[str, ...] = ()


def convert_wbr_app(
    app_yaml: Path, data_csv: Path, out_yaml: Path, force: bool = False
) -> ConversionResult:
    """Convert a WBR App deck config and its CSV into our wbr.yaml plus derived CSVs beside it.

    Existing output files (a hand-written wbr.yaml, say) are replaced only with `force`.
    """
    app_yaml, data_csv, out_yaml = Path(app_yaml), Path(data_csv), Path(out_yaml)
    outputs = output_paths(out_yaml)
    _check_outputs(outputs, {"the WBR App config": app_yaml, "the --data CSV": data_csv})
    existing = [path for path in outputs if path.exists()]
    if existing and not force:
        names = ", ".join(str(path) for path in existing)
        raise ConfigError(
            f"--out {out_yaml}: {names} already exist{'s' if len(existing) == 1 else ''}; "
            "give --force to replace, or another --out"
        )
    app, lines = load_app_yaml(app_yaml)
    converter = _Converter(app, lines, app_yaml, AppTable(data_csv))
    return converter.write(*outputs)


def output_paths(out_yaml: Path) -> tuple[Path, Path, Path]:
    """The files an import writes: <out>.yaml, <out>.actuals.csv and <out>.plan.csv."""
    stem = out_yaml.name.removesuffix(".yaml").removesuffix(".yml")
    return (
        out_yaml,
        out_yaml.with_name(f"{stem}.actuals.csv"),
        out_yaml.with_name(f"{stem}.plan.csv"),
    )


def _check_outputs(outputs: tuple[Path, ...], inputs: dict[str, Path]) -> None:
    """Refuse, before anything is read or written, outputs that would overwrite an input,
    that name a folder, or that lie under something that is not a folder."""
    out_yaml = outputs[0]
    for path in outputs:
        for what, source in inputs.items():
            if path.resolve() == source.resolve() or (
                path.exists() and source.exists() and path.samefile(source)
            ):
                raise ConfigError(
                    f"--out {out_yaml}: would overwrite {what} {source} (as {path.name}); "
                    "give another --out"
                )
        if path.is_dir():
            raise ConfigError(
                f"--out {out_yaml}: {path} is a folder; give a file name such as "
                f"{path / 'wbr.yaml'}"
            )
    parent = out_yaml.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if parent.exists() and not parent.is_dir():
        raise ConfigError(f"--out {out_yaml}: {parent} is a file, not a folder")


def _write_atomically(files: dict[Path, Any]) -> None:
    """Write every file as a partial file first, then rename them all into place."""
    partials = {path: path.with_name(f".{path.name}.partial") for path in files}
    try:
        for path, content in files.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, str):
                partials[path].write_text(content, encoding="utf-8")
            else:
                write_wide(partials[path], content)
        for path, partial in partials.items():
            partial.replace(path)
    except OSError as exc:
        for partial in partials.values():
            with contextlib.suppress(OSError):
                partial.unlink(missing_ok=True)
        where = exc.filename or next(iter(files))
        raise ConfigError(
            f"{where}: cannot write the converted files ({exc.strerror or exc})"
        ) from exc


def report_lines(result: ConversionResult) -> list[str]:
    """What `wbr import-wbr-app` prints: files written, then every item not converted."""
    lines = [f"wrote {result.config_path}"] + [f"wrote {path}" for path in result.data_files]
    if result.not_converted:
        lines.append(f"not converted ({len(result.not_converted)}):")
        lines += [f"  {item.key}: {item.reason}" for item in result.not_converted]
    else:
        lines.append("everything converted")
    return lines


class _Converter:
    """One conversion: reads the App config once, then writes our files."""

    def __init__(
        self, app: dict[str, Any], lines: dict[tuple, int], source: Path, table: AppTable
    ) -> None:
        self.app, self.source, self.table = app, source, table
        self.app_metrics: dict[str, Any] = app["metrics"]
        self.report = ImportReport(lines)
        self.deck = DeckReader(app, self.report)
        self.metrics = MetricConverter(app, table, self.report, self.deck)

    def write(self, out_yaml: Path, actuals_path: Path, plan_path: Path) -> ConversionResult:
        """Convert everything and write the yaml and its data files."""
        setup = self.app["setup"]
        where = str(self.source)
        week_ending = parse_week_ending(setup.get("week_ending"), where)
        fiscal_start = fiscal_year_start_month(setup.get("fiscal_year_end_month"), where)
        self._setup_leftovers(setup)
        for key in self.app:
            if key not in ("setup", "metrics", "deck"):
                self.report.skip((key,), "only the CSV given with --data is read")
        self.deck.read()
        self.metrics.find_targets()
        for name in self.app_metrics:
            if not isinstance(name, str):
                self.report.skip(("metrics", str(name)), "a metric name must be text (quote it)")
        self.metrics.convert_all(name for name in self.app_metrics if isinstance(name, str))
        self.metrics.attach_targets()
        for name, reason in self.metrics.failed.items():
            self.report.skip(("metrics", name), reason)
        if not self.metrics.converted:
            reasons = [
                f"  {key}: {reason}" for key, reason in list(self.metrics.failed.items())[:5]
            ]
            raise ConfigError("\n".join([f"{where}: no App metric could be converted", *reasons]))
        if self.table.rows_per_day() > 1:
            self.report.notes.append(
                f"{self.table.path.name} has up to {self.table.rows_per_day()} rows "
                "per date: each metric's rows are reduced per day by its aggf"
            )

        data_files = [actuals_path]
        files: dict[Path, Any] = {
            actuals_path: {n: m.daily for n, m in self.metrics.converted.items()}
        }
        plans = {n: m.plan for n, m in self.metrics.converted.items() if m.plan is not None}
        if plans:
            files[plan_path] = plans
            data_files.append(plan_path)

        config: dict[str, Any] = {
            "title": str(setup.get("title") or "WBR"),
            "week_ending": week_ending,
            "calendar": {
                "week_end_day": WEEKDAYS[week_ending.weekday()],
                "fiscal_year_start_month": fiscal_start,
            },
            "sources": {"actuals": {"path": actuals_path.name, "format": "wide"}},
        }
        if plans:
            config["sources"]["plan"] = {"path": plan_path.name, "format": "wide"}
        used_sections = [
            s
            for s in self.deck.sections
            if any(self.deck.blocks.get(n, Block()).section == s for n in self.metrics.converted)
        ]
        if used_sections:
            config["sections"] = used_sections
        config["metrics"] = self._metric_specs()
        text = self._yaml_text(config)
        # Our own output must load: a ConfigError here is a converter bug, not a user error.
        parse_config(text, source=str(out_yaml), base_dir=out_yaml.parent)
        _write_atomically({**files, out_yaml: text})
        return ConversionResult(
            out_yaml, tuple(self.report.not_converted), tuple(data_files), tuple(self.report.notes)
        )

    def _setup_leftovers(self, setup: dict[str, Any]) -> None:
        for key in setup:
            if key in SETUP_DONE:
                continue
            if key == "x_axis_monthly_display":
                if setup[key] != "trailing_twelve_months":
                    self.report.skip(
                        ("setup", key),
                        "our 12-month part is always the trailing 12 complete months",
                    )
            elif key in SETUP_IGNORED:
                self.report.notes.append(f"setup.{key} not needed: {SETUP_IGNORED[key]}")
            else:
                self.report.skip(("setup", key), "unknown App setting")

    def _metric_specs(self) -> dict[str, dict[str, Any]]:
        """Our metrics: shown ones in deck order, then the ones only used by others."""
        ordered = [n for n in self.deck.blocks if n in self.metrics.converted]
        ordered += [n for n in self.metrics.converted if n not in self.deck.blocks]
        specs = {}
        for name in ordered:
            metric, block = self.metrics.converted[name], self.deck.blocks.get(name)
            spec = {"label": block.label if block else name, **metric.spec}
            unit = block.unit if block and block.unit else None
            if unit:
                spec["unit"] = unit
            spec["comparison"] = spec.pop("comparison")  # after unit: reads as "unit, compared by"
            if block and block.section:
                spec["section"] = block.section
            spec["show"] = block is not None
            specs[name] = spec
        return specs

    def _yaml_text(self, config: dict[str, Any]) -> str:
        # App keys, names and values reach the header comments: visible() shows every line
        # break as an escape, so no input can end a comment line and become a live key.
        name = visible(self.source.name)
        header = [f"# Converted from the WBR App config {name} by wbr import-wbr-app."]
        if self.report.not_converted:
            header.append("# Not converted (see the import report):")
            header += [
                f"#   {visible(item.key)}: {visible(item.reason)}"
                for item in self.report.not_converted
            ]
        body = yaml.safe_dump(config, sort_keys=False, allow_unicode=True, width=100)
        return "\n".join(header) + "\n" + body
