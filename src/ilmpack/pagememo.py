"""What loading and checking each page file gave, kept between builds (the build cache's page layer).

A page's entry is keyed on its bytes, its name and place, and a *context* (cache.check_context):
ilmpack's code and schemas, the working folder, course.yaml's bytes, and a listing of the
course folder (every name; the bytes of every file but the Markdown pages, whose bytes no other
page reads, or size and time for large files). That is everything the per-page steps read: the loader's reading of the
page (front matter, blocks, links) and validate.py's checks of that one page (its schemas, its
blocks' rules, its links and files, captions included). The entry holds the page as read, or the
problems that stopped it being read, and the checks' problems and block ids. The checks that
look across pages (duplicate block ids, translations, the test page, the suspend_data limit,
course-wide rules) run over every page on every build, as without the cache.

The data are kept as JSON; a value JSON cannot give back as it was (a YAML `!!binary` value)
keeps its page out of the cache, and it is read anew on every build.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from .errors import Problem
from .pages import RawBlock, RawPage
from .sourcemap import SourceMap

PLAIN = (str, int, float, bool, type(None))


class PageChecks:
    """Per-page results of one context: `kept` as read from the cache, `used` what this build used or made."""

    def __init__(self, context: str, kept: dict | None = None):
        self.context = context
        self.kept = kept or {}
        self.used: dict[str, dict] = {}
        self.keys: dict[tuple[str, str], str] = {}  # (lang, entry) -> the key its entry is under
        self.new = 0  # entries made by this build (pages read or checked anew)
        # Pages this process read, as read: taken again by key without going through JSON (a build
        # reads its share of the pages ahead, then loads the course: build._preread).
        self.live: dict[str, tuple[RawPage | None, list[Problem]]] = {}

    def worth_saving(self) -> bool:
        """Whether to write the entries again: rewriting a large course's file costs more than
        reading a few pages anew, so a build that read under 1 % of them anew leaves it as it is."""
        return bool(self.new) and (not self.kept or self.new * 100 >= len(self.used))

    def key(self, lang: str, entry: str, path: Path, shown: str, data: bytes) -> str:
        h = hashlib.blake2b(digest_size=20)
        h.update("\0".join([self.context, lang, entry, str(path), shown, str(len(data))]).encode("utf-8", "surrogateescape"))
        h.update(data)
        return h.hexdigest()

    def loaded(self, key: str) -> tuple[RawPage | None, list[Problem]] | None:
        """(the page, or None with the problems that stopped it being read), or None when not kept."""
        if key in self.live and key in self.used:
            return self.live[key]
        entry = self.kept.get(key)
        if entry is None:
            return None
        try:
            page = _page(entry["page"]) if entry["page"] is not None else None
            problems = [Problem(*p) for p in entry["load"]]
        except (KeyError, TypeError, ValueError, IndexError):
            return None
        self.used[key] = {"page": entry["page"], "load": entry["load"]}
        if "checks" in entry:
            self.used[key]["checks"] = entry["checks"]
        return page, problems

    def store_loaded(self, key: str, page: RawPage | None, problems: list[Problem]) -> None:
        try:
            plain = _plain_page(page) if page is not None else None
        except TypeError:  # a value JSON would not give back as it is: not kept
            return
        # As JSON text at once: what later steps do with the page's data is not kept.
        self.used[key] = {"page": json.dumps(plain, ensure_ascii=False), "load": [_problem(p) for p in problems]}
        self.live[key] = (page, problems)
        self.new += 1

    def text(self) -> bytes:
        """The entries this build used or made, as the JSON text of one object (the pages that
        were read anew are already text)."""
        parts = []
        for key, entry in self.used.items():
            page = entry["page"] if isinstance(entry["page"], str) else json.dumps(entry["page"], ensure_ascii=False)
            rest = json.dumps({k: v for k, v in entry.items() if k != "page"}, ensure_ascii=False)
            parts.append(f'{json.dumps(key)}:{{"page":{page},{rest[1:]}')
        return ("{" + ",".join(parts) + "}").encode("utf-8")

    def checks(self, key: str) -> tuple[list[Problem], list[tuple[str, Problem]]] | None:
        """The page's own problems and its valid block ids (with where each is), if kept."""
        entry = self.used.get(key)
        if entry is None or "checks" not in entry:
            return None
        try:
            found = entry["checks"]
            return [Problem(*p) for p in found["problems"]], [(bid, Problem(*where)) for bid, where in found["ids"]]
        except (KeyError, TypeError, ValueError):
            return None

    def store_checks(self, key: str, problems: list[Problem], ids: list[tuple[str, Problem]]) -> None:
        if key in self.used:
            self.new += "checks" not in self.used[key]
            self.used[key]["checks"] = {"problems": [_problem(p) for p in problems],
                                        "ids": [[bid, _problem(where)] for bid, where in ids]}


def _problem(p: Problem) -> list:
    return [p.file, p.line, p.column, p.key, p.message, p.warning]


def _exact(value):
    """`value` itself if JSON gives it back unchanged (text keys, no tuples, no bytes); else TypeError."""
    if isinstance(value, dict):
        for k, v in value.items():
            if type(k) is not str:
                raise TypeError("a key that is not text")
            _exact(v)
    elif isinstance(value, list):
        for v in value:
            _exact(v)
    elif type(value) not in PLAIN:
        raise TypeError(f"not JSON: {type(value).__name__}")
    return value


def _plain_map(smap: SourceMap) -> list:
    for path in (*smap.values, *smap.keys, *smap.containers, *smap.raw):
        if not all(type(part) in (str, int) for part in path):
            raise TypeError("a key path JSON cannot hold")
    return [smap.file, [[list(k), list(v)] for k, v in smap.values.items()],
            [[list(k), list(v)] for k, v in smap.keys.items()], [list(k) for k in smap.containers],
            [[list(k), _exact(v)] for k, v in smap.raw.items()]]


def _map(plain: list) -> SourceMap:
    file, values, keys, containers, raw = plain
    return SourceMap(file, {tuple(k): tuple(v) for k, v in values}, {tuple(k): tuple(v) for k, v in keys},
                     {tuple(k) for k in containers}, {tuple(k): v for k, v in raw})


def _plain_page(page: RawPage) -> dict:
    return {
        "file": page.file, "meta": _exact(page.meta), "meta_map": _plain_map(page.meta_map), "markdown": page.markdown,
        "blocks": [[b.kind, _exact(b.data), _plain_map(b.smap), b.line, b.index] for b in page.blocks],
        "hazards": [list(h) for h in page.hazards], "front": page.has_front_matter,
        "notes": [_problem(p) for p in page.notes], "forms": [list(f) for f in page.form_fields],
    }


def _page(plain: dict) -> RawPage:
    page = RawPage(plain["file"], plain["meta"], _map(plain["meta_map"]), plain["markdown"],
                   [RawBlock(kind, data, _map(smap), line, index) for kind, data, smap, line, index in plain["blocks"]],
                   [tuple(h) for h in plain["hazards"]], plain["front"],
                   [Problem(*p) for p in plain["notes"]])
    page.form_fields = [tuple(f) for f in plain["forms"]]
    return page
