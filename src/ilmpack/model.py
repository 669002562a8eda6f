"""Model stage: the validated course as frozen dataclasses (no I/O here)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Mapping

from .loader import LoadedCourse
from .pages import RawPage


@dataclass(frozen=True)
class Completion:
    """When the course counts as done: percent of pages viewed, and what the test must give."""

    pages: int  # 0..100
    test: str | None  # "passed" | "answered" | None


@dataclass(frozen=True)
class TestPolicy:
    """How the test is taken: attempts (None: unlimited), when solutions show, shuffling, drawing."""

    attempts: int | None = None
    solutions: str = "after-passing"  # never | after-each-attempt | after-passing | after-last-attempt
    shuffle: bool = False
    draw: int | None = None  # questions drawn from the test page's pool per attempt (None: all)

    def as_config(self) -> dict:
        """The runtime config's `testPolicy`."""
        return {"attempts": self.attempts, "solutions": self.solutions, "shuffle": self.shuffle, "draw": self.draw}


@dataclass(frozen=True)
class Block:
    """A fenced YAML block of a page, e.g. a question."""

    kind: str
    id: str
    data: Mapping
    index: int  # its place among the page's blocks (the placeholder number)


@dataclass(frozen=True)
class Page:
    """One page in one language."""

    id: str
    entry: str  # as named in course.yaml
    lang: str
    title: str
    is_test: bool
    markdown: str  # with block placeholders
    source: Path
    source_shown: str
    blocks: tuple[Block, ...]


@dataclass(frozen=True)
class Module:
    """A group of pages with a title per language."""

    id: str
    title: Mapping[str, str]
    pages: tuple[str, ...]  # page entries in order


@dataclass(frozen=True)
class Course:
    """The course in the languages being checked or built (all, unless some were chosen)."""

    id: str
    version: str
    languages: tuple[str, ...]
    title: Mapping[str, str]
    description: Mapping[str, str]
    mastery_score: int | None
    completion: Completion
    modules: tuple[Module, ...]
    pages: Mapping[tuple[str, str], Page]  # (lang, entry) -> Page
    root: Path
    trusted_html: bool = False  # raw HTML in pages is kept as written (else sanitized)
    # course.yaml as written (validated), for block kinds with a course-wide option such as
    # `reflections: {send_text: ...}`; the stages above read the typed fields instead.
    settings: Mapping = field(default_factory=lambda: MappingProxyType({}))
    test_policy: TestPolicy = TestPolicy()
    iri_base: str | None = None  # xapi.iri_base: where cmi5 and xAPI ids live (None: not set)

    def pages_in(self, lang: str) -> list[Page]:
        """The pages of one language in course order."""
        return [self.pages[(lang, entry)] for module in self.modules for entry in module.pages]


def make_course(loaded: LoadedCourse) -> Course:
    """Turn a validated LoadedCourse into a Course."""
    data = loaded.data
    pages = {}
    for (lang, entry), raw in loaded.pages.items():
        pages[(lang, entry)] = _make_page(raw, lang, entry, loaded.page_files[(lang, entry)])
    has_test = any(p.is_test for p in pages.values())
    completion = data.get("completion") or {}
    test = completion.get("test", "passed" if has_test else "none")
    return Course(
        id=data["id"],
        version=loaded.smap.raw.get(("version",), str(data.get("version", "1.0.0"))),
        languages=tuple(loaded.langs or data["languages"]),
        title=MappingProxyType(dict(data["title"])),
        description=MappingProxyType(dict(data.get("description") or {})),
        mastery_score=data.get("mastery_score"),
        completion=Completion(pages=completion.get("pages", 100), test=None if test == "none" else test),
        modules=tuple(Module(m["id"], MappingProxyType(dict(m["title"])), tuple(m["pages"])) for m in data["modules"]),
        pages=MappingProxyType(pages),
        root=loaded.root.resolve(),
        trusted_html=data.get("trusted_html", False),
        settings=MappingProxyType(dict(data)),
        test_policy=TestPolicy(**(data.get("test_policy") or {})),
        iri_base=(data.get("xapi") or {}).get("iri_base"),
    )


def _make_page(raw: RawPage, lang: str, entry: str, path: Path) -> Page:
    blocks = tuple(Block(b.kind, b.data["id"], MappingProxyType(b.data), b.index) for b in raw.blocks)
    return Page(
        id=Path(entry).stem,
        entry=entry,
        lang=lang,
        title=raw.meta["title"],
        is_test=bool(raw.meta.get("test", False)),
        markdown=raw.markdown,
        source=path,
        source_shown=raw.file,
        blocks=blocks,
    )
