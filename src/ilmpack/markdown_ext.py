"""Content helpers written the way GitHub renders them: alerts, <details>, stacking comparison tables.

An author previews a page on GitHub and the learner sees the same thing in the package:

- `> [!NOTE]` (TIP, IMPORTANT, WARNING, CAUTION): GitHub's alerts, rendered as a labelled
  callout; the label is a translated interface text, the icon is decoration.
- `<details><summary>...</summary>`, a blank line, Markdown, a blank line, `</details>`: GitHub
  reads the part between the blank lines as Markdown, so we do too (through md_in_html).
- A two-column table gets each cell's column header as `data-label`, so the stylesheet can stack
  it on a narrow screen; explicit ARIA roles keep it a table for screen readers when it does.
"""

from __future__ import annotations

import difflib
import re
import xml.etree.ElementTree as ET

from markdown import Extension
from markdown.blockprocessors import BlockProcessor
from markdown.extensions.md_in_html import MarkdownInHtmlExtension
from markdown.preprocessors import Preprocessor
from markdown.treeprocessors import Treeprocessor

from .errors import Problem

ALERT_KINDS = ("note", "tip", "important", "warning", "caution")
# Used when the interface texts have no label (a course's own strings.yaml from before alerts).
DEFAULT_LABELS = {"note": "Note", "tip": "Tip", "important": "Important", "warning": "Warning", "caution": "Caution"}
# GitHub's rule: the marker alone on the first line of a quote; it reads it in any case.
ALERT_START = re.compile(r"^ {0,3}> ?(?P<marker>\[!(?P<kind>[A-Za-z]+)\])[ \t]*$")
QUOTE_LINE = re.compile(r"^ {0,3}>")
DETAILS_OPEN = re.compile(r"^( {0,3})<details(?=[\s>])(?![^>]*\bmarkdown\s*=)", re.I)


def scan_alert(line: str, lineno: int, previous: str, file: str) -> Problem | None:
    """A warning for `> [!FOO]` that starts a quote but names no alert type GitHub knows."""
    m = ALERT_START.match(line)
    if not m or m.group("kind").lower() in ALERT_KINDS or QUOTE_LINE.match(previous):
        return None
    names = [f"[!{k.upper()}]" for k in ALERT_KINDS]
    close = difflib.get_close_matches(m.group("kind").lower(), ALERT_KINDS, n=1, cutoff=0.6)
    hint = f"did you mean '[!{close[0].upper()}]'? " if close else ""
    return Problem(file, lineno, m.start("marker") + 1, "",
                   f"'{m.group('marker')}' is not a callout type; {hint}the five types are "
                   f"{', '.join(names[:-1])} and {names[-1]} (as written, it shows as a plain quote)", warning=True)


class ContentExtension(Extension):
    """Alerts, Markdown inside <details>, and stacking two-column tables; labels per language."""

    def __init__(self, labels: dict | None = None):
        super().__init__()
        labels = labels or {}
        self.labels = {k: str(labels.get(f"alert_{k}") or DEFAULT_LABELS[k]) for k in ALERT_KINDS}

    def extendMarkdown(self, md):  # noqa: N802 - Python-Markdown's name
        MarkdownInHtmlExtension().extendMarkdown(md)
        # After fenced code is set aside (25), before raw HTML blocks are read (20).
        md.preprocessors.register(_DetailsPreprocessor(md), "ilmpack-details", 22)
        # Before the quote processor (20), which would take the alert as a plain quote.
        md.parser.blockprocessors.register(_AlertProcessor(md.parser, self.labels), "ilmpack-alert", 25)
        # After inline Markdown (20): header texts are final.
        md.treeprocessors.register(_StackingTables(md), "ilmpack-tables", 15)


class _DetailsPreprocessor(Preprocessor):
    """Mark each <details> as holding Markdown, as GitHub reads it (md_in_html's markdown="1")."""

    def run(self, lines: list[str]) -> list[str]:
        return [DETAILS_OPEN.sub(r'\1<details markdown="1"', line) for line in lines]


class _AlertProcessor(BlockProcessor):
    """`> [!NOTE]` and the quote it starts -> <aside class="ilm-alert ..." role="note">."""

    def __init__(self, parser, labels: dict):
        super().__init__(parser)
        self.labels = labels

    def test(self, parent, block) -> bool:
        m = ALERT_START.match(block.split("\n", 1)[0])
        return bool(m) and m.group("kind").lower() in ALERT_KINDS

    def run(self, parent, blocks) -> None:
        first, _, rest = blocks.pop(0).partition("\n")
        kind = ALERT_START.match(first).group("kind").lower()
        aside = ET.SubElement(parent, "aside", {"class": f"ilm-alert ilm-alert-{kind}", "role": "note"})
        title = ET.SubElement(aside, "p", {"class": "ilm-alert-title"})
        ET.SubElement(title, "span", {"class": "ilm-alert-icon", "aria-hidden": "true"})
        title[0].tail = self.labels[kind]
        # Lines without '>' continue the quote's paragraph (a "lazy" line), as on GitHub.
        body = "\n".join(re.sub(r"^ {0,3}> ?", "", line) for line in rest.split("\n"))
        self.parser.parseChunk(aside, body)


class _StackingTables(Treeprocessor):
    """Two-column tables: each cell learns its column header, roles keep the table when stacked."""

    def run(self, root: ET.Element) -> None:
        for table in root.iter("table"):
            heads = [" ".join("".join(th.itertext()).split()) for th in table.findall("./thead/tr/th")]
            if len(heads) != 2:
                continue
            table.set("class", " ".join(filter(None, [table.get("class"), "ilm-stack"])))
            # CSS display changes drop a table's implicit roles in some browsers; explicit ones stay.
            table.set("role", "table")
            for group in table:
                group.set("role", "rowgroup")
                for row in group.iter("tr"):
                    row.set("role", "row")
                    for col, cell in enumerate(row):
                        # The tables extension writes <th> only in the header row.
                        cell.set("role", "columnheader" if cell.tag == "th" else "cell")
                        if cell.tag == "td" and col < len(heads):
                            cell.set("data-label", heads[col])
