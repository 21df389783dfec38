"""The `wbr` command: deck, run, send, validate, sample and import-wbr-app.

User errors (WbrError) print one clear message on stderr and exit 2, with no traceback unless
--verbose is given. Library code never prints; this module does.
"""

from __future__ import annotations

import argparse
import gc
import logging
import os
import signal
import sys
import threading
import time
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from wbr import __version__
from wbr.errors import WbrError
from wbr.fmt import visible
from wbr.logs import LEVELS, cli_logging

EXIT_USER_ERROR = 2
EXIT_INCOMPLETE = 3  # --require-complete: the week's data is not all loaded yet; retry later


def _progress(message: str) -> None:
    logging.getLogger("wbr.cli").info(message)


def _summary_table(deck) -> str:
    """A terminal summary of the deck: one row per block, the box score and plan variance."""
    from wbr.fmt import BOX_HEADINGS, box_cells

    headers = ("#", "Metric", *BOX_HEADINGS, "vs Plan", "Flags")
    rows = []
    for block in deck.blocks:
        cells = box_cells(block)  # the deck's and the email's box score, as text
        rows.append(
            (
                str(block.number),
                block.label[:28],
                *(cell.text for cell in cells.actual),
                cells.vs_plan[0].text if cells.vs_plan else "",
                ", ".join(sorted({flag.type for flag in block.flags}))
                or ("" if block.status.complete else "incomplete"),
            )
        )
    widths = [max(len(r[i]) for r in [headers, *rows]) for i in range(len(headers))]
    align = ["<" if i in (1, 12) else ">" for i in range(len(headers))]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(f"{c:{a}{w}}" for c, a, w in zip(cells, align, widths, strict=True))

    title = (
        f"{deck.title}: week {deck.week_number}, ending {deck.week_ending:%a %d %b %Y} "
        f"(data complete through {deck.data_complete_through or 'N/A'})"
    )
    body = [title, "", line(headers), line(["-" * w for w in widths])]
    current = None
    for block, row in zip(deck.blocks, rows, strict=True):
        if block.section != current:
            current = block.section
            body.append(f"[{current}]")
        body.append(line(row))
    if deck.questions:
        # numbered by rank, at most one per block (its highest ranked), naming the block
        labels = {block.number: block.label for block in deck.blocks}
        top = list({q.block: q for q in reversed(deck.questions)}.values())[::-1]
        top.sort(key=deck.questions.index)
        body += ["", "Top questions:"]
        body += [
            f"  {rank:>2}. [{q.block} {labels.get(q.block, q.metric)}] {q.text}"
            for rank, q in enumerate(top[:10], 1)
        ]
    return "\n".join(body)


def _refuse_overwriting_inputs(output: str, option: str, config_path: str, config=None) -> None:
    """Refuse an output path that is the config or a file it reads (data, plan, events...)."""
    from wbr.engine.config import load_config
    from wbr.files import refuse_overwriting_inputs

    config = config if config is not None else load_config(config_path)
    inputs = [("config file", Path(config_path)), *config.input_files()]
    refuse_overwriting_inputs(output, inputs, option)


def cmd_deck(args: argparse.Namespace) -> int:
    """Compute the deck; write deck.json if asked; print a summary table."""
    from wbr.engine.build import build_deck
    from wbr.engine.config import load_config
    from wbr.engine.sources import load_data

    started = time.perf_counter()
    config = load_config(args.config)
    if args.json:
        _refuse_overwriting_inputs(args.json, "--json", args.config, config)
    progress = None if args.quiet else _progress
    if progress:
        progress("loading data")
    dataset = load_data(config, args.week)
    # Modules, config and data live until the process ends: frozen, the collector stops walking
    # them on every full collection (half of the build's garbage collection time).
    gc.freeze()
    # the same memory as `wbr run`: compared with the latest earlier deck.json in --out
    deck = build_deck(
        config, dataset, week_ending=args.week, progress=progress, history_dir=args.out
    )
    if args.json:
        try:
            path = deck.write_json(args.json)
        except OSError as exc:
            raise WbrError(f"{args.json}: cannot write deck.json: {exc.strerror or exc}") from None
        if not args.quiet:
            _progress(f"wrote {path}")
    if not args.quiet:
        print(_summary_table(deck))
        _progress(f"done in {time.perf_counter() - started:.2f} s")
    return 0


def _complete_week(args: argparse.Namespace) -> str | None:
    """The week to build when every metric is complete through it; else None, after one line
    on stderr naming the metrics that are not (see wbr.engine.readiness)."""
    from wbr.engine.config import load_config
    from wbr.engine.readiness import check_week, today_in, week_to_check
    from wbr.engine.sources import load_data

    config = load_config(args.config)
    week = week_to_check(config, args.week, today_in(config))
    readiness = check_week(config, load_data(config, week), week)
    if not readiness.complete:
        print(f"wbr: {readiness.line()}", file=sys.stderr)
        return None
    return week.isoformat()


def cmd_run(args: argparse.Namespace) -> int:
    """Execute the deck notebook and write reports/<week-ending>/ (HTML, notebook, deck.json)."""
    from wbr.render.report import HTML_NAME, run_report

    week = args.week
    if args.require_complete:
        week = _complete_week(args)
        if week is None:
            return EXIT_INCOMPLETE
    started = time.perf_counter()
    folder = run_report(
        args.config,
        week_ending=week,
        pdf=args.pdf,
        out_dir=args.out,
        progress=None if args.quiet else _progress,
        notebook=args.notebook,
    )
    if not args.quiet:
        _progress(f"done in {time.perf_counter() - started:.1f} s")
    print(folder / HTML_NAME)
    return 0


def cmd_send(args: argparse.Namespace) -> int:
    """Email the week's report (rendering it first if needed), or write it to an .eml file."""
    from wbr.deliver.mail import send_report

    if args.dry_run is not None and not args.dry_run.strip():
        # an unset shell variable must never turn a rehearsal into a real send
        raise WbrError("--dry-run: expected a file name for the .eml, got an empty string")
    if args.dry_run is not None:
        _refuse_overwriting_inputs(args.dry_run, "--dry-run", args.config)
    week = args.week
    if args.require_complete:
        week = _complete_week(args)
        if week is None:
            return EXIT_INCOMPLETE
    started = time.perf_counter()
    written = send_report(
        args.config,
        week_ending=week,
        recipients=args.to,
        dry_run=Path(args.dry_run) if args.dry_run is not None else None,
        reports_dir=args.out,
        progress=_progress,
    )
    if written is None:
        _progress(f"sent in {time.perf_counter() - started:.1f} s")
    else:
        print(written)
    return 0


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


REQUIRE_COMPLETE_HELP = (
    "exit 3, naming the metrics, unless every metric has every day of the week (for latest: the "
    "last week that ended before today)"
)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the `wbr` command."""
    parser = argparse.ArgumentParser(
        prog="wbr", description="Amazon-style Weekly Business Review decks from metric CSVs."
    )
    parser.add_argument("--verbose", action="store_true", help="show tracebacks on errors")
    parser.add_argument("--version", action="version", version=f"wbr {__version__}")
    parser.add_argument(
        "--log-level",
        choices=LEVELS,
        default="info",
        help="least severe messages to show on stderr (default info: progress; --quiet: warning)",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def common(sub: argparse.ArgumentParser) -> None:
        sub.add_argument("--config", default="wbr.yaml", help="deck config (default ./wbr.yaml)")
        sub.add_argument(
            "--week",
            default=None,
            help="week ending YYYY-MM-DD or 'latest' (default: the config's)",
        )

    deck = commands.add_parser("deck", help="compute the deck (no kernel, no HTML); fast")
    common(deck)
    deck.add_argument("--json", metavar="PATH", help="write deck.json here")
    deck.add_argument("--quiet", action="store_true", help="print nothing but errors")
    deck.add_argument(
        "--out",
        default="reports",
        help="reports folder whose latest earlier deck.json this deck compares with, as wbr run"
        " does (default reports/)",
    )
    deck.set_defaults(func=cmd_deck)

    run = commands.add_parser("run", help="render the HTML deck into reports/<week-ending>/")
    common(run)
    run.add_argument("--out", default="reports", help="reports folder (default reports/)")
    run.add_argument(
        "--notebook",
        default=None,
        help="deck notebook to execute (default: the one in the package, wbr/notebooks/)",
    )
    run.add_argument("--quiet", action="store_true", help="print only the report path and errors")
    run.add_argument("--pdf", action="store_true", help="also print deck.pdf (headless Chromium)")
    run.add_argument("--require-complete", action="store_true", help=REQUIRE_COMPLETE_HELP)
    run.set_defaults(func=cmd_run)

    send = commands.add_parser("send", help="email the week's report (renders it if needed)")
    common(send)
    send.add_argument(
        "--to",
        nargs="+",
        action="extend",
        metavar="ADDR",
        help="recipients (default: email.to in the config)",
    )
    send.add_argument(
        "--dry-run", metavar="FILE.eml", help="write the message to this file; send nothing"
    )
    send.add_argument("--out", default="reports", help="reports folder (default reports/)")
    send.add_argument("--require-complete", action="store_true", help=REQUIRE_COMPLETE_HELP)
    send.set_defaults(func=cmd_send)

    validate = commands.add_parser("validate", help="check config and data; exit 0 or 2")
    common(validate)
    validate.set_defaults(func=cmd_validate)

    app = commands.add_parser(
        "import-wbr-app", help="convert a WBR App deck config and its CSV into a wbr.yaml"
    )
    app.add_argument("app_yaml", metavar="APP.yaml", help="the WBR App's deck config")
    app.add_argument("--data", required=True, metavar="APP.csv", help="the App's daily CSV")
    app.add_argument(
        "--out", default="wbr.yaml", help="our config to write; data files are written beside it"
    )
    app.add_argument(
        "--force", action="store_true", help="replace --out (and its data files) if they exist"
    )
    app.set_defaults(func=cmd_import_wbr_app)

    sql = commands.add_parser("sql", help="print the SQL generated for the tables' metrics")
    common(sql)
    sql.add_argument("--table", default=None, help="only this table (default: every table)")
    sql.set_defaults(func=cmd_sql)

    sample = commands.add_parser("sample", help="regenerate the bundled demo data")
    sample.add_argument("--out", default="data/sample", help="folder for the CSVs")
    sample.add_argument("--config", default=None, help="also write a wbr.yaml here")
    sample.set_defaults(func=cmd_sample)

    init = commands.add_parser("init", help="write a starter wbr.yaml guessed from a daily CSV")
    init.add_argument("--from", dest="source", required=True, metavar="DATA.csv", help="daily CSV")
    init.add_argument("--out", default="wbr.yaml", help="config to write (never replaced)")
    init.set_defaults(func=cmd_init)
    return parser


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised like Ctrl-C so the same cleanup runs (staging folder, kernel)."""


def _terminate(signum: int, frame: object) -> None:
    raise Terminated


class _VisibleStream:
    """A text stream that shows control characters as escapes (\x1b) instead of sending them.

    Titles, labels, CSV cells and file names reach the terminal in tables, progress, warnings
    and errors; an ESC sequence among them could recolour, move the cursor or retitle it.
    """

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        """Write `text` with every control character but the line break made visible."""
        self._stream.write(visible(text, keep_newlines=True))
        return len(text)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `wbr` console script: all its output has control characters visible."""
    out, err = _VisibleStream(sys.stdout), _VisibleStream(sys.stderr)
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = out, err
    try:
        return _main(argv)
    finally:
        # a stream _main replaced on purpose (devnull after a broken pipe) stays replaced
        if sys.stdout is out:
            sys.stdout = saved[0]
        if sys.stderr is err:
            sys.stderr = saved[1]


def _main(argv: Sequence[str] | None) -> int:
    """Parse the arguments and run one command; a WbrError is one message and exit code 2."""
    parser = build_parser()
    args = parser.parse_args(argv)
    level = args.log_level
    if getattr(args, "quiet", False) and LEVELS.index(level) < LEVELS.index("warning"):
        level = "warning"
    in_main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _terminate) if in_main_thread else None
    try:
        with cli_logging(level):
            return args.func(args)
    except WbrError as exc:
        if args.verbose:
            traceback.print_exc()
        for line in str(exc).split("\n") or ["(no message)"]:
            print(f"wbr: error: {line}", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt as interrupt:
        terminated = isinstance(interrupt, Terminated)
        print(f"wbr: {'terminated' if terminated else 'interrupted'}", file=sys.stderr)
        return 128 + (signal.SIGTERM if terminated else signal.SIGINT)
    except BrokenPipeError:  # output piped into `head` and closed early: not an error
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - silences the flush at exit
        return 0
    finally:
        if in_main_thread:
            signal.signal(signal.SIGTERM, signal.SIG_DFL if previous is None else previous)


if __name__ == "__main__":
    sys.exit(main())
