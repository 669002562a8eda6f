"""GitHub's Markdown: cmark-gfm, the C library GitHub renders Markdown with, from the `cmarkgfm` wheel.

Why this engine: the README promises that a page reads on GitHub as the learner will see it, and
cmark-gfm is what GitHub runs (nested lists at two spaces, bare URLs linked, `~~struck~~`, `1)`
lists, tables, `<details>` with Markdown between blank lines). It is also fast: on a
450-word page of the sample course some 0.1 ms, 20 to 40 times less than Python-Markdown,
markdown-it-py or mistune (see docs/markdown-engine.md for the table and the fidelity checks).

The extensions are GitHub's, less two: "tagfilter" would print `<script>` as text, while
ilmpack's sanitizer (sanitize.py) removes it with a warning that names the line; "tasklist"
makes checkboxes, which are form fields the sanitizer removes. Raw HTML passes through
(CMARK_OPT_UNSAFE) so that the sanitizer, not the engine, decides what stays.

The C functions are called through ctypes rather than through cmarkgfm's Python wrapper, which
frees neither the parsed document nor the HTML it returns (about 38 kB a page: 77 MB over
2,000 pages, measured), and has no way to walk the parsed document.

Walking it is how the package's contents are decided (contents.py): every link, image and piece of
raw HTML is taken from the very document that is rendered, with its place in the source, and may
be rewritten before the HTML is made. No pattern scan of the Markdown decides what is packed, so no
Markdown form that cmark-gfm reads as a link (nested brackets, a destination on the next line, a
reference defined in a block quote) can pass unseen.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Callable

EXTENSIONS = ("table", "strikethrough", "autolink")
CMARK_OPT_SOURCEPOS = 1 << 1  # cmark.h: nodes keep their line and column (read only; the HTML is made without it)
CMARK_OPT_UNSAFE = 1 << 17  # cmark.h: raw HTML and dangerous URLs are rendered; the sanitizer decides
# cmark-gfm.h node types
_HTML_BLOCK, _TEXT, _CODE, _HTML_INLINE, _LINK, _IMAGE = 0x8006, 0xC001, 0xC004, 0xC005, 0xC009, 0xC00A


@dataclass
class Node:
    """A link, an image or a piece of raw HTML of a parsed page, where it starts in the source.

    `kind` is "link", "image" or "html"; `value` the URL as cmark-gfm read it (entities and
    backslash escapes resolved, percent escapes kept) or the raw HTML as written; `text` an
    image's alternative text; `line` and `column` (1-based, column in characters) its start.
    """

    kind: str
    value: str
    line: int
    column: int
    title: str = ""
    text: str = ""


# The visitor of a page's nodes: a new value (URL or raw HTML) for the node, or None to keep it;
# it may change `title` too (an image marked "decorative" loses that title).
Visitor = Callable[[Node], "str | None"]


def to_html(markdown: str, visit: Visitor | None = None) -> str:
    """Markdown -> HTML, as GitHub renders it (before GitHub's own sanitizing); each link, image
    and raw HTML node is shown to `visit` first, which may rewrite it."""
    return _renderer()(markdown, visit, True)


def walk(markdown: str, visit: Visitor) -> None:
    """Each link, image and raw HTML node of `markdown` shown to `visit`, as `to_html` would, without rendering."""
    _renderer()(markdown, visit, False)


@cache
def _renderer():
    """The render function, set up once per process (loading the library, finding the extensions)."""
    return _direct()


def _direct():
    import ctypes
    import importlib.util

    spec = importlib.util.find_spec("cmarkgfm._cmark")
    lib = ctypes.CDLL(spec.origin)  # already loaded by the import above: the same library, not a copy
    ptr, size, text = ctypes.c_void_p, ctypes.c_size_t, ctypes.c_char_p
    for name, restype, argtypes in (
        ("cmark_gfm_core_extensions_ensure_registered", None, []),
        ("cmark_find_syntax_extension", ptr, [text]),
        ("cmark_parser_new", ptr, [ctypes.c_int]),
        ("cmark_parser_attach_syntax_extension", ctypes.c_int, [ptr, ptr]),
        ("cmark_parser_feed", None, [ptr, text, size]),
        ("cmark_parser_finish", ptr, [ptr]),
        ("cmark_parser_get_syntax_extensions", ptr, [ptr]),
        ("cmark_render_html", ptr, [ptr, ctypes.c_int, ptr]),
        ("cmark_node_free", None, [ptr]),
        ("cmark_parser_free", None, [ptr]),
        ("cmark_iter_new", ptr, [ptr]),
        ("cmark_iter_next", ctypes.c_int, [ptr]),
        ("cmark_iter_get_node", ptr, [ptr]),
        ("cmark_iter_free", None, [ptr]),
        ("cmark_node_get_type", ctypes.c_int, [ptr]),
        ("cmark_node_get_url", ctypes.c_char_p, [ptr]),
        ("cmark_node_set_url", ctypes.c_int, [ptr, text]),
        ("cmark_node_get_title", ctypes.c_char_p, [ptr]),
        ("cmark_node_set_title", ctypes.c_int, [ptr, text]),
        ("cmark_node_get_literal", ctypes.c_char_p, [ptr]),
        ("cmark_node_set_literal", ctypes.c_int, [ptr, text]),
        ("cmark_node_get_start_line", ctypes.c_int, [ptr]),
        ("cmark_node_get_start_column", ctypes.c_int, [ptr]),
        ("cmark_node_first_child", ptr, [ptr]),
        ("cmark_node_next", ptr, [ptr]),
    ):
        fn = getattr(lib, name)
        fn.restype, fn.argtypes = restype, argtypes

    class Mem(ctypes.Structure):  # cmark_mem: the allocator the HTML buffer must be freed with
        _fields_ = [("calloc", ptr), ("realloc", ptr), ("free", ctypes.CFUNCTYPE(None, ptr))]

    lib.cmark_get_default_mem_allocator.restype = ctypes.POINTER(Mem)
    free = lib.cmark_get_default_mem_allocator().contents.free
    lib.cmark_gfm_core_extensions_ensure_registered()
    extensions = [lib.cmark_find_syntax_extension(name.encode()) for name in EXTENSIONS]
    if not all(extensions):
        raise ValueError("cmark-gfm extension missing")

    def alt_text(node) -> str:
        """An image's text: the literal of every text and code node under it, in order."""
        parts, stack = [], [lib.cmark_node_first_child(node)]
        while stack:
            child = stack.pop()
            if not child:
                continue
            stack.append(lib.cmark_node_next(child))
            if lib.cmark_node_get_type(child) in (_TEXT, _CODE):
                parts.append((lib.cmark_node_get_literal(child) or b"").decode("utf-8"))
            else:
                stack.append(lib.cmark_node_first_child(child))
        return "".join(parts)

    def visit_nodes(root, lines: list[bytes], visit: Visitor) -> None:
        it = lib.cmark_iter_new(root)
        try:
            while (event := lib.cmark_iter_next(it)) != 1:  # CMARK_EVENT_DONE
                if event != 2:  # CMARK_EVENT_ENTER
                    continue
                node = lib.cmark_iter_get_node(it)
                kind = lib.cmark_node_get_type(node)
                if kind not in (_LINK, _IMAGE, _HTML_INLINE, _HTML_BLOCK):
                    continue
                line, column = lib.cmark_node_get_start_line(node), lib.cmark_node_get_start_column(node)
                if kind in (_LINK, _IMAGE):
                    url = lib.cmark_node_get_url(node) or b""
                    line, column = _at_url(lines, line, column, url)
                    title = (lib.cmark_node_get_title(node) or b"").decode("utf-8")
                    found = Node("link" if kind == _LINK else "image", url.decode("utf-8"),
                                 line, _characters(lines, line, column), title, alt_text(node) if kind == _IMAGE else "")
                    new = visit(found)
                    if new is not None:
                        lib.cmark_node_set_url(node, new.encode("utf-8"))
                    if found.title != title:
                        lib.cmark_node_set_title(node, found.title.encode("utf-8"))
                else:
                    new = visit(Node("html", (lib.cmark_node_get_literal(node) or b"").decode("utf-8"), line,
                                     _characters(lines, line, column)))
                    if new is not None:
                        lib.cmark_node_set_literal(node, new.encode("utf-8"))
        finally:
            lib.cmark_iter_free(it)

    def _at_url(lines: list[bytes], line: int, column: int, url: bytes) -> tuple[int, int]:
        """Where the URL is written, when it follows the link's start within two lines (it is then
        what a message names); else the link's start (a reference link's URL stands elsewhere)."""
        for offset, text in enumerate(lines[line - 1: line + 1] if url and 0 < line <= len(lines) else ()):
            at = text.find(url, column - 1 if offset == 0 else 0)
            if at != -1:
                return line + offset, at + 1
        return line, column

    def _characters(lines: list[bytes], line: int, column: int) -> int:
        """A byte column of a line as characters, which a message counts."""
        if 0 < line <= len(lines):
            return len(lines[line - 1][: max(column - 1, 0)].decode("utf-8", "replace")) + 1
        return column

    def render(markdown: str, visit: Visitor | None, html: bool) -> str:
        data = markdown.encode("utf-8")
        # Only a '[' (a link or image) or a '<' (raw HTML, or an autolink) can make a node that
        # names a file: a page without either is not walked.
        walking = visit is not None and ("[" in markdown or "<" in markdown)
        parser = lib.cmark_parser_new(CMARK_OPT_UNSAFE | (CMARK_OPT_SOURCEPOS if walking else 0))
        try:
            for extension in extensions:
                lib.cmark_parser_attach_syntax_extension(parser, extension)
            lib.cmark_parser_feed(parser, data, len(data))
            root = lib.cmark_parser_finish(parser)
            try:
                if walking:
                    visit_nodes(root, data.split(b"\n"), visit)
                if not html:
                    return ""
                out = lib.cmark_render_html(root, CMARK_OPT_UNSAFE, lib.cmark_parser_get_syntax_extensions(parser))
                try:
                    return ctypes.string_at(out).decode("utf-8")
                finally:
                    free(out)
            finally:
                lib.cmark_node_free(root)
        finally:
            lib.cmark_parser_free(parser)

    return render
