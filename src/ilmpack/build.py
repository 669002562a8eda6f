"""The library API: check a course, and build its packages. The CLI and the tests call these."""

from __future__ import annotations

import logging
import os
import time
from collections import Counter
from contextlib import contextmanager
from dataclasses import asdict, astuple, dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from .cache import (cache_dir, check_context, content_hash, file_signature, input_key, load_checks, load_pages, lookup,
                    package_record, pages_text, record, record_package, render_context, save_checks, save_pages,
                    text_hash)
from .errors import CourseError, Problem, UsageProblem

if TYPE_CHECKING:
    from .model import Course

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
    reused: bool = False  # nothing had changed: the packages of the last build stand (cache.py)


@dataclass(frozen=True)
class Progress:
    """A step of a build, for a progress display: `done` of `total` `unit`s, now at `what`."""

    unit: str  # "language" while pages are rendered, "package" while zips are written
    done: int
    total: int
    what: str  # e.g. "nb: 6 pages, 3 media files"


def formats(fmt: str) -> list[str]:
    """The formats `fmt` names: one registered format, or every one for 'all'."""
    from .targets import TARGETS

    if fmt == "all":
        return list(TARGETS)
    if fmt not in TARGETS:
        raise UsageProblem(f"unknown format '{fmt}'; choose one of {', '.join(TARGETS)} or all")
    return [fmt]


def check_course(course_dir: str | Path, fmt: str = "scorm12", langs: list[str] | tuple[str, ...] = (), *,
                 memo=None) -> Checked:
    """Load and validate a course for format `fmt` (or 'all'); raise CourseError with every problem.

    With `langs`, only those languages are checked (the source language is not needed), so one
    language can be built while another is still being translated. With `memo`
    (pagememo.PageChecks), a page file whose bytes and context did not change since an earlier
    run is not read and checked again.
    """
    # The pipeline is imported here, not at the top: a build answered from the cache needs none of it.
    from .loader import course_languages, load_course
    from .model import make_course
    from .targets import get_target
    from .validate import validate_course

    fmts = formats(fmt)
    loaded = load_course(course_dir, langs, memo)
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
                 progress: Callable[[Progress], None] | None = None,
                 cache: bool = True, folder: bool = False, link_media: bool = False,
                 cache_in: str | Path | None = None) -> BuildResult:
    """Build one package per language (per format, for 'all'). Everything is read and rendered
    before anything is written.

    `progress`, when given, is called after each language is rendered and before the packages are
    written (the CLI shows it on a terminal; a long build is mostly media being zipped).
    `cache`: when nothing the build reads has changed since the last build into `out_dir`, and
    its packages are still there as written, answer from the record of that build; otherwise
    render again only the pages that changed (cache.py). The cache is kept in `cache_in`
    (default `out_dir/.cache`). `folder`: write each package as a folder of its files instead
    of a zip (pages are still kept in the cache, the folders are always written); with
    `link_media` its media are hard links to the course's files (for `ilmpack preview`).
    """
    started = time.monotonic()
    langs = tuple(dict.fromkeys(langs))  # `--lang nn --lang nn` builds nn once; the order given is kept
    store = (Path(cache_in) if cache_in is not None else cache_dir(out_dir)) if cache else None
    key = input_key(course_dir, out_dir, fmt, langs) if store and not folder else None
    entry = lookup(store, key) if key else None
    if entry is not None:
        return _replay(entry, started)
    with _kept_log() as logged:
        result, body = _build(course_dir, out_dir, fmt, langs, progress or (lambda _step: None), folder, link_media,
                              started, store)
    # Recorded only when the sources did not change while they were being read (a save mid-build).
    if key and input_key(course_dir, out_dir, fmt, langs) == key:
        record(store, key, {**body, "log": logged})
    return result


@dataclass
class _Staged:
    """One package of a build, rendered and scanned, its zip written to a temporary file (or found
    unchanged): what `_stage` hands back, from this process or a forked one (parallel.py)."""

    number: int  # its place in the build's order
    built: BuiltPackage
    a11y: str
    content: str = ""  # cache.content_hash, when the cache is used
    kept: dict | None = None  # the signature of the package already in place, when it is unchanged
    tmp: Path | None = None  # the zip written, not yet moved into place
    signature: dict | None = None
    layout: dict = field(default_factory=dict)  # of its zip, for the cache's record (zipreuse.py)
    settled: bool = False  # its content was the same after zipping as before (a media file did not change meanwhile)
    memo: tuple[str, bytes] | None = None  # its language's rendered pages to keep (context, cache.pages_text), if worth it
    files: dict | None = None  # what a folder build writes (kept only then)
    disk: dict | None = None


def _build(course_dir, out_dir, fmt: str, langs: tuple[str, ...], report: Callable[[Progress], None],
           folder: bool, link_media: bool, started: float, store: Path | None) -> tuple[BuildResult, dict]:
    """The build itself, and what the cache keeps of it."""
    from .package import commit_packages, discard, write_folders, write_text
    from .parallel import split

    root = Path(course_dir)
    shared = render_context(root, fmt, langs, "") if store else ""  # course.yaml and templates as read
    checks = None
    if store:
        from .pagememo import PageChecks

        checks = PageChecks(check_context(root, Path(out_dir)), {})
        checks.kept = load_checks(store, checks.context)
    checks = _preread(root, Path(out_dir), langs, checks)
    checked = check_course(course_dir, fmt, langs, memo=checks)
    course = checked.course
    chosen = [(number, name, lang) for number, (name, lang) in
              enumerate([(name, lang) for name in formats(fmt) for lang in langs or course.languages], 1)]

    def stage(jobs, say=report) -> list[_Staged]:
        done: list[_Staged] = []
        try:
            for job in jobs:
                done.append(_stage(course, root, out_dir, fmt, langs, job, len(chosen), store, folder, say))
        except BaseException:
            discard([s.tmp for s in done if s.tmp])
            raise
        return done

    def undo(done: list[_Staged]) -> None:
        discard([s.tmp for s in done if s.tmp])

    if folder or len(chosen) < 2:
        staged = stage(chosen)
    else:  # the languages, in two shares of about the same work: one here, one in a forked process
        mine, theirs = _shares(course, chosen)
        first, second = split(lambda: stage(mine), lambda: stage(theirs, lambda _step: None), undo)
        for s in second:  # the forked process's languages, said here
            report(Progress("language", s.number, len(chosen), _progress_text(s.built, fmt)))
        staged = sorted(first + second, key=lambda s: s.number)
    report(Progress("package", 0, len(staged), ", ".join(s.built.path.name for s in staged)))
    if folder:
        write_folders([(s.built.path, s.files, s.disk) for s in staged], link_media)
    else:
        try:
            commit_packages([(s.tmp, s.built.path) for s in staged if s.tmp])
        finally:
            discard([s.tmp for s in staged if s.tmp])
    for s in staged:  # after the packages: a failed build leaves no report of a package it did not write
        if s.kept is None:
            write_text(s.built.report, s.a11y)
    for s in staged if store and not folder else ():
        # Not when a media file changed while it was zipped: the zip may hold neither version.
        if s.kept is not None or s.settled:
            record_package(store, s.built.path, {"content": s.content, "signature": s.signature,
                                                 "report_hash": text_hash(s.a11y.encode("utf-8")), **s.layout})
    written = [replace(s.built, bytes=s.signature["size"] if not folder else _folder_size(s.built.path)) for s in staged]
    for pkg in written:
        log.info("wrote %s and %s", pkg.path, pkg.report)
    # Kept after a build that succeeded (a failed one changes nothing in the output folder), and
    # not when a file changed while it was read.
    if store and checks is not None and checks.worth_saving() and check_context(root, Path(out_dir)) == checks.context:
        save_checks(store, checks.context, checks.text())
    memos = [s.memo for s in staged if s.memo is not None]
    if memos and render_context(root, fmt, langs, "") == shared:  # not if course.yaml or a template changed meanwhile
        for context, text in memos:
            save_pages(store, context, text)
    result = BuildResult(written, checked.warnings, round(time.monotonic() - started, 3), course.id)
    body = {"course_id": course.id,
            "warnings": [astuple(w) for w in checked.warnings],
            "packages": [{**{k: str(v) if isinstance(v, Path) else v for k, v in asdict(pkg).items()},
                          "signature": None if folder else s.signature,
                          "report_hash": text_hash(s.a11y.encode("utf-8"))}
                         for pkg, s in zip(written, staged)]}
    return result, body


PREREAD_PAGES = 200  # pages to read anew before the reading is shared with a forked process (about 0.15 s of work)


def _preread(root: Path, out_dir: Path, langs: tuple[str, ...], checks):
    """The pages of about half the languages read and checked in a forked process while this one
    reads the others, when there are many pages to read (a first build of a large course): their
    results go into `checks` (pagememo.PageChecks, made for this build when the cache is off),
    which the build's own reading then takes them from. Returns `checks`."""
    from .parallel import can_fork, split, workers

    if workers() < 2 or not can_fork():
        return checks
    shares = _language_shares(root, langs, len(checks.kept) if checks is not None else 0)
    if shares is None:
        return checks
    if checks is None:
        from .pagememo import PageChecks

        checks = PageChecks(check_context(root, out_dir), {})
    import json

    theirs = split(lambda: _read_share(root, shares[0], checks), lambda: _read_share(root, shares[1], checks).text(),
                   lambda _done: None)[1]
    entries = json.loads(theirs)  # this process's share stays in `checks`, as read
    checks.new += sum(key not in checks.kept and key not in checks.used for key in entries)
    checks.kept.update(entries)
    return checks


def _language_shares(root: Path, langs: tuple[str, ...], known: int) -> tuple[tuple, tuple] | None:
    """The languages in two shares of about as many page files, if over PREREAD_PAGES of them may need reading."""
    from .loader import LANG

    counts = {}
    try:
        for folder in sorted(root.iterdir()):
            if LANG.fullmatch(folder.name) and (not langs or folder.name in langs) and folder.is_dir():
                counts[folder.name] = sum(1 for name in os.listdir(folder) if name.endswith(".md"))
    except OSError:
        return None
    if len(counts) < 2 or sum(counts.values()) - known < PREREAD_PAGES:
        return None
    shares: tuple[list, list] = ([], [])
    for lang in sorted(counts, key=lambda lang: -counts[lang]):
        shares[sum(counts[x] for x in shares[0]) > sum(counts[x] for x in shares[1])].append(lang)
    return tuple(shares[0]), tuple(shares[1])


def _read_share(root: Path, langs: tuple[str, ...], checks):
    """Each page of `langs` read and checked into `checks` (pagememo.PageChecks), which is returned."""
    from .loader import load_course
    from .validate import page_checks

    page_checks(load_course(root, langs, checks))
    return checks


def _shares(course: Course, chosen: list[tuple]) -> tuple[list[tuple], list[tuple]]:
    """The jobs split in two of about the same work (pages to render, in order), the larger share here."""
    work = {job: len(course.pages_in(job[2])) + 1 for job in chosen}
    mine: list[tuple] = []
    theirs: list[tuple] = []
    for job in sorted(chosen, key=lambda j: -work[j]):
        (mine if sum(work[j] for j in mine) <= sum(work[j] for j in theirs) else theirs).append(job)
    return sorted(mine, key=chosen.index), sorted(theirs, key=chosen.index)


def _stage(course: Course, root: Path, out_dir, fmt: str, langs: tuple[str, ...], job: tuple, total: int,
           store: Path | None, folder: bool, report: Callable[[Progress], None]) -> _Staged:
    """One package: rendered, its report made, and its zip written to a temporary file unless the
    one in place is what the cache wrote from this very content."""
    from .a11y import accessibility_report
    from .package import stage_package
    from .render import PageMemo, make_environment, render_course
    from .targets import get_target

    number, name, lang = job
    target = get_target(name)(course)
    memo = None
    if store:
        context = render_context(root, name, langs, lang)
        memo = PageMemo(context, *load_pages(store, context))
        target.memo = memo
    sco = render_course(course, lang, target.runtime_adapter, helpers=target.runtime_helpers,
                        extra_config=target.runtime_config(lang), connect=target.csp_connect, memo=memo)
    files, disk = target.package_files(sco)
    pages = course.pages_in(lang)
    counts = dict(sorted(Counter(b.kind for p in pages for b in p.blocks).items()))
    path = Path(out_dir) / target.package_name(lang)
    if folder:
        path = path.with_suffix("")
    built = BuiltPackage(path, lang, name, len(files) + len(disk), pages=len(pages), blocks=counts,
                         media=len(sco.media), report=path.with_name(path.stem + ".a11y.md"))
    titles = {p["id"]: p["title"] for p in sco.config["pages"]}
    a11y = accessibility_report(make_environment(course), course, lang, path.name, sco.files, titles, memo)
    # What the next build needs, as JSON text made here (in the forked process, beside the other languages).
    kept = (memo.context, pages_text(memo.used, memo.facts_used, memo.extras_used)) \
        if memo is not None and _worth_saving(memo) else None
    staged = _Staged(number, built, a11y, memo=kept)
    report(Progress("language", number, total, _progress_text(built, fmt)))
    if folder:
        staged.files, staged.disk = files, disk
        return staged
    previous = None  # the cache's record of the zip there: what did not change is copied from it (zipreuse.py)
    if store:
        staged.content = content_hash(name, files, disk, a11y)
        staged.kept = _unchanged(store, built, staged.content)
        previous = package_record(store, path)
    if staged.kept is not None:
        staged.signature = staged.kept
        staged.layout = {k: previous.get(k) for k in ("zip", "members", "chunks")} if previous else {}
        return staged
    staged.tmp, staged.signature, staged.layout = stage_package(path, files, disk, previous)
    try:
        staged.settled = bool(store) and content_hash(name, files, disk, a11y) == staged.content
    except BaseException:
        staged.tmp.unlink(missing_ok=True)
        raise
    return staged


def _progress_text(built: BuiltPackage, fmt: str) -> str:
    label = f"{built.lang} ({built.format})" if fmt == "all" else built.lang
    return f"{label}: {built.pages} pages, {built.media} media files"


def _worth_saving(memo) -> bool:
    """Whether to write a language's rendered pages again: not when under 1 % of them were rendered
    anew (rewriting a large course's file costs more than rendering a few pages again)."""
    new = sum(key not in memo.pages for key in memo.used) + sum(key not in memo.facts for key in memo.facts_used) \
        + sum(key not in memo.extras for key in memo.extras_used)
    return bool(new) and (not memo.pages or new * 100 >= len(memo.used) + len(memo.facts_used))


def _unchanged(store: Path, built: BuiltPackage, content: str) -> dict | None:
    """The signature of the package at `built.path` if the cache wrote it, from this very content,
    and it and its report are still as written (then it is not written again); else None."""
    kept = package_record(store, built.path)
    try:
        if kept is None or kept["content"] != content or file_signature(built.path) != kept["signature"] \
                or text_hash(built.report.read_bytes()) != kept["report_hash"]:
            return None
    except (OSError, KeyError, TypeError):
        return None
    return kept["signature"]


def _folder_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def _replay(entry: dict, started: float) -> BuildResult:
    """The result of a build answered from the cache: its packages, warnings and log messages again."""
    for name, level, message in entry["log"]:
        logging.getLogger(name).log(level, "%s", message)
    packages = [BuiltPackage(Path(p["path"]), p["lang"], p["format"], p["files"], p["bytes"], p["pages"], p["blocks"],
                             p["media"], Path(p["report"])) for p in entry["packages"]]
    warnings = tuple(Problem(*w) for w in entry["warnings"])
    return BuildResult(packages, warnings, round(time.monotonic() - started, 3), entry["course_id"], reused=True)


@contextmanager
def _kept_log():
    """The warnings ilmpack logs during a build (a template that is no longer used, say), kept
    for the cache so that a build answered from it says them again."""
    kept: list[tuple[str, int, str]] = []

    class Keeper(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            kept.append((record.name, record.levelno, record.getMessage()))

    handler = Keeper(logging.WARNING)
    logger = logging.getLogger("ilmpack")
    logger.addHandler(handler)
    try:
        yield kept
    finally:
        logger.removeHandler(handler)
