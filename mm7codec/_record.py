"""Frozen records that cost nothing to import, and are dataclasses to whoever asks.

``dataclasses`` takes 10 to 15 ms to import and about 2 ms per class to build
(it ``exec``s generated code), which alone would break the 30 ms import budget
with thirty PDU and field classes. Type checkers see the real
``dataclasses.dataclass`` (see the ``TYPE_CHECKING`` import in users of this
module), so constructors stay fully typed; at run time this small decorator
gives the same frozen, keyword-constructible, comparable, hashable records.

What type checkers accept works at run time too: ``__dataclass_fields__`` and
``__signature__`` are class attributes built on first use (the first imports
``dataclasses``, the second ``inspect``; nobody pays for them at import), so
``dataclasses.fields / replace / asdict / is_dataclass``, ``inspect.signature``
and ``help()`` see the fields.

Hooks: ``__post_init__`` normalises types (a list into a tuple, an int into a
``StatusCode``, a datetime into xs:dateTime text) and runs for records built by
their constructor and for records the decoders build with :func:`make`, so both
are normalised alike. ``_on_build`` runs after it for constructed records only:
defaults a caller may leave out (a StatusText, a fault code, the content's
Content-ID) and checks a received message may fail; a decoded record keeps what
was received, its defects saying what is missing.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Dict, Iterator, Optional, Tuple, Type, TypeVar

    _T = TypeVar("_T")


__all__ = ["FrozenInstanceError", "field", "fields_of", "make", "record", "replace"]

_MISSING: Any = object()


class FrozenInstanceError(AttributeError):
    """Assignment to a field of a frozen record."""


class _Field:
    __slots__ = ("compare", "default", "factory", "name", "repr")

    def __init__(self, default: Any, factory: Any, compare: bool, repr: bool) -> None:
        self.name = ""
        self.default = default
        self.factory = factory
        self.compare = compare
        self.repr = repr


def field(
    *,
    default: Any = _MISSING,
    default_factory: Any = _MISSING,
    compare: bool = True,
    repr: bool = True,
) -> Any:
    """Like ``dataclasses.field`` for the options records use."""
    return _Field(default, default_factory, compare, repr)


def _is_classvar(annotation: Any) -> bool:
    text = annotation if isinstance(annotation, str) else repr(annotation)
    return text.startswith(("ClassVar", "typing.ClassVar", "Final", "typing.Final"))


def _init(self: Any, *args: Any, **kwargs: Any) -> None:
    specs: Tuple[_Field, ...] = type(self)._record_fields
    if len(args) > len(specs):
        raise TypeError(f"{type(self).__name__}() takes at most {len(specs)} positional arguments")
    values = self.__dict__
    for index, spec in enumerate(specs):
        if index < len(args):
            if spec.name in kwargs:
                raise TypeError(f"{type(self).__name__}() got multiple values for {spec.name!r}")
            values[spec.name] = args[index]
        elif spec.name in kwargs:
            values[spec.name] = kwargs.pop(spec.name)
        elif spec.factory is not _MISSING:
            values[spec.name] = spec.factory()
        elif spec.default is not _MISSING:
            values[spec.name] = spec.default
        else:
            raise TypeError(f"{type(self).__name__}() missing required argument {spec.name!r}")
    if kwargs:  # every field name was popped above or raised as a duplicate
        raise TypeError(f"{type(self).__name__}() got unexpected arguments {sorted(kwargs)}")
    post_init = getattr(self, "__post_init__", None)
    if post_init is not None:
        post_init()
    check = getattr(self, "_on_build", None)
    if check is not None:
        check()


def _setattr(self: Any, name: str, value: Any) -> None:
    raise FrozenInstanceError(f"cannot assign to field {name!r} of a frozen record")


def _delattr(self: Any, name: str) -> None:
    raise FrozenInstanceError(f"cannot delete field {name!r} of a frozen record")


def _key(self: Any) -> Tuple[Any, ...]:
    values = self.__dict__
    return tuple(values[s.name] for s in type(self)._record_fields if s.compare)


def _eq(self: Any, other: Any) -> Any:
    if other.__class__ is not self.__class__:
        return NotImplemented
    return _key(self) == _key(other)


def _hash(self: Any) -> int:
    return hash((type(self).__name__, *_key(self)))


def _repr(self: Any) -> str:
    values = self.__dict__
    shown = ", ".join(f"{s.name}={values[s.name]!r}" for s in type(self)._record_fields if s.repr)
    return f"{type(self).__name__}({shown})"


def _own_or_inherited(klass: type, name: str, generic: Any) -> Any:
    for base in klass.__mro__[:-1]:
        if name in base.__dict__ and (base is klass or hasattr(base, "_record_fields")):
            method = base.__dict__[name]
            return None if method is generic else method
    return None


def record(cls: Optional[type] = None, /, *, frozen: bool = True, **_ignored: Any) -> Any:
    """Class decorator: a frozen record with fields from the class annotations.

    Records are always frozen (``frozen=True`` is accepted because type checkers
    read the decorator as ``dataclasses.dataclass``); other dataclass options
    are ignored.
    """
    if not frozen:
        raise TypeError("record() makes frozen records only")

    def wrap(klass: type) -> type:
        specs: Dict[str, _Field] = {}
        for base in reversed(klass.__mro__[1:]):
            for spec in getattr(base, "_record_fields", ()):
                specs[spec.name] = spec
        own = klass.__dict__.get("__annotations__")  # noqa: RUF063 (no typing_extensions)
        if own is None:  # Python 3.14 keeps them behind __annotate__
            own = getattr(klass, "__annotations__", {})
        for name, annotation in own.items():
            if _is_classvar(annotation):
                continue
            value = klass.__dict__.get(name, _MISSING)
            spec = value if isinstance(value, _Field) else _Field(value, _MISSING, True, True)
            spec.name = name
            specs.pop(name, None)
            specs[name] = spec
            if isinstance(value, _Field):
                if value.default is _MISSING:
                    delattr(klass, name)
                else:
                    setattr(klass, name, value.default)
        klass._record_fields = tuple(specs.values())  # type: ignore[attr-defined]
        klass.__init__ = _init  # type: ignore[misc]
        # A hand-written __eq__ / __repr__ / __hash__ in the class or a record
        # base wins (the None that Python puts in for an __eq__ without a
        # __hash__ does not: frozen records hash their compared fields).
        if _own_or_inherited(klass, "__eq__", _eq) is None:
            klass.__eq__ = _eq  # type: ignore[assignment,method-assign]
        if _own_or_inherited(klass, "__repr__", _repr) is None:
            klass.__repr__ = _repr  # type: ignore[assignment,method-assign]
        if _own_or_inherited(klass, "__hash__", _hash) is None:
            klass.__hash__ = _hash  # type: ignore[assignment,method-assign]
        klass.__setattr__ = _setattr  # type: ignore[assignment,method-assign]
        klass.__delattr__ = _delattr  # type: ignore[assignment,method-assign]
        klass.__dataclass_fields__ = _LAZY_FIELDS  # type: ignore[attr-defined]
        klass.__dataclass_params__ = _PARAMS  # type: ignore[attr-defined]
        klass.__signature__ = _LAZY_SIGNATURE  # type: ignore[attr-defined]
        return klass

    return wrap if cls is None else wrap(cls)


class _Factory:
    """Stands for a default factory in a signature (``dataclasses`` shows the same)."""

    def __repr__(self) -> str:
        return "<factory>"


class _LazyFields:
    """``__dataclass_fields__``: real ``dataclasses.Field`` objects, made on first use."""

    def __get__(self, obj: Any, owner: type) -> Dict[str, Any]:
        made = owner.__dict__.get("_record_dataclass_fields")
        if made is None:
            import dataclasses

            made = {}
            annotations = _annotations(owner)
            for spec in owner._record_fields:  # type: ignore[attr-defined]
                kwargs: Dict[str, Any] = {"compare": spec.compare, "repr": spec.repr}
                if spec.factory is not _MISSING:
                    kwargs["default_factory"] = spec.factory
                elif spec.default is not _MISSING:
                    kwargs["default"] = spec.default
                made_field: Any = dataclasses.field(**kwargs)
                made_field.name = spec.name
                made_field.type = annotations.get(spec.name, "Any")
                # What @dataclass sets on a regular field (fields() filters on it).
                made_field._field_type = getattr(dataclasses, "_FIELD")  # noqa: B009
                made[spec.name] = made_field
            type.__setattr__(owner, "_record_dataclass_fields", made)
        return made


class _LazySignature:
    """``__signature__``: the constructor's parameters, for ``inspect`` and ``help()``."""

    def __get__(self, obj: Any, owner: type) -> Any:
        made = owner.__dict__.get("_record_signature")
        if made is None:
            import inspect

            annotations = _annotations(owner)
            params = []
            for spec in owner._record_fields:  # type: ignore[attr-defined]
                if spec.factory is not _MISSING:
                    default: Any = _Factory()
                elif spec.default is not _MISSING:
                    default = spec.default
                else:
                    default = inspect.Parameter.empty
                params.append(
                    inspect.Parameter(
                        spec.name,
                        inspect.Parameter.POSITIONAL_OR_KEYWORD,
                        default=default,
                        annotation=annotations.get(spec.name, inspect.Parameter.empty),
                    )
                )
            made = inspect.Signature(params)
            type.__setattr__(owner, "_record_signature", made)
        return made


def _annotations(klass: type) -> Dict[str, Any]:
    found: Dict[str, Any] = {}
    for base in reversed(klass.__mro__):
        own = base.__dict__.get("__annotations__")  # noqa: RUF063 (no typing_extensions)
        if own is None and hasattr(base, "_record_fields"):
            own = getattr(base, "__annotations__", {})
        found.update(own or {})
    return found


class _Params:
    """``__dataclass_params__``: what ``@dataclass(frozen=True)`` would record.

    Read by tools that take records for dataclasses (``pprint`` checks ``repr``).
    """

    __slots__ = ()
    init = repr = eq = frozen = True
    order = unsafe_hash = match_args = kw_only = slots = weakref_slot = False

    def __repr__(self) -> str:
        return "_Params(init=True, repr=True, eq=True, frozen=True)"


_PARAMS = _Params()
_LAZY_FIELDS = _LazyFields()
_LAZY_SIGNATURE = _LazySignature()


def fields_of(obj_or_cls: Any) -> Tuple[str, ...]:
    """The field names of a record (or record class), in order."""
    return tuple(s.name for s in obj_or_cls._record_fields)


def make(cls: Type[_T], values: Dict[str, Any]) -> _T:
    """Build a record without argument checks: the decoder's fast path.

    ``values`` may leave out fields that have defaults; it must not hold
    unknown names (the caller builds it from the record's own field list).
    ``__post_init__`` runs as for a constructed record, so decoded and built
    records are normalised alike; ``_on_build`` does not (see the module doc).
    """
    obj: Any = object.__new__(cls)
    state = obj.__dict__
    found = _MAKE.get(cls)
    if found is None:
        found = _make_plan(cls)
    defaults, post_init = found
    if defaults:
        # Every field in declaration order first, then the given values in place.
        state.update(defaults)
        state.update(values)
    else:
        for spec in obj._record_fields:
            if spec.name in values:
                state[spec.name] = values[spec.name]
            elif spec.factory is not _MISSING:
                state[spec.name] = spec.factory()
            else:
                state[spec.name] = spec.default
    if post_init is not None:
        post_init(obj)
    return obj  # type: ignore[no-any-return]


#: Record class -> ({field: default} (empty: a field has a factory), its __post_init__
#: or None): what :func:`make` needs, found once per class in one lookup.
_MAKE: Dict[type, Tuple[Dict[str, Any], Any]] = {}


def _make_plan(cls: type) -> Tuple[Dict[str, Any], Any]:
    specs: Tuple[_Field, ...] = cls._record_fields  # type: ignore[attr-defined]
    defaults: Dict[str, Any] = {}
    if specs and all(spec.factory is _MISSING for spec in specs):
        defaults = {spec.name: spec.default for spec in specs}
    found = _MAKE[cls] = (defaults, getattr(cls, "__post_init__", None))
    return found


def replace(obj: _T, **changes: Any) -> _T:
    """A copy of a record with some fields changed (``dataclasses.replace``)."""
    values = dict(obj.__dict__)
    unknown = set(changes) - set(values)
    if unknown:
        raise TypeError(f"{type(obj).__name__} has no fields {sorted(unknown)}")
    values.update(changes)
    names = fields_of(obj)
    return type(obj)(**{n: values[n] for n in names})


def iter_items(obj: Any) -> Iterator[Tuple[str, Any]]:
    """(name, value) for every field of a record, in order."""
    values = obj.__dict__
    for spec in obj._record_fields:
        yield spec.name, values[spec.name]
