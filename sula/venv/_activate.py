"""Activation scripts written into a new environment's ``bin/``: one template per shell.

Each template has placeholders (``@@VIRTUAL_ENV@@``, ``@@PROMPT@@``, ``@@BIN@@``, …) that
:func:`render_activation_scripts` fills with values quoted for that shell. A relocatable
environment computes its location from the script's own path instead of a fixed one.
"""

from __future__ import annotations

__all__ = ["render_activation_scripts"]

# bash and zsh (and other POSIX shells that can `source`/`.` a file).
_BASH = r"""# Activate this environment in bash or zsh: `source @@BIN@@/activate` (do not run it).
# Written by sula. `deactivate` restores PATH, PYTHONHOME and the prompt.

if [ "${BASH_SOURCE-}" = "$0" ]; then
    echo "This script must be sourced: source $0" >&2
    exit 33
fi

deactivate () {
    if [ "${_SULA_OLD_PATH+set}" = set ]; then
        PATH="$_SULA_OLD_PATH"
        export PATH
        unset _SULA_OLD_PATH
    fi
    if [ "${_SULA_OLD_PYTHONHOME+set}" = set ]; then
        PYTHONHOME="$_SULA_OLD_PYTHONHOME"
        export PYTHONHOME
        unset _SULA_OLD_PYTHONHOME
    fi
    if [ "${_SULA_OLD_PS1+set}" = set ]; then
        PS1="$_SULA_OLD_PS1"
        unset _SULA_OLD_PS1
    fi
    unset VIRTUAL_ENV VIRTUAL_ENV_PROMPT
    # Forget remembered command locations, which may point into the environment.
    hash -r 2>/dev/null || true
    if [ "${1-}" != "nondestructive" ]; then
        unset -f deactivate
    fi
}

deactivate nondestructive

@@SET_VIRTUAL_ENV@@
export VIRTUAL_ENV

_SULA_OLD_PATH="$PATH"
PATH="$VIRTUAL_ENV/@@BIN@@:$PATH"
export PATH

VIRTUAL_ENV_PROMPT=@@PROMPT@@
export VIRTUAL_ENV_PROMPT

if [ "${PYTHONHOME+set}" = set ]; then
    _SULA_OLD_PYTHONHOME="$PYTHONHOME"
    unset PYTHONHOME
fi

if [ -z "${VIRTUAL_ENV_DISABLE_PROMPT-}" ]; then
    _SULA_OLD_PS1="${PS1-}"
    PS1="(${VIRTUAL_ENV_PROMPT}) ${PS1-}"
fi

hash -r 2>/dev/null || true
"""

_BASH_FIXED = "VIRTUAL_ENV=@@VIRTUAL_ENV@@"
_BASH_RELOCATABLE = r"""if [ -n "${BASH_SOURCE-}" ]; then
    _sula_script="${BASH_SOURCE}"
elif [ -n "${ZSH_VERSION-}" ]; then
    _sula_script="${(%):-%x}"
else
    _sula_script="$0"
fi
VIRTUAL_ENV="$(cd "$(dirname -- "$_sula_script")/.." && pwd)"
unset _sula_script"""

_FISH = r"""# Activate this environment in fish: `source @@BIN@@/activate.fish` (do not run it).
# Written by sula. `deactivate` restores PATH, PYTHONHOME and the prompt.

function deactivate -d "Leave the virtual environment"
    if set -q _SULA_OLD_PATH
        set -gx PATH $_SULA_OLD_PATH
        set -e _SULA_OLD_PATH
    end
    if set -q _SULA_OLD_PYTHONHOME
        set -gx PYTHONHOME $_SULA_OLD_PYTHONHOME
        set -e _SULA_OLD_PYTHONHOME
    end
    if set -q _SULA_PROMPT_OVERRIDDEN
        set -e _SULA_PROMPT_OVERRIDDEN
        if functions -q _sula_saved_fish_prompt
            functions -e fish_prompt
            functions -c _sula_saved_fish_prompt fish_prompt
            functions -e _sula_saved_fish_prompt
        end
    end
    set -e VIRTUAL_ENV
    set -e VIRTUAL_ENV_PROMPT
    if test "$argv[1]" != "nondestructive"
        functions -e deactivate
    end
end

deactivate nondestructive

@@SET_VIRTUAL_ENV@@
set -gx _SULA_OLD_PATH $PATH
set -gx PATH "$VIRTUAL_ENV/@@BIN@@" $PATH
set -gx VIRTUAL_ENV_PROMPT @@PROMPT@@

if set -q PYTHONHOME
    set -gx _SULA_OLD_PYTHONHOME $PYTHONHOME
    set -e PYTHONHOME
end

if test -z "$VIRTUAL_ENV_DISABLE_PROMPT"
    functions -c fish_prompt _sula_saved_fish_prompt
    function fish_prompt
        set -l last_status $status
        printf "(%s) " $VIRTUAL_ENV_PROMPT
        # Give the saved prompt the exit status it would have seen.
        echo "exit $last_status" | source
        _sula_saved_fish_prompt
    end
    set -gx _SULA_PROMPT_OVERRIDDEN 1
end
"""

_FISH_FIXED = "set -gx VIRTUAL_ENV @@VIRTUAL_ENV@@"
_FISH_RELOCATABLE = "set -gx VIRTUAL_ENV (path resolve (path dirname (status filename))/..)"

_CSH = r"""# Activate this environment in csh or tcsh: `source @@BIN@@/activate.csh` (do not run it).
# Written by sula. `deactivate` restores PATH and the prompt. csh expands every variable of a
# line before running it, so the alias tests with `test ... &&` chains rather than `if`.

alias deactivate 'test $?_SULA_OLD_PATH != 0 && setenv PATH "$_SULA_OLD_PATH:q" && unset _SULA_OLD_PATH; rehash; test $?_SULA_OLD_PROMPT != 0 && set prompt="$_SULA_OLD_PROMPT:q" && unset _SULA_OLD_PROMPT; unsetenv VIRTUAL_ENV; unsetenv VIRTUAL_ENV_PROMPT; test "\!:*" != "nondestructive" && unalias deactivate'

deactivate nondestructive

@@SET_VIRTUAL_ENV@@
set _SULA_OLD_PATH="$PATH"
setenv PATH "${VIRTUAL_ENV}/@@BIN@@:${PATH}"
setenv VIRTUAL_ENV_PROMPT @@PROMPT@@

if (! $?VIRTUAL_ENV_DISABLE_PROMPT) then
    if ($?prompt) then
        set _SULA_OLD_PROMPT="$prompt"
        set prompt="(${VIRTUAL_ENV_PROMPT}) ${prompt}"
    endif
endif

rehash
"""

_CSH_FIXED = "setenv VIRTUAL_ENV @@VIRTUAL_ENV@@"
# csh cannot find the path of a file being sourced, so even a relocatable environment's
# activate.csh names the directory it was created in.
_CSH_RELOCATABLE = _CSH_FIXED

_NU = r"""# Activate this environment in nushell: `overlay use @@BIN@@/activate.nu`.
# Written by sula. `deactivate` (or `overlay hide activate`) leaves it.

export-env {
    @@SET_VIRTUAL_ENV@@
    let bin_dir = ($venv_dir | path join @@BIN_NU@@)
    let path_name = if ($env | columns | any {|c| $c == 'Path' }) { 'Path' } else { 'PATH' }
    let old_path = ($env | get $path_name)
    let old_list = if (($old_path | describe) == 'string') { $old_path | split row (char esep) } else { $old_path }
    let prompt_name = @@PROMPT_NU@@
    let has_prompt = ($env | columns | any {|c| $c == 'PROMPT_COMMAND' })
    let old_prompt = if $has_prompt { $env.PROMPT_COMMAND } else { '' }
    let new_prompt = if ($env | columns | any {|c| $c == 'VIRTUAL_ENV_DISABLE_PROMPT' }) {
        $old_prompt
    } else {
        {||
            let base = if (($old_prompt | describe) =~ '^closure') { do $old_prompt } else { $old_prompt }
            $"\(($prompt_name)\) ($base)"
        }
    }
    load-env {
        $path_name: ($old_list | prepend $bin_dir)
        VIRTUAL_ENV: $venv_dir
        VIRTUAL_ENV_PROMPT: $prompt_name
        PROMPT_COMMAND: $new_prompt
    }
}

export alias deactivate = overlay hide activate
"""

_NU_FIXED = "let venv_dir = @@VIRTUAL_ENV_NU@@"
_NU_RELOCATABLE = "let venv_dir = (path self | path dirname | path dirname)"

_PS1 = r"""# Activate this environment in PowerShell: `. @@BIN@@/activate.ps1`.
# Written by sula. `deactivate` restores PATH, PYTHONHOME and the prompt.

function global:deactivate([switch] $NonDestructive) {
    if (Test-Path variable:global:_SULA_OLD_PATH) {
        $env:PATH = $global:_SULA_OLD_PATH
        Remove-Variable -Name _SULA_OLD_PATH -Scope global
    }
    if (Test-Path variable:global:_SULA_OLD_PYTHONHOME) {
        $env:PYTHONHOME = $global:_SULA_OLD_PYTHONHOME
        Remove-Variable -Name _SULA_OLD_PYTHONHOME -Scope global
    }
    if (Test-Path function:global:_sula_saved_prompt) {
        $function:global:prompt = $function:global:_sula_saved_prompt
        Remove-Item function:global:_sula_saved_prompt
    }
    Remove-Item env:VIRTUAL_ENV -ErrorAction SilentlyContinue
    Remove-Item env:VIRTUAL_ENV_PROMPT -ErrorAction SilentlyContinue
    if (-not $NonDestructive) {
        Remove-Item function:global:deactivate
    }
}

deactivate -NonDestructive

@@SET_VIRTUAL_ENV@@
$env:VIRTUAL_ENV_PROMPT = @@PROMPT_PS@@

New-Variable -Scope global -Name _SULA_OLD_PATH -Value $env:PATH
$env:PATH = (Join-Path $env:VIRTUAL_ENV @@BIN_PS@@) + [System.IO.Path]::PathSeparator + $env:PATH

if (Test-Path env:PYTHONHOME) {
    New-Variable -Scope global -Name _SULA_OLD_PYTHONHOME -Value $env:PYTHONHOME
    Remove-Item env:PYTHONHOME
}

if (-not $env:VIRTUAL_ENV_DISABLE_PROMPT) {
    $function:global:_sula_saved_prompt = $function:prompt
    function global:prompt {
        Write-Host -NoNewline "($env:VIRTUAL_ENV_PROMPT) "
        & $function:global:_sula_saved_prompt
    }
}
"""

_PS1_FIXED = "$env:VIRTUAL_ENV = @@VIRTUAL_ENV_PS@@"
_PS1_RELOCATABLE = "$env:VIRTUAL_ENV = Split-Path -Parent $PSScriptRoot"

_ACTIVATE_THIS = r'''"""Activate this environment inside a running Python process.

    exec(open(this_file).read(), {"__file__": this_file})

Written by sula: puts the environment's scripts first on PATH, its site-packages first on
sys.path (processing .pth files), and sets VIRTUAL_ENV and sys.prefix.
"""

import os
import site
import sys

try:
    _here = os.path.abspath(__file__)
except NameError as _err:
    raise AssertionError(
        "activate_this.py must be run with exec(open(path).read(), {'__file__': path})"
    ) from _err

_bin = os.path.dirname(_here)
_base = os.path.dirname(_bin)

os.environ["PATH"] = os.pathsep.join([_bin, *os.environ.get("PATH", "").split(os.pathsep)])
os.environ["VIRTUAL_ENV"] = _base
os.environ["VIRTUAL_ENV_PROMPT"] = @@PROMPT_PY@@

_before = len(sys.path)
for _lib in @@SITE_PACKAGES_PY@@:
    site.addsitedir(os.path.realpath(os.path.join(_base, _lib)))
sys.path[:] = sys.path[_before:] + sys.path[:_before]

sys.real_prefix = sys.prefix
sys.prefix = _base
'''


def _sh_quote(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"


def _fish_quote(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _nu_quote(text: str) -> str:
    # A raw string: nothing inside is special; pick enough #s to outlast any in the text.
    hashes = "#"
    while f"'{hashes}" in text:
        hashes += "#"
    return f"r{hashes}'{text}'{hashes}"


def _ps_quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def render_activation_scripts(
    *,
    venv_dir: str,
    prompt: str,
    bin_name: str,
    site_packages: list[str],
    relocatable: bool,
) -> dict[str, str]:
    """File name → content for every activation script of an environment at ``venv_dir``.

    ``site_packages`` are relative to ``venv_dir`` (for ``activate_this.py``).
    """
    def fill(template: str, setter: str, extra: dict[str, str]) -> str:
        text = template.replace("@@SET_VIRTUAL_ENV@@", setter)
        for key, value in extra.items():
            text = text.replace(key, value)
        return text.replace("@@BIN@@", bin_name)

    scripts = {
        "activate": fill(
            _BASH,
            _BASH_RELOCATABLE if relocatable else _BASH_FIXED,
            {"@@VIRTUAL_ENV@@": _sh_quote(venv_dir), "@@PROMPT@@": _sh_quote(prompt)},
        ),
        "activate.fish": fill(
            _FISH,
            _FISH_RELOCATABLE if relocatable else _FISH_FIXED,
            {"@@VIRTUAL_ENV@@": _fish_quote(venv_dir), "@@PROMPT@@": _fish_quote(prompt)},
        ),
        "activate.csh": fill(
            _CSH,
            _CSH_RELOCATABLE if relocatable else _CSH_FIXED,
            {
                "@@VIRTUAL_ENV@@": _sh_quote(venv_dir),
                "@@PROMPT@@": _sh_quote(prompt),
            },
        ),
        "activate.nu": fill(
            _NU,
            _NU_RELOCATABLE if relocatable else _NU_FIXED,
            {
                "@@VIRTUAL_ENV_NU@@": _nu_quote(venv_dir),
                "@@PROMPT_NU@@": _nu_quote(prompt),
                "@@BIN_NU@@": _nu_quote(bin_name),
            },
        ),
        "activate.ps1": fill(
            _PS1,
            _PS1_RELOCATABLE if relocatable else _PS1_FIXED,
            {
                "@@VIRTUAL_ENV_PS@@": _ps_quote(venv_dir),
                "@@PROMPT_PS@@": _ps_quote(prompt),
                "@@BIN_PS@@": _ps_quote(bin_name),
            },
        ),
        "activate_this.py": _ACTIVATE_THIS.replace("@@PROMPT_PY@@", repr(prompt)).replace(
            "@@SITE_PACKAGES_PY@@", repr(site_packages)
        ),
    }
    return scripts
