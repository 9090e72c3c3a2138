"""``dataclass``, ``field`` and ``replace`` for sula's own value classes, made cheaply.

``dataclasses`` costs a start-up twice: its import (with ``inspect``, ``ast``, ``dis`` and
``tokenize``, ~10 ms) and every class it makes (half a dozen ``exec`` calls each, ~1 ms for a
frozen slotted class on the shared machine): a no-op ``pip sync`` made ~36 classes, an offline
``pip compile`` ~56, about 50 ms in all. This decorator takes the same spellings for the subset
sula uses (``frozen``, ``slots``, ``kw_only``, ``order``, ``eq``, ``unsafe_hash``; fields with
``default``, ``default_factory``, ``compare``, ``repr``; ``__post_init__``) and makes no
method with ``exec`` when the class is made: ``__repr__``, ``__eq__`` and ``__hash__`` read the
fields through one ``attrgetter``, and ``__init__`` binds its arguments by hand until the class
has made ``_COMPILE_AFTER`` instances, when the ``__init__`` compiled for its fields (as fast
per call as a dataclass's; its ``exec`` ~0.2 ms) takes its place. Most classes of a run make a
few instances: an offline ``pip compile`` of trio.in compiled the methods of 36 classes (~7 ms)
before, 4 now. mypy reads the classes as dataclasses (``dataclass_transform``).

``__dataclass_fields__`` is made (with ``dataclasses``) only when something asks for it: msgspec
encoding or decoding one of these classes, ``dataclasses.fields``/``replace``/``asdict``.
What it does not do: ``InitVar``, ``field(init=False)``, ``match_args=False`` and recursive
``repr`` guards.
"""

from __future__ import annotations

from operator import attrgetter
from typing import TYPE_CHECKING, Any, TypeVar, overload  # typing: loaded by every command anyway

if TYPE_CHECKING:
    from collections.abc import Callable

    from typing_extensions import dataclass_transform
else:

    def dataclass_transform(**_kwargs: object) -> Callable[[T], T]:
        return lambda f: f


T = TypeVar("T")


__all__ = ["Field", "FrozenInstanceError", "dataclass", "field", "replace"]


class _Missing:
    __slots__ = ()

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()
_FACTORY: Any = type("_HasFactory", (), {"__slots__": (), "__repr__": lambda self: "<factory>"})()


class FrozenInstanceError(AttributeError):
    """Assignment to a field of a frozen class."""


class Field:
    """One field: its name, default or default factory, and whether it is compared and shown."""

    __slots__ = ("compare", "default", "default_factory", "hash", "kw_only", "name", "repr")

    def __init__(self, default: object, default_factory: object, compare: bool, repr: bool,
                 hash: bool | None) -> None:
        if default is not MISSING and default_factory is not MISSING:
            raise ValueError("cannot specify both default and default_factory")
        self.name = ""
        self.default = default
        self.default_factory = default_factory
        self.compare = compare
        self.repr = repr
        self.hash = hash
        self.kw_only = False


@overload
def field(*, default: T, compare: bool = True, repr: bool = True, hash: bool | None = None) -> T: ...
@overload
def field(*, default_factory: Callable[[], T], compare: bool = True, repr: bool = True,
          hash: bool | None = None) -> T: ...
@overload
def field(*, compare: bool = True, repr: bool = True, hash: bool | None = None) -> Any: ...
def field(*, default: Any = MISSING, default_factory: Any = MISSING, compare: bool = True,
          repr: bool = True, hash: bool | None = None) -> Any:
    """A field with options, as ``dataclasses.field``."""
    return Field(default, default_factory, compare, repr, hash)


@overload
def dataclass(cls: type[T], /) -> type[T]: ...
@overload
def dataclass(*, frozen: bool = False, slots: bool = False, kw_only: bool = False,
              order: bool = False, eq: bool = True, unsafe_hash: bool = False,
              ) -> Callable[[type[T]], type[T]]: ...
@dataclass_transform(field_specifiers=(field, Field))
def dataclass(cls: type[T] | None = None, /, *, frozen: bool = False, slots: bool = False,
              kw_only: bool = False, order: bool = False, eq: bool = True,
              unsafe_hash: bool = False) -> Any:
    """Make ``cls`` a value class from its annotations, as ``dataclasses.dataclass`` does."""

    def wrap(c: type[T]) -> type[T]:
        return _process(c, frozen=frozen, slots=slots, kw_only=kw_only, order=order, eq=eq,
                        unsafe_hash=unsafe_hash)

    return wrap if cls is None else wrap(cls)


def replace(obj: T, /, **changes: Any) -> T:
    """A copy of ``obj`` with ``changes``: for these classes and for real dataclasses."""
    fields: dict[str, Field] | None = getattr(type(obj), "__record_fields__", None)
    if fields is None:
        import dataclasses

        return dataclasses.replace(obj, **changes)  # type: ignore[type-var]
    for name in fields:
        if name not in changes:
            changes[name] = getattr(obj, name)
    return type(obj)(**changes)


def _is_classvar(annotation: object) -> bool:
    if isinstance(annotation, str):
        return annotation.startswith(("ClassVar", "typing.ClassVar"))
    return getattr(annotation, "__origin__", None) is not None and "ClassVar" in repr(annotation)


def _collect(cls: type, kw_only: bool) -> dict[str, Field]:
    fields: dict[str, Field] = {}
    for base in reversed(cls.__mro__[1:]):
        fields.update(base.__dict__.get("__record_fields__", {}))
    own = cls.__dict__.get("__annotations__", {})  # noqa: RUF063 - inspect is what we avoid
    for name, annotation in own.items():
        if _is_classvar(annotation):
            continue
        value = cls.__dict__.get(name, MISSING)
        f = value if isinstance(value, Field) else Field(value, MISSING, True, True, None)
        if isinstance(f.default, list | dict | set):
            raise ValueError(f"mutable default {type(f.default)} for field {name} is not "
                             "allowed: use default_factory")
        f.name = name
        f.kw_only = kw_only
        fields.pop(name, None)
        fields[name] = f
    return fields


def _compile_init(cls: type, fields: dict[str, Field], frozen: bool) -> Callable[..., None]:
    """The ``__init__`` of these fields from one ``exec``: as fast per call as a dataclass's."""
    positional: list[str] = []
    keyword: list[str] = []
    body: list[str] = []
    scope: dict[str, object] = {"_FACTORY": _FACTORY, "_set": object.__setattr__}
    seen_default = False
    for name, f in fields.items():
        if f.default is not MISSING:
            scope[f"_d_{name}"] = f.default
            param = f"{name}=_d_{name}"
        elif f.default_factory is not MISSING:
            scope[f"_f_{name}"] = f.default_factory
            param = f"{name}=_FACTORY"
        else:
            param = name
        if f.kw_only:
            keyword.append(param)
        else:
            if param == name and seen_default:
                raise TypeError(f"non-default argument {name!r} follows default argument")
            seen_default = seen_default or param != name
            positional.append(param)
        value = f"_f_{name}() if {name} is _FACTORY else {name}" if (
            f.default_factory is not MISSING) else name
        body.append(f"_set(self, {name!r}, {value})" if frozen else f"self.{name} = {value}")
    if "__post_init__" in {k for c in cls.__mro__ for k in c.__dict__}:
        body.append("self.__post_init__()")
    params = ", ".join(["self", *positional, *(["*", *keyword] if keyword else [])])
    exec(f"def __init__({params}):\n    " + ("\n    ".join(body) or "pass") + "\n", scope)  # identifiers
    fn: Any = scope["__init__"]
    fn.__qualname__ = f"{cls.__qualname__}.__init__"
    return fn  # type: ignore[no-any-return]


def _process(cls: type[T], *, frozen: bool, slots: bool, kw_only: bool, order: bool, eq: bool,
             unsafe_hash: bool) -> type[T]:
    fields = _collect(cls, kw_only)
    own = cls.__dict__
    names = tuple(fields)
    for name in names:
        if not name.isidentifier():  # pragma: no cover - annotations are identifiers
            raise TypeError(f"bad field name {name!r}")
    compared = tuple(n for n, f in fields.items() if f.compare)
    hashed = tuple(n for n, f in fields.items() if (f.compare if f.hash is None else f.hash))
    explicit_hash = "__hash__" in own and not (own["__hash__"] is None and "__eq__" in own)
    make_hash = unsafe_hash or (eq and frozen and not explicit_hash)
    _check_defaults(fields)
    methods, home = _deferred(
        fields, frozen,
        shown=None if "__repr__" in own else tuple(n for n, f in fields.items() if f.repr),
        compared=compared if eq and "__eq__" not in own else None,
        hashed=hashed if make_hash else None,
    )
    if eq and not frozen and not explicit_hash and not make_hash:
        methods["__hash__"] = None
    if order:
        key = attrgetter(*compared) if len(compared) > 1 else (
            lambda self: tuple(getattr(self, n) for n in compared))
        for op in ("__lt__", "__le__", "__gt__", "__ge__"):
            if op in own:
                raise TypeError(f"cannot overwrite attribute {op} in class {cls.__name__}")
            methods[op] = _ordering(op, key)
    if "__match_args__" not in own:
        methods["__match_args__"] = tuple(n for n, f in fields.items() if not f.kw_only)
    if slots:
        made = _slotted(cls, fields, methods, frozen)
        home.append(made)
        return made
    for name, f in fields.items():
        if name in own and isinstance(own[name], Field):
            if f.default is MISSING:
                delattr(cls, name)
            else:
                setattr(cls, name, f.default)
    for name, value in methods.items():
        setattr(cls, name, value)
    cls.__record_fields__ = fields  # type: ignore[attr-defined]
    cls.__dataclass_fields__ = _DataclassFields()  # type: ignore[attr-defined]
    if frozen:
        cls = _rebind_class(cls)
    home.append(cls)
    return cls


def _check_defaults(fields: dict[str, Field]) -> None:
    """What ``_compile_init`` would refuse, refused when the class is made (as dataclasses do)."""
    seen_default = False
    for name, f in fields.items():
        if f.kw_only:
            continue
        has_default = f.default is not MISSING or f.default_factory is not MISSING
        if not has_default and seen_default:
            raise TypeError(f"non-default argument {name!r} follows default argument")
        seen_default = seen_default or has_default


#: Calls of a class's generic ``__init__`` before its compiled one is made: the ``exec`` costs
#: about as much as 60-100 generic calls, and most classes of a run are made a few times.
_COMPILE_AFTER = 64


def _deferred(fields: dict[str, Field], frozen: bool, *, shown: tuple[str, ...] | None,
              compared: tuple[str, ...] | None, hashed: tuple[str, ...] | None,
              ) -> tuple[dict[str, object], list[type]]:
    """The methods of a class, made without ``exec`` until one is called often.

    A run defines far more of these classes than it makes many instances of (an offline
    ``pip compile`` of a few dozen packages made 36 classes' methods, ~7 ms of ``exec``), so
    ``__init__`` starts as a generic binder of the fields; after ``_COMPILE_AFTER`` calls the
    method :func:`_compile_init` makes (as fast per call as a dataclass's) replaces it on the class
    (``home``, filled in once the class is made). ``__repr__``, ``__eq__`` and ``__hash__``
    read the fields with one ``attrgetter`` and are not compiled at all."""
    home: list[type] = []
    stubs: dict[str, object] = {"__init__": _generic_init(fields, frozen, home)}
    if shown is not None:
        stubs["__repr__"] = _generic_repr(shown)
    if compared is not None:
        stubs["__eq__"] = _generic_eq(_getter(compared))
    if hashed is not None:
        stubs["__hash__"] = _generic_hash(_getter(hashed))
    return stubs, home


def _getter(names: tuple[str, ...]) -> Callable[[object], tuple[object, ...]]:
    """The tuple of these fields of an instance (one ``attrgetter`` call)."""
    if len(names) > 1:
        return attrgetter(*names)
    if names:
        one = attrgetter(names[0])
        return lambda obj: (one(obj),)
    return lambda obj: ()


def _generic_repr(shown: tuple[str, ...]) -> Callable[[object], str]:
    def __repr__(self: object) -> str:
        args = ", ".join(f"{n}={getattr(self, n)!r}" for n in shown)
        return f"{self.__class__.__qualname__}({args})"

    return __repr__


def _generic_eq(key: Callable[[object], tuple[object, ...]]) -> Callable[[object, object], Any]:
    def __eq__(self: object, other: object) -> Any:  # bool, or NotImplemented
        if other.__class__ is self.__class__:
            return key(self) == key(other)
        return NotImplemented

    return __eq__


def _generic_hash(key: Callable[[object], tuple[object, ...]]) -> Callable[[object], int]:
    def __hash__(self: object) -> int:
        return hash(key(self))

    return __hash__


def _generic_init(fields: dict[str, Field], frozen: bool, home: list[type]) -> Callable[..., None]:
    """An ``__init__`` taking what the compiled one takes, binding the arguments by hand."""
    names = tuple(fields)
    known = frozenset(names)
    positional = tuple(n for n, f in fields.items() if not f.kw_only)
    required = {n for n, f in fields.items() if f.default is MISSING and f.default_factory is MISSING}
    plan = tuple((n, f.default, f.default_factory) for n, f in fields.items())
    setter = object.__setattr__ if frozen else setattr
    calls = 0
    compiled = False
    post_init: bool | None = None

    def __init__(self: Any, *args: object, **kwargs: object) -> None:
        nonlocal calls, compiled, post_init
        if post_init is None:  # the class is made by now (as in _compile_init, its MRO decides)
            post_init = "__post_init__" in {k for c in home[0].__mro__ for k in c.__dict__}
        calls += 1  # not atomic: two threads may both compile, and either result serves
        if calls >= _COMPILE_AFTER and not compiled:
            compiled = True
            cls = home[0]
            fn = _compile_init(cls, fields, frozen)
            if cls.__dict__.get("__init__") is __init__:
                type.__setattr__(cls, "__init__", fn)
        values: dict[str, object] = kwargs
        if args:
            if len(args) > len(positional):
                raise TypeError(f"{self.__class__.__qualname__}.__init__() takes "
                                f"{len(positional) + 1} positional arguments but {len(args) + 1} "
                                "were given")
            values = dict(zip(positional, args, strict=False))  # fewer args: defaults
            for key in kwargs:
                if key in values:
                    raise TypeError(f"{self.__class__.__qualname__}.__init__() got multiple "
                                    f"values for argument {key!r}")
            values.update(kwargs)
        if not known.issuperset(values):
            key = next(k for k in values if k not in known)
            raise TypeError(f"{self.__class__.__qualname__}.__init__() got an unexpected "
                            f"keyword argument {key!r}")
        if len(values) < len(names):
            missing = [n for n in names if n in required and n not in values]
            if missing:
                raise TypeError(f"{self.__class__.__qualname__}.__init__() missing "
                                f"{len(missing)} required argument{'s' if len(missing) > 1 else ''}: "
                                + ", ".join(repr(n) for n in missing))
        for name, default, factory in plan:
            value = values.get(name, MISSING)
            if value is MISSING:
                value = factory() if default is MISSING else default  # type: ignore[operator]
            setter(self, name, value)
        if post_init:
            self.__post_init__()

    return __init__


def _ordering(op: str, key: Callable[[object], tuple[object, ...]]) -> Callable[[object, object], Any]:
    compare = {"__lt__": tuple.__lt__, "__le__": tuple.__le__, "__gt__": tuple.__gt__,
               "__ge__": tuple.__ge__}[op]

    def method(self: object, other: object) -> Any:  # bool, or NotImplemented
        if other.__class__ is self.__class__:
            return compare(key(self), key(other))
        return NotImplemented

    method.__name__ = op
    return method


def _slotted(cls: type[T], fields: dict[str, Field], methods: dict[str, object],
             frozen: bool) -> type[T]:
    namespace = dict(cls.__dict__)
    inherited = {s for base in cls.__mro__[1:] for s in base.__dict__.get("__slots__", ())}
    namespace["__slots__"] = tuple(n for n in fields if n not in inherited)
    for name in fields:
        namespace.pop(name, None)
    namespace.pop("__dict__", None)
    namespace.pop("__weakref__", None)
    namespace.update(methods)
    namespace["__record_fields__"] = fields
    namespace["__dataclass_fields__"] = _DataclassFields()
    if frozen:
        names = tuple(fields)

        def __getstate__(self: object) -> tuple[object, ...]:
            return tuple(getattr(self, n) for n in names)

        def __setstate__(self: object, state: tuple[object, ...]) -> None:
            for n, v in zip(names, state, strict=True):
                object.__setattr__(self, n, v)

        namespace.setdefault("__getstate__", __getstate__)
        namespace.setdefault("__setstate__", __setstate__)
    meta: Any = type(cls)
    new: type[T] = meta(cls.__name__, cls.__bases__, namespace)
    new.__qualname__ = cls.__qualname__
    return _rebind_class(new) if frozen else new


class _DataclassFields:
    """``__dataclass_fields__``, made of real ``dataclasses.Field`` objects on first use, so
    that msgspec encodes and decodes these classes as dataclasses (sula's cache holds
    them) and ``dataclasses.fields``/``replace``/``asdict``/``is_dataclass`` take them. Each
    class holds its own (a subclass must not see its base's)."""

    def __get__(self, obj: object, owner: type) -> dict[str, Any]:
        import dataclasses

        fields: dict[str, Any] = {}
        # A plain subclass has its base's fields, as with dataclasses.
        for name, f in getattr(owner, "__record_fields__").items():  # noqa: B009
            real: Any = dataclasses.field(
                default=f.default if f.default is not MISSING else dataclasses.MISSING,
                default_factory=(f.default_factory if f.default_factory is not MISSING
                                 else dataclasses.MISSING),
                compare=f.compare, repr=f.repr, hash=f.hash, kw_only=f.kw_only,
            )
            real.name = name
            real.type = owner.__dict__.get("__annotations__", {}).get(name)  # noqa: RUF063
            real._field_type = dataclasses._FIELD  # type: ignore[attr-defined]
            fields[name] = real
        type.__setattr__(owner, "__dataclass_fields__", fields)
        return fields


def _rebind_class(cls: type[T]) -> type[T]:
    """Point the frozen ``__setattr__``/``__delattr__`` at the class they are set on (a
    slotted class is a new class object)."""
    fields = cls.__dict__["__record_fields__"]

    def __setattr__(self: object, name: str, value: object) -> None:
        if type(self) is cls or name in fields:
            raise FrozenInstanceError(f"cannot assign to field {name!r}")
        object.__setattr__(self, name, value)

    def __delattr__(self: object, name: str) -> None:
        if type(self) is cls or name in fields:
            raise FrozenInstanceError(f"cannot delete field {name!r}")
        object.__delattr__(self, name)

    type.__setattr__(cls, "__setattr__", __setattr__)
    type.__setattr__(cls, "__delattr__", __delattr__)
    return cls
