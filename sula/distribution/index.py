"""Index URLs, and the default index read from the pip installed beside sula."""

from __future__ import annotations

import os

from sula._record import dataclass
from sula.errors import SulaError

__all__ = ["IndexUrl", "NoDefaultIndexError", "default_index_url", "redact_url"]


class NoDefaultIndexError(SulaError):
    """No index was given and no pip is installed beside sula to say which one is the default."""

    def __str__(self) -> str:
        from sula.errors import option

        return (
            "No package index configured: pip is not installed beside sula, so its default "
            f"index is unknown; pass {option('--index-url', 'URL', sep=' ')}, set `SULA_INDEX_URL`, or set "
            "`index-url` in `sula.toml`"
        )


def default_index_url() -> str:
    """The index to use when no ``--index-url`` is given: ``SULA_INDEX_URL``, else ``index-url``
    from sula's configuration file (:mod:`sula.config`), else pip's built-in default.

    pip's default is read at run time from the pip module installed in the same
    environment as sula (never from pip's config files), so sula carries no host name.
    """
    env = os.environ.get("SULA_INDEX_URL")
    if env:
        return env
    from sula.config import load_config

    configured = load_config().index_url
    if configured:
        return configured
    import sys

    # Already imported (or known missing): that answer, as the import below gives it.
    url = None if "pip._internal.models.index" in sys.modules else _pip_index_module_alone()
    if url is not None:
        return url
    try:
        from pip._internal.models.index import PyPI  # type: ignore[import-untyped,unused-ignore]
    except ImportError as err:  # no pip, or one without that name
        raise NoDefaultIndexError() from err
    url = PyPI.simple_url
    assert isinstance(url, str)
    return url


def _pip_index_module_alone() -> str | None:
    """pip's ``PyPI.simple_url``, from its ``_internal/models/index.py`` run on its own: that
    module needs only ``urllib.parse``, where importing it through ``pip._internal`` imports
    pip's logging set-up too (~25 ms). None when the module is not where it was or does not
    give the value on its own (the caller then imports it the usual way)."""
    import types
    from importlib.machinery import SourceFileLoader  # importlib.util would import more

    for location in _pip_locations():
        path = os.path.join(location, "_internal", "models", "index.py")
        if not os.path.isfile(path):
            continue
        module = types.ModuleType("_sula_pip_models_index")
        module.__file__ = path
        try:
            SourceFileLoader(module.__name__, path).exec_module(module)
            url = module.PyPI.simple_url
        except Exception:  # any failure: the usual import below decides
            return None
        return url if isinstance(url, str) else None
    return None


def _pip_locations() -> list[str]:
    """Where ``import pip`` would find the package, without importing it: the first
    directory of ``sys.path`` holding ``pip/__init__.py``, as the path finder looks. Only
    when there is none does ``importlib.util.find_spec`` ask every finder (a ``.pth`` file's
    finder may answer for pip: setuptools' distutils shim then walks the stack with
    ``traceback``, ~1 ms of a start-up)."""
    import sys

    for entry in sys.path:
        package = os.path.join(entry or os.curdir, "pip")
        if os.path.isfile(os.path.join(package, "__init__.py")):
            return [package]
    import importlib.util

    try:
        spec = importlib.util.find_spec("pip")  # locates the package without importing it
    except (ImportError, ValueError):
        return []
    if spec is None or not spec.submodule_search_locations:
        return []
    return list(spec.submodule_search_locations)


def redact_url(url: str) -> str:
    """Hide the password (or token) in a URL's userinfo: ``https://user:****@host/``."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url
    netloc, slash, path = rest.partition("/")
    if "@" not in netloc:
        return url
    userinfo, _, host = netloc.rpartition("@")
    user, colon, _password = userinfo.partition(":")
    userinfo = f"{user}:****" if colon else "****"
    return f"{scheme}://{userinfo}@{host}{slash}{path}"


@dataclass(frozen=True, slots=True)
class IndexUrl:
    """A simple-API index base URL, normalized to end with ``/``."""

    url: str

    @classmethod
    def parse(cls, url: str) -> IndexUrl:
        url = url.strip()
        if not url.endswith("/"):
            url += "/"
        return cls(url)

    def project_url(self, name: str) -> str:
        return f"{self.url}{name}/"

    @property
    def redacted(self) -> str:
        return redact_url(self.url)

    def __str__(self) -> str:
        return self.redacted
