"""create_venv: layout, pyvenv.cfg, links, activation scripts, existing targets, relocation."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from sula._version import __version__
from sula.cache import Cache
from sula.interpreter import Interpreter, query_interpreter
from sula.venv import VenvError, VenvExistsError, create_venv
from sula.venv._activate import render_activation_scripts

Require = Callable[[str], Path]


@pytest.fixture
def py312(cache: Cache, require_python: Require) -> Interpreter:
    return query_interpreter(require_python("3.12"), cache=cache)


def _cfg(root: Path) -> dict[str, str]:
    pairs = (line.split(" = ", 1) for line in (root / "pyvenv.cfg").read_text().splitlines())
    return dict(pairs)


def _run(python: Path, code: str) -> str:
    return subprocess.run(
        [str(python), "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()


def test_layout_and_pyvenv_cfg(tmp_path: Path, py312: Interpreter) -> None:
    venv = create_venv(tmp_path / "env", py312)
    root = tmp_path / "env"
    assert venv.root == root
    cfg = _cfg(root)
    assert cfg == {
        "home": str(Path(py312.real_executable).parent),
        "implementation": "CPython",
        "sula": __version__,
        "version_info": py312.python_full_version,
        "include-system-site-packages": "false",
    }
    assert os.readlink(root / "bin" / "python") == py312.real_executable
    assert os.readlink(root / "bin" / "python3") == "python"
    assert os.readlink(root / "bin" / "python3.12") == "python"
    assert venv.site_packages == root / "lib" / "python3.12" / "site-packages"
    assert venv.site_packages.is_dir()
    if py312.pointer_size == 64 and py312.markers["sys_platform"] == "linux":
        assert os.readlink(root / "lib64") == "lib"
    assert (root / ".gitignore").read_text() == "*\n"
    assert (root / "CACHEDIR.TAG").read_text().startswith("Signature: 8a477f597d28d172789f06886806bc55")
    for name in ("activate", "activate.fish", "activate.csh", "activate.nu", "activate.ps1", "activate_this.py"):
        assert (root / "bin" / name).is_file(), name
    out = _run(venv.python, "import sys, site; print(sys.prefix); print(sys.base_prefix); print(site.getsitepackages()[0])")
    prefix, base_prefix, site_dir = out.splitlines()
    assert prefix == str(root)
    assert base_prefix == py312.base_prefix
    assert site_dir == str(venv.site_packages)


def test_prompt_and_system_site_packages(tmp_path: Path, py312: Interpreter, monkeypatch: pytest.MonkeyPatch) -> None:
    venv = create_venv(tmp_path / "env", py312, prompt="my proj", system_site_packages=True)
    cfg = _cfg(venv.root)
    assert cfg["prompt"] == "my proj"
    assert cfg["include-system-site-packages"] == "true"
    assert "VIRTUAL_ENV_PROMPT='my proj'" in (venv.scripts_dir / "activate").read_text()
    paths = _run(venv.python, "import sys; print('\\n'.join(sys.path))").splitlines()
    assert py312.paths.purelib in paths
    # "." means the working directory's name, like the stdlib's venv.
    work = tmp_path / "workdir"
    work.mkdir()
    monkeypatch.chdir(work)
    dot = create_venv(tmp_path / "env2", py312, prompt=".")
    assert _cfg(dot.root)["prompt"] == "workdir"
    isolated = create_venv(tmp_path / "env3", py312)
    paths = _run(isolated.python, "import sys; print('\\n'.join(sys.path))").splitlines()
    assert py312.paths.purelib not in paths


def test_existing_targets(tmp_path: Path, py312: Interpreter) -> None:
    root = tmp_path / "env"
    create_venv(root, py312)
    with pytest.raises(VenvExistsError) as info:
        create_venv(root, py312)
    assert info.value.is_venv
    assert "A virtual environment already exists" in str(info.value)
    assert "`--clear`" in str(info.value)
    (root / "lib" / "python3.12" / "site-packages" / "marker.txt").write_text("x")
    create_venv(root, py312, clear=True)
    assert not (root / "lib" / "python3.12" / "site-packages" / "marker.txt").exists()
    assert (root / "pyvenv.cfg").is_file()

    other = tmp_path / "data"
    other.mkdir()
    (other / "keep.txt").write_text("precious")
    with pytest.raises(VenvExistsError) as info2:
        create_venv(other, py312)
    assert not info2.value.is_venv
    assert (other / "keep.txt").read_text() == "precious"
    create_venv(other, py312, allow_existing=True)
    assert (other / "keep.txt").is_file() and (other / "pyvenv.cfg").is_file()

    empty = tmp_path / "empty"
    empty.mkdir()
    create_venv(empty, py312)  # an empty directory is fine
    afile = tmp_path / "afile"
    afile.write_text("")
    with pytest.raises(VenvError, match="is not a directory"):
        create_venv(afile, py312)


def test_venv_from_a_venv_links_to_the_base(tmp_path: Path, py312: Interpreter, cache: Cache) -> None:
    first = create_venv(tmp_path / "a", py312)
    inner = query_interpreter(first.python, cache=cache)
    assert inner.is_venv()
    second = create_venv(tmp_path / "b", inner)
    assert os.readlink(second.python) == py312.real_executable
    assert _run(second.python, "import sys; print(sys.prefix)") == str(second.root)


def _bash(script: str, cwd: Path) -> str:
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONHOME")}
    return subprocess.run(
        ["bash", "-c", script], capture_output=True, text=True, check=True, cwd=cwd, env=env
    ).stdout


def test_bash_activate_and_deactivate(tmp_path: Path, py312: Interpreter) -> None:
    venv = create_venv(tmp_path / "my env", py312)  # a space in the path
    activate = shlex.quote(str(venv.scripts_dir / "activate"))
    out = _bash(
        f'PS1="$ "; OLD="$PATH"; source {activate}; '
        'echo "$PATH"; echo "$VIRTUAL_ENV"; command -v python; echo "$PS1"; '
        'python -c "import sys; print(sys.prefix)"; '
        'deactivate; [ "$PATH" = "$OLD" ] && echo restored; echo "${VIRTUAL_ENV-unset}"; echo "$PS1"',
        tmp_path,
    ).splitlines()
    assert out[0].split(os.pathsep)[0] == str(venv.scripts_dir)
    assert out[1] == str(venv.root)
    assert out[2] == str(venv.scripts_dir / "python")
    assert out[3] == "(my env) $ "
    assert out[4] == str(venv.root)
    assert out[5:] == ["restored", "unset", "$ "]


def test_activate_must_be_sourced(tmp_path: Path, py312: Interpreter) -> None:
    venv = create_venv(tmp_path / "env", py312)
    proc = subprocess.run(["bash", str(venv.scripts_dir / "activate")], capture_output=True, text=True)
    assert proc.returncode == 33
    assert "must be sourced" in proc.stderr


def test_other_shells_name_the_environment(tmp_path: Path, py312: Interpreter) -> None:
    venv = create_venv(tmp_path / "it's here", py312, prompt="p")
    bin_dir = venv.scripts_dir
    fish = (bin_dir / "activate.fish").read_text()
    assert "set -gx VIRTUAL_ENV '" + str(venv.root).replace("'", "\\'") + "'" in fish
    assert 'set -gx PATH "$VIRTUAL_ENV/bin" $PATH' in fish
    csh = (bin_dir / "activate.csh").read_text()
    assert "setenv VIRTUAL_ENV '" + str(venv.root).replace("'", "'\\''") + "'" in csh
    assert 'setenv PATH "${VIRTUAL_ENV}/bin:${PATH}"' in csh
    nu = (bin_dir / "activate.nu").read_text()
    assert f"r#'{venv.root}'#" in nu
    ps1 = (bin_dir / "activate.ps1").read_text()
    assert "$env:VIRTUAL_ENV = '" + str(venv.root).replace("'", "''") + "'" in ps1


def _shell(argv: list[str], cwd: Path) -> list[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONHOME")}
    return subprocess.run(argv, capture_output=True, text=True, check=True, cwd=cwd, env=env).stdout.splitlines()


@pytest.mark.parametrize("shell", ["zsh", "fish", "tcsh"])
def test_other_shells_activate_and_deactivate(shell: str, tmp_path: Path, py312: Interpreter) -> None:
    exe = shutil.which(shell)
    if exe is None:
        pytest.skip(f"{shell} is not installed")
    venv = create_venv(tmp_path / "my env", py312)
    bin_dir = venv.scripts_dir
    if shell == "zsh":
        script = (
            f"PS1='> '; source {shlex.quote(str(bin_dir / 'activate'))}; echo $VIRTUAL_ENV; "
            'echo ${PATH%%:*}; echo "$PS1"; deactivate; echo ${VIRTUAL_ENV-unset}; echo "$PS1"'
        )
        argv = [exe, "-f", "-c", script]
    elif shell == "fish":
        script = (
            f"source {shlex.quote(str(bin_dir / 'activate.fish'))}; echo $VIRTUAL_ENV; echo $PATH[1]; "
            "echo (fish_prompt | string sub -l 9); deactivate; set -q VIRTUAL_ENV; or echo unset; echo -"
        )
        argv = [exe, "--no-config", "-c", script]
    else:
        # csh applies aliases per line, so deactivate must be on a line after the source.
        lines = [
            "set prompt='> '",
            f"source '{bin_dir / 'activate.csh'}'",
            "echo $VIRTUAL_ENV",
            "echo $PATH | cut -d: -f1",
            'echo "$prompt"',
            "deactivate",
            "if (! $?VIRTUAL_ENV) echo unset",
            'echo "$prompt"',
        ]
        (tmp_path / "t.csh").write_text("\n".join(lines) + "\n")
        argv = [exe, "-f", str(tmp_path / "t.csh")]
    out = _shell(argv, tmp_path)
    assert out[0] == str(venv.root)
    assert out[1] == str(bin_dir)
    assert out[2].startswith("(my env) ")
    assert out[3] == "unset"


def test_activate_this(tmp_path: Path, py312: Interpreter, require_python: Require) -> None:
    venv = create_venv(tmp_path / "env", py312)
    (venv.site_packages / "only_in_venv.py").write_text("VALUE = 42\n")
    this = venv.scripts_dir / "activate_this.py"
    code = (
        f"exec(open({str(this)!r}).read(), {{'__file__': {str(this)!r}}})\n"
        "import os, sys, only_in_venv\n"
        "print(only_in_venv.VALUE, sys.prefix, os.environ['VIRTUAL_ENV'])\n"
    )
    out = subprocess.run(
        [str(require_python("3.12")), "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    assert out == ["42", str(venv.root), str(venv.root)]


def test_relocatable_environment_moves(tmp_path: Path, py312: Interpreter) -> None:
    # Seeded launchers that survive the move: tests/unit/venv/test_venv_seed.py.
    venv = create_venv(tmp_path / "before", py312, relocatable=True)
    assert _cfg(venv.root)["relocatable"] == "true"
    moved = tmp_path / "after"
    venv.root.rename(moved)
    out = _bash(
        f"source {shlex.quote(str(moved / 'bin' / 'activate'))}; echo \"$VIRTUAL_ENV\"; "
        "python -c 'import sys; print(sys.prefix)'",
        tmp_path,
    ).splitlines()
    assert out == [str(moved), str(moved)]


def test_render_quotes_for_each_shell() -> None:
    scripts = render_activation_scripts(
        venv_dir="/a/b'c", prompt="x'y", bin_name="bin", site_packages=["lib/python3.12/site-packages"],
        relocatable=False,
    )
    assert "VIRTUAL_ENV='/a/b'\\''c'" in scripts["activate"]
    assert "set -gx VIRTUAL_ENV '/a/b\\'c'" in scripts["activate.fish"]
    assert "$env:VIRTUAL_ENV = '/a/b''c'" in scripts["activate.ps1"]
    assert "r#'/a/b'c'#" in scripts["activate.nu"]
    assert "['lib/python3.12/site-packages']" in scripts["activate_this.py"]
    compile(scripts["activate_this.py"], "activate_this.py", "exec")
