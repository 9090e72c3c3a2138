from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from sula.installer import (
    InstallOptions,
    Layout,
    Linker,
    UninstallError,
    UnsafePathError,
    install_wheel,
)
from sula.installer.site_packages import InstalledKind, SitePackages
from sula.installer.uninstall import uninstall
from sula.installer.wheel import UnpackedWheel

Unpack = Callable[[Path], UnpackedWheel]


def _tree(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*")} if root.exists() else set()


def test_uninstall_removes_record_files_pycache_and_empty_dirs(
    wheel_factory, unpack: Unpack, layout: Layout
) -> None:
    keep = unpack(wheel_factory("keeper", "1.0", files={"ns/keeper.py": ""}))
    install_wheel(keep, layout, Linker())
    before = _tree(layout.data)
    wheel = unpack(wheel_factory(
        "gone", "1.0",
        files={"gone/__init__.py": "", "gone/deep/mod.py": "", "ns/gone_mod.py": ""},
        entry_points={"console_scripts": {"gone-cli": "gone:main"}},
        data={"data": {"share/gone/f.txt": "x"}},
    ))
    install_wheel(wheel, layout, Linker(), InstallOptions(requested=True))
    pycache = layout.purelib / "gone" / "deep" / "__pycache__"
    pycache.mkdir()
    (pycache / "mod.cpython-311.pyc").write_bytes(b"")
    (layout.purelib / "ns" / "__pycache__").mkdir()
    (layout.purelib / "ns" / "__pycache__" / "gone_mod.cpython-311.pyc").write_bytes(b"")
    dist = SitePackages.from_layout(layout).get("gone")[0]
    summary = uninstall(dist, layout)
    assert summary.removed >= 8
    after = _tree(layout.data)
    assert not (layout.purelib / "gone").exists()
    assert not (layout.scripts / "gone-cli").exists()
    assert not (layout.data / "share").exists()
    assert (layout.purelib / "ns" / "keeper.py").exists()
    assert after - before == {"bin"}  # the scripts dir is a root: kept
    assert [d.name for d in SitePackages.from_layout(layout)] == ["keeper"]


def test_uninstall_refuses_paths_outside_the_environment(
    wheel_factory, unpack: Unpack, layout: Layout, tmp_path: Path
) -> None:
    d = install_wheel(unpack(wheel_factory("evil", "1.0")), layout, Linker())
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    rel = os.path.relpath(victim, d.parent)
    with open(d / "RECORD", "a") as f:
        f.write(f"{rel},,\n")
    dist = SitePackages.from_layout(layout).get("evil")[0]
    with pytest.raises(UnsafePathError):
        uninstall(dist, layout)
    assert victim.read_text() == "precious"
    assert (layout.purelib / "evil" / "__init__.py").exists() and d.exists()


def test_failed_uninstall_leaves_the_dist_whole(
    wheel_factory, unpack: Unpack, layout: Layout, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = {f"whole/m{i}.py": f"X = {i}\n" for i in range(6)}
    d = install_wheel(unpack(wheel_factory("whole", "1.0", files=files)), layout, Linker())
    before = _tree(layout.data)
    real_rename = os.rename
    calls = {"n": 0}

    def flaky(src: str, dst: str) -> None:
        calls["n"] += 1
        if calls["n"] == 4:
            raise PermissionError(13, "Permission denied", src)
        real_rename(src, dst)

    monkeypatch.setattr(os, "rename", flaky)
    dist = SitePackages.from_layout(layout).get("whole")[0]
    with pytest.raises(UninstallError):
        uninstall(dist, layout)
    monkeypatch.setattr(os, "rename", real_rename)
    assert _tree(layout.data) == before
    assert (d / "RECORD").exists()


def test_legacy_egg_info_and_egg_link(layout: Layout, tmp_path: Path) -> None:
    site = layout.purelib
    site.mkdir(parents=True)
    (site / "old").mkdir()
    (site / "old" / "__init__.py").write_text("")
    info = site / "old-0.5-py3.11.egg-info"
    info.mkdir()
    (info / "PKG-INFO").write_text("Metadata-Version: 1.1\nName: old\nVersion: 0.5\n\n")
    (info / "requires.txt").write_text("six\n\n[extra1]\nattrs>=1\n")
    (info / "installed-files.txt").write_text("../old/__init__.py\nPKG-INFO\nrequires.txt\ninstalled-files.txt\n")
    project = tmp_path / "proj"
    (project / "devpkg.egg-info").mkdir(parents=True)
    (project / "devpkg.egg-info" / "PKG-INFO").write_text("Name: devpkg\nVersion: 0.1.dev0\n\n")
    (site / "devpkg.egg-link").write_text(f"{project}\n.\n")
    (site / "easy-install.pth").write_text(f"{project}\n/elsewhere\n")

    sp = SitePackages.from_layout(layout)
    old = sp.get("old")[0]
    assert (old.kind, old.version) == (InstalledKind.EGG_INFO, "0.5")
    assert old.requires() == ["six", 'attrs>=1; extra == "extra1"']
    dev = sp.get("devpkg")[0]
    assert dev.kind is InstalledKind.EGG_LINK and dev.editable and dev.version == "0.1.dev0"

    uninstall(old, layout)
    assert not (site / "old").exists() and not info.exists()
    uninstall(dev, layout)
    assert not (site / "devpkg.egg-link").exists()
    assert (site / "easy-install.pth").read_text() == "/elsewhere\n"
    assert project.exists()
    assert len(SitePackages.from_layout(layout)) == 0
