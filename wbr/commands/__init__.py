"""The `wbr` command's parts, each with one job: `parser` (the arguments and help of every
subcommand), `reports` (deck, run, send), `inputs` (validate, sql, init, sample, import-wbr-app)
and `terminal` (the deck's summary table). The entry point, wbr.cli.main (run by the console
script, wbr.cli.run), runs them."""
