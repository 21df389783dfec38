"""wbr.engine.frozen makes exactly the objects the dataclasses' own __init__ and replace make."""

from __future__ import annotations

import dataclasses
import datetime as dt
import pickle
from dataclasses import InitVar, dataclass, field

import pytest

from wbr.engine.deck import Block, BoxScore, MonthPoint, Status, WeekPoint
from wbr.engine.frozen import maker, replaced


def _same(a: object, b: object) -> None:
    assert type(a) is type(b)
    assert a == b and repr(a) == repr(b)
    try:
        assert hash(a) == hash(b)
    except TypeError:  # a dict inside (Block.drivers): unhashable both ways
        with pytest.raises(TypeError):
            hash(b)
    assert list(vars(a).items()) == list(vars(b).items())  # field order too
    assert pickle.dumps(a) == pickle.dumps(b)


def test_maker_builds_what_the_constructor_builds() -> None:
    day = dt.date(2026, 11, 21)
    make_week, make_month = maker(WeekPoint), maker(MonthPoint)
    _same(make_week(day, "W47", 1.5, None, 2.0, True), WeekPoint(day, "W47", 1.5, None, 2.0, True))
    _same(
        make_month("2026-10", "Oct", None, 3.0, None, False),
        MonthPoint(month="2026-10", label="Oct", cy=None, py=3.0, plan=None, complete=False),
    )
    with pytest.raises(dataclasses.FrozenInstanceError):
        make_week(day, "W47", 1.5, None, 2.0, True).cy = 3.0  # type: ignore[misc]


def _block() -> Block:
    day = dt.date(2026, 11, 21)
    box = BoxScore(1.0, 2.0, 3.0, None, None, None, None, None, None)
    return Block(
        number=1,
        metric="orders",
        label="Orders",
        section="Shopping",
        kind="input",
        owner=None,
        unit="count",
        aggregation="sum",
        comparison="percent",
        polarity="up",
        weeks=(WeekPoint(day, "W47", 1.0, 2.0, None, True),),
        months=(),
        box=box,
        plan=None,
        status=Status(True, (), day, None),
    )


def test_replaced_equals_dataclasses_replace() -> None:
    block = _block()
    changes = {"flags": (), "drivers": {"a": 1.0}, "commentary": (), "more_questions": ()}
    _same(replaced(block, **changes), dataclasses.replace(block, **changes))
    _same(replaced(block), dataclasses.replace(block))
    assert replaced(block, number=7).number == 7 and block.number == 1  # a copy, not an edit


def test_replaced_refuses_an_unknown_field_as_replace_does() -> None:
    with pytest.raises(TypeError):
        replaced(_block(), no_such_field=1)


@dataclass(frozen=True)
class _WithInitVar:
    x: int
    scale: InitVar[int] = 1

    def __post_init__(self, scale: int) -> None:
        object.__setattr__(self, "x", self.x * scale)


@dataclass(frozen=True)
class _NotInInit:
    x: int
    doubled: int = field(init=False, default=0)


@dataclass(frozen=True, slots=True)
class _Slotted:
    x: int


@pytest.mark.parametrize("kind", [_WithInitVar, _NotInInit, _Slotted])
def test_other_dataclasses_are_refused_by_maker_and_replaced_by_replace(kind: type) -> None:
    with pytest.raises(TypeError, match="not a plain dataclass"):
        maker(kind)
    value = kind(2)
    assert replaced(value, x=5) == dataclasses.replace(value, x=5)
