"""The library API: check a course, and build its packages. The CLI and the tests call these."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from .errors import CourseError, UsageProblem
from .loader import load_course
from .model import Course, make_course
from .package import write_package
from .render import render_course
from .targets import TARGETS, get_target
from .validate import validate_course

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BuiltPackage:
    """One written package."""

    path: Path
    lang: str
    format: str
    files: int


def check_course(course_dir: str | Path) -> Course:
    """Load and validate a course; raise CourseError with every problem, else return the model."""
    loaded = load_course(course_dir)
    problems = validate_course(loaded)
    if problems:
        raise CourseError(problems)
    return make_course(loaded)


def build_course(course_dir: str | Path, out_dir: str | Path = "build", *, fmt: str = "scorm12",
                 langs: list[str] | tuple[str, ...] = ()) -> list[BuiltPackage]:
    """Build one package per language. Everything is read and rendered before anything is written."""
    course = check_course(course_dir)
    if fmt not in TARGETS:
        raise UsageProblem(f"unknown format '{fmt}'; choose one of {', '.join(TARGETS)}")
    unknown = [lang for lang in langs if lang not in course.languages]
    if unknown:
        raise UsageProblem(f"the course has no language '{unknown[0]}'; it has {', '.join(course.languages)}")
    target = get_target(fmt)(course)
    planned = []
    for lang in langs or course.languages:
        files, disk = target.package_files(render_course(course, lang))
        planned.append((lang, Path(out_dir) / target.package_name(lang), files, disk))
    built = []
    for lang, path, files, disk in planned:
        write_package(path, files, disk)
        log.info("wrote %s", path)
        built.append(BuiltPackage(path, lang, fmt, len(files) + len(disk)))
    return built
