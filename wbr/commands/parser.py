"""The `wbr` command's arguments: every subcommand, its options and their help text."""

from __future__ import annotations

import argparse

from wbr.commands.inputs import cmd_import_wbr_app, cmd_init, cmd_sample, cmd_sql, cmd_validate
from wbr.commands.reports import cmd_deck, cmd_run, cmd_send
from wbr.logs import LEVELS

REQUIRE_COMPLETE_HELP = (
    "exit 3, naming the metrics, unless every metric has every day of the week (for latest: the "
    "last week that ended before today)"
)


class _ShowVersion(argparse.Action):
    """--version: `wbr <version>`, the installed version looked up only when asked for."""

    def __init__(self, option_strings: list[str], dest: str = argparse.SUPPRESS) -> None:
        super().__init__(
            option_strings,
            dest,
            default=argparse.SUPPRESS,
            nargs=0,
            help="show the version and exit",
        )

    def __call__(self, parser: argparse.ArgumentParser, *_: object) -> None:
        import wbr

        print(f"wbr {wbr.__version__}")
        parser.exit()


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the `wbr` command."""
    parser = argparse.ArgumentParser(
        prog="wbr", description="Amazon-style Weekly Business Review decks from metric CSVs."
    )
    parser.add_argument("--verbose", action="store_true", help="show tracebacks on errors")
    parser.add_argument("--version", action=_ShowVersion)
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
