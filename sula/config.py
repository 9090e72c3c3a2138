"""sula's own configuration file: ``sula.toml`` (or ``[tool.sula]`` in ``pyproject.toml``).

Where it is read from, first match per level:

- ``SULA_CONFIG_FILE`` (or ``--config-file``): that file only; it must exist.
- ``SULA_NO_CONFIG=1`` (or ``--no-config``): no file at all.
- the project: the nearest ``sula.toml``, or ``pyproject.toml`` with a ``[tool.sula]`` table, in
  the working directory or its parents;
- the user: ``$XDG_CONFIG_HOME/sula/sula.toml`` (default ``~/.config/sula/sula.toml``).

Project values win over user values. Every value is a default: command-line flags and
``SULA_*`` environment variables win over it. Keys (kebab-case, top level)::

    index-url = "https://example.invalid/simple"   # the default index (instead of pip's)
    extra-index-url = ["https://…/simple"]         # used when no --extra-index-url is given
    find-links = ["./wheels"]                      # relative to the file's directory
    cache-dir = "~/.cache/sula"                    # relative to the file's directory
    cache-max-size = "10G"                         # evict least-recently-used entries beyond
"""

from __future__ import annotations

import os

from sula.errors import SulaError

__all__ = ["Config", "ConfigError", "configure", "load_config"]

_KEYS = {"index-url", "extra-index-url", "find-links", "cache-dir", "cache-max-size"}


class ConfigError(SulaError):
    """A configuration file that cannot be read or holds an unknown or mistyped key."""


class Config:
    """The merged settings of the configuration files (None / empty where unset)."""

    __slots__ = ("cache_dir", "cache_max_size", "extra_index_url", "files", "find_links", "index_url")

    def __init__(self) -> None:
        self.index_url: str | None = None
        self.extra_index_url: tuple[str, ...] = ()
        self.find_links: tuple[str, ...] = ()
        self.cache_dir: str | None = None
        self.cache_max_size: str | None = None  # parsed by sula.cache.evict (``10G``)
        self.files: tuple[str, ...] = ()


_override_file: str | None = None
_disabled = False
_loaded: Config | None = None


def configure(*, config_file: str | None = None, no_config: bool = False) -> None:
    """Set the ``--config-file`` / ``--no-config`` choices of this process (the CLI calls it)."""
    global _override_file, _disabled, _loaded
    _override_file, _disabled, _loaded = config_file, no_config, None


def _read_table(path: str, *, pyproject: bool) -> dict[str, object] | None:
    import sys
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except OSError as err:
        raise ConfigError(f"Failed to read the configuration file `{path}`") from err
    if pyproject and b"sula" not in raw:
        return None  # no `[tool.sula]`: skip the TOML parser (start-up time)
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib
    try:
        data: dict[str, object] = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as err:
        raise ConfigError(f"Failed to parse the configuration file `{path}`") from err
    if pyproject:
        tool = data.get("tool")
        table: object = tool.get("sula") if isinstance(tool, dict) else None
        if not isinstance(table, dict):
            return None
        result: dict[str, object] = table
        return result
    return data


def _apply(config: Config, table: dict[str, object], path: str) -> None:
    base = os.path.dirname(os.path.abspath(path))
    where = f"`{path}`" + (" (`[tool.sula]`)" if path.endswith("pyproject.toml") else "")
    for key, value in table.items():
        if key not in _KEYS:
            known = ", ".join(f"`{k}`" for k in sorted(_KEYS))
            raise ConfigError(f"Unknown key `{key}` in {where}; known keys: {known}")
        if key == "cache-max-size":
            if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
                value = str(value)
            if not isinstance(value, str) or not value:
                raise ConfigError(f"`{key}` in {where} must be a size such as \"10G\" or a number of bytes")
            config.cache_max_size = value
        elif key in ("index-url", "cache-dir"):
            if not isinstance(value, str) or not value:
                raise ConfigError(f"`{key}` in {where} must be a non-empty string")
            if key == "index-url":
                config.index_url = value
            else:
                config.cache_dir = os.path.join(base, os.path.expanduser(value))
        else:
            if isinstance(value, str):
                value = [value]
            if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
                raise ConfigError(f"`{key}` in {where} must be a string or a list of strings")
            items: list[str] = list(value)
            if key == "extra-index-url":
                config.extra_index_url = tuple(items)
            else:
                config.find_links = tuple(
                    v if "://" in v else os.path.join(base, os.path.expanduser(v)) for v in items
                )


def _project_file(start: str) -> tuple[str, bool] | None:
    current = os.path.abspath(start)
    while True:
        candidate = os.path.join(current, "sula.toml")
        if os.path.isfile(candidate):
            return candidate, False
        candidate = os.path.join(current, "pyproject.toml")
        if os.path.isfile(candidate) and _read_table(candidate, pyproject=True) is not None:
            return candidate, True
        parent = os.path.dirname(current)
        if parent == current:
            return None
        current = parent


def _user_file() -> str | None:
    home = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    path = os.path.join(home, "sula", "sula.toml")
    return path if os.path.isfile(path) else None


def load_config(cwd: str | None = None) -> Config:
    """Read and merge the configuration files (once per process for the working directory)."""
    global _loaded
    if _loaded is not None and cwd is None:
        return _loaded
    config = Config()
    explicit = _override_file or os.environ.get("SULA_CONFIG_FILE") or None
    disabled = _disabled or os.environ.get("SULA_NO_CONFIG", "").lower() in ("1", "true", "yes")
    files: list[tuple[str, bool]] = []
    if explicit is not None:
        if not os.path.isfile(explicit):
            raise ConfigError(f"The configuration file `{explicit}` does not exist")
        files.append((explicit, os.path.basename(explicit) == "pyproject.toml"))
    elif not disabled:
        user = _user_file()
        if user is not None:
            files.append((user, False))
        project = _project_file(cwd or os.getcwd())
        if project is not None and project[0] != user:
            files.append(project)
    for path, pyproject in files:  # later files (the project's) win
        table = _read_table(path, pyproject=pyproject)
        if table is not None:
            _apply(config, table, path)
    config.files = tuple(p for p, _ in files)
    if cwd is None:
        _loaded = config
    return config
