"""Problems with locations, and the one error type the CLI understands."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import click

from .paths import real_path


def close_matches(word: str, candidates, n: int = 1, cutoff: float = 0.6) -> list[str]:
    """The "did you mean" candidates for a misspelt name (difflib's). difflib is imported at the
    first misspelling, not by every build: a course that builds rarely has one."""
    import difflib

    return difflib.get_close_matches(word, candidates, n=n, cutoff=cutoff)


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with a course, with where it is."""

    file: str
    line: int = 0
    column: int = 0
    key: str = ""
    message: str = ""
    warning: bool = False  # reported, but the build goes on

    def __str__(self) -> str:
        where = self.file
        if self.line:
            where += f":{self.line}"
            if self.column:
                where += f":{self.column}"
        key = f" {self.key}:" if self.key else ""
        level = " warning:" if self.warning else ""
        return f"{where}:{level}{key} {self.message}"

    def as_dict(self) -> dict:
        """The problem as plain data, for machine-readable output."""
        return {
            "file": self.file,
            "line": self.line or None,
            "column": self.column or None,
            "key": self.key or None,
            "message": self.message,
            "severity": "warning" if self.warning else "error",
        }


def display_path(path: str | os.PathLike) -> str:
    """A path as the user should read it: relative to the working folder when inside it."""
    real = real_path(os.fspath(path))  # strings, not Path objects: a build shows a path for every page
    cwd = str(_resolved_cwd(os.getcwd()))
    if real == cwd:
        return "."
    inside = cwd.rstrip(os.sep) + os.sep
    return real[len(inside):] if real.startswith(inside) else str(Path(path))


@lru_cache(maxsize=4)
def _resolved_cwd(cwd: str) -> Path:
    """The working folder with links resolved, once per folder: a build shows thousands of paths."""
    return Path(cwd).resolve()


class IlmpackError(click.ClickException):
    """Base error: click prints it and exits with `exit_code`, no traceback."""

    exit_code = 1


class CourseError(IlmpackError):
    """The course has one or more problems; all of them are carried."""

    def __init__(self, problems: list[Problem] | Problem, closing: str = "nothing was written.", note: str = ""):
        if isinstance(problems, Problem):
            problems = [problems]
        self.problems = sorted(set(problems))
        self.closing = closing
        self.note = note  # a sentence after the count: what could not be checked in this run
        super().__init__(self.render())

    def __reduce__(self):  # rebuilt whole when a forked build process sends it back (parallel.py)
        return type(self), (self.problems, self.closing, self.note)

    def render(self) -> str:
        """All problems, one a line, then a count."""
        lines = [str(p) for p in self.problems]
        n = sum(1 for p in self.problems if not p.warning)
        lines.append(f"{n} problem{'s' if n != 1 else ''} found; {self.closing}")
        if self.note:
            lines.append(self.note)
        return "\n".join(lines)

    def show(self, file=None) -> None:  # noqa: D102 - click's hook
        click.echo(self.render(), file=file, err=True)


class UsageProblem(IlmpackError):
    """The command was used wrongly (an option value the course does not have)."""

    exit_code = 2


class BuildError(IlmpackError):
    """Writing the package failed (disk, permissions); the old package is kept."""
