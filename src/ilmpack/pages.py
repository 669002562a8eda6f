"""Read one Markdown page: text decoding, front matter, fenced YAML blocks, local links."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field

from .errors import Problem
from .markdown_ext import scan_alert
from .sanitize import blank_code_spans, find_hazards
from .sourcemap import SourceMap, parse_yaml

FENCE_OPEN = re.compile(r"^(?P<indent> {0,3})(?P<fence>`{3,}|~{3,})\s*(?P<info>[^`\s]*)\s*$")
# Inline links and images `[text](target)` / `![alt](target "title")`, and reference definitions.
# The link text may not hold '[': each try stops at the next one, so a line of brackets is linear.
LINK = re.compile(r"!?\[(?:[^\[\]\\]|\\.){0,1000}\]\(\s*<?(?P<url>[^)\s>]+)>?")
# Python-Markdown takes quadratic time over many '[' that open no link; escaped, they are plain text.
MANY_BRACKETS = 100
LONE_BRACKET = re.compile(r"(?<!\\)\[(?!(?:[^\[\]\\]|\\.){0,1000}\][(\[:])")
REFDEF = re.compile(r"^ {0,3}\[[^\]]+\]:\s*<?(?P<url>\S+?)>?(\s|$)")
RAW_SRC = re.compile(r"""\b(?:src|href|poster)\s*=\s*["'](?P<url>[^"']+)["']""", re.I)

PLACEHOLDER = "ILMPACKBLOCK{:04d}X"


@dataclass
class RawBlock:
    """A fenced YAML block (```question ... ```) as parsed, with its location."""

    kind: str
    data: object
    smap: SourceMap
    line: int
    index: int


@dataclass
class LinkRef:
    """A relative link or image target found in the Markdown source."""

    url: str
    line: int
    column: int


@dataclass
class RawPage:
    """A page file read from disk: front matter, Markdown with block placeholders, blocks, links."""

    file: str
    meta: dict
    meta_map: SourceMap
    markdown: str
    blocks: list[RawBlock] = field(default_factory=list)
    links: list[LinkRef] = field(default_factory=list)
    hazards: list[tuple[int, int, str]] = field(default_factory=list)  # (line, column, what) of unsafe raw HTML
    has_front_matter: bool = True
    notes: list[Problem] = field(default_factory=list)  # warnings found while reading


def decode_text(data: bytes, file: str) -> str:
    """UTF-8 text with a BOM tolerated; a clear problem for anything else."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        col = e.start - (data.rfind(b"\n", 0, e.start) + 1) + 1
        raise ValueError([Problem(file, line, col, "", "the file is not UTF-8 text; save it as UTF-8 in your editor")]) from e
    if "\x00" in text:
        raise ValueError([Problem(file, 1, 0, "", "the file is binary, not text")])
    return text.replace("\r\n", "\n").replace("\r", "\n")


def read_page(text: str, file: str, block_kinds: frozenset[str]) -> RawPage:
    """Split a page into front matter, Markdown and blocks; raise ValueError(list[Problem])."""
    problems: list[Problem] = []
    if not text.strip():
        raise ValueError([Problem(file, 1, 1, "", "the page is empty; start it with front matter (---, title: ..., ---) and some text")])
    lines = text.split("\n")
    meta, meta_map, start = {}, SourceMap(file), 0
    has_front_matter = bool(lines) and lines[0].strip() == "---"
    if has_front_matter:
        end = next((i for i in range(1, len(lines)) if lines[i].strip() in ("---", "...")), None)
        if end is None:
            problems.append(Problem(file, 1, 1, "", "front matter starts with '---' but has no closing '---' line"))
        else:
            try:
                meta, meta_map = parse_yaml("\n".join(lines[1:end]), file, line_offset=1)
            except ValueError as e:
                problems.extend(e.args[0])
            if meta is not None and not isinstance(meta, dict):
                problems.append(Problem(file, 1, 1, "", "the front matter must be 'key: value' lines, e.g. title: ..."))
            meta = meta if isinstance(meta, dict) else {}
            start = end + 1
    else:
        problems.append(Problem(file, 1, 1, "", "the page has no front matter; start it with three lines: '---', 'title: ...', '---'"))
    body: list[str] = [""] * start  # keep line numbers of the Markdown equal to the file's
    blocks: list[RawBlock] = []
    links: list[LinkRef] = []
    prose = [""] * len(lines)  # the lines outside code and blocks, for the raw-HTML scan
    notes: list[Problem] = []
    i = start
    while i < len(lines):
        line = lines[i]
        m = FENCE_OPEN.match(line)
        if not m:
            _scan_links(line, i + 1, links)
            alert = scan_alert(line, i + 1, lines[i - 1] if i > start else "", file)
            if alert:
                notes.append(alert)
            prose[i] = blank_code_spans(line)
            body.append(LONE_BRACKET.sub(r"\\[", line) if line.count("[") > MANY_BRACKETS else line)
            i += 1
            continue
        fence, info = m.group("fence"), m.group("info").lower()
        close = next((j for j in range(i + 1, len(lines)) if _closes(lines[j], fence)), None)
        if info not in block_kinds:
            close_kind = difflib.get_close_matches(info, sorted(block_kinds), n=1, cutoff=0.75) if info else []
            if close_kind:
                notes.append(Problem(file, i + 1, 1, "", f"'```{info}' is not a block type; did you mean '```{close_kind[0]}'? "
                                     "(as written, it shows as code)", warning=True))
            # Ordinary code stays code; links inside it are not followed.
            stop = len(lines) if close is None else close + 1
            body.extend(lines[i:stop])
            i = stop
            continue
        if close is None:
            problems.append(Problem(file, i + 1, 1, "", f"the ```{info} block is never closed; add a line with {fence} after it"))
            break
        try:
            data, smap = parse_yaml("\n".join(lines[i + 1: close]), file, line_offset=i + 1)
        except ValueError as e:
            problems.extend(e.args[0])
            data, smap = None, SourceMap(file)
        index = len(blocks)
        smap.values.setdefault((), (i + 1, 1))
        blocks.append(RawBlock(info, data, smap, i + 1, index))
        # The placeholder is a paragraph of its own; the lines it replaces stay blank.
        body.append("\n" + PLACEHOLDER.format(index) + "\n")
        body.extend([""] * (close - i))
        i = close + 1
    if problems:
        raise ValueError(problems)
    hazards = find_hazards("\n".join(prose))
    return RawPage(file, meta, meta_map, "\n".join(body), blocks, links, hazards, has_front_matter, notes)


def _closes(line: str, fence: str) -> bool:
    stripped = line.strip()
    return stripped.startswith(fence[0] * len(fence)) and set(stripped) == {fence[0]}


def _scan_links(line: str, lineno: int, out: list[LinkRef]) -> None:
    for regex in (LINK, REFDEF, RAW_SRC):
        for m in regex.finditer(line):
            out.append(LinkRef(m.group("url"), lineno, m.start("url") + 1))
