"""Raw HTML in Markdown: find what could run inside the LMS (with lines), and strip it.

The course runs in the LMS's origin, next to the learner's session, so a script in a page could
act as the learner. nh3 (a binding to the Rust crate ammonia, maintained and fast) does the
stripping from an allow-list; the scan below only finds what to warn the author about.
"""

from __future__ import annotations

import bisect
import re

import nh3

HAZARD = re.compile(
    r"<\s*(?P<tag>script|iframe|object|embed|style|form|link|meta|base|frame|frameset|svg|math)\b"
    r"|<[a-zA-Z][^>]*?\s(?P<attr>on[a-z]+)\s*="
    r"|(?P<url>(?:javascript|vbscript|data)\s*:)",
    re.IGNORECASE,
)
CODE_SPAN = re.compile(r"(`+)(?:(?!\1).)+?\1")

TAGS = set(nh3.ALLOWED_TAGS) | {"video", "audio", "source", "track", "picture", "section"}
ATTRIBUTES = {
    "*": {"class", "id", "lang", "title", "dir", "role"},
    "a": {"href", "target", "rel", "hreflang"},
    "img": {"src", "alt", "width", "height", "loading"},
    "video": {"src", "controls", "width", "height", "poster", "preload", "muted", "playsinline"},
    "audio": {"src", "controls", "preload"},
    "source": {"src", "type", "srcset", "media"},
    "track": {"src", "kind", "srclang", "label", "default"},
    # No `style`: the package's Content-Security-Policy refuses inline style (privacy.py), so it
    # would do nothing but raise a violation; Markdown's column alignment becomes a class instead.
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
    "ol": {"start", "type"},
    "time": {"datetime"},
    "details": {"open"},
}


def blank_code_spans(line: str) -> str:
    """The line with `code spans` blanked: they show their text literally, so `<script>` there is harmless."""
    return CODE_SPAN.sub(lambda m: " " * len(m.group(0)), line)


def find_hazards(text: str) -> list[tuple[int, int, str]]:
    """(line, column, what), 1-based, for each construct in Markdown text that would run or load code.

    The text is scanned whole, so a tag whose event handler sits on the next line is found too;
    the position is that of the tag, handler or link scheme itself.
    """
    starts = [0] + [i + 1 for i, ch in enumerate(text) if ch == "\n"]
    out = []
    for m in HAZARD.finditer(text):
        if m.group("tag"):
            what, pos = f"<{m.group('tag').lower()}> in raw HTML", m.start()
        elif m.group("attr"):
            what, pos = f"the event handler {m.group('attr').lower()}= in raw HTML", m.start("attr")
        else:
            what, pos = f"a {m.group('url').split(':')[0].strip().lower()}: link", m.start("url")
        line = bisect.bisect_right(starts, pos)
        out.append((line, pos - starts[line - 1] + 1, what))
    return out


# Made once: nh3.clean() builds its allow-lists anew on every call, which cost more than the
# cleaning itself for a question's option (33 against 2 microseconds; a large course cleans
# thousands of texts).
_CLEANER = nh3.Cleaner(
    tags=TAGS,
    clean_content_tags={"script", "style"},
    attributes=ATTRIBUTES,
    generic_attribute_prefixes={"data-", "aria-"},
    url_schemes={"http", "https", "mailto", "tel"},
    link_rel=None,
    strip_comments=True,
)


def clean_html(html: str) -> str:
    """Keep only HTML that cannot run code: an allow-list of tags, attributes and URL schemes."""
    return _CLEANER.clean(html)
