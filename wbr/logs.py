"""How the `wbr` command shows the library's log records on stderr.

Library modules log to `logging.getLogger(__name__)` (children of the "wbr" logger) and never
print or configure handlers; only the CLI calls `cli_logging`, for the length of one command.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager

LEVELS = ("debug", "info", "warning", "error")
ROOT = "wbr"


class _CliFormatter(logging.Formatter):
    """'wbr: reading wbr.yaml' for progress; 'wbr: warning: ...' for anything else."""

    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        if record.exc_info:
            message += "\n" + self.formatException(record.exc_info)
        if record.levelno == logging.INFO:
            return f"wbr: {message}"
        return f"wbr: {record.levelname.lower()}: {message}"


@contextmanager
def cli_logging(level: str = "info") -> Iterator[logging.Logger]:
    """Send "wbr" records at `level` and above to stderr; restore the logger afterwards."""
    logger = logging.getLogger(ROOT)
    saved = (logger.level, logger.propagate, list(logger.handlers))
    handler = logging.StreamHandler(sys.stderr)  # the stderr of this call (tests swap it)
    handler.setFormatter(_CliFormatter())
    logger.handlers = [handler]
    logger.setLevel(level.upper())
    logger.propagate = False  # the command owns stderr: no second copy via the root logger
    try:
        yield logger
    finally:
        handler.flush()
        logger.setLevel(saved[0])
        logger.propagate = saved[1]
        logger.handlers = saved[2]
