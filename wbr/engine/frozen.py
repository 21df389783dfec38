"""Fast construction and copies of the deck's frozen dataclasses, for the hot loops that make
one per metric and week (a 10,000-metric deck makes 180,000 chart points and copies each Block
twice).

A frozen dataclass's generated __init__ sets each field through object.__setattr__ (to get past
its own __setattr__, which refuses), and dataclasses.replace reads every field and calls that
__init__ again. For a plain frozen dataclass (a __dict__, every field set by __init__, no
__post_init__) writing the instance's __dict__ directly makes the same object, field order
included (equal, same hash and repr, pickled alike), 2-3 times faster. Anything else (slots, a
__post_init__, InitVar or init=False fields) is refused by `maker` and goes through
dataclasses.replace in `replaced`.
"""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")

_PLAIN: dict[type, frozenset[str] | None] = {}  # a class's field names, None if not plain


def _plain_fields(kind: type) -> frozenset[str] | None:
    """The field names of a plain dataclass (see the module's docstring), else None."""
    if kind in _PLAIN:
        return _PLAIN[kind]
    names = None
    if (
        dataclasses.is_dataclass(kind)
        and "__slots__" not in kind.__dict__
        and not hasattr(kind, "__post_init__")
    ):
        fields = [f.name for f in dataclasses.fields(kind)]
        # InitVar parameters or init=False fields make __init__'s parameters differ from fields
        if list(inspect.signature(kind.__init__).parameters)[1:] == fields:
            names = frozenset(fields)
    _PLAIN[kind] = names
    return names


def maker(kind: type[T]) -> Callable[..., T]:
    """A function that builds `kind` from all its fields, given positionally in field order:
    `maker(WeekPoint)(end, label, cy, py, plan, complete) == WeekPoint(end, label, ...)`."""
    if _plain_fields(kind) is None:
        raise TypeError(f"{kind.__name__} is not a plain dataclass: build it with its __init__")
    names = [f.name for f in dataclasses.fields(kind)]  # type: ignore[arg-type]
    lines = [f"def make_{kind.__name__}({', '.join(names)}):", "    made = new(kind)"]
    lines.append("    fields = made.__dict__")
    lines += [f"    fields[{name!r}] = {name}" for name in names]
    lines.append("    return made")
    scope: dict[str, Any] = {"new": object.__new__, "kind": kind}
    exec("\n".join(lines), scope)  # the text is made here, from the class's field names
    return scope[f"make_{kind.__name__}"]


def replaced(value: T, **changes: Any) -> T:
    """dataclasses.replace(value, **changes), the same object made faster for plain ones."""
    kind = type(value)
    names = _plain_fields(kind)
    if names is None or not names.issuperset(changes):
        return dataclasses.replace(value, **changes)  # type: ignore[type-var]
    made = object.__new__(kind)
    fields = made.__dict__
    fields.update(value.__dict__)
    fields.update(changes)
    return made


__all__ = ["maker", "replaced"]
