"""What every output standard provides: the files of one package for one language."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import Problem
from ..loader import LoadedCourse
from ..model import Course

if TYPE_CHECKING:  # `validate` checks a course for a target without loading the renderer
    from ..render import RenderedSco


class Target:
    """One output standard. Subclasses set `format` and implement `package_files`."""

    format = ""
    runtime_adapter = "none"  # the browser runtime's LMS adapter: templates/assets/runtime/lms/<name>.js
    runtime_helpers: tuple[str, ...] = ()  # parts the adapter builds on: templates/assets/runtime/lms/<name>.js
    # connect-src of every page's Content-Security-Policy (privacy.py): what the runtime may reach
    # over the network. 'none' when the LMS is a JavaScript object in a parent frame (SCORM 1.2);
    # a standard that sends statements to a server known only at launch (an xAPI LRS) must allow
    # it here, since a <meta> policy is fixed at build time.
    csp_connect = "'none'"

    def __init__(self, course: Course):
        self.course = course
        self.memo = None  # render.PageMemo of the language being built, when the build cache is on

    @classmethod
    def course_problems(cls, course: Course, loaded: LoadedCourse) -> list[Problem]:
        """Problems (or warnings) a course has only in this standard, e.g. its size limits."""
        return []

    def runtime_config(self, lang: str) -> dict:
        """Entries this standard adds to the runtime config (docs/CONTRACT.md), e.g. `xapi`."""
        return {}

    def package_name(self, lang: str) -> str:
        """File name of the package, e.g. likestilling-nb-scorm12.zip."""
        return f"{self.course.id}-{lang}-{self.format}.zip"

    def package_files(self, sco: RenderedSco) -> tuple[dict[str, bytes], dict[str, Path]]:
        """(in-memory files, files on disk) of the package, keyed by path inside the zip."""
        raise NotImplementedError
