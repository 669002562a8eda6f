"""Render stage: Markdown pages and blocks -> HTML, through Jinja templates, per language."""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import logging
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache, partial
from html import escape
from pathlib import Path

import jinja2
from jinja2 import (ChoiceLoader, Environment, FileSystemBytecodeCache, FileSystemLoader, StrictUndefined, TemplateNotFound,
                    TemplateSyntaxError, UndefinedError)
from markupsafe import Markup

from . import precompiled
from .blocks import BlockPage, get_block
from .contents import PageLinks, add_member, resolve
from .errors import BuildError, CourseError, Problem, display_path
from .gfm import to_html
from .markdown_ext import alert_labels, content_helpers
from .model import Course, Page
from .pages import PLACEHOLDER
from .paths import PathProblem
from .privacy import add_policy, content_policy
from .resources import course_template_dirs, data_dir
from .runtime import assemble_runtime, fingerprint, runtime_parts
from .sanitize import clean_html
from .sourcemap import parse_yaml
from .template_errors import syntax_problem, undefined_problem

log = logging.getLogger(__name__)

ASSETS = ("assets/ilmpack.css", "assets/noscript.css")  # copied as they are; assets/ilmpack.js is assembled (runtime.py)


@dataclass(frozen=True)
class PageView:
    """What a template sees of a page."""

    id: str
    title: str
    html: Markup
    module_id: str
    number: int
    is_test: bool


@dataclass(frozen=True)
class ModuleView:
    """What a template sees of a module."""

    id: str
    title: str
    pages: list


@dataclass
class RenderedSco:
    """One language of the course, rendered: text files in memory, media files by path."""

    lang: str
    files: dict[str, bytes] = field(default_factory=dict)  # package path -> content
    media: dict[str, Path] = field(default_factory=dict)  # package path -> source file
    config: dict = field(default_factory=dict)
    policy: str = content_policy()  # the Content-Security-Policy of every HTML file (privacy.py)
    volatile: bool = False  # it holds bytes of a course file (contents.add_member): a page not to keep


def template_dirs(course: Course) -> list[Path]:
    """Search path: the course's templates/, the project's templates/, then the packaged defaults."""
    dirs = [*course_template_dirs(course.root), data_dir("templates")]
    seen, out = set(), []
    for d in dirs:
        if d.is_dir() and d.resolve() not in seen:
            seen.add(d.resolve())
            out.append(d)
    return out


def make_environment(course: Course) -> Environment:
    """One Jinja environment: autoescape on, undefined names are errors."""
    return _environment(tuple(str(d) for d in template_dirs(course)))


@lru_cache(maxsize=8)
def _environment(dirs: tuple[str, ...]) -> Environment:
    """The environment of a template search path, made once: it keeps each template compiled
    (compiling costs more than rendering a small course) and reloads a template whose file changed."""
    default = str(data_dir("templates"))
    loader = ChoiceLoader([_PackagedLoader(d) if d == default else FileSystemLoader(d) for d in dirs])
    return Environment(loader=loader, undefined=StrictUndefined, bytecode_cache=_bytecode_cache(), **precompiled.OPTIONS)


class _PackagedLoader(FileSystemLoader):
    """ilmpack's own templates: those the wheel carries compiled (precompiled.py) are not compiled
    again, as long as they are the very ones shipped; any other goes through the bytecode cache."""

    def load(self, environment: Environment, name: str, globals=None):
        if not precompiled.index():  # a source checkout: nothing shipped
            return super().load(environment, name, globals)
        source, filename, uptodate = self.get_source(environment, name)
        code = precompiled.compiled(environment, name, source, filename)
        if code is None:
            return super().load(environment, name, globals)
        return environment.template_class.from_code(environment, code, globals if globals is not None else {}, uptodate)


class _QuietBytecodeCache(FileSystemBytecodeCache):
    """Compiled templates kept between runs, keyed on each template's source (never stale); a cache
    folder that cannot be read or written only makes the build slower."""

    def load_bytecode(self, bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except OSError:
            pass

    def dump_bytecode(self, bucket) -> None:
        try:
            super().dump_bytecode(bucket)
        except OSError:
            pass


def _bytecode_cache() -> FileSystemBytecodeCache | None:
    """$XDG_CACHE_HOME/ilmpack/templates-<Jinja version>-<ilmpack version> (~/.cache when unset); None
    when it cannot be made. Jinja keys an entry on the template's source only, so the folder names
    what else shapes the compiled code: Jinja itself and ilmpack's Environment options."""
    from . import __version__

    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    folder = Path(base) / "ilmpack" / f"templates-{jinja2.__version__}-{__version__}"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return _QuietBytecodeCache(str(folder))


def render_course(course: Course, lang: str, lms: str = "none", *, helpers: tuple[str, ...] = (),
                  extra_config: dict | None = None, connect: str = "'none'", memo: PageMemo | None = None) -> RenderedSco:
    """Render every page of one language into the launch page, plus assets and media.

    `lms` names the runtime's LMS adapter (the target's `runtime_adapter`, e.g. 'scorm12'),
    `helpers` the parts it builds on, `extra_config` what the target adds to the runtime config,
    `connect` the connect-src of the pages' Content-Security-Policy (`Target.csp_connect`).
    `memo` keeps rendered pages between builds (cache.py): a page whose text, blocks and place
    are unchanged, in an unchanged course.yaml, templates and ilmpack, is not rendered again.
    """
    env = make_environment(course)
    strings = _strings(env, lang)
    sco = RenderedSco(lang, policy=content_policy(connect))
    page_ids = {p.entry: p.id for p in course.pages_in(lang)}
    md = PageMarkdown(course, sco, page_ids, strings.get("new_tab", "opens in a new tab"), alert_labels(strings))
    views: list[PageView] = []
    modules: list[ModuleView] = []
    entries: dict[str, dict] = {"questions": {}}
    number = 0
    for module in course.modules:
        mview = ModuleView(module.id, module.title[lang], [])
        for entry in module.pages:
            page = course.pages[(lang, entry)]
            number += 1
            html = _memo_page(memo, page, number, sco, entries, lambda part, found: render_page(
                env, md, course, page, strings, found, number, part))
            view = PageView(page.id, page.title, html, module.id, number, page.is_test)
            views.append(view)
            mview.pages.append(view)
        modules.append(mview)
    sco.config = {
        "courseId": course.id,
        "lang": lang,
        "version": course.version,
        "title": course.title[lang],
        "masteryScore": course.mastery_score,
        "completion": {"pages": course.completion.pages, "test": course.completion.test},
        "testPolicy": course.test_policy.as_config(),
        "pages": [{"id": v.id, "title": v.title, "test": v.is_test} for v in views],
        **entries,
        "strings": strings,
        **(extra_config or {}),
    }
    kinds = {b.kind for p in course.pages_in(lang) for b in p.blocks}
    blocks = [n.split("/")[1][:-3] for n in runtime_parts(env, lms, kinds) if n.startswith("blocks/")]
    sco.config["fingerprint"] = fingerprint(sco.config, blocks)
    context = {
        "lang": lang,
        "course": {"id": course.id, "version": course.version, "title": course.title[lang],
                   "description": course.description.get(lang, "")},
        "modules": modules,
        "pages": views,
        "strings": strings,
        "config_json": script_json(sco.config),
    }
    _write(env, sco, "index.html", "index.html", context)
    sco.files["assets/ilmpack.js"] = assemble_runtime(env, lms, kinds, helpers).encode("utf-8")
    for asset in ASSETS:
        sco.files[asset] = _source(env, asset)[0].encode("utf-8")
    return sco


class PageMemo:
    """Rendered pages kept between builds, by a key of everything a page's rendering reads.

    `context` names what all pages of a language share (course.yaml, templates, ilmpack, the
    format; cache.render_context); `pages` maps a page's key to what rendering it gave.
    """

    def __init__(self, context: str, pages: dict | None = None, facts: dict | None = None, extras: dict | None = None):
        self.context = context
        self.pages = pages or {}
        self.used: dict[str, dict] = {}  # the entries this build used or made: what is kept for the next
        self.facts = facts or {}  # the accessibility report's facts of each page's HTML (a11y.py)
        self.facts_used: dict[str, list] = {}
        self.extras = extras or {}  # other results of the language, by a key of what they read (targets/xapi.py)
        self.extras_used: dict[str, object] = {}


def _memo_page(memo: PageMemo | None, page: Page, number: int, sco: RenderedSco, entries: dict, render) -> Markup:
    """A page rendered by `render(part, entries)` into a part of its own, or taken from `memo`; merged into `sco`."""
    key = None
    if memo is not None:
        fields = [memo.context, number, page.id, page.entry, page.lang, page.title, page.is_test, str(page.source),
                  [[b.kind, b.id, b.index, b.data] for b in page.blocks]]
        try:
            text = json.dumps(fields, sort_keys=True, ensure_ascii=False, default=_plain)
            h = hashlib.sha256(text.encode("utf-8"))
            h.update(b"\0")  # the JSON text ends where its list closes: the Markdown after it cannot blur into it
            h.update(page.markdown.encode("utf-8", "surrogatepass"))  # hashed as it is: JSON-quoting 2,000 pages costs more
            key = h.hexdigest()
        except (TypeError, ValueError):  # a value JSON cannot hold (a YAML date): rendered every time
            key = None
    kept = memo.pages.get(key) if key else None
    if kept is None:
        part, found = RenderedSco(sco.lang, policy=sco.policy), {}
        html = render(part, found)
        if part.volatile:
            key = None
        kept = {"html": str(html), "entries": found, "media": {k: str(v) for k, v in part.media.items()},
                "files": {k: base64.b64encode(v).decode("ascii") for k, v in part.files.items()}}
        if key and not _json_exact(kept):  # tuples, keys that are not text: not kept
            key = None
    if key:
        memo.used[key] = kept
    for config_key, found in kept["entries"].items():
        entries.setdefault(config_key, {}).update(found)
    sco.media.update((k, Path(v)) for k, v in kept["media"].items())
    sco.files.update((k, base64.b64decode(v)) for k, v in kept["files"].items())
    return Markup(kept["html"])


def _json_exact(value) -> bool:
    """Whether JSON gives `value` back as it is (text keys, lists not tuples, no other types)."""
    from .pagememo import _exact

    try:
        _exact(value)
    except TypeError:
        return False
    return True


def _plain(value):
    if isinstance(value, Mapping):
        return dict(value)
    raise TypeError(f"not JSON: {type(value).__name__}")


def render_page(env, md: PageMarkdown, course, page: Page, strings, entries, number, sco: RenderedSco) -> Markup:
    """One page's body: Markdown to HTML, local links rewritten, blocks rendered in place.

    `entries` collects what the runtime must know of each block: kind's config key -> id -> entry;
    `sco` the files the page brings (media, handouts).
    """
    md.sco = sco  # the media the page's links name go with the page (its part, when pages are kept)
    html = md.convert(page)
    if not course.trusted_html:
        html = clean_html(html)
    about = {"id": course.id, "title": course.title[page.lang]}  # what a page of its own (a handout) says of the course
    where = BlockPage(page.id, page.lang, page.is_test, partial(inline_markdown, trusted=course.trusted_html, new_tab=strings.get("new_tab", "opens in a new tab")),
                      file=partial(_package_file, course, page, sco),
                      write=lambda path, name, context: _write(env, sco, path, name, {"lang": page.lang, "strings": strings,
                                                                                      "course": about, **context}),
                      course=course.settings)
    for block in page.blocks:
        kind = get_block(block.kind)
        view = kind.view(block.data, where)
        ctx = {"lang": page.lang, "strings": strings, "block": dict(block.data),
               "page": {"id": page.id, "title": page.title, "is_test": page.is_test, "number": number}, **view}
        entry = kind.runtime_entry(block.data, view, where)
        if entry is not None:
            entries.setdefault(kind.config_key, {})[block.id] = entry
        rendered = _render(env, f"blocks/{block.kind}.html", ctx)
        token = PLACEHOLDER.format(block.index)
        html = html.replace(f"<p>{token}</p>", rendered, 1)
    return Markup(html)


def _package_file(course: Course, page: Page, sco: RenderedSco, written: str) -> str:
    """Package a file a block names (relative to its page; validated before): its path in the package."""
    try:
        found = resolve(course.root, page.source.parent, written, "block", course.trusted_html)
    except PathProblem as e:  # validate said so first, unless the file changed meanwhile
        raise CourseError([Problem(display_path(page.source), 0, 0, "", str(e))]) from e
    return add_member(sco, found)


def _write(env: Environment, sco: RenderedSco, path: str, name: str, context: dict) -> str:
    """Render a template into a file of its own in the package; an HTML file gets the policy."""
    text = _render(env, name, context)
    if path.endswith(".html"):
        text = add_policy(text, sco.policy, name)
    sco.files[path] = text.encode("utf-8")
    return path


_BLOCK_START = re.compile(r"^(\s*)(\d+[.)]|[-*+>#])(?=\s|$)")


@lru_cache(maxsize=4096)  # the same option texts ("Sant", a scale's labels) recur across a course's questions
def inline_markdown(text: str, trusted: bool = False, new_tab: str | None = None) -> Markup:
    """Markdown of a short text (prompt, option), without the wrapping paragraph.

    With `new_tab` (the interface text), a web link opens in a new tab and says so, as on a page:
    followed in the LMS's frame it would replace the course.
    """
    if not text:
        return Markup("")
    if "\n" not in text.strip():
        # One line is a phrase, never a list, heading or quote: "1. januar 2018" stays a date.
        text = _BLOCK_START.sub(lambda m: m.group(1) + m.group(2)[:-1] + "\\" + m.group(2)[-1], text, count=1)
    html = to_html(text).rstrip("\n")
    if new_tab is not None and "<a " in html:
        html = link_targets(html, lambda url: url, _hint(new_tab))
    html = html if trusted else clean_html(html)
    m = re.fullmatch(r"<p>(.*)</p>", html, flags=re.S)
    return Markup(m.group(1) if m and "<p>" not in m.group(1) else html)


def script_json(data) -> Markup:
    """JSON safe to place inside <script type="application/json">."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


def _strings(env: Environment, lang: str) -> dict:
    text, filename = _source(env, "strings.yaml")
    try:
        all_strings, smap = _parsed_strings(text, display_path(filename))
    except ValueError as e:
        raise CourseError(e.args[0]) from e
    for code in (lang, "en"):
        if isinstance(all_strings, dict) and isinstance(all_strings.get(code), dict):
            if code != lang:
                log.warning("no UI strings for language %r; using English", lang)
            return copy.deepcopy(all_strings[code])
    raise CourseError(smap.problem((), f"needs the interface texts for '{lang}' (or 'en') as 'key: text' lines"))


@lru_cache(maxsize=4)
def _parsed_strings(text: str, filename: str):
    """strings.yaml as parsed: once a process for all its languages (some 5 ms each), not once per language."""
    return parse_yaml(text, filename)


def _source(env: Environment, name: str) -> tuple[str, str]:
    try:
        text, filename, _ = env.loader.get_source(env, name)
    except TemplateNotFound as e:
        raise BuildError(f"template file '{name}' not found in the course's templates/, the project's or ilmpack's defaults") from e
    return text, filename


def _render(env: Environment, name: str, context: dict) -> str:
    try:
        return env.get_template(name).render(context)
    except TemplateNotFound as e:
        raise BuildError(f"template file '{name}' not found in the course's templates/, the project's or ilmpack's defaults") from e
    except TemplateSyntaxError as e:
        raise CourseError(syntax_problem(e)) from e
    except UndefinedError as e:
        dirs = [Path(p) for loader in env.loader.loaders for p in loader.searchpath]
        raise CourseError(undefined_problem(e, dirs)) from e


A_TAG = re.compile(r'<a href="(?P<url>[^"]*)"(?P<title> title="[^"]*")?>|(?P<close></a>)')
HEADING = re.compile(r"<(/?)h([1-6])>")


def _hint(new_tab: str) -> str:
    return f'<span class="ilm-visually-hidden"> ({escape(new_tab, quote=False)})</span>'


def link_targets(html: str, local: Callable[[str], str], hint: str) -> str:
    """Each link's href through `local`; a link leaving the page opens a new tab and says so before its </a>."""
    out, pos, hint_due = [], 0, False
    for m in A_TAG.finditer(html):  # one pass: a raw <a> left open cannot make it scan again
        if m.group("close"):
            if hint_due:
                out += [html[pos:m.start()], hint]
                pos, hint_due = m.start(), False
            continue
        href, title = local(m.group("url")), m.group("title") or ""
        if not href or href.startswith("#"):
            extra = f' data-page-link="{href[len("#page-"):]}"' if href.startswith("#page-") else ""
            tag, hint_due = f'<a href="{href}"{title}{extra}>', False
        else:
            # A web page or a packaged file (a PDF, say) opens in a tab of its own: followed in
            # the LMS's frame it would replace the course and end the learner's session.
            tag, hint_due = f'<a href="{href}" rel="noopener noreferrer" target="_blank"{title}>', True
        out += [html[pos:m.start()], tag]
        pos = m.end()
    return "".join(out) + html[pos:]


class PageMarkdown:
    """A page's Markdown -> HTML: GitHub's rendering, the content helpers, links that work in the package.

    One serves a whole language: local media point at their package path, pages at in-course
    anchors, web links open in a new tab. What a page's links, images and raw HTML name is read
    from the document cmark-gfm renders and put into the package by contents.py, the one owner
    of what a package contains; the patterns here only match the tags cmark-gfm writes.
    """

    def __init__(self, course: Course, sco: RenderedSco, page_ids: dict, new_tab: str, labels: dict):
        self.course, self.sco, self.page_ids, self.labels = course, sco, page_ids, labels
        self.hint = _hint(new_tab)

    def convert(self, page: Page) -> str:
        links = PageLinks(self.course.root, page.source, display_path(page.source), page.lang, self.course.trusted_html,
                          self.page_ids, partial(add_member, self.sco))
        html = to_html(page.markdown, links.visit)
        errors = [p for p in links.problems if not p.warning]
        if errors:  # validate reads the same document, so a build gets here only if a file changed meanwhile
            raise CourseError(errors)
        html = content_helpers(html, self.labels)
        levels = [int(level) for close, level in HEADING.findall(html) if not close]
        if levels and min(levels) == 1:  # the page title is the only h1
            html = HEADING.sub(lambda m: f"<{m.group(1)}h{min(6, int(m.group(2)) + 1)}>", html)
        return link_targets(html, lambda url: url, self.hint)
