"""The contract of ``mm7codec._record``, the import-cheap ``dataclass`` replacement."""

from __future__ import annotations

import pickle
from typing import Any, ClassVar, List, Tuple

import pytest

from mm7codec._record import (
    FrozenInstanceError,
    field,
    fields_of,
    iter_items,
    make,
    record,
    replace,
)


@record(frozen=True)
class Point:
    x: int
    y: int = 0
    label: str = field(default="p", compare=False)
    tags: Tuple[str, ...] = field(default=(), repr=False)
    kind: ClassVar[str] = "point"  # not a field


@record(frozen=True)
class Bag:
    name: str
    items: List[int] = field(default_factory=list)
    count: int = 0


@record(frozen=True)
class Point3(Point):
    z: int = 0


@record
class Plain(Point):  # bare decorator, no own annotations: inherits Point's fields
    pass


@record(frozen=True)
class Empty:
    pass


@record(frozen=True)
class Custom:
    value: int

    def __repr__(self) -> str:
        return f"<Custom {self.value}>"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Custom) and abs(self.value) == abs(other.value)

    def __hash__(self) -> int:
        return hash(abs(self.value))


@record(frozen=True)
class CustomChild(Custom):
    extra: str = ""


@record(frozen=True)
class EqOnly:
    value: int
    note: str = field(default="", compare=False)

    def __eq__(self, other: object) -> bool:  # no __hash__: Python sets it to None
        return isinstance(other, EqOnly) and self.value == other.value


@record(frozen=True)
class Checked:
    low: int
    high: int

    def __post_init__(self) -> None:
        if self.low > self.high:
            raise ValueError("low > high")


def test_positional_and_keyword_construction() -> None:
    assert Point(1, 2) == Point(x=1, y=2) == Point(1, y=2)
    p = Point(1, 2, "a", ("t",))
    assert (p.x, p.y, p.label, p.tags) == (1, 2, "a", ("t",))


def test_defaults_and_classvar() -> None:
    p = Point(5)
    assert (p.y, p.label, p.tags) == (0, "p", ())
    assert fields_of(Point) == ("x", "y", "label", "tags")
    assert fields_of(p) == fields_of(Point)
    assert Point.kind == "point" and "kind" not in p.__dict__
    # A field(default=...) leaves the default on the class, like dataclasses.
    assert Point.label == "p"


def test_default_factory_gives_a_fresh_value_each_time() -> None:
    a, b = Bag("a"), Bag("b")
    assert a.items == [] and b.items == []
    assert a.items is not b.items
    assert Bag("c", [1]).items == [1]
    # A factory field without a default is not left on the class.
    assert "items" not in Bag.__dict__


def test_too_many_positional_arguments() -> None:
    with pytest.raises(TypeError, match=r"^Point\(\) takes at most 4 positional arguments"):
        Point(1, 2, "a", (), "extra")


def test_missing_required_argument() -> None:
    with pytest.raises(TypeError, match=r"^Point\(\) missing required argument 'x'"):
        Point(y=1)


def test_unknown_keyword_argument() -> None:
    with pytest.raises(TypeError, match=r"^Point\(\) got unexpected arguments \['w', 'zz'\]"):
        Point(1, zz=1, w=2)


def test_duplicate_argument() -> None:
    with pytest.raises(TypeError, match=r"^Point\(\) got multiple values for 'x'"):
        Point(1, x=2)


def test_compare_false_field_is_ignored_by_eq_and_hash() -> None:
    a, b = Point(1, 2, label="a"), Point(1, 2, label="b")
    assert a == b and hash(a) == hash(b)
    assert Point(1, 2) != Point(1, 3)
    assert Point(1, 2, tags=("t",)) != Point(1, 2)
    assert len({a, b, Point(1, 3)}) == 2


def test_eq_is_per_class() -> None:
    # Same values, different record classes: not equal (NotImplemented both ways).
    assert Point(1, 0) != Point3(1, 0)
    assert Point(1) != (1, 0)
    assert Point(1).__eq__((1, 0)) is NotImplemented


def test_repr_skips_repr_false_fields() -> None:
    assert repr(Point(1, 2, "a", ("t",))) == "Point(x=1, y=2, label='a')"
    assert repr(Bag("b")) == "Bag(name='b', items=[], count=0)"
    assert repr(Empty()) == "Empty()"


def test_frozen_assignment_and_deletion_raise() -> None:
    p = Point(1)
    with pytest.raises(FrozenInstanceError, match="cannot assign to field 'x'"):
        p.x = 2  # type: ignore[misc]
    with pytest.raises(FrozenInstanceError, match="cannot assign to field 'new'"):
        p.new = 2  # type: ignore[attr-defined]
    with pytest.raises(FrozenInstanceError, match="cannot delete field 'x'"):
        del p.x  # type: ignore[misc]
    assert isinstance(FrozenInstanceError(), AttributeError)
    assert p.x == 1


def test_only_frozen_records() -> None:
    with pytest.raises(TypeError, match="frozen records only"):
        record(frozen=False)


def test_inheritance_adds_fields_after_the_base_ones() -> None:
    assert fields_of(Point3) == ("x", "y", "label", "tags", "z")
    p = Point3(1, 2, "l", (), 3)
    assert (p.x, p.z) == (1, 3)
    assert repr(p) == "Point3(x=1, y=2, label='l', z=3)"
    assert fields_of(Plain) == fields_of(Point)
    assert Plain(1, 2) == Plain(1, 2) != Point(1, 2)


def test_hand_written_methods_are_kept_and_inherited() -> None:
    assert repr(Custom(3)) == "<Custom 3>"
    assert Custom(3) == Custom(-3) and hash(Custom(3)) == hash(Custom(-3))
    child = CustomChild(-3, "x")
    # The child record inherits the base record's __repr__/__eq__/__hash__.
    assert repr(child) == "<Custom -3>"
    assert child == Custom(3)
    # ... and its __hash__ with it, so equal objects hash alike.
    assert hash(child) == hash(Custom(3)) == hash(3)
    with pytest.raises(FrozenInstanceError):
        child.value = 1  # type: ignore[misc]


def test_hand_written_eq_without_hash_gets_the_field_hash() -> None:
    # A class body with __eq__ and no __hash__ gets __hash__ = None from Python;
    # a frozen record must stay hashable, on its compared fields.
    assert EqOnly(1, "a") == EqOnly(1, "b")
    assert hash(EqOnly(1, "a")) == hash(EqOnly(1, "b"))
    assert len({EqOnly(1), EqOnly(1), EqOnly(2)}) == 2


def test_post_init_runs_after_the_fields_are_set() -> None:
    assert Checked(1, 2).high == 2
    with pytest.raises(ValueError, match="low > high"):
        Checked(3, 2)


def test_replace() -> None:
    p = Point(1, 2, "a", ("t",))
    q = replace(p, y=5)
    assert (q.x, q.y, q.label, q.tags) == (1, 5, "a", ("t",))
    assert p.y == 2 and type(q) is Point
    with pytest.raises(TypeError, match=r"^Point has no fields \['w'\]"):
        replace(p, w=1)
    # replace() goes through the constructor, so __post_init__ validates.
    with pytest.raises(ValueError, match="low > high"):
        replace(Checked(1, 2), low=9)


def test_make_fills_defaults_without_checks() -> None:
    p = make(Point, {"x": 4})
    assert p == Point(4) and repr(p) == "Point(x=4, y=0, label='p')"
    assert list(p.__dict__) == ["x", "y", "label", "tags"]  # declaration order
    assert make(Point, {"y": 1, "x": 2}) == Point(2, 1)
    assert list(make(Point, {"y": 1, "x": 2}).__dict__) == ["x", "y", "label", "tags"]
    with pytest.raises(FrozenInstanceError):
        p.x = 1  # type: ignore[misc]


def test_make_calls_factories_and_no_field_records() -> None:
    a, b = make(Bag, {"name": "a"}), make(Bag, {"name": "b"})
    assert a == Bag("a") and a.items == [] and a.items is not b.items
    assert make(Bag, {"name": "c", "items": [1]}).items == [1]
    assert make(Bag, {"name": "d"}).count == 0
    assert list(make(Bag, {"count": 2, "name": "e"}).__dict__) == ["name", "items", "count"]
    assert make(Empty, {}) == Empty()
    assert make(Empty, {}) == Empty()  # second call: cached (empty) defaults


def test_iter_items() -> None:
    assert list(iter_items(Point(1, 2))) == [("x", 1), ("y", 2), ("label", "p"), ("tags", ())]


def test_pickle_round_trip() -> None:
    p = Point3(1, 2, "l", ("t",), 3)
    q: Any = pickle.loads(pickle.dumps(p))
    assert q == p and q.label == "l"


# -- what type checkers see (dataclass) is what the runtime does -------------------------


def test_inspect_signature_shows_the_fields() -> None:
    import inspect

    import mm7codec as mm7

    sig = inspect.signature(mm7.SubmitReq)
    params = sig.parameters
    assert "sender_identification" in params and "subject" in params
    assert params["subject"].default is None
    assert list(params)[-1] == "extensions" or "extensions" in params
    point = inspect.signature(Point)
    assert (
        str(point) == "(x: 'int', y: 'int' = 0, label: 'str' = 'p', tags: 'Tuple[str, ...]' = ())"
    )
    assert str(inspect.signature(Bag)) == (
        "(name: 'str', items: 'List[int]' = <factory>, count: 'int' = 0)"
    )
    # A subclass gets its own (the cached one is per class).
    assert list(inspect.signature(Point3).parameters) == ["x", "y", "label", "tags", "z"]
    assert inspect.signature(Point) is inspect.signature(Point)


def test_help_shows_the_constructor_fields() -> None:
    import pydoc

    import mm7codec as mm7

    text = pydoc.render_doc(mm7.Status, renderer=pydoc.plaintext)
    assert "Status(code: 'StatusCode' = <StatusCode.SUCCESS: 1000>" in text


def test_dataclasses_functions_work_on_records() -> None:
    import dataclasses

    import mm7codec as mm7

    req = mm7.SubmitReq(
        sender_identification=mm7.SenderIdentification(vasp_id="k", vas_id="s"),
        recipients=mm7.Recipients(to=[mm7.Address.number("15551234567")]),
        subject="a",
    )
    assert dataclasses.is_dataclass(req) and dataclasses.is_dataclass(mm7.SubmitReq)
    changed = dataclasses.replace(req, subject="x")
    assert changed.subject == "x" and changed == replace(req, subject="x")
    assert changed.recipients == req.recipients
    as_dict = dataclasses.asdict(req)
    assert as_dict["subject"] == "a"
    assert as_dict["sender_identification"] == {
        "vasp_id": "k",
        "vas_id": "s",
        "sender_address": None,
    }
    names = [f.name for f in dataclasses.fields(mm7.SubmitReq)]
    assert names == list(fields_of(mm7.SubmitReq))
    bag_items = dataclasses.fields(Bag)[1]
    assert bag_items.default_factory is list and bag_items.compare is True
    assert dataclasses.fields(Point)[2].compare is False
    with pytest.raises(TypeError):
        dataclasses.replace(req, no_such_field=1)
    with pytest.raises(FrozenInstanceError):
        req.subject = "y"  # type: ignore[misc]


def test_make_normalises_like_construction_but_does_not_complete() -> None:
    import mm7codec as mm7
    from mm7codec._pdu import Recipients, Status

    built = Status(1000)
    made = make(Status, {"code": 1000})
    # Normalised alike: the code becomes a StatusCode either way.
    assert type(made.code) is type(built.code) is mm7.StatusCode
    # Completion is for built records: a decoded Status without text keeps None.
    assert built.text == "Success" and made.text is None
    recipients = make(Recipients, {"to": [mm7.Address.number("1")]})
    assert recipients.to == (mm7.Address.number("1"),)
    with pytest.raises(ValueError):
        Checked(2, 1)
    with pytest.raises(ValueError):
        make(Checked, {"low": 2, "high": 1})


def test_pprint_takes_records_for_what_they_are() -> None:
    # pprint treats dataclass instances specially once a repr is too long for one line.
    import pprint

    import mm7codec as mm7

    status = mm7.Status(1000, "x" * 100)
    assert pprint.pformat([status]) == f"[{status!r}]"
    params = mm7.Status.__dataclass_params__  # type: ignore[attr-defined]
    assert params.frozen and params.repr and not params.order
    assert "frozen=True" in repr(params)
