"""The accessibility report written beside each package, for the publisher.

It says what the build checked in this course, which automated checks ilmpack's own test suite
runs (the build runs no browser), what a person must still check, and drafts the sections of the
Norwegian accessibility statement (Digdir's tilgjengelighetserklæring) for the publisher to paste.
The facts come from the package's rendered HTML, so every block kind's markup is covered.
"""

from __future__ import annotations

import hashlib
import json
import posixpath
import re
from dataclasses import dataclass, field, fields

from jinja2 import Environment
from lxml import etree

from . import __version__
from .model import Course

MEDIA_SUFFIXES = (".mp4", ".webm", ".ogv", ".mov", ".m4v", ".mp3", ".m4a", ".ogg", ".oga", ".wav", ".aac", ".flac")
REPORT_LANGUAGES = ("nb", "nn", "en")  # one template each: templates/reports/a11y-<lang>.md


@dataclass
class Media:
    """A film, an interview or a raw <video>/<audio> in the package, and what it offers besides."""

    tag: str  # "video" or "audio"
    src: str
    block: str = ""  # "film", "interview", or "" for raw HTML
    tracks: set = field(default_factory=set)  # kinds of the player's text tracks: "captions", "descriptions", ...
    described: bool = False  # a version with audio description beside it (film `described`)
    note: str = ""  # the author's reason for no audio description (film `audio_description: none`), as shown
    transcript: bool = False

    @property
    def needs_description(self) -> bool:
        """A film without audio description in any form (an interview shows only who speaks)."""
        return self.tag == "video" and self.block != "interview" and not self.described and "descriptions" not in self.tracks


@dataclass
class PageFacts:
    """What the report needs to know of one page (or one extra HTML file) of the package."""

    where: str  # the page title, or the file's path
    images: int = 0
    decorative: list = field(default_factory=list)  # src of each image with alt=""
    no_alt: list = field(default_factory=list)  # src of each image without an alt attribute (raw HTML)
    media: list = field(default_factory=list)  # Media
    media_links: list = field(default_factory=list)  # (href, link text) of films and sound offered as files
    pdf_links: list = field(default_factory=list)  # href of each PDF or other document of the course
    headings: list = field(default_factory=list)  # heading levels in order
    tables: int = 0
    tables_without_headers: int = 0


# The elements the scanner looks at (in `start`).
_NOTED = frozenset({"section", "img", "figure", "video", "audio", "source", "track", "p", "details",
                    "h1", "h2", "h3", "h4", "h5", "h6", "table", "th", "a"})


class _Scanner:
    """Collects PageFacts per page section of index.html (or for a whole extra HTML file).

    A parser target: libxml2's HTML parser calls start, end and data as it reads (ten times
    faster than html.parser on a 1,000-page course, and no tree is built)."""

    def __init__(self, where: str, titles: dict):
        self.pages: list[PageFacts] = []
        self.titles = titles
        self.current = PageFacts(where) if not titles else None
        self.link: list | None = None
        self.table_has_th: list[bool] = []
        self.media: Media | None = None  # the media element (or film/interview block) being read
        self.player = False  # inside the block's first player, whose tracks count
        self.note: list[str] | None = None  # text of the film's note, while inside it
        if self.current:
            self.pages.append(self.current)

    def start(self, tag, attrs):
        if tag not in _NOTED or (tag in ("p", "details") and not self.media):
            return  # most elements of a page say nothing the report needs
        a = attrs  # libxml2 gives a target a dict of its own for each element
        if tag == "section" and "data-page-id" in a:
            self.current = PageFacts(self.titles.get(a["data-page-id"], a["data-page-id"]))
            self.pages.append(self.current)
        page = self.current
        if page is None:
            return
        if tag == "img":
            page.images += 1
            if "alt" not in a:
                page.no_alt.append(a.get("src", ""))
            elif not (a["alt"] or "").strip():
                page.decorative.append(a.get("src", ""))
        elif tag == "figure" and ("data-film" in a or "data-interview" in a):
            self.media = Media("", "", "film" if "data-film" in a else "interview")
            page.media.append(self.media)
        elif tag in ("video", "audio"):
            if self.media and self.media.tag:  # a second player in a film: the described version
                self.media.described = True
                return
            if not self.media:
                self.media = Media(tag, "")
                page.media.append(self.media)
            self.media.tag, self.media.src, self.player = tag, a.get("src", ""), True
        elif tag == "source" and self.player and not self.media.src:
            self.media.src = a.get("src", "")
        elif tag == "track" and self.player:
            self.media.tracks.add((a.get("kind") or "subtitles").lower())
        elif self.media and tag in ("p", "details"):
            classes = (a.get("class") or "").split()
            if tag == "p" and "ilm-media-note" in classes:
                self.note = []
            self.media.transcript |= "ilm-transcript" in classes
        elif tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
            page.headings.append(int(tag[1]))
        elif tag == "table":
            page.tables += 1
            self.table_has_th.append(False)
        elif tag == "th" and self.table_has_th:
            self.table_has_th[-1] = True
        elif (tag == "a" and not self.media and a.get("href") and "://" not in a["href"]
              and not a["href"].startswith(("#", "mailto:"))):  # a player's own download link is not a separate file
            self.link = [a["href"], ""]

    def end(self, tag):
        if tag == "p" and self.note is not None:
            self.media.note = " ".join("".join(self.note).split())
            self.note = None
        if tag in ("video", "audio"):
            self.player = False
            if self.media and not self.media.block:
                self.media = None
        elif tag == "figure" and self.media and self.media.block:
            self.media = None
        elif tag == "table" and self.table_has_th:
            if not self.table_has_th.pop():
                self.current.tables_without_headers += 1
        elif tag == "a" and self.link:
            href, text = self.link
            self.link = None
            path = href.split("#")[0].lower()
            if path.endswith(MEDIA_SUFFIXES):
                self.current.media_links.append((href, " ".join(text.split())))
            elif posixpath.splitext(path)[1] in (".pdf", ".doc", ".docx", ".odt", ".pptx", ".xlsx"):
                self.current.pdf_links.append(href)

    def data(self, data):
        if self.note is not None:
            self.note.append(data)
        if self.link is not None:
            self.link[1] += data

    def close(self) -> None:
        pass


def scan_package(files: dict[str, bytes], page_titles: dict[str, str], memo=None) -> list[PageFacts]:
    """PageFacts of every page of index.html, then of every other HTML file (handouts), in order.

    With `memo` (render.PageMemo), the facts of a page whose HTML is unchanged are taken from it.
    """
    facts = []
    for path in ["index.html"] + sorted(p for p in files if p.endswith(".html") and p != "index.html"):
        text = files[path].decode("utf-8")
        parts = _page_parts(text, page_titles) if path == "index.html" and memo is not None else None
        if parts is None:
            facts.extend(_scan(path, text, page_titles if path == "index.html" else {}))
            continue
        keys = []
        for page_id, part in parts:
            h = hashlib.sha256(json.dumps(page_titles[page_id], ensure_ascii=False).encode("utf-8"))
            h.update(b"\0")  # the title as JSON text, which ends at its closing quote; then the part as it is
            h.update(part.encode("utf-8", "surrogatepass"))
            keys.append(h.hexdigest())
        new = sum(key not in memo.facts for key in keys)
        # Many pages not kept (a first build): one scan of the whole file is faster than one a page,
        # and gives each page the same facts (the cuts are exactly the pages).
        whole = _scan(path, text, page_titles) if new > 1 and new * 4 >= len(keys) else None
        if whole is not None and len(whole) != len(keys):
            whole = None
        for i, ((page_id, part), key) in enumerate(zip(parts, keys)):
            kept = memo.facts.get(key)
            if kept is None:
                kept = [_facts_dict(p) for p in ([whole[i]] if whole is not None else _scan(path, part, page_titles))]
            memo.facts_used[key] = kept
            facts.extend(_facts_from(d) for d in kept)
    return facts


def _scan(path: str, text: str, page_titles: dict[str, str]) -> list[PageFacts]:
    scanner = _Scanner(path, page_titles)
    if text.strip():  # libxml2 refuses an empty document; it has no facts anyway
        etree.fromstring(text.encode("utf-8"), etree.HTMLParser(target=scanner, encoding="utf-8", no_network=True))
    return scanner.pages


# The start of a page in index.html, as the scanner sees it (a section with data-page-id).
PAGE_START = re.compile(r"<section\b[^>]*?\sdata-page-id=\"([^\"]*)\"")


def _page_parts(text: str, page_titles: dict[str, str]) -> list[tuple[str, str]] | None:
    """index.html cut at the start of each page, (page id, part) to be scanned alone; None unless
    the cuts are exactly the pages, in order (then no part can hold what another needs)."""
    starts = list(PAGE_START.finditer(text))
    if [m.group(1) for m in starts] != list(page_titles):
        return None
    ends = [m.start() for m in starts[1:]] + [len(text)]
    return [(m.group(1), text[m.start():end]) for m, end in zip(starts, ends)]


def _facts_dict(page: PageFacts) -> dict:
    """The facts as plain data for the cache (dataclasses.asdict, without its deep copies: a large
    course has thousands of pages)."""
    data = {f.name: getattr(page, f.name) for f in fields(PageFacts)}
    data.update(media=[{**{f.name: getattr(m, f.name) for f in fields(Media)}, "tracks": sorted(m.tracks)} for m in page.media],
                media_links=[list(x) for x in page.media_links],
                **{name: list(data[name]) for name in ("decorative", "no_alt", "pdf_links", "headings")})
    return data


def _facts_from(data: dict) -> PageFacts:
    media = [Media(**{**m, "tracks": set(m["tracks"])}) for m in data["media"]]
    return PageFacts(**{**data, "media": media, "media_links": [tuple(x) for x in data["media_links"]]})


def accessibility_report(env: Environment, course: Course, lang: str, package: str,
                         files: dict[str, bytes], page_titles: dict[str, str], memo=None) -> str:
    """The report for one language's package, in that language (English for a language without a template)."""
    pages = scan_package(files, page_titles, memo)
    media = [(p.where, m) for p in pages for m in p.media]
    facts = {
        "images": sum(p.images for p in pages),
        "decorative": [(p.where, src) for p in pages for src in p.decorative],
        "no_alt": [(p.where, src) for p in pages for src in p.no_alt],
        "media": media,
        "no_captions": [(w, m) for w, m in media if m.tag == "video" and not m.tracks & {"captions", "subtitles"}],
        "no_description": [(w, m) for w, m in media if m.needs_description],
        "media_links": [(p.where, href, text) for p in pages for href, text in p.media_links],
        "documents": [(p.where, href) for p in pages for href in p.pdf_links],
        "tables": sum(p.tables for p in pages),
        "tables_without_headers": [p.where for p in pages if p.tables_without_headers],
        "skipped_levels": [p.where for p in pages if any(b - a > 1 for a, b in zip(p.headings, p.headings[1:]))],
        "pages": len(page_titles),
    }
    facts["gaps"] = bool(facts["decorative"] or facts["no_alt"] or facts["no_captions"] or facts["no_description"]
                         or facts["media_links"] or facts["documents"] or facts["tables_without_headers"]
                         or facts["skipped_levels"] or course.trusted_html)
    template = env.get_template(f"reports/a11y-{lang if lang in REPORT_LANGUAGES else 'en'}.md")
    return template.render(course=course, title=course.title[lang], lang=lang, package=package,
                           version=__version__, trusted_html=course.trusted_html, **facts)
