"""JsonWriter writes what `json.dumps(plain(value), indent=2)` writes, byte for byte."""

from __future__ import annotations

import datetime as dt
import json
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest

from wbr.engine.deck_json import JsonWriter, plain

ODD_FLOATS = [0.0, -0.0, 1e-320, 5e-324, 1.7976931348623157e308, -1e22, 1e16, 0.1, 1 / 3, 123.0]
NOT_FINITE = [math.nan, math.inf, -math.inf]


@dataclass(frozen=True)
class Point:
    label: str
    value: float | None
    flag: bool


@dataclass(frozen=True)
class Holder:
    name: str
    series: tuple[float | None, ...]
    points: tuple[Point, ...]
    extra: dict
    when: dt.date
    count: int
    nested: list
    nothing: None = None
    empty: tuple = ()  # an empty array written by the field's own writer
    inner: Point | None = None  # a dataclass in a field
    mixed: tuple = ()  # dataclasses of two kinds, and other values, in one array
    stamp: dt.datetime | None = None  # a date subclass: written as plain writes it


@dataclass(frozen=True)
class OtherPoint:
    label: str
    when: dt.date


def _holder(rng: np.random.Generator) -> Holder:
    def number() -> float | None:
        pick = rng.random()
        if pick < 0.1:
            return None
        if pick < 0.25:
            return NOT_FINITE[rng.integers(3)]
        if pick < 0.5:
            return ODD_FLOATS[rng.integers(len(ODD_FLOATS))]
        return float(rng.lognormal(0, 8) * rng.choice([-1, 1]))

    series = tuple(number() for _ in range(rng.integers(0, 12)))
    points = tuple(Point(f'wk {i} \u00e9"\\', number(), bool(i % 2)) for i in range(3))
    return Holder(
        name="caf\u00e9 \n\t\u2603",
        series=series,
        points=points,
        extra={"a": number(), "b": [number(), "x", None], "c": {}, "d": [], 3: np.float64(2.5)},
        when=dt.date(2026, 11, 30),
        count=int(rng.integers(-5, 5)),
        nested=[list(series), [number() for _ in range(3)], [True, None], np.int64(4)],
        empty=() if rng.random() < 0.5 else [],
        inner=points[0] if rng.random() < 0.7 else None,
        mixed=(points[1], OtherPoint("o", dt.date(2025, 1, 2)), points[2], None, 7)[
            : int(rng.integers(0, 6))
        ],
        stamp=dt.datetime(2026, 11, 30, 8, 15) if rng.random() < 0.5 else None,
    )


@pytest.mark.parametrize("seed", range(20))
def test_the_writer_is_json_dumps_of_plain(seed: int) -> None:
    rng = np.random.default_rng(seed)
    value = [_holder(rng) for _ in range(4)]
    parts: list[str] = []
    writer = JsonWriter(parts, indent=2)
    writer.value(value, 0)
    assert "".join(parts) == json.dumps(plain(value), indent=2)


def test_lists_of_numbers_at_every_level_are_json_dumps_of_plain() -> None:
    """The number lists go through json's C encoder, one per nesting level: not finite is null."""
    numbers = [*ODD_FLOATS, *NOT_FINITE, None]
    value = [
        numbers,
        [numbers, [tuple(numbers), [numbers[::-1]]]],
        [[math.nan]],
        [[None, -math.inf]],
    ]
    parts: list[str] = []
    JsonWriter(parts, indent=4).value(value, 0)
    assert "".join(parts) == json.dumps(plain(value), indent=4)


def test_number_lists_written_by_orjson_are_the_json_modules_text() -> None:
    """_fast_numbers writes float.__repr__'s digits, or leaves the list to the json module."""
    from wbr.engine import deck_json

    assert deck_json.fast_json() is not None  # a dependency: the fast path is the one decks take
    rng = np.random.default_rng(3)
    mantissas = rng.integers(0, 2**52, 200_000, dtype=np.int64)
    exponents = rng.integers(1023 - 14, 1023 + 54, 200_000, dtype=np.int64)
    doubles = ((exponents << 52) | mantissas).view(np.float64) * rng.choice([-1.0, 1.0], 200_000)
    inside = doubles[(np.abs(doubles) >= 1e-4) & (np.abs(doubles) < 1e16)]  # where it is taken
    series = [
        inside.tolist(),
        (rng.lognormal(0, 4, 50_000) * rng.choice([-1, 1], 50_000)).tolist(),
        np.round(rng.uniform(-1e6, 1e6, 50_000), 2).tolist(),
        [0.0, -0.0, 1.0, 123.0, 9999999999999998.0, 0.0001, None, math.nan, math.inf],
    ]
    taken = 0
    for values in series:
        for start in range(0, len(values), 104):  # deck-sized lists, as the writer meets them
            chunk = values[start : start + 104]
            fast = deck_json._fast_numbers(chunk)
            if fast is None:
                continue
            taken += 1
            expected = json.dumps([plain(v) for v in chunk], separators=(",", ":"))
            assert "[" + fast + "]" == expected
    assert taken > 2_500
    for outside in ([1e16], [1e-05], [5e-324], [1.5e300], [-2e-7, 1.0]):
        assert deck_json._fast_numbers(outside) is None


def test_without_orjson_the_writer_writes_the_same_text(monkeypatch) -> None:
    from wbr.engine import deck_json

    value = [_holder(np.random.default_rng(seed)) for seed in range(6)]
    with_it: list[str] = []
    JsonWriter(with_it, indent=1).value(value, 0)
    monkeypatch.setattr(deck_json, "_orjson", None)
    without: list[str] = []
    JsonWriter(without, indent=1).value(value, 0)
    assert "".join(with_it) == "".join(without) == json.dumps(plain(value), indent=1)


def _same_json(a: Any, b: Any) -> bool:
    """Equal values of the same types, dict keys in the same order (floats to the bit)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(_same_json(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(_same_json(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float):
        return bool(math.isnan(b)) if math.isnan(a) else repr(a) == repr(b)
    return a == b


def test_loads_reads_what_json_loads_reads_and_raises_what_it_raises() -> None:
    from wbr.engine.deck_json import loads

    holders = [_holder(np.random.default_rng(seed)) for seed in range(5)]
    text = json.dumps(plain(holders), indent=1)
    assert _same_json(loads(text.encode()), json.loads(text))
    assert _same_json(loads(text), json.loads(text))
    for odd in ("[NaN, -Infinity]", '["\\ud800"]', '{"a": 1, "a": 2}', "[1e400, -0.0]"):
        assert _same_json(loads(odd.encode()), json.loads(odd))  # orjson refuses some: json reads
    for broken in (b'{"a": 1,}', b"[1, 2", b"\xef\xbb\xbf[1]", b"[1]\n[2]"):
        with pytest.raises(json.JSONDecodeError) as ours:
            loads(broken)
        with pytest.raises(json.JSONDecodeError) as theirs:
            json.loads(broken.decode("utf-8"))
        assert str(ours.value) == str(theirs.value)
    with pytest.raises(UnicodeDecodeError) as ours_bytes:
        loads(b'["caf\xe9"]')
    with pytest.raises(UnicodeDecodeError) as theirs_bytes:
        b'["caf\xe9"]'.decode("utf-8")
    assert str(ours_bytes.value) == str(theirs_bytes.value)
