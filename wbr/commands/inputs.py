"""The commands about a deck's config and data: `wbr validate`, `wbr sql`, `wbr init`,
`wbr sample` and `wbr import-wbr-app`."""

from __future__ import annotations

import argparse
from pathlib import Path

from wbr.errors import WbrError


def cmd_import_wbr_app(args: argparse.Namespace) -> int:
    """Convert a WBR App deck config and its CSV into a wbr.yaml (and data files beside it)."""
    from wbr.importers.wbr_app import convert_wbr_app, report_lines

    result = convert_wbr_app(Path(args.app_yaml), Path(args.data), Path(args.out), args.force)
    for line in report_lines(result):
        print(line)
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    """Check the config and every data file; print what was found."""
    from wbr.engine.build import resolve_week_ending
    from wbr.engine.config import baseline_start_problems, load_config
    from wbr.engine.sources import load_data

    config = load_config(args.config)
    warehouse: list[str] = []
    if config.tables or config.connections:
        from wbr.engine.warehouse.review import warehouse_report

        warehouse = warehouse_report(config)  # each connection, table and query, with columns
    dataset = load_data(config, args.week)
    week = resolve_week_ending(config, dataset, args.week)
    late_baselines = baseline_start_problems(config, week)
    if late_baselines:
        raise WbrError("\n".join(late_baselines))
    actuals = dataset.actuals
    print(f"{args.config}: OK")
    for line in warehouse:
        print(line)
    print(f"  metrics: {len(config.metrics)} ({len(config.base_metrics())} from data)")
    print(f"  actuals: {actuals.index[0]:%Y-%m-%d} .. {actuals.index[-1]:%Y-%m-%d}")
    gaps = int(actuals.isna().sum().sum())
    if gaps:
        print(f"  missing metric-days in actuals: {gaps}")
    absent = dataset.absent_slices
    if absent is not None:  # days missing because one slice's row is not in the file
        print(f"  slice rows absent (those days count as missing): {len(absent)}")
        for row in absent.head(5).itertuples():
            print(f"    {row.source} {row.date:%Y-%m-%d} {row.metric}: no row for {row.slice}")
        if len(absent) > 5:
            print(f"    ... and {len(absent) - 5} more")
    if dataset.plan is not None:
        print(f"  plan: {dataset.plan.index[0]:%Y-%m-%d} .. {dataset.plan.index[-1]:%Y-%m-%d}")
    print(f"  week ending: {week}")
    from wbr.engine.actions import load_actions, open_actions

    actions = load_actions(config)  # a DataError names the file, row and column
    if actions is not None:
        print(f"  action items: {len(actions)}, {len(open_actions(actions, week))} open that week")
    for metric in config.base_metrics():
        spec = config.metrics[metric]
        if spec.comparison_method != "pct" or metric not in actuals.columns:
            continue
        negative = int((actuals[metric] < 0).sum())
        if negative:
            # a % change of a value that changes sign (a temperature, a margin) is meaningless:
            # the deck shows N/A where last year's value was <= 0 and +1,000% near 0
            print(
                f"  warning: {metric} has negative values ({negative} days) and is compared in"
                " percent; set `comparison: abs` to show changes in its unit"
            )
    for name, table in (("commentary", dataset.commentary), ("events", dataset.events)):
        if table is None:
            continue
        unknown = sorted(set(table["metric"].dropna()) - set(config.metrics))
        if unknown:
            print(f"  warning: {name} rows name unknown metrics (ignored): {', '.join(unknown)}")
    return 0


def cmd_sql(args: argparse.Namespace) -> int:
    """Print the SQL generated for each table's metrics (for review by the data team)."""
    from wbr.engine.config import load_config
    from wbr.engine.warehouse.review import table_sql

    print(table_sql(load_config(args.config), args.table, args.week))
    return 0


def cmd_init(args: argparse.Namespace) -> int:
    """Write a starter wbr.yaml guessed from a daily CSV, validate it, print the next command."""
    from wbr.init import write_starter_config

    out = Path(args.out)
    guess = write_starter_config(Path(args.source), out)
    print(f"wrote {out}: {len(guess.metrics)} metrics, {guess.layout} file; each guess says why")
    try:
        cmd_validate(argparse.Namespace(config=str(out), week=None))
    except WbrError as error:
        raise WbrError(
            f"{out} is written but does not validate yet; fix it, then wbr validate:\n{error}"
        ) from error
    print("next: wbr run" + ("" if out == Path("wbr.yaml") else f" --config {out}"))
    return 0


def cmd_sample(args: argparse.Namespace) -> int:
    """Regenerate the bundled demo business deterministically."""
    from wbr.sample import write_sample

    config_path = Path(args.config) if args.config else None
    for path in write_sample(Path(args.out), config_path):
        print(f"wrote {path}")
    return 0
