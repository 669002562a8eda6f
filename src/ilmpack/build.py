"""The library API: check a course, and build its packages. The CLI and the tests call these."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from .errors import CourseError, Problem, UsageProblem
from .loader import course_languages, load_course
from .model import Course, make_course
from .package import write_packages
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


@dataclass(frozen=True)
class Checked:
    """A valid course and the warnings found on the way (things that work, but not as meant)."""

    course: Course
    warnings: tuple[Problem, ...] = ()


@dataclass(frozen=True)
class BuildResult:
    """What a build wrote, and its warnings."""

    packages: list[BuiltPackage] = field(default_factory=list)
    warnings: tuple[Problem, ...] = ()


def check_course(course_dir: str | Path, fmt: str = "scorm12", langs: list[str] | tuple[str, ...] = ()) -> Checked:
    """Load and validate a course for format `fmt`; raise CourseError with every problem.

    With `langs`, only those languages are checked (the source language is not needed), so one
    language can be built while another is still being translated.
    """
    if fmt not in TARGETS:
        raise UsageProblem(f"unknown format '{fmt}'; choose one of {', '.join(TARGETS)}")
    loaded = load_course(course_dir, langs)
    known = course_languages(loaded.data)
    unknown = [lang for lang in langs if known and lang not in known]
    if unknown:
        raise UsageProblem(f"the course has no language '{unknown[0]}'; it has {', '.join(known)}")
    problems = validate_course(loaded)
    if not any(not p.warning for p in problems):
        course = make_course(loaded)
        problems += get_target(fmt).course_problems(course, loaded)
    if any(not p.warning for p in problems):
        raise CourseError(problems, note=loaded.note)
    return Checked(course, tuple(sorted(problems)))


def build_course(course_dir: str | Path, out_dir: str | Path = "build", *, fmt: str = "scorm12",
                 langs: list[str] | tuple[str, ...] = ()) -> BuildResult:
    """Build one package per language. Everything is read and rendered before anything is written."""
    langs = tuple(dict.fromkeys(langs))  # `--lang nn --lang nn` builds nn once; the order given is kept
    checked = check_course(course_dir, fmt, langs)
    course = checked.course
    target = get_target(fmt)(course)
    planned = []
    for lang in langs or course.languages:
        files, disk = target.package_files(render_course(course, lang, target.runtime_adapter))
        planned.append((lang, Path(out_dir) / target.package_name(lang), files, disk))
    write_packages([(path, files, disk) for _, path, files, disk in planned])
    built = [BuiltPackage(path, lang, fmt, len(files) + len(disk)) for lang, path, files, disk in planned]
    for pkg in built:
        log.info("wrote %s", pkg.path)
    return BuildResult(built, checked.warnings)
