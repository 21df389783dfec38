"""The one exception hierarchy: every user-facing failure is a WbrError (the CLI exits 2).

An error's `str()` is the message the CLI prints. Errors about input files also carry their
problems as fields (`problems`: path, line, column, message), and a failed notebook run carries
the failing cell's position (`RenderError.cell`), so callers other than the CLI need not parse text.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One problem in one input: where it is (file, 1-based line, column or key) and what."""

    path: str | None
    line: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = self.path or ""
        if self.line is not None:
            where += f":{self.line}"
        if self.column is not None:
            where += f": column '{self.column}'"
        return f"{where}: {self.message}" if where else self.message


class WbrError(Exception):
    """A problem the user can fix: bad config, bad data, a failed render or delivery.

    `WbrError("text")` works as before. `WbrError(problems=[...])` builds the text from the
    problems, one per line; a message given beside problems is used as the text as it is.
    """

    def __init__(self, *args: object, problems: Iterable[Problem] = ()) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        if not args and self.problems:
            args = ("\n".join(str(problem) for problem in self.problems),)
        super().__init__(*args)


class ConfigError(WbrError):
    """wbr.yaml is missing, malformed or inconsistent."""


class DataError(WbrError):
    """An input file cannot be read as the config says it should be."""


class RenderError(WbrError):
    """The notebook or HTML export failed; `cell` is the failing cell's 1-based position."""

    def __init__(
        self, *args: object, problems: Iterable[Problem] = (), cell: int | None = None
    ) -> None:
        super().__init__(*args, problems=problems)
        self.cell = cell


class DeliveryError(WbrError):
    """The email could not be built or sent."""
