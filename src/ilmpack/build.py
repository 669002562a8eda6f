"""The library API: check a course, and build its packages. The CLI and the tests call these."""

from __future__ import annotations

import logging
import time
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable

from .a11y import accessibility_report
from .errors import CourseError, Problem, UsageProblem
from .loader import course_languages, load_course
from .model import Course, make_course
from .package import write_packages, write_text
from .render import make_environment, render_course
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
    bytes: int = 0  # the zip's size
    pages: int = 0
    blocks: dict[str, int] = field(default_factory=dict)  # block kind -> how many, e.g. {"question": 9}
    media: int = 0  # files of the course (images, PDFs, films) in the package
    report: Path | None = None  # the accessibility report beside it (a11y.py), e.g. likestilling-nb-scorm12.a11y.md


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
    seconds: float = 0.0
    course_id: str = ""


@dataclass(frozen=True)
class Progress:
    """A step of a build, for a progress display: `done` of `total` `unit`s, now at `what`."""

    unit: str  # "language" while pages are rendered, "package" while zips are written
    done: int
    total: int
    what: str  # e.g. "nb: 6 pages, 3 media files"


def formats(fmt: str) -> list[str]:
    """The formats `fmt` names: one registered format, or every one for 'all'."""
    if fmt == "all":
        return list(TARGETS)
    if fmt not in TARGETS:
        raise UsageProblem(f"unknown format '{fmt}'; choose one of {', '.join(TARGETS)} or all")
    return [fmt]


def check_course(course_dir: str | Path, fmt: str = "scorm12", langs: list[str] | tuple[str, ...] = ()) -> Checked:
    """Load and validate a course for format `fmt` (or 'all'); raise CourseError with every problem.

    With `langs`, only those languages are checked (the source language is not needed), so one
    language can be built while another is still being translated.
    """
    fmts = formats(fmt)
    loaded = load_course(course_dir, langs)
    known = course_languages(loaded.data)
    unknown = [lang for lang in langs if known and lang not in known]
    if unknown:
        raise UsageProblem(f"the course has no language '{unknown[0]}'; it has {', '.join(known)}")
    problems = validate_course(loaded)
    if not any(not p.warning for p in problems):
        course = make_course(loaded)
        for name in fmts:  # a fact the formats share (cmi5 and TinCan ids) is said once
            problems += [p for p in get_target(name).course_problems(course, loaded) if p not in problems]
    if any(not p.warning for p in problems):
        raise CourseError(problems, note=loaded.note)
    return Checked(course, tuple(sorted(problems)))


def build_course(course_dir: str | Path, out_dir: str | Path = "build", *, fmt: str = "scorm12",
                 langs: list[str] | tuple[str, ...] = (),
                 progress: Callable[[Progress], None] | None = None) -> BuildResult:
    """Build one package per language (per format, for 'all'). Everything is read and rendered
    before anything is written.

    `progress`, when given, is called after each language is rendered and before the packages are
    written (the CLI shows it on a terminal; a long build is mostly media being zipped).
    """
    started = time.monotonic()
    report = progress or (lambda _step: None)
    langs = tuple(dict.fromkeys(langs))  # `--lang nn --lang nn` builds nn once; the order given is kept
    checked = check_course(course_dir, fmt, langs)
    course = checked.course
    chosen = [(name, lang) for name in formats(fmt) for lang in langs or course.languages]
    env = make_environment(course)
    planned = []
    for number, (name, lang) in enumerate(chosen, 1):
        target = get_target(name)(course)
        sco = render_course(course, lang, target.runtime_adapter, helpers=target.runtime_helpers,
                            extra_config=target.runtime_config(lang), connect=target.csp_connect)
        files, disk = target.package_files(sco)
        pages = course.pages_in(lang)
        counts = dict(sorted(Counter(b.kind for p in pages for b in p.blocks).items()))
        path = Path(out_dir) / target.package_name(lang)
        built = BuiltPackage(path, lang, name, len(files) + len(disk), pages=len(pages), blocks=counts,
                             media=len(sco.media), report=path.with_name(path.stem + ".a11y.md"))
        titles = {p["id"]: p["title"] for p in sco.config["pages"]}
        a11y = accessibility_report(env, course, lang, path.name, sco.files, titles)
        planned.append((built, files, disk, a11y))
        label = f"{lang} ({name})" if fmt == "all" else lang
        report(Progress("language", number, len(chosen), f"{label}: {built.pages} pages, {built.media} media files"))
    report(Progress("package", 0, len(planned), ", ".join(b.path.name for b, *_ in planned)))
    write_packages([(b.path, files, disk) for b, files, disk, _ in planned])
    for b, _, _, a11y in planned:  # after the packages: a failed build leaves no report of a package it did not write
        write_text(b.report, a11y)
    written = [replace(b, bytes=b.path.stat().st_size) for b, *_ in planned]
    for pkg in written:
        log.info("wrote %s and %s", pkg.path, pkg.report)
    return BuildResult(written, checked.warnings, round(time.monotonic() - started, 3), course.id)
