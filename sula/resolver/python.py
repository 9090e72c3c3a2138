"""The Python a resolution is for: its version, PEP 508 marker values and wheel tags in priority order."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from packaging.version import Version

from sula._record import dataclass, field

if TYPE_CHECKING:
    from sula.distribution.filename import WheelFilename
    from sula.resolver.pubgrub.range import Range

__all__ = ["PythonTarget", "just_above", "just_above_of", "requires_python_floor", "retarget_tags",
           "satisfies_lower_bound"]


@dataclass(slots=True)
class PythonTarget:
    """Target Python of a resolution.

    ``version`` is the full version requires-python is checked against; ``markers`` the PEP 508
    environment; ``tags`` the compatible wheel tags, most preferred first (``None``: any wheel).
    """

    version: Version
    markers: dict[str, str]
    tags: Sequence[str] | None = None
    _rank: dict[str, int] = field(default_factory=dict, repr=False)
    _wheel_rank: dict[tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]], int | None] = field(
        default_factory=dict, repr=False
    )

    def __post_init__(self) -> None:
        if self.tags is not None:
            rank: dict[str, int] = {}
            for i, tag in enumerate(self.tags):
                rank.setdefault(tag, i)
            self._rank = rank

    @classmethod
    def from_interpreter(
        cls,
        *,
        markers: Mapping[str, str],
        tags: Sequence[str] | None,
        python_version: str | None = None,
    ) -> PythonTarget:
        """Target the interpreter, or ``python_version`` (``3.11``, ``3.11.4``) with its platform.

        Requires-Python is checked against ``python_version`` as given (``3.11`` means 3.11.0);
        the ``python_full_version`` marker takes the interpreter's patch when the minor versions
        match, else ``.0``.
        """
        env = dict(markers)
        if python_version is None:
            full = Version(env.get("python_full_version", env.get("python_version", "3")))
            return cls(version=full, markers=env, tags=tags)
        want = Version(python_version)
        major, minor = (*want.release, 0, 0)[:2]
        current = Version(env.get("python_full_version", "0"))
        if len(want.release) >= 3:
            full = want
        elif current.release[:2] == (major, minor):
            full = current
        else:
            full = Version(f"{major}.{minor}.0")
        env["python_version"] = f"{major}.{minor}"
        env["python_full_version"] = str(full)
        if env.get("implementation_name", "cpython") == "cpython":
            env["implementation_version"] = str(full)
        if tags is not None and current.release[:2] != (major, minor):
            tags = retarget_tags(tags, current.release[:2], (major, minor))
        # Requires-Python is checked against the version as given (`3.11` is 3.11.0), as uv
        # does: the output must work on every 3.11, not only on this interpreter's patch.
        return cls(version=want, markers=env, tags=tags)

    def satisfies_requires_python(self, requires_python: str) -> bool:
        return satisfies_lower_bound(requires_python, self.version)

    def requires_python_clause(self, requires_python: str) -> str:
        """The rest of "foo==1.0 ..." for a version whose Requires-Python excludes the target."""
        from packaging.specifiers import InvalidSpecifier, SpecifierSet

        try:
            shown = str(SpecifierSet(requires_python))
        except InvalidSpecifier:
            shown = requires_python
        return (f"depends on Python{shown}, which the requested Python version "
                f"({self.describe()}) does not satisfy")

    def describe(self) -> str:
        """The target as a report names it: ``3.11``."""
        return str(self.version)

    def wheel_rank(self, wheel: WheelFilename) -> int | None:
        """The priority of ``wheel``'s best tag (0 is best), ``None`` if it does not fit."""
        if self.tags is None:
            return 0
        key = (wheel.python_tags, wheel.abi_tags, wheel.platform_tags)
        try:
            return self._wheel_rank[key]
        except KeyError:
            pass
        best: int | None = None
        rank = self._rank
        for tag in wheel.tag_strings():
            r = rank.get(tag)
            if r is not None and (best is None or r < best):
                best = r
        self._wheel_rank[key] = best
        return best


def retarget_tags(tags: Sequence[str], have: tuple[int, ...], want: tuple[int, ...]) -> list[str]:
    """The interpreter's tags rewritten for another CPython minor version on the same platform."""
    from packaging.tags import compatible_tags, cpython_tags

    platforms: list[str] = []
    seen: set[str] = set()
    for tag in tags:
        plat = tag.rsplit("-", 1)[-1]
        if plat not in seen and plat != "any":
            seen.add(plat)
            platforms.append(plat)
    version = (want[0], want[1])
    out = [str(t) for t in cpython_tags(version, platforms=platforms)]
    out += [str(t) for t in compatible_tags(version, f"cp{want[0]}{want[1]}", platforms)]
    del have
    return out


def requires_python_floor(requires_python: str) -> Version | None:
    """Where universal resolution forks for ``requires_python``, as uv forks: at its lower
    bound, if it has one. ``>=3.10`` -> 3.10, ``>=3.9,!=3.9.*`` -> 3.10; an exclusive bound
    (``>3.9``, or ``>=3.9,!=3.9.0,!=3.9.1``, whose range starts just above 3.9.0) gives the
    point just above that release (:func:`just_above`), which uv writes ``> '3.9'``."""
    floor = _lower_range(requires_python)
    segment = next(iter(floor.segments()), None) if floor is not None else None
    if segment is None or segment[0] is None:
        return None
    bound, inclusive = segment[0]
    base = bound if isinstance(bound, Version) else getattr(bound, "version", None)
    if not isinstance(base, Version):
        return None
    if inclusive and isinstance(bound, Version):
        return Version(base.base_version)  # `3.10.dev0` (from `!=3.9.*`) -> 3.10
    return just_above(base)


def just_above(release: Version) -> Version:
    """A version above ``release``, its local and post releases, and below any later
    release: ``3.9`` -> ``3.9.0.1``. A Python slice that starts there holds exactly the
    Pythons above ``release``; its marker is written ``python_full_version > '3.9'``."""
    major, minor, micro = (*release.release, 0, 0)[:3]
    return Version(f"{major}.{minor}.{micro}.1")


def just_above_of(version: Version) -> Version | None:
    """The release that :func:`just_above` made ``version`` from, else None."""
    rel = version.release
    if len(rel) == 4 and rel[3] == 1 and version.pre is None and version.post is None \
            and version.dev is None and version.local is None:
        return Version(".".join(map(str, rel[:3])))
    return None


def satisfies_lower_bound(requires_python: str, version: Version) -> bool:
    """Whether ``version`` meets the lower bound of ``requires_python``.

    The lower bound is that of the whole specifier, as uv reads it: exclusions at the bound
    move it (``>=3.9,!=3.9.0,!=3.9.1`` starts above 3.9.1, so 3.9 fails it; ``>=3.9,!=3.9.*``
    starts at 3.10). Upper bounds (``<4``, ``<=3.11``), and exclusions above the lowest
    allowed version, are ignored as uv ignores them: they are usually speculative and would
    make otherwise fine resolutions fail. Invalid values are ignored.
    """
    floor = _lower_range(requires_python)
    return floor is None or version in floor


@lru_cache(maxsize=4096)
def _lower_range(requires_python: str) -> Range[Any] | None:
    """Every version from the lowest one ``requires_python`` admits up; None: no lower bound
    (or an invalid value)."""
    from sula.resolver.pubgrub.pep440 import range_from_specifier
    from sula.resolver.pubgrub.range import Range

    try:
        allowed = range_from_specifier(requires_python)
    except ValueError:  # InvalidSpecifier, or `===` (no range)
        return None
    first = next(iter(allowed.segments()), None)
    if first is None:
        return Range.empty()
    low = first[0]
    if low is None:
        return None
    bound, inclusive = low
    return Range.higher_than(bound) if inclusive else Range.strictly_higher_than(bound)


_ARCH_ALIASES = {"arm64": "aarch64", "amd64": "x86_64"}


def platform_target(target: str, markers: Mapping[str, str], python_version: str
                    ) -> tuple[dict[str, str], list[str]]:
    """Markers and tags for ``--python-platform`` (``linux``, ``windows``, ``macos``,
    ``x86_64-manylinux_2_28``, ``x86_64-manylinux2014``, ``aarch64-apple-darwin``, ...).

    Like uv: a bare ``linux`` means x86_64 with glibc 2.28, ``macos`` means 13.0.
    """
    from packaging.tags import compatible_tags, cpython_tags

    from sula.resolver.errors import ResolveError

    t = target.lower()
    legacy = {"manylinux2014": (2, 17), "manylinux2010": (2, 12), "manylinux1": (2, 5)}
    arch = "x86_64"
    if "-" in t:
        head, _, rest = t.partition("-")
        arch = _ARCH_ALIASES.get(head, head)
    else:
        rest = t
    env = dict(markers)
    platforms: list[str]
    if rest in ("linux", "unknown-linux-gnu") or rest.startswith("manylinux"):
        glibc = (2, 28)
        if rest in legacy:
            glibc = legacy[rest]
        elif rest.startswith("manylinux_"):
            try:
                glibc = tuple(int(x) for x in rest[len("manylinux_"):].split("_")[:2])  # type: ignore[assignment]
            except ValueError as err:
                raise ResolveError(f"Unknown Python platform `{target}`") from err
        platforms = [f"manylinux_{glibc[0]}_{m}_{arch}" for m in range(glibc[1], 4, -1)]
        for alias, (ma, mi) in legacy.items():
            if (ma, mi) <= glibc:
                platforms.append(f"{alias}_{arch}")
        platforms.append(f"linux_{arch}")
        env.update(sys_platform="linux", platform_system="Linux", os_name="posix",
                   platform_machine=arch)
    elif rest in ("windows", "pc-windows-msvc"):
        plat = {"x86_64": "win_amd64", "aarch64": "win_arm64", "i686": "win32"}.get(arch, "win_amd64")
        platforms = [plat]
        env.update(sys_platform="win32", platform_system="Windows", os_name="nt",
                   platform_machine={"win_amd64": "AMD64", "win_arm64": "ARM64"}.get(plat, "x86"))
    elif rest in ("macos", "apple-darwin"):
        if t == "macos":
            arch = "aarch64"
        mac_arch = "arm64" if arch == "aarch64" else "x86_64"
        platforms = []
        for major in range(13, 10, -1):
            platforms.append(f"macosx_{major}_0_{mac_arch}")
            platforms.append(f"macosx_{major}_0_universal2")
        for minor in range(16, 8, -1):
            if mac_arch == "x86_64":
                platforms.append(f"macosx_10_{minor}_x86_64")
                platforms.append(f"macosx_10_{minor}_universal2")
        env.update(sys_platform="darwin", platform_system="Darwin", os_name="posix",
                   platform_machine=mac_arch)
    else:
        raise ResolveError(f"Unknown Python platform `{target}`")
    want = Version(python_version)
    version = (*want.release, 0)[:2]
    tags = [str(x) for x in cpython_tags(version, platforms=platforms)]
    tags += [str(x) for x in compatible_tags(version, f"cp{version[0]}{version[1]}", platforms)]
    return env, tags
