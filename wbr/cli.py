"""The `wbr` command's entry point: parse the arguments, run one subcommand, and turn errors,
Ctrl-C and SIGTERM into exit codes. The subcommands are in wbr.commands (parser, reports, inputs,
terminal); their names stay importable from here.

User errors (WbrError) print one clear message on stderr and exit 2, with no traceback unless
--verbose is given. Library code never prints; this module and wbr.commands do.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import signal
import sys
import threading
import traceback
from collections.abc import Sequence
from typing import Any, TextIO

from wbr import collector

# The commands' imports (pandas, pydantic, the config schema) make ~30,000 objects the collector
# tracks, which live as long as the process: its passes over them, 40-90 ms of a 1,000-metric
# deck, are paused meanwhile (and resumed after: importing wbr.cli changes nothing).
with collector.paused():
    from wbr.commands.inputs import (
        cmd_import_wbr_app,
        cmd_init,
        cmd_sample,
        cmd_sql,
        cmd_validate,
    )
    from wbr.commands.parser import REQUIRE_COMPLETE_HELP, build_parser
    from wbr.commands.reports import EXIT_INCOMPLETE, cmd_deck, cmd_run, cmd_send
    from wbr.commands.terminal import summary_table as _summary_table
    from wbr.errors import WbrError
    from wbr.fmt import visible
    from wbr.logs import LEVELS, cli_logging

__all__ = [  # the commands live in wbr.commands; these names stay importable from wbr.cli
    "EXIT_INCOMPLETE",
    "EXIT_USER_ERROR",
    "REQUIRE_COMPLETE_HELP",
    "_summary_table",
    "build_parser",
    "cmd_deck",
    "cmd_import_wbr_app",
    "cmd_init",
    "cmd_run",
    "cmd_sample",
    "cmd_send",
    "cmd_sql",
    "cmd_validate",
    "main",
    "run",
]

EXIT_USER_ERROR = 2


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


def run() -> None:
    """The `wbr` console script: main(), then exit without freeing the heap object by object.

    After a big deck the interpreter's teardown spends 0.07-0.18 s deallocating the dataset and
    the deck, which the operating system reclaims at once anyway. What a normal exit does that
    matters still runs: the atexit handlers (logging's flush, temporary folders), then the
    standard streams' flush. With other threads alive, or when the handlers are not reachable,
    the normal exit (it waits for non-daemon threads).
    """
    run_exit_handlers = getattr(atexit, "_run_exitfuncs", None)
    if run_exit_handlers is not None:
        collector.exit_without_freeing()  # the deck command's deck is then left to os._exit
    code = main()
    if threading.active_count() > 1 or run_exit_handlers is None or not isinstance(code, int):
        sys.exit(code)
    run_exit_handlers()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):  # a closed pipe: nothing more to say
            stream.flush()
    os._exit(code)


if __name__ == "__main__":
    run()
