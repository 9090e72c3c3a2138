"""Run by a target interpreter (``python -I -S _probe.py``): print what sula needs to know, as JSON.

This file is executed by every CPython from 3.8 on (and PyPy), in isolation and without
``site``: it may import only the standard library, and must not use syntax newer than 3.8.
Tags are computed here, in the order of ``packaging.tags.sys_tags()`` (packaging >= 26.3:
native ``linux_*`` before ``manylinux``/``musllinux``), without importing packaging.
"""

from __future__ import annotations

import os
import sys


def _fix_venv_prefix() -> None:
    """Without ``site`` (``-S``), Pythons before 3.11 do not notice a venv: do what ``site.venv``
    does. Runs before ``sysconfig`` is imported, which captures ``sys.prefix`` (3.8 to 3.10)."""
    if sys.prefix != sys.base_prefix:
        return
    exe_dir = os.path.dirname(os.path.abspath(sys.executable))
    site_prefix = os.path.dirname(exe_dir)
    for conf_dir in (exe_dir, site_prefix):
        if os.path.isfile(os.path.join(conf_dir, "pyvenv.cfg")):
            sys.prefix = sys.exec_prefix = site_prefix
            return


_fix_venv_prefix()

import json  # noqa: E402
import platform  # noqa: E402
import struct  # noqa: E402
import sysconfig  # noqa: E402

PROBE_VERSION = 1

_SHORT_NAMES = {"python": "py", "cpython": "cp", "pypy": "pp", "ironpython": "ip", "jython": "jy"}
_PLACEHOLDER = os.path.join(os.sep, "__sula_prefix__")
_PATH_KEYS = ("purelib", "platlib", "scripts", "data", "include")
_IS_32BIT = struct.calcsize("P") == 4


def _config_var(name: str) -> object:
    return sysconfig.get_config_var(name)


def _normalize(text: str) -> str:
    return text.replace(".", "_").replace("-", "_").replace(" ", "_")


def _nodot(version: tuple[int, ...]) -> str:
    return "".join(map(str, version))


def _implementation_version() -> str:
    info = sys.implementation.version
    version = f"{info.major}.{info.minor}.{info.micro}"
    if info.releaselevel != "final":
        version += info.releaselevel[0] + str(info.serial)
    return version


def markers() -> dict[str, str]:
    """PEP 508 environment marker values, as ``packaging.markers.default_environment()``."""
    return {
        "implementation_name": sys.implementation.name,
        "implementation_version": _implementation_version(),
        "os_name": os.name,
        "platform_machine": platform.machine(),
        "platform_release": platform.release(),
        "platform_system": platform.system(),
        "platform_version": platform.version(),
        "python_full_version": platform.python_version(),
        "platform_python_implementation": platform.python_implementation(),
        "python_version": ".".join(platform.python_version_tuple()[:2]),
        "sys_platform": sys.platform,
    }


# --- ELF (Linux): enough to tell i686/armhf binaries apart and find the dynamic loader --------


def _read_elf(path: str) -> dict[str, object] | None:
    try:
        with open(path, "rb") as f:
            ident = f.read(16)
            if len(ident) < 16 or ident[:4] != b"\x7fELF":
                return None
            capacity, encoding = ident[4], ident[5]
            if capacity not in (1, 2) or encoding not in (1, 2):
                return None
            end = "<" if encoding == 1 else ">"
            fmt = end + "HHIIIIIHHH" if capacity == 1 else end + "HHIQQQIHHH"
            raw = f.read(struct.calcsize(fmt))
            (_type, machine, _ver, _entry, phoff, _shoff, flags, _eh, phentsize, phnum) = (
                struct.unpack(fmt, raw)
            )
            interpreter = None
            ph_fmt = end + ("IIIIIIII" if capacity == 1 else "IIQQQQQQ")
            for i in range(phnum):
                f.seek(phoff + phentsize * i)
                ph = struct.unpack(ph_fmt, f.read(struct.calcsize(ph_fmt)))
                if capacity == 1:
                    p_type, p_offset, p_filesz = ph[0], ph[1], ph[4]
                else:
                    p_type, p_offset, p_filesz = ph[0], ph[2], ph[5]
                if p_type == 3:  # PT_INTERP
                    f.seek(p_offset)
                    interpreter = os.fsdecode(f.read(p_filesz)).strip("\0")
            return {
                "capacity": capacity,
                "encoding": encoding,
                "machine": machine,
                "flags": flags,
                "interpreter": interpreter,
            }
    except (OSError, struct.error, ValueError):
        return None


_ALLOWED_ARCHS = {"x86_64", "aarch64", "ppc64", "ppc64le", "s390x", "loongarch64", "riscv64"}
_LEGACY_MANYLINUX = {(2, 17): "manylinux2014", (2, 12): "manylinux2010", (2, 5): "manylinux1"}


def _glibc_version() -> tuple[int, int]:
    version = None
    try:
        text = os.confstr("CS_GNU_LIBC_VERSION")
        if text:
            version = text.rsplit()[1]
    except (AttributeError, OSError, ValueError, IndexError):
        version = None
    if version is None:
        try:
            import ctypes

            fn = ctypes.CDLL(None).gnu_get_libc_version
            fn.restype = ctypes.c_char_p
            raw = fn()
            version = raw.decode("ascii") if isinstance(raw, bytes) else raw
        except (ImportError, OSError, AttributeError):
            return (-1, -1)
    import re

    m = re.match(r"([0-9]+)\.([0-9]+)", version or "")
    if not m:
        return (-1, -1)
    return (int(m.group(1)), int(m.group(2)))


def _manylinux_platforms(archs: list[str], elf: dict[str, object] | None) -> list[str]:
    if "armv7l" in archs:
        ok = (
            elf is not None
            and elf["capacity"] == 1
            and elf["encoding"] == 1
            and elf["machine"] == 40
            and int(elf["flags"]) & 0xFF000000 == 0x05000000  # type: ignore[call-overload]
            and int(elf["flags"]) & 0x400 == 0x400  # type: ignore[call-overload]
        )
    elif "i686" in archs:
        ok = elf is not None and elf["capacity"] == 1 and elf["encoding"] == 1 and elf["machine"] == 3
    else:
        ok = any(arch in _ALLOWED_ARCHS for arch in archs)
    if not ok:
        return []
    try:
        manylinux_mod = __import__("_manylinux")
    except ImportError:
        manylinux_mod = None
    current = _glibc_version()

    def compatible(arch: str, version: tuple[int, int]) -> bool:
        if current < version:
            return False
        if manylinux_mod is None:
            return True
        if hasattr(manylinux_mod, "manylinux_compatible"):
            result = manylinux_mod.manylinux_compatible(version[0], version[1], arch)
            return True if result is None else bool(result)
        for legacy_version, name in _LEGACY_MANYLINUX.items():
            attr = name + "_compatible"
            if version == legacy_version and hasattr(manylinux_mod, attr):
                return bool(getattr(manylinux_mod, attr))
        return True

    too_old = (2, 4) if set(archs) & {"x86_64", "i686"} else (2, 16)
    max_list = [current] + [(major, 50) for major in range(current[0] - 1, 1, -1)]
    out = []
    for arch in archs:
        for glibc_max in max_list:
            min_minor = too_old[1] if glibc_max[0] == too_old[0] else -1
            for minor in range(glibc_max[1], min_minor, -1):
                version = (glibc_max[0], minor)
                if compatible(arch, version):
                    out.append(f"manylinux_{version[0]}_{version[1]}_{arch}")
                    legacy = _LEGACY_MANYLINUX.get(version)
                    if legacy:
                        out.append(f"{legacy}_{arch}")
    return out


def _musllinux_platforms(archs: list[str], elf: dict[str, object] | None) -> list[str]:
    ld = elf["interpreter"] if elf else None
    if not isinstance(ld, str) or "musl" not in ld:
        return []
    import re
    import subprocess

    proc = subprocess.run([ld], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
    lines = [n.strip() for n in proc.stderr.decode("utf-8", "replace").splitlines() if n.strip()]
    if len(lines) < 2 or lines[0][:4] != "musl":
        return []
    m = re.match(r"Version (\d+)\.(\d+)", lines[1])
    if not m:
        return []
    major, minor = int(m.group(1)), int(m.group(2))
    return [
        f"musllinux_{major}_{m_}_{arch}"
        for arch in archs
        for m_ in range(minor, -1, -1)
    ]


def _linux_platforms() -> list[str]:
    linux = _normalize(sysconfig.get_platform())
    if not linux.startswith("linux_"):
        return [linux]
    if _IS_32BIT:
        if linux == "linux_x86_64":
            linux = "linux_i686"
        elif linux == "linux_aarch64":
            linux = "linux_armv8l"
    arch = linux.split("_", 1)[1]
    archs = {"armv8l": ["armv8l", "armv7l"]}.get(arch, [arch])
    elf = _read_elf(sys.executable)
    return (
        ["linux_" + a for a in archs]
        + _manylinux_platforms(archs, elf)
        + _musllinux_platforms(archs, elf)
    )


# --- Apple --------------------------------------------------------------------------------


def _mac_binary_formats(version: tuple[int, int], cpu_arch: str) -> list[str]:
    formats = [cpu_arch]
    if cpu_arch == "x86_64":
        if version < (10, 4):
            return []
        formats.extend(["intel", "fat64", "fat3"])
    elif cpu_arch == "i386":
        if version < (10, 4):
            return []
        formats.extend(["intel", "fat3", "fat"])
    elif cpu_arch == "ppc64":
        if version > (10, 5) or version < (10, 4):
            return []
        formats.append("fat64")
    elif cpu_arch == "ppc":
        if version > (10, 6):
            return []
        formats.extend(["fat3", "fat"])
    if cpu_arch in {"arm64", "x86_64"}:
        formats.append("universal2")
    if cpu_arch in {"x86_64", "i386", "ppc64", "ppc", "intel"}:
        formats.append("universal")
    return formats


def _mac_platforms() -> list[str]:
    version_str, _, cpu_arch = platform.mac_ver()
    version = tuple(map(int, version_str.split(".")[:2]))
    if version == (10, 16):
        import subprocess

        version_str = subprocess.run(
            [sys.executable, "-sS", "-c", "import platform; print(platform.mac_ver()[0])"],
            check=True,
            env={"SYSTEM_VERSION_COMPAT": "0"},
            stdout=subprocess.PIPE,
            text=True,
        ).stdout
        version = tuple(map(int, version_str.split(".")[:2]))
    arch = cpu_arch
    if _IS_32BIT:
        arch = "ppc" if cpu_arch.startswith("ppc") else "i386"
    out = []
    if (10, 0) <= version < (11, 0):
        for minor in range(version[1], -1, -1):
            for fmt in _mac_binary_formats((10, minor), arch):
                out.append(f"macosx_10_{minor}_{fmt}")
    if version >= (11, 0):
        for major in range(version[0], 10, -1):
            for fmt in _mac_binary_formats((major, 0), arch):
                out.append(f"macosx_{major}_0_{fmt}")
        for minor in range(16, 3, -1):
            if arch == "x86_64":
                for fmt in _mac_binary_formats((10, minor), arch):
                    out.append(f"macosx_10_{minor}_{fmt}")
            else:
                out.append(f"macosx_10_{minor}_universal2")
    return out


def platform_tags() -> list[str]:
    system = platform.system()
    if system == "Darwin":
        return _mac_platforms()
    if system == "Linux":
        return _linux_platforms()
    if system == "Emscripten":
        version = _config_var("PYEMSCRIPTEN_PLATFORM_VERSION")
        head = [f"pyemscripten_{version}_wasm32"] if version else []
        return [*head, _normalize(sysconfig.get_platform())]
    return [_normalize(sysconfig.get_platform())]


# --- Tags ---------------------------------------------------------------------------------


def _cpython_abis(py_version: tuple[int, int]) -> list[str]:
    version = _nodot(py_version)
    threading = debug = ""
    with_debug = _config_var("Py_DEBUG")
    has_refcount = hasattr(sys, "gettotalrefcount")
    from importlib.machinery import EXTENSION_SUFFIXES

    if with_debug or (with_debug is None and (has_refcount or "_d.pyd" in EXTENSION_SUFFIXES)):
        debug = "d"
    if py_version >= (3, 13) and _config_var("Py_GIL_DISABLED"):
        threading = "t"
    abis = [f"cp{version}{threading}{debug}"]
    if debug:
        abis.append(f"cp{version}{threading}")
    return abis


def _generic_abis() -> list[str]:
    ext_suffix = _config_var("EXT_SUFFIX")
    if not isinstance(ext_suffix, str) or not ext_suffix.startswith("."):
        return []
    parts = ext_suffix.split(".")
    if len(parts) < 3:
        return _cpython_abis((sys.version_info[0], sys.version_info[1]))
    soabi = parts[1]
    if soabi.startswith("cpython"):
        abi = "cp" + soabi.split("-")[1]
    elif soabi.startswith("cp"):
        abi = soabi.split("-")[0]
    elif soabi.startswith("pypy"):
        abi = "-".join(soabi.split("-")[:2])
    elif soabi.startswith("graalpy"):
        abi = "-".join(soabi.split("-")[:3])
    elif soabi:
        abi = soabi
    else:
        return []
    return [_normalize(abi)]


def _interpreter_version() -> str:
    version = _config_var("py_version_nodot")
    return str(version) if version else _nodot(sys.version_info[:2])


def tags() -> list[str]:
    """Supported tags, best first, as ``"interpreter-abi-platform"`` strings."""
    major, minor = sys.version_info[0], sys.version_info[1]
    name = _SHORT_NAMES.get(sys.implementation.name) or sys.implementation.name
    platforms = platform_tags()
    out: list[str] = []
    if name == "cp":
        interpreter = "cp" + _nodot((major, minor))
        abis = _cpython_abis((major, minor))
        threading = "t" in abis[0][len(interpreter) :]
        for abi in abis:
            out.extend(f"{interpreter}-{abi}-{p}" for p in platforms)
        stable = "abi3t" if threading else "abi3"
        out.extend(f"{interpreter}-{stable}-{p}" for p in platforms)
        out.extend(f"{interpreter}-none-{p}" for p in platforms)
        for older in range(minor - 1, 1, -1):
            for p in platforms:
                out.append(f"cp{major}{older}-{stable}-{p}")
    else:
        interpreter = name + _interpreter_version()
        abis = _generic_abis()
        if "none" not in abis:
            abis.append("none")
        for abi in abis:
            out.extend(f"{interpreter}-{abi}-{p}" for p in platforms)
    if name == "pp":
        compat_interpreter = "pp3"
    elif name == "cp":
        compat_interpreter = "cp" + _interpreter_version()
    else:
        compat_interpreter = None
    py_range = [f"py{major}{minor}", f"py{major}"] + [
        f"py{major}{m}" for m in range(minor - 1, -1, -1)
    ]
    for py in py_range:
        out.extend(f"{py}-none-{p}" for p in platforms)
    if compat_interpreter:
        out.append(f"{compat_interpreter}-none-any")
    out.extend(f"{py}-none-any" for py in py_range)
    return out


# --- Install schemes ----------------------------------------------------------------------


def _scheme_names() -> tuple[str, str, str]:
    """(this environment's scheme, a new venv's scheme, a ``--prefix`` install's scheme)."""
    names = sysconfig.get_scheme_names()
    plain = "nt" if os.name == "nt" else "posix_prefix"
    venv = "venv" if "venv" in names else plain
    in_venv = sys.prefix != sys.base_prefix
    if in_venv:
        current = venv
    elif hasattr(sysconfig, "get_preferred_scheme"):
        current = sysconfig.get_preferred_scheme("prefix")
    else:
        current = plain
    return current, venv, plain


def _relative_scheme(scheme: str) -> dict[str, str]:
    """Install paths of ``scheme`` relative to the prefix (absolute when a scheme leaves it)."""
    ph = _PLACEHOLDER
    vars = {"base": ph, "platbase": ph, "installed_base": ph, "installed_platbase": ph}
    paths = sysconfig.get_paths(scheme, vars=vars)
    out = {}
    for key in _PATH_KEYS:
        path = paths[key]
        if path == ph:
            out[key] = ""
        elif path.startswith(ph + os.sep):
            out[key] = path[len(ph) + 1 :]
        else:
            out[key] = path
    return out


def main() -> None:
    current, venv, plain = _scheme_names()
    paths = sysconfig.get_paths(current)
    info = sys.version_info
    result = {
        "probe_version": PROBE_VERSION,
        "markers": markers(),
        "tags": tags(),
        "paths": {key: paths[key] for key in _PATH_KEYS},
        "venv_scheme": _relative_scheme(venv),
        "prefix_scheme": _relative_scheme(plain),
        "prefix": sys.prefix,
        "base_prefix": sys.base_prefix,
        "base_exec_prefix": sys.base_exec_prefix,
        "sys_executable": sys.executable,
        "real_executable": os.path.realpath(sys.executable),
        "python_version": [info[0], info[1], info[2]],
        "python_full_version": platform.python_version(),
        "implementation_name": sys.implementation.name,
        "pointer_size": struct.calcsize("P") * 8,
        "stdlib": os.path.dirname(os.__file__),
        "abiflags": getattr(sys, "abiflags", ""),
        "gil_disabled": bool(_config_var("Py_GIL_DISABLED")),
        "platform": sysconfig.get_platform(),
    }
    sys.stdout.write(json.dumps(result))


if __name__ == "__main__":
    main()
