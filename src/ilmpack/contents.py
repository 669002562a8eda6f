"""What a package contains: the one owner of every course file that goes into a package.

Every link, image and piece of raw HTML is read from the document cmark-gfm parses and renders
(gfm.walk / gfm.to_html), never from a pattern scan of the Markdown beside it, and every file a
page or a block names is resolved here: inside the course folder (links, case, '..', absolute
paths, 'file:', percent escapes, NUL), under a name every LMS unzips, and not active content
(HTML, SVG with script, XML, JavaScript) unless the course declares `trusted_html`. `validate`
reports what this module finds, located at the link; `render` takes the package's members from
it and from nowhere else; the package writer refuses a member name that climbs out as a last
defence (`member_name_problem`). So no Markdown form, present or future, reaches the zip unseen.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from html import escape, unescape
from pathlib import Path, PurePosixPath
from typing import Callable
from urllib.parse import unquote

from .errors import Problem, close_matches
from .gfm import Node
from .paths import PathProblem, ascii_name, check_package_name, resolve_inside, resolved_root
from .privacy import content_policy

# The title that marks an image as decoration, read the same on GitHub: ![](../media/strek.svg "decorative").
DECORATIVE_TITLES = ("decorative", "dekorativ")
VIDEO = frozenset({".mp4", ".m4v", ".webm", ".ogv", ".mov", ".avi", ".mkv", ".mpg", ".mpeg", ".wmv"})
AUDIO = frozenset({".mp3", ".m4a", ".aac", ".wav", ".ogg", ".oga", ".opus", ".flac", ".wma"})
# Files a browser runs script in when they are opened from the package (they then run inside
# the LMS's site, next to the learner's session), or that load and run other files.
HTML_PAGES = frozenset({".html", ".htm", ".shtml", ".xhtml", ".xht"})
ACTIVE = HTML_PAGES | {".svg", ".svgz", ".xml", ".xsl", ".xslt", ".js", ".mjs"}
# What makes an SVG run script or load a page, when it is opened by itself.
SVG_ACTIVE = re.compile(r"<\s*(?:script|foreignObject|iframe|embed|object|handler)\b|\son[a-z]+\s*=|javascript\s*:|"
                        r"<\?xml-stylesheet|<!ENTITY", re.I)
# A Markdown link shown as text (in the HTML cmark-gfm made), and the code whose text is meant literally.
_UNREAD = re.compile(r"!?\[[^\[\]<>]*\]\((?P<url>[^()<>\n]*)\)")
_CODE = re.compile(r"<code\b.*?</code>|<pre\b.*?</pre>", re.S)
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")
_DOCTYPE = re.compile(r"^\ufeff?\s*(?:<!doctype[^>]*>)?", re.I)
_XHTML_HEAD = re.compile(r"<head\b[^>]*>", re.I)

# Raw HTML: a start tag and its attributes, read as a browser's tokenizer reads them.
_TAG = re.compile(r"<!--.*?(?:-->|$)|<([A-Za-z][^\s/>]*)((?:[^>\"']|\"[^\"]*\"|'[^']*')*)>?", re.S)
_ATTR = re.compile(r"""([^\s"'>/=]+)(?:\s*=\s*("[^"]*"|'[^']*'|[^\s>]+))?""")
# (tag or "*", attribute) -> how the file it names is used. With trusted_html off, only the
# attributes the sanitizer keeps (sanitize.ATTRIBUTES) reach the page, so only they are read.
_URL_ATTRIBUTES = {
    ("a", "href"): "link", ("img", "src"): "image", ("video", "src"): "media", ("video", "poster"): "image",
    ("audio", "src"): "media", ("source", "src"): "media", ("source", "srcset"): "image", ("track", "src"): "media",
}
_TRUSTED_ATTRIBUTES = {"href": "link", "src": "embed", "data": "embed", "poster": "image", "srcset": "image",
                       "xlink:href": "link", "background": "image", "action": "link", "formaction": "link",
                       "longdesc": "link", "cite": "link", "manifest": "link"}


@dataclass(frozen=True)
class Target:
    """A local URL resolved: a page of the course, or a file that goes into the package."""

    package: str  # the member's name in the package ('media/a.png'), or the page's file ('nb/02.md')
    path: Path  # the file itself, links resolved
    fragment: str = ""
    page: bool = False


def is_local(url: str) -> bool:
    """True for a relative path to a file in the course (not a web link, anchor or e-mail)."""
    if re.match(r"^[A-Za-z]:[/\\]", url):
        return True  # C:/... is a Windows path, not a web address: the path rules say what is wrong
    return not (url.startswith(("#", "//")) or ":" in url.split("/", 1)[0])


def resolve(root: Path, base: Path, url: str, use: str, trusted: bool) -> Target:
    """The course file a local `url` (relative to folder `base`) names, used as `use` ("link",
    "image", "media", "embed" or "block"); PathProblem when it leaves the course, does not
    exist, has a name some LMSs cannot unzip, or is active content the course may not ship."""
    target, _, fragment = url.partition("#")
    written = unquote(target.split("?", 1)[0], errors="strict") if "%" in target else target.split("?", 1)[0]
    path = resolve_inside(root, base, written)
    if path.suffix == ".md" and use == "link":
        return Target(path.relative_to(resolved_root(root)).as_posix(), path, fragment, page=True)
    name = path.relative_to(resolved_root(root)).as_posix()
    message = check_package_name(name)
    if message:
        raise PathProblem(message)
    if not trusted:
        message = active_problem(written, path, use)
        if message:
            raise PathProblem(message)
    elif path.suffix.lower() in HTML_PAGES:
        policed_html(path, "", written)  # it must take the policy: UTF-8, and XHTML with a <head>
    return Target(name, path, fragment)


def leaves_course(root: Path, base: Path, url: str) -> str | None:
    """Why `url` (relative to folder `base`) leads out of the course, or None (a web link, a
    file inside it, or one that does not exist)."""
    if (_SCHEME.match(url) or [""])[0].lower() == "file:":
        return f"'{url}' points at a file on the learner's own computer, which the LMS cannot reach"
    if not is_local(url):
        return None
    try:
        resolve_inside(root, base, _unquoted(url.partition("#")[0].split("?", 1)[0]))
    except PathProblem as e:
        return None if str(e).startswith("no such file") or "is a folder" in str(e) else str(e)
    return None


def active_problem(written: str, path: Path, use: str) -> str | None:
    """Why the file at `path` may not be packaged without `trusted_html`, or None.

    A file in the package can be opened by itself at its address in the LMS, where a script in
    it runs next to the learner's session: HTML, XML, JavaScript and SVG with script are left
    out. An SVG without script may be an image (`<img>` never runs an SVG's script).
    """
    suffix = path.suffix.lower()
    if suffix not in ACTIVE:
        return None
    fix = "if you wrote or checked it, set trusted_html: true in course.yaml"
    if suffix == ".svg" and use in ("image", "block"):
        try:
            text = path.read_bytes().decode("utf-8", "replace")
        except OSError:
            return None  # resolve_inside has just found it; a file gone meanwhile is the build's to report
        m = SVG_ACTIVE.search(text)
        if not m:
            return None
        line = text.count("\n", 0, m.start()) + 1
        return (f"'{written}' holds script or active content ({m.group(0).strip()[:30]!r} on line {line}), which "
                f"would run inside the LMS when the image is opened by itself; remove it from the SVG (an image needs "
                f"none), or, {fix}")
    what = ("an HTML page" if suffix in HTML_PAGES else "a script" if suffix in (".js", ".mjs")
            else "an SVG file" if suffix in (".svg", ".svgz") else "an XML file")
    how = " (as an image, ![Description](file.svg), an SVG without script is fine)" if suffix == ".svg" else ""
    return (f"'{written}' is {what}, which can run script inside the LMS when a learner opens it, so it is left "
            f"out of the package{how}; put its content on a page, offer it as a PDF, or, {fix} "
            "(an HTML page then gets the course's Content-Security-Policy)")


def policed_html(path: Path, policy: str, shown: str) -> bytes:
    """A course's HTML file (trusted_html) with the package's Content-Security-Policy put before
    anything in it that could run: the <meta> goes right after the doctype (the parser places it
    first in the head it makes), or, in XHTML, first in its <head>."""
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise PathProblem(f"'{shown}' is not UTF-8 text; save it as UTF-8, so that ilmpack can add the "
                          "course's Content-Security-Policy to it") from e
    meta = f'<meta http-equiv="Content-Security-Policy" content="{policy}"'
    if path.suffix.lower() in (".xhtml", ".xht"):
        at = _XHTML_HEAD.search(text)
        if not at:
            raise PathProblem(f"'{shown}' has no <head>, where ilmpack puts the course's Content-Security-Policy; add one")
        return f"{text[:at.end()]}{meta} />{text[at.end():]}".encode("utf-8")
    at = _DOCTYPE.match(text).end()
    return f"{text[:at]}{meta}>{text[at:]}".encode("utf-8")


def add_member(sco, found: Target) -> str:
    """Put the file `found` into the package being rendered (`sco`, a render.RenderedSco): its name there.

    A course's HTML page (only with trusted_html) goes in with the package's policy added; its
    bytes are then part of the page that links it, so that page is not kept between builds
    (`volatile`): an edit of the HTML file alone must reach the next package.
    """
    if found.path.suffix.lower() in HTML_PAGES:
        sco.files[found.package] = policed_html(found.path, content_policy(), found.package)
        sco.volatile = True
    else:
        sco.media[found.package] = found.path
    return found.package


def member_name_problem(name: str) -> str | None:
    """Why `name` may not be a member of a package (the writer's last defence), or None."""
    if not name or "\x00" in name or "\\" in name or name.startswith("/") or re.match(r"^[A-Za-z]:", name):
        return "it is not a relative name, or holds a NUL or '\\'"
    if any(part in ("", ".", "..") for part in name.split("/")):
        return "it has an empty, '.' or '..' part"
    return None


def raw_urls(html: str, trusted: bool) -> list[tuple[int, int, str, str]]:
    """(start, end, use, URL) of each URL attribute value in raw HTML, its quotes included in the
    span, entities resolved in the URL; with `trusted` off, only those the sanitizer keeps."""
    out = []
    for tag in _TAG.finditer(html):
        name = (tag.group(1) or "").lower()
        if not name:
            continue  # a comment
        for attr in _ATTR.finditer(tag.group(2), 0):
            key, value = attr.group(1).lower(), attr.group(2)
            if value is None:
                continue
            use = _TRUSTED_ATTRIBUTES.get(key) if trusted else _URL_ATTRIBUTES.get((name, key))
            if use is None:
                continue
            if trusted and key == "src" and name in ("img", "video", "audio", "source", "track", "input"):
                use = "image" if name in ("img", "input") else "media"
            start = tag.start(2) + attr.start(2)  # of the value, its quote included
            text = unescape(value[1:-1] if value[:1] in "\"'" else value)
            if key == "srcset":
                out += [(start, start + len(value), use, part.strip().split()[0]) for part in text.split(",") if part.strip()]
            else:
                out.append((start, start + len(value), use, text.strip()))
    return out


@dataclass
class PageLinks:
    """The links, images and raw HTML of one page, as cmark-gfm reads them: checked, and (with
    `add`) rewritten to where their files are in the package.

    `validate` walks a page with it to collect `problems`; `render` converts the page through it,
    with `add(target)` putting each file into the package and giving its address there, and
    `page_ids` (file -> id) turning links to pages into in-course links.
    """

    root: Path
    page_file: Path
    shown: str  # the page's file as messages name it
    lang: str
    trusted: bool
    page_ids: dict | None = None
    add: Callable[[Target], str] | None = None
    problems: list[Problem] = field(default_factory=list)

    def visit(self, node: Node) -> str | None:
        """gfm's visitor: the node's new URL or raw HTML, or None to keep it as it is."""
        if node.kind == "html":
            return self._raw(node)
        decorative = node.kind == "image" and node.title.strip().lower() in DECORATIVE_TITLES
        if decorative:
            node.title = ""  # the mark is for ilmpack, not a tooltip
        if node.kind == "image" and not decorative and not node.text.strip():
            self._say(node.line, node.column, "the image has no alternative text, which screen readers read out instead "
                      f"of it; write what it shows: ![A short description]({node.value}), or, if it is only decoration, "
                      f"mark it so: ![]({node.value} \"decorative\")")
        return self._url(node.value, node.kind, node.line, node.column, node.text)

    def _url(self, url: str, use: str, line: int, column: int, text: str = "") -> str | None:
        scheme = _SCHEME.match(url)
        if scheme and scheme.group(1).lower() == "file":
            self._say(line, column, f"'{url}' points at a file on the learner's own computer, which the LMS cannot "
                      "reach; put the file in the course folder and link to it relative to this page")
            return None
        if not is_local(url):
            return None
        target = url.partition("#")[0].split("?", 1)[0]
        if not target:
            return None
        suffix = PurePosixPath(target).suffix.lower()
        if use == "image" and suffix in VIDEO | AUDIO:
            what = "a video" if suffix in VIDEO else "a sound file"
            self._say(line, column, f"'{target}' is {what}, which cannot be shown as an image; to offer it for download, "
                      f"write a link without the '!': [{text or PurePosixPath(target).stem}]({target})")
            return None
        try:
            found = resolve(self.root, self.page_file.parent, url, use, self.trusted)
        except UnicodeDecodeError:
            self._say(line, column, f"'{target}' has a percent escape that is not UTF-8 text; write the file name as it is")
            return None
        except PathProblem as e:
            self._say(line, column, str(e) + _close_names(e, self.page_file.parent, _unquoted(target)))
            return None
        if found.page:
            if found.fragment:  # the renderer links to the page; headings get no ids to jump to
                self._say(line, column, f"the link goes to the top of {target}: links to a place inside a page "
                          f"('#{found.fragment}') are not supported; remove '#{found.fragment}'", warning=True)
            if self.page_ids is None:
                return None
            lang_dir = (resolved_root(self.root) / self.lang).as_posix() + "/"
            entry = found.path.as_posix()
            entry = entry[len(lang_dir):] if entry.startswith(lang_dir) else found.path.name
            return f"#page-{self.page_ids.get(entry, Path(entry).stem)}"
        if self.add is None:
            return None
        return self.add(found) + (f"#{found.fragment}" if found.fragment else "")

    def _raw(self, node: Node) -> str | None:
        """Raw HTML: each URL attribute checked and, when rendering, rewritten in place."""
        if "=" not in node.value:
            return None
        out, pos, changed = [], 0, False
        for start, end, use, url in raw_urls(node.value, self.trusted):
            line = node.line + node.value.count("\n", 0, start)
            column = start - node.value.rfind("\n", 0, start) + (node.column - 1 if line == node.line else 0)
            column += node.value[start] in "\"'"  # a message points at the URL, inside its quotes
            new = self._url(url, use, line, column)
            if new is not None and self.add is not None:
                out += [node.value[pos:start], '"', escape(new), '"']
                pos, changed = end, True
        return "".join(out) + node.value[pos:] if changed else None

    def unread(self, html: str, markdown: str) -> None:
        """Say where the page shows a link as text, as GitHub does, because cmark-gfm could not
        read it as one: a file name with a space, `![x](../media/brev 1.png)`."""
        if "](" not in html:
            return
        text = _CODE.sub("", html)
        lines = markdown.split("\n")
        for m in _UNREAD.finditer(text):
            written = unescape(m.group(0))
            url = unescape(m.group("url")).strip()
            if not url or not is_local(url) or not re.search(r"\s", url):
                continue
            line, column = next(((n, at + 1 + written.index("](") + 2) for n, source in enumerate(lines, 1)
                                 for at in [source.find(written)] if at != -1), (0, 0))
            name = PurePosixPath(url).name
            self._say(line, column, f"'{url}' is not read as a link: a file name with a space shows as text, here and on "
                      f"GitHub; rename the file to '{ascii_name(name)}' (a-z, 0-9, '.', '-', '_') and write the new name here")

    def _say(self, line: int, column: int, message: str, warning: bool = False) -> None:
        self.problems.append(Problem(self.shown, line, column, "", message, warning=warning))


def _unquoted(target: str) -> str:
    try:
        return unquote(target, errors="strict")
    except UnicodeDecodeError:
        return target


def _close_names(error: PathProblem, folder: Path, target: str) -> str:
    """"; did you mean ...?" with the files next to a missing one whose names are close to it."""
    if error.case_hint or not str(error).startswith("no such file"):
        return ""
    parent = (folder / target).parent
    try:
        names = sorted(p.name for p in parent.iterdir() if p.is_file())
    except OSError:
        return ""
    name = os.path.basename(target)
    close = close_matches(name, names, n=1, cutoff=0.6)
    if not close:
        return ""
    prefix = target[: len(target) - len(name)]
    return f"; did you mean '{prefix}{close[0]}'?"
