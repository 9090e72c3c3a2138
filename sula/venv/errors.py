"""Errors raised while creating a virtual environment."""

from __future__ import annotations

from sula.errors import SulaError

__all__ = ["VenvError", "VenvExistsError", "VenvSeedError"]


class VenvError(SulaError):
    """Creating or seeding a virtual environment failed; ``hint`` is printed on its own line."""


class VenvExistsError(VenvError):
    """The target exists (a venv, or a non-empty directory) and ``--clear`` was not given."""

    def __init__(self, path: str, *, is_venv: bool) -> None:
        self.path = path
        self.is_venv = is_venv
        what = "A virtual environment" if is_venv else "A directory that is not a virtual environment"
        thing = "environment" if is_venv else "directory"
        super().__init__(
            f"{what} already exists at `{path}`",
            hint=f"Use `--clear` to replace the existing {thing}, or `--allow-existing` to write into it",
        )


class VenvSeedError(VenvError):
    """Installing the seed packages into a new environment failed (the cause says why).

    The environment itself was created and is left in place without them, as uv leaves it;
    ``path`` is where it is.
    """

    def __init__(self, path: str, packages: tuple[str, ...]) -> None:
        self.path = path
        self.packages = packages
        names = ", ".join(f"`{p}`" for p in packages)
        super().__init__(
            f"Failed to install the seed packages {names} into the virtual environment at "
            f"`{path}`, which is left without them"
        )
