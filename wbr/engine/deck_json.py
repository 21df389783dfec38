"""deck.json text from the Deck's dataclasses and back: the plain JSON-ready copy, the one-pass
writer with json.dumps' exact layout, and the decoder that rebuilds dataclasses from their field
annotations. Generic over dataclasses, so it does not import the Deck."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import math
import os
import re
import shutil
import tempfile
import types
import typing
from collections.abc import Callable
from dataclasses import fields
from typing import Any

__all__ = [
    "SINK_PARTS",
    "JsonWriter",
    "build_dataclass",
    "decode_value",
    "json_key",
    "loads",
    "plain",
]


def _copy_into(spill: typing.BinaryIO, size: int, stream: typing.TextIO) -> None:
    """The `size` bytes of `spill` appended to the text file `stream` (UTF-8), as bytes."""
    stream.flush()
    spill.seek(0)
    shutil.copyfileobj(spill, stream.buffer)
    if spill.tell() != size:
        raise OSError(f"the child's part of the file is {spill.tell()} bytes, not {size}")


def plain(value: Any) -> Any:
    """JSON-ready copy of a value; dataclasses walked field by field (asdict deep-copies: slow)."""
    if value is None or isinstance(value, str | bool | int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if dataclasses.is_dataclass(value):
        return {spec.name: plain(getattr(value, spec.name)) for spec in fields(value)}
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    if hasattr(value, "item") and not isinstance(value, str):  # numpy scalars
        return plain(value.item())
    return value


_NOT_LOOKED_FOR = object()
_orjson: Any = _NOT_LOOKED_FOR  # orjson, None without it; imported on first use (16 ms)


def fast_json() -> Any:
    """orjson (Ryu's shortest digits, in Rust), imported on first use so that commands that
    neither write nor read a deck do not pay for it; None when it is not installed (a
    dependency: without it the json module does its work, see _fast_numbers and loads)."""
    global _orjson
    if _orjson is _NOT_LOOKED_FOR:
        try:
            import orjson

            _orjson = orjson
        except ImportError:  # pragma: no cover
            _orjson = None
    return _orjson


_ESCAPE = json.encoder.encode_basestring_ascii  # json.dumps' own string encoder (ensure_ascii)
_NUMBERS = frozenset({float, type(None)})  # an array of only these is written in one piece
_NOT_FINITE = re.compile(r"-?Infinity|NaN")


# Parts held before `sink` gets them joined: deck.json is written in pieces of about this many
# strings (a 10,000-block deck is ~4 M parts, 67 MB of text: held whole, the parts cost ~230 MB).
SINK_PARTS = 65_536


class JsonWriter:
    """deck.json text with `json.dumps(plain(value), indent=n)`'s exact layout, in one pass.

    `sink`: called with the text written so far, joined, whenever `parts` holds SINK_PARTS strings
    (checked between the items of an array), after which `parts` is emptied; without it every part
    stays in `parts`."""

    def __init__(
        self,
        parts: list[str],
        indent: int,
        sink: Callable[[str], Any] | None = None,
        stream: typing.TextIO | None = None,
    ) -> None:
        self.parts = parts
        self.write = parts.append
        self.sink = sink
        self.stream = stream  # the file `sink` writes to, if any: a child's part is copied in
        self.indent = indent
        self.pads: list[str] = []
        self.writers: dict[tuple[type, int, str | None], Callable[..., None]] = {}
        self.dataclasses: set[type] = set()  # the dataclass types met so far
        self.number_lists: dict[int, Callable[[Any], str]] = {}

    def pad(self, level: int) -> str:
        """A newline and the indent of a nesting level."""
        while len(self.pads) <= level:
            self.pads.append("\n" + " " * (self.indent * len(self.pads)))
        return self.pads[level]

    def fields(self, value: Any, level: int, lead: str | None = None) -> None:
        """A dataclass as an object, its fields in order (the `lead` field first)."""
        self.writer(type(value), level, lead)(self, value, self.write, level)

    def writer(self, kind: type, level: int, lead: str | None = None) -> Callable[..., None]:
        """The function that writes a dataclass of `kind` at `level`, made on first use."""
        writer = self.writers.get((kind, level, lead))
        if writer is None:
            writer = self.writers[kind, level, lead] = self.fields_writer(kind, level, lead)
            self.dataclasses.add(kind)
        return writer

    def fields_writer(self, kind: type, level: int, lead: str | None) -> Callable[..., None]:
        """The function that writes a dataclass of `kind` at `level`: each field's text before
        its value, and its value, written out field by field (a loop over the fields, with a
        getattr each, took twice as long; the deck has ~240,000 dataclasses at 10,000 metrics)."""
        layout = self.layout(kind, level, lead)
        if not layout:
            return lambda _writer, _value, write, _level: write("{}")
        constants: dict[str, Any] = {
            "ESCAPE": _ESCAPE,
            "FLOAT": float.__repr__,
            "INT": int.__repr__,
            "DATE": dt.date,
            "finite": math.isfinite,
            "END": self.pad(level) + "}",
        }
        # Scalars are written here, into one string per run of them (`text`), which is written
        # before a nested value and at the end: a call per field would double the time of the
        # whole file, and a part per field costs a list append each (2 M at 10,000 metrics).
        lines = ["def write_fields(self, value, write, level):", "    text = ''"]
        for i, (name, prefix) in enumerate(layout):
            constants[f"P{i}"] = prefix
            lines += [
                f"    item = value.{name}",
                "    kind = type(item)",
                f"    if kind is str: text += P{i} + ESCAPE(item)",
                f"    elif item is None: text += P{i} + 'null'",
                f"    elif kind is float: text += P{i} + (FLOAT(item) if finite(item) else 'null')",
                f"    elif kind is bool: text += P{i} + ('true' if item else 'false')",
                f"    elif kind is int: text += P{i} + INT(item)",
                f"    elif kind is DATE: text += P{i} + '\"' + item.isoformat() + '\"'",
                f"    elif (kind is tuple or kind is list) and not item: text += P{i} + '[]'",
                "    else:",
                f"        write(text + P{i})",
                "        text = ''",
                "        self.value(item, level + 1)",
            ]
        lines.append("    write(text + END)")
        exec("\n".join(lines), constants)  # the text is made here, from field names
        return constants["write_fields"]

    def fields_split(self, value: Any, level: int, lead: str | None, name: str) -> None:
        """`fields`, the list in field `name` written half here and half by a forked child
        (analysis.parallel.split_map) when it is long enough and the text goes to a `sink`: the
        same text. The parent streams its half to the sink while the child writes the other into
        one string, which the parent then passes on; a child that fails has its half written here.
        """
        from wbr.analysis import parallel  # stdlib only; imported here to keep this module light

        items = getattr(value, name)
        if self.sink is None or type(items) not in (list, tuple) or not parallel.forks(items):
            self.fields(value, level, lead)
            return
        for field_name, prefix in self.layout(type(value), level, lead):
            self.write(prefix)
            if field_name == name:
                self.split_sequence(items, level + 1, parallel)
            else:
                self.value(getattr(value, field_name), level + 1)
        self.write(self.pad(level) + "}")

    def split_sequence(self, items: list | tuple, level: int, parallel: Any) -> None:
        """`sequence` for at least two items, the second part written by a forked child: into a
        temporary file whose bytes are then copied into `stream` (no string of it pickled,
        sent, unpickled and encoded again), or without a stream as one string sent back through
        split_map's pipe."""
        inner = self.pad(level + 1)
        separator = "," + inner
        cut = parallel.parent_part(len(items))
        spill = self.spill_file()

        def part(which: int) -> str | int:
            if which == 0:  # the parent's part, streamed to the sink as sequence() does
                self.write("[" + inner)
                self.run(items[:cut], separator, level, first=True)
                return ""
            # the child's part (or the parent's, if the child failed): into the file, whose
            # length in bytes goes back, or into one string
            chunks: list[str] = []
            if spill is not None:
                spill.seek(0)
                spill.truncate()
            sink = chunks.append if spill is None else lambda text: spill.write(text.encode())
            writer = JsonWriter([], self.indent, sink=sink)
            writer.run(items[cut:], separator, level, first=False)
            sink("".join(writer.parts))
            if spill is None:
                return "".join(chunks)
            spill.flush()
            return spill.tell()

        try:
            # orjson imported before the fork, once, not in each process
            tail = parallel.split_map(part, [0, 1], min_items=2, prepare=fast_json)[1]
            sink = self.sink
            assert sink is not None
            if self.parts:
                sink("".join(self.parts))
                self.parts.clear()
            if spill is None:
                assert isinstance(tail, str)
                sink(tail)
            else:
                assert isinstance(tail, int) and self.stream is not None
                _copy_into(spill, tail, self.stream)
            del tail
        finally:
            if spill is not None:
                spill.close()
        self.write(self.pad(level) + "]")

    def spill_file(self) -> typing.BinaryIO | None:
        """A temporary file beside `stream`'s file for a child's part (None without a stream)."""
        name = getattr(self.stream, "name", None)
        if not isinstance(name, str) or not hasattr(self.stream, "buffer"):
            return None
        return tempfile.TemporaryFile(dir=os.path.dirname(os.path.abspath(name)))

    def run(self, items: list | tuple, separator: str, level: int, *, first: bool) -> None:
        """Items of an array, each after `separator` (not the first one when `first`)."""
        parts, sink, write = self.parts, self.sink, self.write
        for i, item in enumerate(items):
            if i or not first:
                write(separator)
            self.value(item, level + 1)
            if sink is not None and len(parts) >= SINK_PARTS:
                sink("".join(parts))
                parts.clear()

    def layout(self, kind: type, level: int, lead: str | None) -> tuple[tuple[str, str], ...]:
        """Each field's name and the text before its value ('{' or ',', newline, indent, key)."""
        names = [f.name for f in fields(kind)]
        if lead is not None:
            names.sort(key=lambda name: name != lead)
        inner = self.pad(level + 1)
        return tuple(
            (name, ("," if i else "{") + inner + _ESCAPE(name) + ": ")
            for i, name in enumerate(names)
        )

    def value(self, value: Any, level: int) -> None:
        """Any deck value: what plain would make of it, then what json.dumps writes for that."""
        kind = type(value)
        write = self.write
        if kind in self.dataclasses:  # first: the deck's most frequent values, after numbers
            self.fields(value, level)
        elif kind is str:
            write(_ESCAPE(value))
        elif value is None:
            write("null")
        elif kind is float:
            write(float.__repr__(value) if math.isfinite(value) else "null")
        elif kind is bool:
            write("true" if value else "false")
        elif kind is int:
            write(int.__repr__(value))
        elif kind is tuple or kind is list:
            self.sequence(value, level)
        elif kind is dict:
            self.mapping(value, level)
        elif dataclasses.is_dataclass(value):
            self.fields(value, level)
        elif kind is dt.date:
            write('"' + value.isoformat() + '"')
        else:
            self.other(value, level)

    def sequence(self, items: list | tuple, level: int) -> None:
        """A list or tuple as a JSON array."""
        if not items:
            self.write("[]")
            return
        inner, write = self.pad(level + 1), self.write
        separator = "," + inner
        if _NUMBERS.issuperset(map(type, items)):
            fast = _fast_numbers(items)
            if fast is not None:
                write("[" + inner + fast.replace(",", separator) + self.pad(level) + "]")
                return
            # A weekly series (most of a deck's values), written at once by json's C encoder:
            # float.__repr__ and null, as value() writes each. It spells what is not finite
            # NaN, Infinity or -Infinity (tokens no other number contains): those become null.
            encode = self.number_lists.get(level)
            if encode is None:
                encode = json.JSONEncoder(separators=(separator, ": ")).encode
                self.number_lists[level] = encode
            text = encode(items)
            if "N" in text or "I" in text:
                text = _NOT_FINITE.sub("null", text)
            write("[" + inner + text[1:-1] + self.pad(level) + "]")
            return
        write("[" + inner)
        kind = type(items[0])
        if kind in self.dataclasses and all(type(item) is kind for item in items):
            # a week's or month's chart points, a series' limits: run()'s loop with their writer
            # called directly (a call through value() per item is 5% of the whole write)
            parts, sink = self.parts, self.sink
            writer = self.writer(kind, level + 1)
            for i, item in enumerate(items):
                if i:
                    write(separator)
                writer(self, item, write, level + 1)
                if sink is not None and len(parts) >= SINK_PARTS:
                    sink("".join(parts))
                    parts.clear()
        else:
            self.run(items, separator, level, first=True)
        write(self.pad(level) + "]")

    def mapping(self, items: dict, level: int) -> None:
        """A dict as a JSON object."""
        if not items:
            self.write("{}")
            return
        inner, write = self.pad(level + 1), self.write
        write("{" + inner)
        separator = "," + inner
        for i, (key, item) in enumerate(items.items()):
            if i:
                write(separator)
            write(json_key(key) + ": ")
            self.value(item, level + 1)
        write(self.pad(level) + "}")

    def other(self, value: Any, level: int) -> None:
        """Subclasses and rarer types, in plain's order of checks."""
        if isinstance(value, str):
            self.write(_ESCAPE(value))
        elif isinstance(value, bool):
            self.write("true" if value else "false")
        elif isinstance(value, int):
            self.write(int.__repr__(value))
        elif isinstance(value, float):
            self.write(float.__repr__(value) if math.isfinite(value) else "null")
        elif dataclasses.is_dataclass(value):
            self.fields(value, level)
        elif isinstance(value, dict):
            self.mapping(value, level)
        elif isinstance(value, list | tuple):
            self.sequence(value, level)
        elif isinstance(value, dt.date):
            self.write('"' + value.isoformat() + '"')
        elif hasattr(value, "item"):  # numpy scalars
            self.value(value.item(), level)
        else:
            raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _fast_numbers(items: list | tuple) -> str | None:
    """A list of floats and None as `[float.__repr__ or null, ...]` writes it, comma-separated
    without the brackets, by orjson (13x faster: a deck's float series are most of its write
    time); None when orjson is missing or might spell a number otherwise.

    Both write a float's shortest digits that read back as the same float (the closest such
    when several are as short: Ryu and Python's dtoa agree; 25 million doubles checked,
    benchmarks/README.md), and null for what is not finite. They lay digits out alike for
    0 and 1e-4 <= |x| < 1e16; outside that Python writes an exponent (1e-05, 1e+16) that
    orjson may write otherwise (0.00001, 1e-5): a list with an exponent ("e") or with four
    zeros after a point (|x| < 1e-4, or a rare harmless match such as 10.00001) is left to
    the json module."""
    orjson = fast_json()
    if orjson is None:
        return None
    data = orjson.dumps(items)
    if b"e" in data or b"0.0000" in data:
        return None
    return data[1:-1].decode("ascii")


def loads(raw: bytes | str) -> Any:
    """json.loads of deck.json text (UTF-8 bytes or str): read by orjson (twice as fast on a
    big deck) when it can, else by the json module, which raises its own error (an invalid byte,
    a syntax error) or reads what orjson refuses (NaN, lone surrogates), so every answer and
    every message is json's. Integers beyond 64 bits come back as floats (a deck has none)."""
    orjson = fast_json()
    if orjson is not None:
        try:
            return orjson.loads(raw)
        except orjson.JSONDecodeError:
            pass
    return json.loads(raw.decode("utf-8") if isinstance(raw, bytes) else raw)


def json_key(key: Any) -> str:
    """A dict key as json.dumps writes it."""
    if isinstance(key, str):
        return _ESCAPE(key)
    if key is None or isinstance(key, bool | int | float):
        return _ESCAPE(json.dumps(key, allow_nan=False))
    raise TypeError(f"keys must be str, int, float, bool or None, not {type(key).__name__}")


def decode_value(hint: Any, raw: Any) -> Any:
    """Turn a JSON value back into the type a dataclass field is annotated with."""
    if raw is None:
        return None
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        options = [arg for arg in args if arg is not type(None)]
        return decode_value(options[0], raw) if len(options) == 1 else raw
    if origin is tuple:
        return tuple(decode_value(args[0], item) for item in raw)
    if hint is dt.date:
        return dt.date.fromisoformat(raw)
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return build_dataclass(hint, raw)
    return raw


def build_dataclass(kind: type, data: dict[str, Any]) -> Any:
    """A dataclass of `kind` from its JSON object: each field decoded by its annotation."""
    hints = typing.get_type_hints(kind)
    values = {
        spec.name: decode_value(hints[spec.name], data[spec.name])
        for spec in fields(kind)
        if spec.name in data
    }
    return kind(**values)
