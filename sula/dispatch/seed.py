"""``sula venv --seed``: install pip (and setuptools and wheel before Python 3.12) from the index
into a new environment with sula's own resolver and installer, as uv does.

The seed packages go through the same path as ``sula pip install pip``: the index (or
``--find-links``, ``--offline`` with the cache) is asked for their newest versions, wheels
come from the cache when they are there, and linking them is the only work a second seeded
environment costs. There is no fallback to the interpreter's bundled ``ensurepip`` wheels:
they are older than the index's, and uv has none either.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sula._record import dataclass

if TYPE_CHECKING:
    from sula.cache import Cache
    from sula.client.settings import ClientSettings, IndexSettings
    from sula.dispatch.install import InstallReporter, InstallSummary
    from sula.installer.linker import LinkMode
    from sula.interpreter import Interpreter
    from sula.venv import VirtualEnvironment

__all__ = ["SeedSettings", "seed_venv"]


@dataclass(frozen=True, slots=True, kw_only=True)
class SeedSettings:
    """Where the seed packages come from and how they are linked (``sula venv`` flags)."""

    index: IndexSettings
    client: ClientSettings
    link_mode: LinkMode | None = None
    relocatable: bool = False


def seed_venv(
    venv: VirtualEnvironment,
    interpreter: Interpreter,
    *,
    cache: Cache,
    settings: SeedSettings,
    reporter: InstallReporter | None = None,
) -> InstallSummary:
    """Resolve and install :func:`sula.venv.seed_packages` for ``interpreter`` into ``venv``
    (just made by :func:`sula.venv.create_venv` for that interpreter).

    Raises :class:`sula.venv.VenvSeedError`, caused by the resolver's, client's or
    installer's error, when they cannot be installed. The environment is left as it is
    (without seed packages), as uv leaves it; nothing is linked before every wheel is
    available, so a failure to reach the index never leaves a part of them behind.
    """
    from sula.dispatch.install import SILENT, InstallSettings, install_spec
    from sula.errors import SulaError
    from sula.installer import Layout
    from sula.installer.plan import Reinstall
    from sula.requirements import from_sources
    from sula.venv import VenvSeedError, seed_packages

    packages = seed_packages(interpreter.python_version)
    major, minor = interpreter.python_version[0], interpreter.python_version[1]
    layout = Layout(
        python=venv.python,
        purelib=venv.site_packages,
        platlib=venv.platlib,
        scripts=venv.scripts_dir,
        data=venv.root,
        headers=venv.root / "include" / "site" / f"python{major}.{minor}",
        python_version=(major, minor),
        relocatable=settings.relocatable,
    )
    install = InstallSettings(
        index=settings.index,
        client=settings.client,
        reinstall=Reinstall(),
        link_mode=settings.link_mode,
        only_binary=(":all:",),  # a seed package is never built from source
    )
    try:
        spec = from_sources(packages=list(packages))
        return install_spec(
            spec, cache=cache, layout=layout, interp=interpreter, settings=install,
            reporter=reporter or SILENT,
        )
    except SulaError as err:
        raise VenvSeedError(str(venv.root), packages) from err
