"""Seed a new environment with pip (and, before Python 3.12, setuptools) from the wheels that the
base interpreter bundles for ``ensurepip`` (``<stdlib>/ensurepip/_bundled/``, or the
distribution's ``/usr/share/python-wheels``).

A small, complete wheel install: files unpacked into site-packages (``.data/`` directories to
their scheme paths), console scripts written for the environment's interpreter, and a PEP 376
RECORD with ``INSTALLER = sula``. The full installer (``sula.installer``) replaces this once it
exists; until then this keeps ``sula venv --seed`` independent of the network.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import os
import re
import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from sula.venv.errors import VenvError

__all__ = ["SeedPackage", "find_bundled_wheels", "install_seed_wheel", "launcher_script"]

_WHEEL_RE = re.compile(r"^(?P<name>[^-]+)-(?P<version>[^-]+)-.*\.whl$")
_SHEBANG_MAX = 127


@dataclass(frozen=True, slots=True)
class SeedPackage:
    """A distribution that was seeded: its name, version and the wheel it came from."""

    name: str
    version: str
    wheel: Path


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(p) for p in re.findall(r"\d+", version))


def find_bundled_wheels(stdlib: str, python_version: tuple[int, int, int]) -> list[Path]:
    """The newest bundled wheel of each project: pip always, setuptools before Python 3.12
    (what ``python -m venv`` installs)."""
    dirs = [Path(stdlib) / "ensurepip" / "_bundled", Path("/usr/share/python-wheels")]
    wanted = {"pip"} if python_version >= (3, 12) else {"pip", "setuptools"}
    for directory in dirs:
        best: dict[str, tuple[tuple[int, ...], Path]] = {}
        try:
            entries = list(directory.iterdir())
        except OSError:
            continue
        for entry in entries:
            m = _WHEEL_RE.match(entry.name)
            if not m or m.group("name").lower() not in wanted:
                continue
            name, key = m.group("name").lower(), _version_key(m.group("version"))
            if name not in best or key > best[name][0]:
                best[name] = (key, entry)
        if "pip" in best:
            return [best[name][1] for name in sorted(best)]
    return []


def launcher_script(python: str, module: str, attr: str, *, relocatable: bool = False) -> str:
    """A console-script launcher: ``module:attr`` run by ``python``.

    The shebang names ``python`` directly when the kernel can take it (no spaces, short
    enough); otherwise, and for relocatable environments, a ``/bin/sh`` prologue execs the
    interpreter and Python reads the rest of the file as a docstring plus code.
    """
    if relocatable:
        head = (
            "#!/bin/sh\n"
            "'''exec' \"$(dirname -- \"$(realpath -- \"$0\")\")\"/'python' \"$0\" \"$@\"\n"
            "' '''\n"
        )
    elif " " in python or len(python) + 2 > _SHEBANG_MAX:
        quoted = "'" + python.replace("'", "'\\''") + "'"
        head = f"#!/bin/sh\n'''exec' {quoted} \"$0\" \"$@\"\n' '''\n"
    else:
        head = f"#!{python}\n"
    obj = attr.split(".")[0]
    return (
        f"{head}# -*- coding: utf-8 -*-\n"
        "import re\n"
        "import sys\n"
        f"from {module} import {obj}\n"
        "if __name__ == \"__main__\":\n"
        "    sys.argv[0] = re.sub(r\"(-script\\.pyw|\\.exe)?$\", \"\", sys.argv[0])\n"
        f"    sys.exit({attr}())\n"
    )


def _console_scripts(text: str, python_version: tuple[int, int, int]) -> list[tuple[str, str]]:
    """``(name, "module:attr")`` pairs, with pip's and easy_install's versioned names rewritten
    for the target Python (their wheels carry the names of the Python that built them)."""
    import configparser

    parser = configparser.ConfigParser(delimiters=("=",), interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string(text)
    if not parser.has_section("console_scripts"):
        return []
    items = dict(parser.items("console_scripts"))
    major, minor = python_version[0], python_version[1]
    for base, versioned in (("pip", r"pip\d+(\.\d+)?"), ("easy_install", r"easy_install(-\d+\.\d+)?")):
        if base in items:
            target = items[base]
            for name in [n for n in items if re.fullmatch(versioned, n)]:
                del items[name]
            if base == "pip":
                items[f"pip{major}"] = target
                items[f"pip{major}.{minor}"] = target
            else:
                items[f"easy_install-{major}.{minor}"] = target
    return sorted(items.items())


def _record_hash(data: bytes) -> str:
    digest = hashlib.sha256(data).digest()
    return "sha256=" + base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def install_seed_wheel(
    wheel: Path,
    *,
    site_packages: Path,
    scripts_dir: Path,
    data_dir: Path,
    include_dir: Path,
    python: str,
    python_version: tuple[int, int, int],
    relocatable: bool = False,
) -> SeedPackage:
    """Unpack ``wheel`` into an environment and write its scripts, INSTALLER and RECORD."""
    m = _WHEEL_RE.match(wheel.name)
    if not m:
        raise VenvError(f"Not a wheel file name: `{wheel.name}`")
    name, version = m.group("name"), m.group("version")
    dist_info = f"{name}-{version}.dist-info"
    data_prefix = f"{name}-{version}.data/"
    targets = {
        "purelib": site_packages,
        "platlib": site_packages,
        "scripts": scripts_dir,
        "data": data_dir,
        "headers": include_dir / "site" / f"python{python_version[0]}.{python_version[1]}" / name,
    }
    records: list[tuple[str, str, str]] = []
    entry_points = ""
    try:
        with zipfile.ZipFile(wheel) as zf:
            for info in zf.infolist():
                if info.is_dir():
                    continue
                member = PurePosixPath(info.filename)
                if member.is_absolute() or ".." in member.parts:
                    raise VenvError(f"Unsafe path `{info.filename}` in `{wheel.name}`")
                if info.filename == f"{dist_info}/RECORD":
                    continue
                data = zf.read(info)
                if info.filename.startswith(data_prefix):
                    kind, _, rest = info.filename[len(data_prefix) :].partition("/")
                    if kind not in targets or not rest:
                        raise VenvError(f"Unknown data directory `{kind}` in `{wheel.name}`")
                    dest = targets[kind] / rest
                else:
                    dest = site_packages / info.filename
                dest.parent.mkdir(parents=True, exist_ok=True)
                dest.write_bytes(data)
                mode = info.external_attr >> 16
                if mode & 0o111:
                    os.chmod(dest, 0o755)
                if info.filename == f"{dist_info}/entry_points.txt":
                    entry_points = data.decode("utf-8")
                rel = os.path.relpath(dest, site_packages).replace(os.sep, "/")
                records.append((rel, _record_hash(data), str(len(data))))
    except (OSError, zipfile.BadZipFile) as err:
        raise VenvError(f"Failed to unpack the bundled wheel `{wheel}`") from err

    for script_name, target in _console_scripts(entry_points, python_version):
        module, _, attr = target.partition(":")
        text = launcher_script(python, module.strip(), attr.strip() or "main", relocatable=relocatable)
        data = text.encode("utf-8")
        dest = scripts_dir / script_name
        dest.write_bytes(data)
        os.chmod(dest, os.stat(dest).st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
        rel = os.path.relpath(dest, site_packages).replace(os.sep, "/")
        records.append((rel, _record_hash(data), str(len(data))))

    installer = b"sula\n"
    (site_packages / dist_info / "INSTALLER").write_bytes(installer)
    records.append((f"{dist_info}/INSTALLER", _record_hash(installer), str(len(installer))))
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerows(records)
    writer.writerow((f"{dist_info}/RECORD", "", ""))
    (site_packages / dist_info / "RECORD").write_text(buf.getvalue(), encoding="utf-8")
    return SeedPackage(name=name, version=version, wheel=wheel)
