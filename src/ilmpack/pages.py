"""Read one Markdown page: text decoding, front matter, fenced YAML blocks, raw HTML hazards."""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

import yaml

from .errors import Problem, close_matches
from .markdown_ext import scan_alert
from .sanitize import blank_code_spans, find_hazards
from .sourcemap import SourceMap, parse_yaml

FENCE_OPEN = re.compile(r"^(?P<indent> {0,3})(?P<fence>`{3,}|~{3,})\s*(?P<info>[^`\s]*)\s*$")
# Form fields are not on the sanitizer's allow-list: a <textarea> vanishes from the package.
FORM_FIELD = re.compile(r"<\s*(?P<tag>textarea|input|select|button)\b", re.I)
# Info strings of ordinary code listings. A fence with another word whose body reads as
# 'key: value' lines looks like a block of a kind ilmpack does not have (```reflection), and
# gets a warning; a listing in a language missing here stays silent unless its body is YAML too.
# (Pygments knows more languages, but it is not needed at run time for this one guess.)
CODE_LANGUAGES = frozenset("""
    text txt plain plaintext console shell sh bash zsh powershell ps1 bat cmd python py python3 pycon
    javascript js jsx typescript ts tsx json json5 jsonc yaml yml toml ini cfg conf properties env
    html xml svg css scss sass less markdown md rst tex latex sql csv tsv diff patch dockerfile make
    makefile c h cpp c++ cs csharp java kotlin scala go rust rs ruby rb php perl r julia swift lua
    haskell elixir erlang clojure lisp scheme ocaml fsharp vb vbnet matlab nginx apache http graphql
    mermaid dot graphviz regex vim nix terraform hcl groovy gradle log output
""".split())

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
class RawPage:
    """A page file read from disk: front matter, Markdown with block placeholders, blocks.

    Its links, images and raw HTML are read by contents.py from the document cmark-gfm parses,
    the one reading that decides what the package holds."""

    file: str
    meta: dict
    meta_map: SourceMap
    markdown: str
    blocks: list[RawBlock] = field(default_factory=list)
    hazards: list[tuple[int, int, str]] = field(default_factory=list)  # (line, column, what) of unsafe raw HTML
    has_front_matter: bool = True
    notes: list[Problem] = field(default_factory=list)  # warnings found while reading
    form_fields: list[tuple[int, int, str]] = field(default_factory=list)  # (line, column, tag) the sanitizer drops


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
    prose = [""] * len(lines)  # the lines outside code and blocks, for the raw-HTML scan
    notes: list[Problem] = []
    i = start
    while i < len(lines):
        line = lines[i]
        m = FENCE_OPEN.match(line)
        if not m:
            alert = scan_alert(line, i + 1, lines[i - 1] if i > start else "", file)
            if alert:
                notes.append(alert)
            prose[i] = blank_code_spans(line) if "`" in line else line
            body.append(line)
            i += 1
            continue
        fence, info = m.group("fence"), m.group("info").lower()
        close = next((j for j in range(i + 1, len(lines)) if _closes(lines[j], fence)), None)
        if info not in block_kinds:
            close_kind = close_matches(info, sorted(block_kinds), n=1, cutoff=0.75) if info else []
            if close_kind:
                notes.append(Problem(file, i + 1, 1, "", f"'```{info}' is not a block type; did you mean '```{close_kind[0]}'? "
                                     "(as written, it shows as code)", warning=True))
            elif _looks_like_block(info, lines[i + 1: close if close is not None else len(lines)]):
                kinds = ", ".join(f"```{k}" for k in sorted(block_kinds))
                notes.append(Problem(file, i + 1, 1, "", f"'```{info}' is not a block type (the types are: {kinds}); "
                                     "as written, it shows as code", warning=True))
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
        # The placeholder is a paragraph of its own on the block's second line, the other lines it
        # replaces are blank: the Markdown keeps the file's line numbers, which messages name.
        body.extend(["", PLACEHOLDER.format(index)])
        body.extend([""] * (close - i - 1))
        i = close + 1
    if problems:
        raise ValueError(problems)
    prose_text = "\n".join(prose)
    hazards = hazards_in(prose_text)
    page = RawPage(file, meta, meta_map, "\n".join(body), blocks, hazards, has_front_matter, notes)
    page.form_fields = _form_fields(prose_text)
    return page


# The non-ASCII letters that re.IGNORECASE takes for ASCII ones (sanitize.HAZARD is case-blind).
_FOLD = str.maketrans({"\u0130": "i", "\u0131": "i", "\u017f": "s", "\u212a": "k"})


def hazards_in(text: str) -> list[tuple[int, int, str]]:
    """sanitize.find_hazards, skipped for text that cannot hold a hazard (most pages): every one
    starts with '<' or is a javascript:, vbscript: or data: link, and the full scan is slow."""
    if "<" not in text:
        folded = text.translate(_FOLD) if any(c in text for c in "\u0130\u0131\u017f\u212a") else text
        if not _names_scheme(folded.lower()):
            return []
    return find_hazards(text)


def _names_scheme(folded: str) -> bool:
    """Whether 'script' or 'data' is followed by a ':' (spaces between allowed): Lovdata is no data: link."""
    for word in ("script", "data"):
        i = folded.find(word)
        while i != -1:
            j = i + len(word)
            while j < len(folded) and folded[j].isspace():  # what \s matches in a str pattern
                j += 1
            if j < len(folded) and folded[j] == ":":
                return True
            i = folded.find(word, i + 1)
    return False


def _looks_like_block(info: str, body: list[str]) -> bool:
    """A fence that names no code language and holds 'key: value' lines: meant as a block."""
    if not info or info in CODE_LANGUAGES:
        return False
    try:  # composed, not constructed: aliases in a code listing are never expanded
        return isinstance(yaml.compose("\n".join(body), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)),
                          yaml.MappingNode)
    except yaml.YAMLError:
        return False


def _form_fields(text: str) -> list[tuple[int, int, str]]:
    """(line, column, tag) of each raw form field (<textarea>, <input>, ...) in the prose."""
    matches = list(FORM_FIELD.finditer(text))
    if not matches:
        return []
    starts = [0] + [m.end() for m in re.finditer("\n", text)]
    out = []
    for m in matches:
        line = bisect.bisect_right(starts, m.start())
        out.append((line, m.start() - starts[line - 1] + 1, m.group("tag").lower()))
    return out


def _closes(line: str, fence: str) -> bool:
    stripped = line.strip()
    return stripped.startswith(fence[0] * len(fence)) and set(stripped) == {fence[0]}
