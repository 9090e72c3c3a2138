"""Sort keys of version texts, as ``packaging.version.Version`` orders them, mostly without
parsing: plain releases (``1.2.3``, nine in ten versions on an index page) and canonical
pre-, post- and dev-releases are keyed from the text when this packaging's key layout is the
one checked at import; anything else is parsed.

The resolver keys every version of every page it reads (``resolver.version_map``); the client
keys them once when it stores a page, so that a stored page lists its versions newest first
(``client.types.group_rows``) and a resolution reading it sorts nothing.
"""

from __future__ import annotations

import re
from typing import Any

from packaging.version import InvalidVersion, Version

from sula.distribution.version import normal_version_pattern

__all__ = ["PLAIN_KEYS", "key_of", "newest_first", "plain_key", "plain_match", "version_key"]

# Plain release strings (``1.2.3``): their ``Version`` sort key is built without parsing,
# when this packaging's key layout is the one checked below (else every version is parsed).
_PLAIN_RE = re.compile(r"[0-9]+(?:\.[0-9]+)*").fullmatch
_STABLE_TAIL: tuple[Any, ...] | None = None


PLAIN_KEYS: dict[str, tuple[Any, ...]] = {}


def plain_key(text: str) -> tuple[Any, ...]:
    key = PLAIN_KEYS.get(text)  # ``1.0.0`` is a version of many packages
    if key is None:
        release = tuple(map(int, text.split(".")))
        end = len(release)
        while end and release[end - 1] == 0:
            end -= 1
        key = PLAIN_KEYS[text] = (0, release[:end], *_STABLE_TAIL)  # type: ignore[misc]
    return key


def key_of(version: Version) -> Any:
    """The sort/equality key of ``version`` (its comparison key when plain keys are on)."""
    return version._key if _STABLE_TAIL is not None else version


def _check_plain_keys() -> tuple[Any, ...] | None:
    global _STABLE_TAIL
    try:
        key = Version("1")._key
        _STABLE_TAIL = tuple(key[2:])
        for text in ("0", "0.0", "1.0.0", "2.10.0.1", "007.08", "1.2"):
            if plain_key(text) != Version(text)._key:
                raise ValueError(text)
    except Exception:  # another packaging: parse everything
        _STABLE_TAIL = None
    return _STABLE_TAIL


_check_plain_keys()

# Canonical pre-, post- and dev-release spellings (``1.2rc1``, ``1.2.post3``, ``1.2.dev0``):
# keyed by packaging's own key function, when it exists and agrees with Version below.
_TAGGED = normal_version_pattern().fullmatch
_cmpkey: Any = None


def _tagged_key(text: str) -> tuple[Any, bool] | None:
    """``(key, is_prerelease)`` of a canonical tagged version, or None (parse it instead)."""
    m = _TAGGED(text)
    if m is None or _cmpkey is None:
        return None
    release, pre, pre_n, post, dev = m.groups()
    key = _cmpkey(
        0,
        tuple(int(p) for p in release.split(".")),
        (pre, int(pre_n)) if pre is not None else None,
        ("post", int(post)) if post is not None else None,
        ("dev", int(dev)) if dev is not None else None,
        None,
    )
    return key, pre is not None or dev is not None


def _check_tagged_keys() -> None:
    global _cmpkey
    if _STABLE_TAIL is None:
        return
    try:
        from packaging.version import _cmpkey as cmpkey

        _cmpkey = cmpkey
        for text in ("1.0a1", "1.0b2", "2.0rc10", "1.0.post1", "1.0.dev0", "1.0rc1.post2.dev3",
                     "1.0a0.dev1", "0.0.post0", "3.10.0b1", "1.0"):
            hit = _tagged_key(text)
            v = Version(text)
            if hit is None or hit != (v._key, v.is_prerelease):
                raise ValueError(text)
    except Exception:  # another packaging: parse these
        _cmpkey = None


_check_tagged_keys()


def version_key(text: str) -> tuple[Any, Version | None, bool] | None:
    """``(sort key, the Version if it had to be parsed, is_prerelease)``; None: invalid."""
    if _STABLE_TAIL is not None and _PLAIN_RE(text):
        return plain_key(text), None, False
    tagged = _tagged_key(text)
    if tagged is not None:
        return tagged[0], None, tagged[1]
    try:
        version = Version(text)
    except InvalidVersion:
        return None
    return key_of(version), version, version.is_prerelease


#: ``fullmatch`` of a plain release text when plain keys are on, else None.
plain_match = _PLAIN_RE if _STABLE_TAIL is not None else None


def newest_first(texts: list[str]) -> list[tuple[int, int]]:
    """``(position in texts, kind)`` of every text, newest version first (the invalid ones
    last, in their order): ``kind`` 0 a release, 1 a pre-release, 2 not a valid version, 3
    the same version as the text before it (``1.0.0`` after ``1.0``: the spellings of one
    version stay together, in the order of ``texts``, the first naming the version)."""
    keyed: list[tuple[Any, int, int]] = []
    invalid: list[tuple[int, int]] = []
    for i, text in enumerate(texts):
        got = version_key(text)
        if got is None:
            invalid.append((i, 2))
            continue
        key, _version, pre = got
        keyed.append((key, i, 1 if pre else 0))
    keyed.sort(key=lambda k: k[0], reverse=True)  # stable: equal versions keep their order
    out: list[tuple[int, int]] = []
    last: Any = None  # no version's key is None
    for key, i, kind in keyed:
        out.append((i, 3 if key == last else kind))
        last = key
    return out + invalid
