"""Load stage: read course.yaml and every page file into plain data with source maps."""

from __future__ import annotations

import re
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


def load_course(course_dir: str | Path) -> LoadedCourse:
    """Read a course folder; problems are collected, never raised, so all are reported at once."""
    root = Path(course_dir)
    course_path = root / COURSE_FILE
    loaded = LoadedCourse(root=root, file=display_path(course_path))
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
        return loaded
    if loaded.data is None:
        loaded.problems.append(Problem(loaded.file, 1, 1, "", "course.yaml is empty; see 'ilmpack new' for a starting point"))
        return loaded
    _load_pages(loaded)
    return loaded


def read_text(path: Path, shown: str) -> str:
    """A text file's content, with size and encoding checked."""
    size = path.stat().st_size
    if size > MAX_TEXT_BYTES:
        raise ValueError([Problem(shown, 0, 0, "", f"the file is {-(-size // 1024)} KB; text files over "
                                  f"{MAX_TEXT_BYTES // 1024} KB (5 MB) are not read (split it, or move media out of it)")])
    return decode_text(path.read_bytes(), shown)


def _load_pages(loaded: LoadedCourse) -> None:
    """Read each page named in course.yaml once per language (as far as the structure allows)."""
    data = loaded.data
    if not isinstance(data, dict):
        return
    # Only well-formed codes become folder names; the schema reports the others.
    langs = [x for x in data["languages"] if isinstance(x, str) and LANG.fullmatch(x)] \
        if isinstance(data.get("languages"), list) else []
    modules = data.get("modules") if isinstance(data.get("modules"), list) else []
    kinds = block_kinds()
    for mi, module in enumerate(modules):
        if not isinstance(module, dict) or not isinstance(module.get("pages"), list):
            continue
        for pi, entry in enumerate(module["pages"]):
            if not isinstance(entry, str):
                continue
            key = ("modules", mi, "pages", pi)
            for lang in langs:
                _load_page(loaded, lang, entry, key, kinds)


def _load_page(loaded: LoadedCourse, lang: str, entry: str, key: tuple, kinds: frozenset[str]) -> None:
    lang_dir = loaded.root / lang
    try:
        path = resolve_inside(loaded.root, lang_dir, entry)
    except PathProblem as e:
        msg = str(e)
        if e.case_hint:
            # Page names are ids too (a-z only): the file is renamed, not course.yaml.
            msg = (f"no such file '{lang}/{entry}'; the file is named '{e.case_hint}': rename it to "
                   f"'{Path(entry).name}' (names are case-sensitive on the LMS)")
        elif msg.startswith("no such file"):
            msg = f"no such file '{lang}/{entry}' (each language folder must hold every page)"
        loaded.problems.append(loaded.smap.problem(key, msg))
        return
    shown = display_path(path)
    try:
        page = read_page(read_text(path, shown), shown, kinds)
    except ValueError as e:
        loaded.problems.extend(e.args[0])
        return
    loaded.pages[(lang, entry)] = page
    loaded.page_files[(lang, entry)] = path


__all__ = ["LoadedCourse", "RawPage", "load_course", "COURSE_FILE"]
