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
2,000 pages, measured); the fallback is the wrapper itself, should a future wheel hide them.
"""

from __future__ import annotations

from functools import cache

EXTENSIONS = ("table", "strikethrough", "autolink")
CMARK_OPT_UNSAFE = 1 << 17  # cmark.h: raw HTML and dangerous URLs are rendered; the sanitizer decides


def to_html(markdown: str) -> str:
    """Markdown -> HTML, as GitHub renders it (before GitHub's own sanitizing)."""
    return _renderer()(markdown)


@cache
def _renderer():
    """The render function, set up once per process (loading the library, finding the extensions)."""
    try:
        return _direct()
    except (OSError, AttributeError, ValueError):  # pragma: no cover - a wheel without the C API exported
        import cmarkgfm
        return lambda text: cmarkgfm.markdown_to_html_with_extensions(text, CMARK_OPT_UNSAFE, list(EXTENSIONS))


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

    def render(markdown: str) -> str:
        data = markdown.encode("utf-8")
        parser = lib.cmark_parser_new(CMARK_OPT_UNSAFE)
        try:
            for extension in extensions:
                lib.cmark_parser_attach_syntax_extension(parser, extension)
            lib.cmark_parser_feed(parser, data, len(data))
            root = lib.cmark_parser_finish(parser)
            try:
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
