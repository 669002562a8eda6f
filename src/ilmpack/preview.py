"""`ilmpack preview`: rebuild a course on every save and serve it inside a page that plays the LMS.

One build goes through `build_course` (the same pipeline as `ilmpack build`) into a new temporary
folder, with each package written as a folder of its files rather than a zip (nothing is zipped
and unpacked again on a save; media are hard links to the course's own files), and served as the
LMS serves it. The page that plays the LMS
(templates/preview/) holds a strict SCORM 1.2 API and a side panel of what it records. Builds are
announced to the page with Server-Sent Events: a good build reloads the course, a failed one shows
its problems with file:line:col.

The server is the standard library's `http.server`: it only serves files and one event stream on
127.0.0.1 to one author, so a framework would add weight and nothing else. Files are watched with
`watchfiles` (native change notifications on Linux, macOS and Windows instead of polling, debounced
so an editor's write-rename-delete save gives one build).
"""

from __future__ import annotations

import errno
import http.server
import json
import logging
import mimetypes
import shutil
import sys
import tempfile
import threading
import time
import webbrowser
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable
from urllib.parse import parse_qs, unquote, urlsplit

from .build import build_course, check_course
from .check import package_summary
from .errors import CourseError, IlmpackError, UsageProblem
from .resources import data_dir

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Player:
    """The LMS side the preview page plays for one format: its script, its factory, its state budget."""

    script: str
    factory: str
    budget: int


# A format is previewed when it has a player here (cmi5 and TinCan need an LRS side of their own).
PLAYERS = {"scorm12": Player("lms-scorm12.js", "createPreviewLms12", 4096)}
HOST = "127.0.0.1"
KEEPALIVE_SECONDS = 10  # an idle event stream sends a comment this often, and notices a stop


@dataclass(frozen=True)
class Snapshot:
    """The outcome of one build, as the page is told it."""

    generation: int = 0  # 0: no build yet
    ok: bool = False
    finished: float = 0.0  # epoch milliseconds
    seconds: float = 0.0
    courseId: str = ""  # noqa: N815 - the page's JSON names
    langs: list[str] = field(default_factory=list)
    title: dict[str, str] = field(default_factory=dict)
    mastery: float | None = None
    problems: list[dict] = field(default_factory=list)
    warnings: list[dict] = field(default_factory=list)
    built: list[str] = field(default_factory=list)  # the languages this build wrote (the others are not served)


def _problems(error: IlmpackError) -> list[dict]:
    """Problems of a failed build as the page shows them: `where` is file:line:col."""
    if isinstance(error, CourseError):
        out = []
        for p in error.problems:
            where = ":".join(str(x) for x in (p.file, p.line or "", p.column or "") if x != "")
            out.append({**p.as_dict(), "where": where})
        return out
    return [{"file": None, "line": None, "column": None, "key": None, "severity": "error",
             "message": error.format_message(), "where": "ilmpack"}]


class Preview:
    """Builds the course into a temporary folder and keeps the newest outcome for the page."""

    def __init__(self, course_dir: str | Path, fmt: str = "scorm12", langs: tuple[str, ...] = ()):
        if fmt not in PLAYERS:
            raise UsageProblem(f"preview supports {', '.join(PLAYERS)} for now, not '{fmt}'; "
                               f"build it with 'ilmpack build --format {fmt}' and try it in your LMS")
        self.course_dir = Path(course_dir)
        self.fmt, self.langs, self.player = fmt, tuple(langs), PLAYERS[fmt]
        self.work = Path(tempfile.mkdtemp(prefix="ilmpack-preview-"))
        self.site: dict[str, Path] = {}  # language -> the package folder of the newest good build
        self.snapshot = Snapshot()
        self.closing = False
        self.all_langs: list[str] = []  # the languages of the last full build: the page's language switch
        self.viewers: Counter[str] = Counter()  # language -> event streams of pages showing it
        self._changed = threading.Condition()
        self._building = threading.Lock()  # builds come from the watcher and from a page switching language

    def rebuild(self, changed: list[str] | None = None) -> Snapshot:
        """Build and publish the outcome. A usage error (unknown --lang) is raised at the first build.

        Once a page is open, a save rebuilds only the languages pages show (one build of the two
        sample languages costs three times one); a change to course.yaml rebuilds them all, since
        it may add or remove a language.
        """
        with self._building:
            started = time.monotonic()
            generation = self.snapshot.generation + 1
            shown = sorted(lang for lang, n in self.viewers.items() if n > 0)
            full = not self.all_langs or not shown or "course.yaml" in (changed or [])
            langs = self.langs if full else tuple(shown)
            site = self.work / f"site-{generation}"  # a new folder a build: a page still loading keeps the old one
            try:
                result = build_course(self.course_dir, site, fmt=self.fmt, langs=langs, folder=True, link_media=True,
                                      cache_in=self.work / "cache")  # pages that did not change are not rendered again
            except IlmpackError as error:
                shutil.rmtree(site, ignore_errors=True)
                if isinstance(error, UsageProblem) and generation == 1:
                    raise
                snapshot = Snapshot(generation, False, time.time() * 1000, time.monotonic() - started,
                                    self.snapshot.courseId, self.all_langs, problems=_problems(error))
            else:
                built = [p.lang for p in result.packages]
                if full:
                    self.all_langs = built
                mastery = package_summary(result.packages[0].path)["mastery_score"]
                snapshot = Snapshot(generation, True, time.time() * 1000, time.monotonic() - started,
                                    result.course_id, self.all_langs, self._titles(result.packages),
                                    mastery[0] if isinstance(mastery, list) else mastery,
                                    warnings=[{**w.as_dict(), "where": str(w).split(": ", 1)[0]} for w in result.warnings],
                                    built=built)
                old, self.site = self.site, {pkg.lang: pkg.path for pkg in result.packages}
                if old:
                    # a file still being sent stays readable on POSIX
                    shutil.rmtree(next(iter(old.values())).parent, ignore_errors=True)
            with self._changed:
                self.snapshot = snapshot
                self._changed.notify_all()
            return snapshot

    def watching(self, lang: str, delta: int) -> bool:
        """A page starts (+1) or stops (-1) showing `lang`; True if that language must be built first."""
        with self._changed:
            self.viewers[lang] += delta
            return delta > 0 and self.snapshot.ok and lang in self.all_langs and lang not in self.snapshot.built

    @staticmethod
    def _titles(packages) -> dict[str, str]:
        return {p.lang: package_summary(p.path)["title"] for p in packages}

    def wait(self, seen: int, timeout: float) -> Snapshot | None:
        """The newest snapshot once it is newer than `seen`; None on timeout or when closing."""
        with self._changed:
            self._changed.wait_for(lambda: self.closing or self.snapshot.generation != seen, timeout)
            if self.closing or self.snapshot.generation == seen:
                return None
            return self.snapshot

    def close(self) -> None:
        """Release every waiting event stream and remove the temporary folder."""
        with self._changed:
            self.closing = True
            self._changed.notify_all()
        shutil.rmtree(self.work, ignore_errors=True)

    def player_page(self) -> bytes:
        """The page that plays the LMS, with its settings."""
        page = (data_dir("templates") / "preview" / "player.html").read_text(encoding="utf-8")
        config = {"format": self.fmt, "factory": self.player.factory, "budget": self.player.budget,
                  "lang": self.langs[0] if self.langs else None}
        text = json.dumps(config).replace("<", "\\u003c")
        return page.replace("__PREVIEW_CONFIG__", text).replace("__PREVIEW_LMS__", self.player.script).encode("utf-8")


class PreviewHandler(http.server.BaseHTTPRequestHandler):
    """Routes: / the player page; /_preview/<file> its scripts; /_preview/events the build events;
    /sco/<lang>/<path> the unpacked package of the newest good build."""

    server: PreviewServer
    timeout = 30  # a stalled client cannot hold a thread (and so the stop) for longer
    server_version = "ilmpack-preview"

    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        log.debug("%s " + format, self.address_string(), *args)

    def do_GET(self):  # noqa: N802 - http.server's name
        url = urlsplit(self.path)
        path = unquote(url.path)
        preview = self.server.preview
        if path in ("/", "/index.html"):
            self._send(200, preview.player_page(), "text/html; charset=utf-8")
        elif path == "/_preview/events":
            self._events(preview, parse_qs(url.query).get("lang", [""])[0])
        elif path.startswith("/_preview/"):
            self._file(data_dir("templates") / "preview", path[len("/_preview/"):])
        elif path.startswith("/sco/") and path[len("/sco/"):].split("/", 1)[0] in preview.site:
            lang, _, rest = path[len("/sco/"):].partition("/")
            self._file(preview.site[lang], rest)
        else:
            self._send(404, b"not found", "text/plain; charset=utf-8")

    def _file(self, root: Path, rel: str) -> None:
        target = (root / rel).resolve()
        if not target.is_relative_to(root.resolve()) or not target.is_file():
            self._send(404, b"not found", "text/plain; charset=utf-8")
            return
        kind = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        if kind.startswith("text/") or kind in ("application/javascript", "application/json"):
            kind += "; charset=utf-8"
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(target.stat().st_size))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        with open(target, "rb") as f:
            shutil.copyfileobj(f, self.wfile)

    def _send(self, status: int, body: bytes, kind: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def _events(self, preview: Preview, lang: str) -> None:
        """One Server-Sent Events stream: the current build at once, then each new one. `lang` is
        the language the page shows: it is built on every save while the stream is open."""
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        seen = -1
        try:
            if lang and preview.watching(lang, +1):
                preview.rebuild()
            while not preview.closing:
                snapshot = preview.wait(seen, KEEPALIVE_SECONDS)
                if snapshot is None:
                    message = b": still here\n\n"
                else:
                    seen = snapshot.generation
                    message = f"data: {json.dumps(asdict(snapshot), ensure_ascii=False)}\n\n".encode("utf-8")
                self.wfile.write(message)
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError, TimeoutError):
            pass  # the page was closed or reloaded
        finally:
            if lang:
                preview.watching(lang, -1)


class PreviewServer(http.server.ThreadingHTTPServer):
    """The HTTP server; every request thread is joined when it closes, so none is left behind."""

    daemon_threads = False
    block_on_close = True

    def __init__(self, preview: Preview, port: int):
        self.preview = preview
        super().__init__((HOST, port), PreviewHandler)

    def handle_error(self, request, client_address) -> None:
        """A browser that goes away mid-file (a reload while a film loads) is no error worth a traceback."""
        if isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError, TimeoutError)):
            return
        super().handle_error(request, client_address)


def serve_preview(course_dir: str | Path, *, fmt: str = "scorm12", langs: tuple[str, ...] = (), port: int = 8000,
                  open_browser: bool = True, on_ready: Callable[[str], None] = lambda url: None,
                  on_build: Callable[[Snapshot, list[str]], None] = lambda snapshot, changed: None) -> None:
    """Build, serve on 127.0.0.1:`port` (0: any free port) and rebuild on every change until Ctrl+C.

    KeyboardInterrupt is raised to the caller after the server, its threads and the temporary
    folder are gone. `on_ready(url)` is called once the server listens; `on_build(snapshot,
    changed files)` after every build.
    """
    from watchfiles import DefaultFilter, watch

    if not Path(course_dir).is_dir():
        check_course(course_dir, fmt, langs)  # raises the loader's own message for a missing folder
    preview = Preview(course_dir, fmt, tuple(dict.fromkeys(langs)))
    server = thread = None
    try:
        on_build(preview.rebuild(), [])
        try:
            server = PreviewServer(preview, port)
        except OSError as e:
            if e.errno == errno.EADDRINUSE:
                raise UsageProblem(f"port {port} is in use (another preview?); choose another with --port, "
                                   "or --port 0 for any free one") from e
            raise
        thread = threading.Thread(target=server.serve_forever, name="ilmpack-preview", kwargs={"poll_interval": 0.2})
        thread.start()
        url = f"http://{HOST}:{server.server_address[1]}/"
        on_ready(url)
        if open_browser:
            webbrowser.open(url)
        # step: a save is built 50 ms after the last write; editors' swap and backup files are ignored
        for changes in watch(preview.course_dir, watch_filter=DefaultFilter(), step=50, raise_interrupt=True):
            root = preview.course_dir.resolve()
            changed = sorted({Path(p).relative_to(root).as_posix() if Path(p).is_relative_to(root) else p for _, p in changes})
            on_build(preview.rebuild(changed), changed)
    finally:
        preview.closing = True
        if server is not None:
            server.shutdown()
            preview.close()  # releases the event streams, so closing the server can join their threads
            server.server_close()
            thread.join()
        else:
            preview.close()
