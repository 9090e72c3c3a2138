"""Hash-checking mode's policy (``sula.dispatch.hashes``): when it is on, which hashes a line
trusts and how a mismatch reads (which index files they allow: tests/unit/installer/test_choose.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from sula.database.errors import HashMismatchError
from sula.dispatch.hashes import (
    HashCheckingError,
    check_hashed,
    hash_checking,
    trusted_hashes,
)
from sula.installer.errors import MissingHashError
from sula.requirements import RequirementsSpec, parse_requirements_text

A, B = "a" * 64, "b" * 64


def _spec(text: str, tmp_path: Path) -> RequirementsSpec:
    return parse_requirements_text(text, name="r.txt", base_dir=tmp_path, working_dir=tmp_path, environ={})


def test_one_hash_turns_it_on_as_pip_does(tmp_path: Path) -> None:
    # (required, only implied by a `--hash`)
    assert hash_checking(_spec("pkg==1.0\n", tmp_path), False) == (False, False)
    assert hash_checking(_spec("pkg==1.0\n", tmp_path), True) == (True, False)
    assert hash_checking(_spec("--require-hashes\npkg==1.0\n", tmp_path), False) == (True, False)
    assert hash_checking(_spec(f"pkg==1.0 --hash=sha256:{A}\nother==2\n", tmp_path), False) == (True, True)


def test_check_hashed_names_the_line(tmp_path: Path) -> None:
    with pytest.raises(HashCheckingError, match=r"pinned with `==`, but `pkg>=1` \(`r.txt` at line 1\)"):
        check_hashed(_spec(f"pkg>=1 --hash=sha256:{A}\n", tmp_path), {})
    with pytest.raises(MissingHashError, match=r"`other==2` \(`r.txt` at line 2\) has no `--hash`"):
        check_hashed(_spec(f"pkg==1 --hash=sha256:{A}\nother==2\n", tmp_path), {})
    # Implied by a `--hash`: a directory is installed unhashed (uv installs it); required: refused.
    tree = tmp_path / "tree"
    tree.mkdir()
    spec = _spec(f"pkg==1 --hash=sha256:{A}\n{tree}\n", tmp_path)
    check_hashed(spec, {}, trees=True)
    with pytest.raises(HashCheckingError, match="not supported for local directories"):
        check_hashed(spec, {})
    # A marker that does not apply: the line is skipped, as it is when installing.
    check_hashed(_spec(f"pkg==1 --hash=sha256:{A}\nother ; sys_platform == 'nowhere'\n", tmp_path),
                 {"sys_platform": "linux"})


def test_md5_is_dropped_when_hashes_are_required() -> None:
    assert trusted_hashes(("md5:" + "0" * 32, f"sha256:{A}"), "pkg", require=True) == (f"sha256:{A}",)
    assert trusted_hashes(("md5:" + "0" * 32,), "pkg", require=False) == ("md5:" + "0" * 32,)
    with pytest.raises(HashCheckingError, match="`md5` hashes are insecure"):
        trusted_hashes(("md5:" + "0" * 32,), "pkg==1", require=True)


def test_a_mismatch_names_every_expected_digest() -> None:
    err = HashMismatchError.of("pkg-1.0.tar.gz", {"sha512": {"e" * 128}, "sha256": {A, B}},
                               {"sha256": "c" * 64, "sha512": "d" * 128})
    assert str(err) == (f"Hash mismatch for `pkg-1.0.tar.gz`: expected `sha256:{A}`, `sha256:{B}`, "
                        f"`sha512:{'e' * 128}`, got `sha256:{'c' * 64}`, `sha512:{'d' * 128}`")
    one = HashMismatchError.of("w.whl", {"sha256": {A}}, {"sha256": B})
    assert str(one) == f"Hash mismatch for `w.whl`: expected `sha256:{A}`, got `sha256:{B}`"
