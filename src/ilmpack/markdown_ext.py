"""Content helpers written the way GitHub renders them: alerts, <details>, stacking comparison tables.

An author previews a page on GitHub and the learner sees the same thing in the package:

- `> [!NOTE]` (TIP, IMPORTANT, WARNING, CAUTION): GitHub's alerts, rendered as a labelled
  callout; the label is a translated interface text, the icon is decoration.
- `<details><summary>...</summary>`, a blank line, Markdown, a blank line, `</details>`: GitHub
  reads the part between the blank lines as Markdown; so does cmark-gfm (gfm.py), with no help.
- A two-column table gets each cell's column header as `data-label`, so the stylesheet can stack
  it on a narrow screen; explicit ARIA roles keep it a table for screen readers when it does.

The helpers work on cmark-gfm's HTML, whose Markdown-made tags have one fixed form (`<blockquote>`,
`<table>`, `<td align="left">`, each on a line of its own): the patterns below match those forms,
so raw HTML an author wrote is passed over rather than parsed and written out again.
"""

from __future__ import annotations

import re
from html import escape

from .errors import Problem, close_matches

ALERT_KINDS = ("note", "tip", "important", "warning", "caution")
# Used when the interface texts have no label (a course's own strings.yaml from before alerts).
DEFAULT_LABELS = {"note": "Note", "tip": "Tip", "important": "Important", "warning": "Warning", "caution": "Caution"}
# GitHub's rule: the marker alone on the first line of a quote; it reads it in any case.
ALERT_START = re.compile(r"^ {0,3}> ?(?P<marker>\[!(?P<kind>[A-Za-z]+)\])[ \t]*$")
QUOTE_LINE = re.compile(r"^ {0,3}>")


def scan_alert(line: str, lineno: int, previous: str, file: str) -> Problem | None:
    """A warning for `> [!FOO]` that starts a quote but names no alert type GitHub knows."""
    m = ALERT_START.match(line)
    if not m or m.group("kind").lower() in ALERT_KINDS or QUOTE_LINE.match(previous):
        return None
    names = [f"[!{k.upper()}]" for k in ALERT_KINDS]
    close = close_matches(m.group("kind").lower(), ALERT_KINDS, n=1, cutoff=0.6)
    hint = f"did you mean '[!{close[0].upper()}]'? " if close else ""
    return Problem(file, lineno, m.start("marker") + 1, "",
                   f"'{m.group('marker')}' is not a callout type; {hint}the five types are "
                   f"{', '.join(names[:-1])} and {names[-1]} (as written, it shows as a plain quote)", warning=True)


# A quote whose first paragraph is the marker line alone (the marker may end in a hard break).
ALERT_QUOTE = re.compile(r"<blockquote>\n<p>\[!(?P<kind>" + "|".join(ALERT_KINDS) + r")\](?:<br />)?(?P<end>\n|</p>\n)", re.I)
QUOTE_TAG = re.compile(r"<blockquote>\n|</blockquote>")
TABLE_TAG = re.compile(r"<table>\n<thead>\n|</table>")
TABLE = re.compile(r"<table>\n<thead>\n<tr>\n(?P<head>(?:<th[^>\n]*>[^\n]*\n)*?)</tr>\n</thead>\n(?P<body>.*)</table>", re.S)
HEAD_CELL = re.compile(r"^<th[^>]*>(.*)</th>$", re.M)
ROW = re.compile(r"<tr>\n(.*?)</tr>", re.S)
CELL = re.compile(r"<(?P<tag>t[hd])(?P<attrs>[^>\n]*)>")
TAG = re.compile(r"<[^>]*>")
# A column's alignment (`|:--:|`) becomes a class: the pages' Content-Security-Policy runs no inline style.
ALIGN = re.compile(r'<(t[hd]) align="(left|center|right)">')

# Each helper reads the page once, front to back, pairing each opening tag with its closing one:
# raw HTML that never closes a tag cannot make it scan the rest of the page again and again.


def content_helpers(html: str, labels: dict) -> str:
    """Alerts and stacking tables in the HTML of a page (labels: the alert labels per kind)."""
    if "[!" in html:
        html = alerts(html, labels)
    if "<table>" in html:
        html = tables(ALIGN.sub(r'<\1 class="ilm-align-\2">', html))
    return html


def alert_labels(strings: dict | None) -> dict:
    """The label of each alert kind from the interface texts (alert_note, ...), else English."""
    strings = strings or {}
    return {k: str(strings.get(f"alert_{k}") or DEFAULT_LABELS[k]) for k in ALERT_KINDS}


def alerts(html: str, labels: dict) -> str:
    """`> [!NOTE]` and the quote it starts -> <aside class="ilm-alert ..." role="note"> with its label."""
    out, pos, open_quotes = [], 0, []  # open_quotes: for each open quote, whether it is an alert
    for tag in QUOTE_TAG.finditer(html):
        if tag.group() == "</blockquote>":
            if open_quotes and open_quotes.pop():
                out += [html[pos:tag.start()], "</aside>"]
                pos = tag.end()
            continue
        m = ALERT_QUOTE.match(html, tag.start())
        open_quotes.append(m is not None)
        if m:
            kind = m.group("kind").lower()
            out += [html[pos:m.start()],
                    f'<aside class="ilm-alert ilm-alert-{kind}" role="note">\n<p class="ilm-alert-title">'
                    f'<span aria-hidden="true" class="ilm-alert-icon"></span>{escape(labels[kind], quote=False)}</p>\n',
                    "<p>" if m.group("end") == "\n" else ""]  # the body goes on in the marker's paragraph
            pos = m.end()
    return "".join(out) + html[pos:]


def tables(html: str) -> str:
    """Each table cmark-gfm wrote, from `<table>` to its `</table>`, through _stack."""
    out, pos, start = [], 0, None
    for tag in TABLE_TAG.finditer(html):
        if tag.group() != "</table>":
            start = tag.start()
        elif start is not None:
            m = TABLE.fullmatch(html, start, tag.end())
            out += [html[pos:start], _stack(m) if m else html[start:tag.end()]]
            pos, start = tag.end(), None
    return "".join(out) + html[pos:]


def _stack(table: re.Match) -> str:
    """A two-column table: each cell learns its column header; roles keep it a table when stacked."""
    heads = [" ".join(TAG.sub("", cell).split()) for cell in HEAD_CELL.findall(table.group("head"))]
    if len(heads) != 2:
        return table.group(0)
    # CSS display changes drop a table's implicit roles in some browsers; explicit ones stay.
    head = _row(table.group("head"), heads)
    body = ROW.sub(lambda r: _row(r.group(1), heads), table.group("body")).replace("<tbody>", '<tbody role="rowgroup">', 1)
    return f'<table class="ilm-stack" role="table">\n<thead role="rowgroup">\n{head}\n</thead>\n{body}</table>'


def _row(cells: str, heads: list[str]) -> str:
    """One row's cells (cmark-gfm writes one a line) with their roles and, in the body, their header."""
    out = []
    for col, line in enumerate(cells.splitlines()):
        m = CELL.match(line)
        if m and m.group("tag") == "th":
            line = f'<th{m.group("attrs")} role="columnheader">{line[m.end():]}'
        elif m:
            label = f' data-label="{heads[col]}"' if col < len(heads) else ""
            line = f'<td{m.group("attrs")}{label} role="cell">{line[m.end():]}'
        out.append(line + "\n")
    return '<tr role="row">\n' + "".join(out) + "</tr>"
