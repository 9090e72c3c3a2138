from __future__ import annotations

import json
from pathlib import Path

from packaging.utils import canonicalize_name

from sula.distribution import WheelFilename
from sula.distribution.dist import CachedDist
from sula.installer.plan import Reinstall, Wanted, plan_install, same_version
from sula.installer.site_packages import SitePackages


def _dist_info(site: Path, name: str, version: str, direct_url: dict[str, object] | None = None) -> None:
    d = site / f"{name}-{version}.dist-info"
    d.mkdir(parents=True)
    (d / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n\n")
    (d / "RECORD").write_text("")
    if direct_url is not None:
        (d / "direct_url.json").write_text(json.dumps(direct_url))


def _want(name: str, version: str | None = None, url: str | None = None) -> Wanted:
    return Wanted(name=canonicalize_name(name), version=version, url=url)


def test_plan_sorts_everything(tmp_path: Path) -> None:
    site = tmp_path / "site"
    _dist_info(site, "same", "1.0")
    _dist_info(site, "older", "1.0")
    _dist_info(site, "extra", "3.0")
    _dist_info(site, "pip", "24.0")
    _dist_info(site, "fromurl", "1.0", {"url": "file:///x/fromurl-1.0-py3-none-any.whl", "archive_info": {}})
    sp = SitePackages.from_dirs([site])
    cached = CachedDist(filename=WheelFilename.parse("older-2.0-py3-none-any.whl"), path=tmp_path, sha256=None)

    def find(w: Wanted) -> CachedDist | None:
        return cached if w.name == "older" else None

    wanted = [
        _want("same", "1.0.0"),
        _want("older", "2.0"),
        _want("new", "1.0"),
        _want("fromurl", "1.0"),
    ]
    plan = plan_install(wanted, sp, find_cached=find, remove_extraneous=True)
    assert [d.name for d in plan.satisfied] == ["same"]
    assert [(w.name, c) for w, c in plan.cached] == [("older", cached)]
    assert [w.name for w in plan.remote] == ["new", "fromurl"]
    assert sorted(d.name for d in plan.reinstall) == ["fromurl", "older"]
    assert sorted(d.name for d in plan.extraneous) == ["extra", "pip"]
    assert not plan.is_noop()


def test_plan_urls_reinstall_flags_and_noop(tmp_path: Path) -> None:
    site = tmp_path / "site"
    url = "file:///x/fromurl-1.0-py3-none-any.whl"
    _dist_info(site, "fromurl", "1.0", {"url": url, "archive_info": {}})
    _dist_info(site, "same", "1.0")
    sp = SitePackages.from_dirs([site])
    wanted = [_want("fromurl", url=url), _want("same", "1.0")]
    plan = plan_install(wanted, sp, find_cached=lambda w: None, remove_extraneous=True)
    assert plan.is_noop() and len(plan.satisfied) == 2
    plan = plan_install(
        wanted, sp, find_cached=lambda w: None,
        reinstall=Reinstall(packages=frozenset({canonicalize_name("same")})),
    )
    assert [d.name for d in plan.reinstall] == ["same"]
    assert [w.name for w in plan.remote] == ["same"]
    other = [_want("fromurl", url="file:///y/fromurl-1.0-py3-none-any.whl")]
    assert [d.name for d in plan_install(other, sp, find_cached=lambda w: None).reinstall] == ["fromurl"]


def test_same_version() -> None:
    assert same_version("1.0", "1.0.0")
    assert not same_version("1.0", "1.0.post1")
    assert same_version("weird", "weird") and not same_version("weird", "1.0")
