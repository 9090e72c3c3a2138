"""sula._record behaves as ``dataclasses`` for the options sula uses: each class is made by both
decorators and every observable (init, defaults, repr, eq, hash, order, frozen, slots,
match_args, replace, copying, inheritance, __post_init__) is compared."""

from __future__ import annotations

import copy
import dataclasses
from typing import Any, ClassVar

import pytest

import sula._record as record

KINDS = [pytest.param(dataclasses, id="dataclasses"), pytest.param(record, id="record")]


def _classes(mod: Any) -> dict[str, Any]:
    dc, field = mod.dataclass, mod.field

    @dc(frozen=True, slots=True, kw_only=True)
    class Spec:
        LIMIT: ClassVar[int] = 3
        name: str
        extra: str = "x"
        notes: list[int] = field(default_factory=list, compare=False, repr=False)

    @dc(frozen=True, slots=True, order=True)
    class Pin:
        name: str
        version: str = "1"

    @dc(frozen=True, slots=True)
    class Pinned(Pin):
        index: int = 0

    @dc(slots=True, kw_only=True, unsafe_hash=True)
    class Mutable:
        a: int
        b: tuple[int, ...] = ()

    @dc(slots=True)
    class Counter:
        n: int
        seen: list[int] = field(default_factory=list)

        def __post_init__(self) -> None:
            self.n += 1

    @dc
    class Plain:
        a: int
        b: int = field(default=2, compare=False)

    return {"Spec": Spec, "Pin": Pin, "Pinned": Pinned, "Mutable": Mutable, "Counter": Counter,
            "Plain": Plain}


def _observe(mod: Any) -> list[object]:
    c = _classes(mod)
    spec = c["Spec"](name="a")
    out: list[object] = [repr(spec), spec == c["Spec"](name="a", notes=[1]), hash(spec) == hash(
        c["Spec"](name="a")), c["Spec"].LIMIT, spec.notes, c["Spec"].__match_args__,
        hasattr(spec, "__dict__"), c["Spec"].__slots__]
    with pytest.raises(AttributeError) as info:
        spec.name = "b"  # type: ignore[misc]
    out.append(type(info.value).__name__)
    with pytest.raises(TypeError):
        c["Spec"]("a")
    out.append(repr(mod.replace(spec, extra="y")))
    pins = [c["Pin"]("b"), c["Pin"]("a", "2"), c["Pin"]("a")]
    out += [repr(sorted(pins)), c["Pin"]("a") < c["Pin"]("b"), c["Pin"]("a") >= c["Pin"]("a"),
            c["Pin"].__match_args__, copy.deepcopy(pins[0]) == pins[0], copy.copy(spec) == spec]
    sub = c["Pinned"]("x", "2", 3)
    out += [repr(sub), c["Pinned"].__match_args__, sub != c["Pin"]("x", "2"),
            c["Pinned"].__slots__, repr(mod.replace(sub, index=4))]
    m = c["Mutable"](a=1)
    m.a = 2
    out += [repr(m), hash(m) == hash(c["Mutable"](a=2))]
    counter = c["Counter"](1)
    out += [repr(counter), counter == c["Counter"](1), c["Counter"].__hash__ is None]
    plain = c["Plain"](1, 3)
    out += [repr(plain), plain == c["Plain"](1), plain.__dict__]
    pin_class = c["Pin"]
    match pin_class("n", "9"):
        case pin_class(name, version):  # type: ignore[misc]
            out.append((name, version))
    return out


def test_record_matches_dataclasses() -> None:
    assert _observe(record) == _observe(dataclasses)


@pytest.mark.parametrize("mod", KINDS)
def test_mutable_default_is_refused(mod: Any) -> None:
    with pytest.raises(ValueError, match="mutable default"):

        @mod.dataclass
        class Bad:
            items: list[int] = []  # noqa: RUF012 - the error under test


@pytest.mark.parametrize("mod", KINDS)
def test_required_after_default_is_refused(mod: Any) -> None:
    with pytest.raises(TypeError, match="non-default argument"):

        @mod.dataclass
        class Bad:
            a: int = 1
            b: int  # type: ignore[misc]


def test_replace_takes_real_dataclasses() -> None:
    @dataclasses.dataclass(frozen=True)
    class Real:
        a: int
        b: int = 0

    assert record.replace(Real(1), b=2) == Real(1, 2)


def test_sula_modules_make_no_dataclasses() -> None:
    # The start-up budget (tests/unit/cli/test_startup.py) forbids `dataclasses` on the hot
    # paths; this names the modules that still use it on purpose.
    import pathlib

    root = pathlib.Path(record.__file__).parent
    users = sorted(str(p.relative_to(root)) for p in root.rglob("*.py")
                   if "from dataclasses import" in p.read_text(encoding="utf-8"))
    # sula/cache/clean.py is `sula cache clean`'s own (not on a hot path).
    assert users == ["cache/clean.py"]


def test_msgspec_and_dataclasses_see_a_dataclass() -> None:
    # The cache stores WheelFilename inside msgspec Structs: msgspec must encode and decode
    # record classes as the dataclasses they were, in the same format.
    import msgspec

    @record.dataclass(frozen=True, slots=True)
    class Pin:
        name: str
        tags: tuple[str, ...] = ()

    @dataclasses.dataclass(frozen=True, slots=True)
    class RealPin:
        name: str
        tags: tuple[str, ...] = ()

    pin = Pin("a", ("x",))
    encoded = msgspec.msgpack.encode(pin)
    assert encoded == msgspec.msgpack.encode(RealPin("a", ("x",)))
    assert msgspec.msgpack.decode(encoded, type=Pin) == pin
    assert msgspec.msgpack.decode(encoded, type=list[Pin] | Pin) == pin
    assert dataclasses.is_dataclass(pin)
    assert [f.name for f in dataclasses.fields(pin)] == ["name", "tags"]
    assert dataclasses.replace(pin, name="b") == Pin("b", ("x",))
    assert dataclasses.asdict(pin) == {"name": "a", "tags": ("x",)}


def test_init_is_compiled_only_for_a_class_made_often(monkeypatch: pytest.MonkeyPatch) -> None:
    compiled: list[str | None] = []
    real = record._compile_init

    def counting(*args: Any, **kwargs: Any) -> Any:
        compiled.append("__init__")
        return real(*args, **kwargs)

    monkeypatch.setattr(record, "_compile_init", counting)

    @record.dataclass(frozen=True, slots=True)
    class Base:
        name: str
        version: str = "1"

    class Plain(Base):  # not a record: uses Base's methods
        pass

    assert compiled == []  # making a class compiles nothing
    a = Plain("x")
    assert (a.name, a.version) == ("x", "1")
    assert a == Plain("x") and {a: 1}[Plain("x")] == 1 and repr(Base("z")).endswith(".Base(name='z', version='1')")
    assert compiled == []  # a few instances, compared, hashed and shown: still nothing
    made = [Base(str(i), version=str(i)) for i in range(2 * record._COMPILE_AFTER)]
    assert compiled == ["__init__"]  # once, then the compiled method is the class's
    assert [(b.name, b.version) for b in made] == [(str(i), str(i)) for i in range(2 * record._COMPILE_AFTER)]
    assert Base("q") == Base("q", "1") and Plain("q").version == "1"
    assert [f.name for f in dataclasses.fields(Plain)] == ["name", "version"]


def _two_kinds(**options: Any) -> tuple[type, type]:
    """The same record class twice: one whose ``__init__`` is still the generic binder, one
    whose ``__init__`` is compiled."""
    def make() -> type:
        @record.dataclass(**options)
        class Pin:
            name: str
            version: str = "1"
            tags: list[str] = record.field(default_factory=list)
            hits: list[int] = record.field(default_factory=list, compare=False, repr=False)

            def __post_init__(self) -> None:
                self.hits.append(1)
        return Pin

    generic, compiled = make(), make()
    for _ in range(record._COMPILE_AFTER):
        compiled(name="warm")
    return generic, compiled


@pytest.mark.parametrize("options", [{}, {"frozen": True}, {"frozen": True, "slots": True},
                                     {"kw_only": True}])
def test_the_generic_init_binds_as_the_compiled_one(options: dict[str, Any]) -> None:
    generic, compiled = _two_kinds(**options)
    kw = options.get("kw_only", False)
    calls: list[tuple[tuple[object, ...], dict[str, object]]] = [
        ((), {"name": "a"}), ((), {"name": "a", "version": "2", "tags": ["t"]}),
        ((), {"tags": ["t"], "name": "a"}), ((), {}), ((), {"name": "a", "extra": 1}),
    ]
    if not kw:
        calls += [(("a",), {}), (("a", "2", ["t"]), {}), (("a",), {"name": "b"}),
                  (("a", "2", ["t"], [], 5), {})]
    for args, kwargs in calls:
        outcomes = []
        for cls in (generic, compiled):
            try:
                made = cls(*args, **kwargs)
            except TypeError:
                outcomes.append("TypeError")
            else:
                outcomes.append(repr(made).rsplit(".", 1)[-1] + f" hits={made.hits}")
        assert outcomes[0] == outcomes[1], (args, kwargs)
    a, b = generic(name="a"), generic(name="a")
    assert a.tags is not b.tags  # a new list from the factory each time
    assert a == b and (a != generic(name="a", version="2"))


def test_a_default_before_a_required_field_is_refused_when_the_class_is_made() -> None:
    with pytest.raises(TypeError, match="non-default argument"):  # not at the first __init__

        @record.dataclass
        class Bad:
            a: int = 0
            b: int


def test_instances_made_from_many_threads_all_run_post_init() -> None:
    import threading

    seen: list[int] = []

    @record.dataclass(frozen=True)
    class Counted:
        n: int

        def __post_init__(self) -> None:
            seen.append(self.n)

    def make(base: int) -> None:
        for i in range(record._COMPILE_AFTER):
            Counted(base + i)

    threads = [threading.Thread(target=make, args=(k * 1000,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(seen) == sorted(k * 1000 + i for k in range(8) for i in range(record._COMPILE_AFTER))
