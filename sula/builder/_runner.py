"""The subprocess runner given to pyproject-hooks: the build env's environment, output captured."""

from __future__ import annotations

import collections
import logging
import os
import subprocess
import threading
from collections.abc import Mapping, Sequence

from sula.builder.errors import HintFinder

__all__ = ["HookProcessError", "HookRunner"]

logger = logging.getLogger("sula.builder")

# Lines of output kept for an error message (BackendFailedError shows the last 40).
_KEPT_LINES = 200


class HookProcessError(Exception):
    """The hook subprocess exited with a non-zero status (translated by the caller, which
    knows the package and the hook)."""

    def __init__(self, exit_code: int, output: Sequence[str], total: int, hint: str | None) -> None:
        super().__init__(f"exit status {exit_code}")
        self.exit_code = exit_code
        self.output = output
        self.total = total
        self.hint = hint


class HookRunner:
    """Runs each hook subprocess of one build: ``__call__`` is pyproject-hooks' runner protocol.

    ``venv`` (the build environment, or the target one when it is a venv) goes first on PATH
    and into ``VIRTUAL_ENV``; an isolated build also drops ``PYTHONPATH`` and ``PYTHONHOME`` and
    sets ``PYTHONNOUSERSITE`` so nothing outside its environment is importable.
    ``SOURCE_DATE_EPOCH`` and everything else pass through untouched. Output (stdout and
    stderr merged, in order) is kept for an error message and, when ``verbose``, logged at
    INFO on ``sula.builder`` line by line as it arrives, prefixed with the package.
    """

    def __init__(
        self, *, package: str, venv: str | None, scripts_dir: str | None, isolated: bool,
        verbose: bool,
    ) -> None:
        self.package = package
        self.venv = venv
        self.scripts_dir = scripts_dir
        self.isolated = isolated
        self.verbose = verbose
        self._lock = threading.Lock()
        self._running: set[subprocess.Popen[bytes]] = set()
        self._closed = False

    def environment(self, extra: Mapping[str, str] | None) -> dict[str, str]:
        env = dict(os.environ)
        if extra:
            env.update(extra)
        if self.isolated:
            for key in ("PYTHONPATH", "PYTHONHOME"):
                env.pop(key, None)
            env["PYTHONNOUSERSITE"] = "1"
        if self.venv is not None:
            env["VIRTUAL_ENV"] = self.venv
        if self.scripts_dir is not None:
            path = env.get("PATH")
            env["PATH"] = self.scripts_dir + (os.pathsep + path if path else "")
        return env

    def __call__(
        self, cmd: Sequence[str], cwd: str | None = None,
        extra_environ: Mapping[str, str] | None = None,
    ) -> None:
        tail: collections.deque[str] = collections.deque(maxlen=_KEPT_LINES)
        hints = HintFinder(self.package)
        total = 0
        with self._lock:
            if self._closed:
                raise HookProcessError(-1, ["(the build was closed)"], 1, None)
            proc = subprocess.Popen(
                list(cmd), cwd=cwd, env=self.environment(extra_environ),
                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            )
            self._running.add(proc)
        try:
            assert proc.stdout is not None
            for raw in proc.stdout:
                line = raw.decode("utf-8", "replace").rstrip("\r\n")
                total += 1
                tail.append(line)
                hints.feed(line)
                if self.verbose:
                    logger.info("%s: %s", self.package, line,
                                extra={"sula_package": self.package, "sula_line": line})
            code = proc.wait()
        finally:
            with self._lock:
                self._running.discard(proc)
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        if code != 0:
            raise HookProcessError(code, list(tail), total, hints.hint)

    def kill(self) -> None:
        """Stop hook subprocesses still running, and refuse new ones (``close()``)."""
        with self._lock:
            self._closed = True
            for proc in self._running:
                if proc.poll() is None:
                    proc.kill()
