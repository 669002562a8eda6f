"""Load stage: read course.yaml and every page file into plain data with source maps."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from .errors import Problem, display_path
from .pages import RawPage, decode_text, read_page
from .paths import PathProblem, resolve_inside
from .blocks import block_kinds
from .sourcemap import SourceMap, parse_yaml

COURSE_FILE = "course.yaml"
MAX_TEXT_BYTES = 5 * 1024 * 1024
LANG = re.compile(r"[a-z]{2,3}(-[A-Z]{2})?")  # a page or course.yaml larger than this is surely a mistake


@dataclass
class LoadedCourse:
    """Everything read from a course folder, before validation."""

    root: Path
    file: str  # course.yaml as displayed in messages
    data: object = None
    smap: SourceMap | None = None
    pages: dict = field(default_factory=dict)  # (lang, page entry) -> RawPage
    page_files: dict = field(default_factory=dict)  # (lang, page entry) -> Path
    problems: list[Problem] = field(default_factory=list)
    langs: tuple = ()  # the languages whose pages were read (all, or those asked for), source first
    pages_alone: bool = False  # course.yaml could not give the page list: every page found was read
    note: str = ""  # what this run could not check, said after the problems
    changed: dict = field(default_factory=dict)  # (lang, page entry) -> time of its last git commit
    unlisted: list = field(default_factory=list)  # warnings for page files course.yaml does not name
    memo: object = None  # pagememo.PageChecks: what reading and checking each page gave in earlier builds


def load_course(course_dir: str | Path, langs: tuple[str, ...] | list[str] = (), memo=None) -> LoadedCourse:
    """Read a course folder; problems are collected, never raised, so all are reported at once.

    With `langs`, only those languages' pages are read: a translation in progress does not stop
    the others from being checked and built. With `memo` (pagememo.PageChecks), a page file
    whose bytes and context are unchanged is taken as an earlier build read it.
    """
    root = Path(course_dir)
    course_path = root / COURSE_FILE
    loaded = LoadedCourse(root=root, file=display_path(course_path), memo=memo)
    if not root.is_dir():
        loaded.problems.append(Problem(display_path(root), 0, 0, "", "no such course folder; give the folder that holds course.yaml"))
        return loaded
    if not course_path.is_file():
        loaded.problems.append(Problem(loaded.file, 0, 0, "", "no course.yaml here; give the folder that holds course.yaml, or create one with 'ilmpack new'"))
        return loaded
    try:
        text = read_text(course_path, loaded.file)
        loaded.data, loaded.smap = parse_yaml(text, loaded.file)
    except ValueError as e:
        loaded.problems.extend(e.args[0])
        _load_pages_alone(loaded, langs)
        return loaded
    if loaded.data is None:
        loaded.problems.append(Problem(loaded.file, 1, 1, "", "course.yaml is empty; see 'ilmpack new' for a starting point"))
        _load_pages_alone(loaded, langs)
        return loaded
    _load_pages(loaded, langs)
    return loaded


def read_text(path: Path, shown: str) -> str:
    """A text file's content, with size and encoding checked."""
    size = path.stat().st_size
    if size > MAX_TEXT_BYTES:
        raise ValueError([Problem(shown, 0, 0, "", f"the file is {-(-size // 1024)} KB; text files over "
                                  f"{MAX_TEXT_BYTES // 1024} KB (5 MB) are not read (split it, or move media out of it)")])
    return decode_text(path.read_bytes(), shown)


def course_languages(data) -> list[str]:
    """The well-formed language codes of course.yaml (only they become folder names; the schema reports the others)."""
    if not isinstance(data, dict) or not isinstance(data.get("languages"), list):
        return []
    return [x for x in data["languages"] if isinstance(x, str) and LANG.fullmatch(x)]


def _load_pages(loaded: LoadedCourse, only: tuple[str, ...] | list[str] = ()) -> None:
    """Read each page named in course.yaml once per language (as far as the structure allows)."""
    data = loaded.data
    modules = data.get("modules") if isinstance(data, dict) else None
    if not isinstance(modules, list):
        _load_pages_alone(loaded, only)
        return
    all_langs = course_languages(data)
    langs = [lang for lang in all_langs if not only or lang in only]
    loaded.langs = tuple(langs)
    kinds = block_kinds()
    entries = []
    for mi, module in enumerate(modules):
        if not isinstance(module, dict) or not isinstance(module.get("pages"), list):
            continue
        for pi, entry in enumerate(module["pages"]):
            if not isinstance(entry, str):
                continue
            key = ("modules", mi, "pages", pi)
            entries.append(entry)
            for lang in langs:
                _load_page(loaded, lang, entry, key, kinds)
    for lang in langs:
        _unlisted_pages(loaded, lang, set(entries))
    for lang in all_langs:
        if lang not in langs:
            _note_skipped(loaded, lang, entries)
    loaded.changed = git_times(loaded.root, [(lang, e) for lang in all_langs for e in entries])


def _unlisted_pages(loaded: LoadedCourse, lang: str, entries: set[str]) -> None:
    """A page file that course.yaml does not list is not in the course: say so, it is easily forgotten."""
    folder = loaded.root / lang
    if not folder.is_dir():
        return
    try:  # names, not Path objects: a large course has thousands of pages
        names = sorted(name for name in os.listdir(folder)
                       if name.endswith(".md") and not name.startswith(".") and name not in entries)
    except OSError:
        return
    for path in (folder / name for name in names):
        if path.name.lower() != "readme.md" and path.is_file():
            loaded.unlisted.append(Problem(display_path(path), 0, 0, "", "this page is not in course.yaml, so it is not "
                                           "part of the course; add it to a module's pages in course.yaml, or delete it",
                                           warning=True))


def _note_skipped(loaded: LoadedCourse, lang: str, entries: list[str]) -> None:
    """A language left out of this run: its missing pages are no problem now, but worth a note."""
    missing = [e for e in dict.fromkeys(entries) if not (loaded.root / lang / e).is_file()]
    if missing:
        shown = ", ".join(f"{lang}/{e}" for e in missing[:3]) + (", ..." if len(missing) > 3 else "")
        loaded.problems.append(loaded.smap.problem(("languages",), f"{lang} is not checked in this run; {len(missing)} of its "
                                                   f"pages {'is' if len(missing) == 1 else 'are'} still missing ({shown})",
                                                   warning=True))


def _load_pages_alone(loaded: LoadedCourse, only: tuple[str, ...] | list[str] = ()) -> None:
    """course.yaml gives no page list: read every page in the language folders on its own.

    The pages' own problems (front matter, blocks, links) are then listed in the same run as
    course.yaml's; the page order and the translations wait until course.yaml can be read.
    """
    loaded.pages_alone = True
    known = course_languages(loaded.data)
    folders = [d for d in sorted(loaded.root.iterdir()) if d.is_dir() and LANG.fullmatch(d.name)
               and (d.name in known or not known) and (not only or d.name in only) and any(d.glob("*.md"))]
    kinds = block_kinds()
    count = 0
    for folder in folders:
        for path in sorted(folder.glob("*.md")):
            if path.name.lower() != "readme.md" and path.is_file():
                count += 1
                _load_page(loaded, folder.name, path.name, (), kinds)
    loaded.langs = tuple(d.name for d in folders)
    if count:
        where = ", ".join(f"{d.name}/" for d in folders)
        loaded.note = (f"The page list in course.yaml cannot be read, so the {count} pages in {where} were checked on their "
                       "own; the page order and the translations are checked once course.yaml is fixed.")
    else:
        loaded.note = ("The page list in course.yaml cannot be read, and no language folder with pages was found; "
                       "no page was checked.")


def _load_page(loaded: LoadedCourse, lang: str, entry: str, key: tuple, kinds: frozenset[str]) -> None:
    lang_dir = loaded.root / lang
    try:
        path = resolve_inside(loaded.root, lang_dir, entry)
    except PathProblem as e:
        if not key:  # a page found on disk, not named in course.yaml: nothing to say about the name
            return
        msg = str(e)
        if e.case_hint:
            # Page names are ids too (a-z only): the file is renamed, not course.yaml.
            msg = (f"no such file '{lang}/{entry}'; the file is named '{e.case_hint}': rename it to "
                   f"'{Path(entry).name}' (names are case-sensitive on the LMS)")
        elif msg.startswith("no such file"):
            unfinished = "" if course_languages(loaded.data)[:1] == [lang] else \
                "; while a translation is unfinished, build the other languages with --lang"
            msg = f"no such file '{lang}/{entry}' (each language folder must hold every page{unfinished})"
        loaded.problems.append(loaded.smap.problem(key, msg))
        return
    shown = display_path(path)
    page = _read_page_file(loaded, lang, entry, path, shown, kinds)
    if page is None:
        return
    loaded.pages[(lang, entry)] = page
    loaded.page_files[(lang, entry)] = path


def _read_page_file(loaded: LoadedCourse, lang: str, entry: str, path: Path, shown: str, kinds: frozenset[str]) -> RawPage | None:
    """The page as read (or None, its problems added), from `loaded.memo` when its bytes are unchanged."""
    memo, key = loaded.memo, None
    if memo is not None and path.stat().st_size <= MAX_TEXT_BYTES:
        key = memo.key(lang, entry, path, shown, path.read_bytes())
        kept = memo.loaded(key)
        if kept is not None:
            memo.keys[(lang, entry)] = key
            loaded.problems.extend(kept[1])
            return kept[0]
    try:
        page, problems = read_page(read_text(path, shown), shown, kinds), []
    except ValueError as e:
        page, problems = None, e.args[0]
    if key is not None:
        memo.store_loaded(key, page, problems)
        memo.keys[(lang, entry)] = key
    loaded.problems.extend(problems)
    return page


def git_times(root: Path, pages: list[tuple[str, str]]) -> dict:
    """(lang, entry) -> Unix time of the page file's last commit, from one `git log` call.

    Outside a git work tree, or without git, the answer is empty and nothing is said.
    """
    if not pages or shutil.which("git") is None:
        return {}
    wanted = {f"{lang}/{entry}": (lang, entry) for lang, entry in pages}
    folders = sorted({lang for lang, _ in pages})
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    try:
        proc = subprocess.run(["git", "log", "--format=%x00%ct", "--name-only", "--relative", "--no-renames", "--",
                               *folders], cwd=root, capture_output=True, text=True, timeout=20, env=env)
    except (OSError, subprocess.SubprocessError):
        return {}
    if proc.returncode != 0:
        return {}
    out: dict = {}
    when = 0
    for line in proc.stdout.splitlines():
        if line.startswith("\x00"):
            when = int(line[1:] or 0)
        elif line in wanted and wanted[line] not in out:
            out[wanted[line]] = when  # the log is newest first: the first time a file shows is its last change
    return out


__all__ = ["LoadedCourse", "RawPage", "load_course", "COURSE_FILE"]
