"""The commands that build and deliver a week's report: `wbr deck` (numbers only), `wbr run` (the
rendered report folder) and `wbr send` (the email, or an .eml file with --dry-run), with their
shared checks: outputs never overwrite an input, and --require-complete waits for the data."""

from __future__ import annotations

import argparse
import gc
import logging
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from wbr import collector
from wbr.commands.terminal import summary_table
from wbr.errors import WbrError

if TYPE_CHECKING:
    from wbr.engine.config import Config

EXIT_INCOMPLETE = 3  # --require-complete: the week's data is not all loaded yet; retry later


def _progress(message: str) -> None:
    """One progress line on stderr (INFO; --quiet or --log-level warning hides it)."""
    logging.getLogger("wbr.cli").info(message)  # the name it had before wbr.commands existed


def _refuse_overwriting_inputs(output: str, option: str, config_path: str, config=None) -> None:
    """Refuse an output path that is the config or a file it reads (data, plan, events...)."""
    from wbr.engine.config import load_config
    from wbr.files import refuse_overwriting_inputs

    config = config if config is not None else load_config(config_path)
    inputs = [("config file", Path(config_path)), *config.input_files()]
    refuse_overwriting_inputs(output, inputs, option)


# A config at least this big is read by a forked child while the command imports the engine:
# a 10,000-metric config (700 KB) takes ~0.27 s to read and 0.06 s to pickle and unpickle,
# the imports ~0.24 s; a fork and a small config's pickle cost a few milliseconds.
FORKED_CONFIG_BYTES = 64 * 1024


def _config_while_importing(path: str) -> Config:
    """load_config(path), read by a forked child while this process imports what builds a deck
    (pandas, the engine, the analysis) when the config is big and the machine has a core to
    spare (analysis.parallel.split_map: a child that fails has its part done here, so a bad
    config raises here its usual error); else read here after the imports."""
    from wbr.analysis import parallel  # stdlib only
    from wbr.engine.config import load_config

    def step(which: str) -> Config | None:
        """The imports (this process) or the config (the child)."""
        if which == "config":
            return load_config(path)
        # what build_deck and load_data import, the analysis included
        import wbr.analysis.annotate
        import wbr.engine.build
        import wbr.engine.sources  # noqa: F401

        return None

    try:
        big = os.path.getsize(path) >= FORKED_CONFIG_BYTES
    except OSError:  # load_config words what is wrong with the path
        big = False
    if not big:
        step("imports")
        return load_config(path)
    _, config = parallel.split_map(step, ["imports", "config"], min_items=2)
    assert config is not None
    return config


def cmd_deck(args: argparse.Namespace) -> int:
    """Compute the deck; write deck.json if asked; print a summary table."""
    started = time.perf_counter()
    # Importing the engine, reading the config and the data and building the deck make millions
    # of objects that live until the process ends and next to no garbage (about 3,000 objects in
    # cycles at 10,000 metrics): the collector is off meanwhile (its passes over the growing heap
    # were half of the config's time, and grew faster than the metrics). Then all of it is
    # frozen: the collector, on again, never walks it (its first pass would walk every object of
    # the deck, 0.14 s at 10,000 metrics).
    with collector.paused():
        config = _config_while_importing(args.config)
        from wbr.engine.build import build_deck
        from wbr.engine.sources import load_data

        if args.json:
            _refuse_overwriting_inputs(args.json, "--json", args.config, config)
        progress = None if args.quiet else _progress
        if progress:
            progress("loading data")
        dataset = load_data(config, args.week)
        # the same memory as `wbr run`: compared with the latest earlier deck.json in --out
        deck = build_deck(
            config, dataset, week_ending=args.week, progress=progress, history_dir=args.out
        )
        del dataset  # the deck holds what it needs: the daily frames' memory is free for deck.json
        gc.freeze()
    if args.json:
        try:
            path = deck.write_json(args.json)
        except OSError as exc:
            raise WbrError(f"{args.json}: cannot write deck.json: {exc.strerror or exc}") from None
        if not args.quiet:
            _progress(f"wrote {path}")
    if not args.quiet:
        print(summary_table(deck))
        _progress(f"done in {time.perf_counter() - started:.2f} s")
    collector.keep_until_exit(deck)  # not freed object by object on the way out (0.13 s)
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
