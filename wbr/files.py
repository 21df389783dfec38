"""Which paths wbr may read and write: regular files in, never an input overwritten on the way out.

Reading a FIFO blocks forever and reading /dev/zero never ends, so every input is checked to be
a regular file before it is opened. A command that writes a file refuses a path that the deck's
config reads (its config, data, plan, commentary or events file).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from pathlib import Path

from wbr.errors import DataError, WbrError

_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def ensure_regular_file(
    path: str | Path,
    what: str,
    error: type[WbrError] = DataError,
    shown: str | None = None,
) -> None:
    """Raise `error` when `path` exists but is not a regular file (a symlink to one is fine).

    A missing file is left to the caller, whose open() reports it in its own words.
    """
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return
    if stat.S_ISREG(mode):
        return
    kind = next((name for test, name in _KINDS if test(mode)), "not a regular file")
    raise error(f"{shown or path}: the {what} is {kind}; give a regular file")


def same_file(first: str | Path, second: str | Path) -> bool:
    """True when two paths name one file (also through symlinks, hard links or `..`)."""
    first, second = Path(first), Path(second)
    try:
        if first.exists() and second.exists():
            return first.samefile(second)
    except OSError:
        pass
    return first.resolve() == second.resolve()


def refuse_overwriting_inputs(
    output: str | Path, inputs: Iterable[tuple[str, Path]], option: str
) -> None:
    """Raise WbrError when `output` is one of the named `inputs` (what, path) the command reads."""
    for what, path in inputs:
        if same_file(output, path):
            raise WbrError(
                f"{option} {output}: that is the {what} ({path}); it would be overwritten; "
                "give another file name"
            )
