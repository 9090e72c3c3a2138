"""Errors raised while creating a virtual environment."""

from __future__ import annotations

from sula.errors import SulaError

__all__ = ["VenvError", "VenvExistsError"]


class VenvError(SulaError):
    """Creating or seeding a virtual environment failed; ``hint`` is printed on its own line."""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.hint = hint

    def __str__(self) -> str:
        if self.hint:
            return f"{self.message}\n\nhint: {self.hint}"
        return self.message


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
