"""Fixtures for the end-to-end browser tests.

They play a built SCORM 1.2 package the way an LMS does: a same-origin page
(the "harness", our stand-in for the LMS player) holds the LMS-side API,
scorm-again's Scorm12API, and loads the package's index.html in an iframe.
Chromium is Debian's /usr/bin/chromium driven by Python playwright (never
`playwright install`); scorm-again comes from node_modules (`npm ci`).

Layout served on 127.0.0.1:<free port>:

    /harness.html, /harness.js      tests/browser/harness/
    /scorm-again/scorm12.js         node_modules/scorm-again/dist/scorm12.js
    /axe/axe.min.js                 node_modules/axe-core/axe.min.js
    /sco/...                        the extracted package
    /sco-nn/...                     the nynorsk package (fixture sco_nn_path)

Environment:
    CI                    set: missing Chromium / scorm-again fails the tests
                          instead of skipping them
    ILMPACK_CHROMIUM      Chromium binary (default /usr/bin/chromium)
    ILMPACK_TEST_PACKAGE  play this zip instead of building courses/likestilling
"""

from __future__ import annotations

import functools
import html.parser
import http.server
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import threading
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
HARNESS_DIR = Path(__file__).resolve().parent / "harness"
SCORM_AGAIN_JS = REPO / "node_modules" / "scorm-again" / "dist" / "scorm12.js"
AXE_JS = REPO / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = Path(os.environ.get("ILMPACK_CHROMIUM", "/usr/bin/chromium"))
COURSE_DIR = REPO / "courses" / "likestilling"
LANG = "nb"

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

ADLCP_NS = "http://www.adlnet.org/xsd/adlcp_rootv1p2"

# How long a UI step (a click and what it changes) may take.
STEP_TIMEOUT_MS = 5_000


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "browser: end-to-end test that plays a built SCORM 1.2 package in headless "
        "Chromium against scorm-again's Scorm12API",
    )


def _unavailable(reason: str):
    """A missing prerequisite: a failure on CI, a skip on a developer's machine."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set, so the browser tests must run)", pytrace=False)
    pytest.skip(reason)


# ---------------------------------------------------------------------------
# The package under test


@dataclass
class BuiltPackage:
    zip_path: Path
    sco_dir: Path                 # the extracted package
    config: dict                  # the runtime config JSON (#ilmpack-config)
    mastery_score: str            # adlcp:masteryscore from imsmanifest.xml, "" if none
    source: Path | None = None    # the course folder it was built from, if known (fill-in answers)

    @property
    def page_ids(self) -> list[str]:
        return [p["id"] for p in self.config["pages"]]

    @property
    def test_page_ids(self) -> list[str]:
        return [p["id"] for p in self.config["pages"] if p.get("test")]

    def questions_on(self, page_id: str) -> dict[str, dict]:
        return {
            qid: q for qid, q in self.config["questions"].items() if q.get("page") == page_id
        }

    @property
    def scored_questions(self) -> dict[str, dict]:
        return {qid: q for qid, q in self.config["questions"].items() if q.get("scored")}


class _ConfigScriptFinder(html.parser.HTMLParser):
    """Pulls the text of <script id="ilmpack-config"> out of index.html."""

    def __init__(self):
        super().__init__(convert_charrefs=False)
        self._inside = False
        self.text: str | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "script" and dict(attrs).get("id") == "ilmpack-config":
            self._inside = True
            self.text = ""

    def handle_endtag(self, tag):
        if tag == "script":
            self._inside = False

    def handle_data(self, data):
        if self._inside:
            self.text += data


def read_runtime_config(index_html: Path) -> dict:
    finder = _ConfigScriptFinder()
    finder.feed(index_html.read_text(encoding="utf-8"))
    if finder.text is None:
        pytest.fail(f'{index_html} has no <script type="application/json" id="ilmpack-config">')
    return json.loads(finder.text)


def read_mastery_score(manifest: Path) -> str:
    """adlcp:masteryscore of the (single) SCO item, as an LMS imports it."""
    root = ET.parse(manifest).getroot()
    scores = [el.text.strip() for el in root.iter(f"{{{ADLCP_NS}}}masteryscore") if el.text]
    assert len(scores) <= 1, f"more than one adlcp:masteryscore in {manifest}: {scores}"
    return scores[0] if scores else ""


def _ilmpack_command() -> list[str]:
    if importlib.util.find_spec("ilmpack") is not None and importlib.util.find_spec(
        "ilmpack.__main__"
    ) is not None:
        return [sys.executable, "-m", "ilmpack"]
    script = shutil.which("ilmpack")
    if script:
        return [script]
    pytest.fail("ilmpack is not installed (pip install -e .): neither `python -m ilmpack` "
                "nor the `ilmpack` entry point is available", pytrace=False)


def _safe_extract(zip_path: Path, dest: Path) -> None:
    with zipfile.ZipFile(zip_path) as zf:
        for name in zf.namelist():
            target = (dest / name).resolve()
            assert target == dest.resolve() or dest.resolve() in target.parents, (
                f"zip entry escapes the package folder: {name!r}"
            )
        zf.extractall(dest)


@pytest.fixture(scope="session")
def built_package(tmp_path_factory) -> BuiltPackage:
    """courses/likestilling built once per session with the CLI, nb package, extracted."""
    given = os.environ.get("ILMPACK_TEST_PACKAGE")
    if given:
        zip_path = Path(given).resolve()
        assert zip_path.is_file(), f"ILMPACK_TEST_PACKAGE={given} is not a file"
    else:
        out = tmp_path_factory.mktemp("build")
        cmd = _ilmpack_command() + ["build", str(COURSE_DIR), "--out", str(out)]
        proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=120)
        if proc.returncode != 0:
            pytest.fail(
                f"`{' '.join(cmd)}` exited {proc.returncode}\n--- stdout\n{proc.stdout}"
                f"\n--- stderr\n{proc.stderr}",
                pytrace=False,
            )
        zips = sorted(out.glob(f"*-{LANG}-scorm12.zip"))
        assert len(zips) == 1, (
            f"expected one <id>-{LANG}-scorm12.zip in the build output, found "
            f"{sorted(p.name for p in out.iterdir())}"
        )
        zip_path = zips[0]

    return _unpack(zip_path, tmp_path_factory.mktemp("package"), None if given else COURSE_DIR)


def _unpack(zip_path: Path, sco_dir: Path, source: Path | None = None) -> BuiltPackage:
    """Extract a package where the test LMS serves it, and read what the tests need from it."""
    _safe_extract(zip_path, sco_dir)
    assert (sco_dir / "imsmanifest.xml").is_file(), "imsmanifest.xml is not at the zip root"
    assert (sco_dir / "index.html").is_file(), "index.html is not at the zip root"
    return BuiltPackage(
        zip_path=zip_path,
        sco_dir=sco_dir,
        config=read_runtime_config(sco_dir / "index.html"),
        mastery_score=read_mastery_score(sco_dir / "imsmanifest.xml"),
        source=source,
    )


@pytest.fixture(scope="session")
def built_package_nn(tmp_path_factory, built_package) -> BuiltPackage:
    """The nynorsk package of the same build (`ilmpack build` writes every
    language at once, so this costs no second build). Skipped when there is
    no <id>-nn-scorm12.zip next to the bokmål one."""
    nb_zip = built_package.zip_path
    zip_path = nb_zip.with_name(nb_zip.name.replace(f"-{LANG}-scorm12", "-nn-scorm12"))
    if zip_path == nb_zip or not zip_path.is_file():
        pytest.skip(f"no nynorsk package next to {nb_zip}")
    return _unpack(zip_path, tmp_path_factory.mktemp("package-nn"), built_package.source)


@pytest.fixture(scope="session")
def axe_js() -> Path:
    """axe-core from node_modules (`npm ci`): a failure on CI, a skip elsewhere, when missing."""
    if not AXE_JS.is_file():
        _unavailable(f"{AXE_JS} is missing: run `npm ci` in {REPO}")
    return AXE_JS


# ---------------------------------------------------------------------------
# The LMS: a static, same-origin web server


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - signature from the base class
        pass

    def end_headers(self):
        self.send_header("Cache-Control", "no-store")
        super().end_headers()


@pytest.fixture(scope="session")
def lms_root(tmp_path_factory, built_package) -> Path:
    if not SCORM_AGAIN_JS.is_file():
        _unavailable(f"{SCORM_AGAIN_JS} is missing: run `npm ci` in {REPO}")
    root = tmp_path_factory.mktemp("lms")
    for item in HARNESS_DIR.iterdir():
        if item.is_file():
            shutil.copy2(item, root / item.name)
    (root / "scorm-again").mkdir()
    shutil.copy2(SCORM_AGAIN_JS, root / "scorm-again" / "scorm12.js")
    # axe-core from the LMS's origin: the package's policy runs script from 'self' only, so a
    # test adds axe with <script src> from there (an inline copy would be refused).
    if AXE_JS.is_file():
        (root / "axe").mkdir()
        shutil.copy2(AXE_JS, root / "axe" / "axe.min.js")
    shutil.copytree(built_package.sco_dir, root / "sco")
    return root


@pytest.fixture(scope="session")
def sco_nn_path(lms_root, built_package_nn) -> str:
    """The nynorsk package served next to the bokmål one, at /sco-nn/."""
    shutil.copytree(built_package_nn.sco_dir, lms_root / "sco-nn")
    return "/sco-nn/index.html"


@pytest.fixture(scope="session")
def lms_url(lms_root) -> str:
    handler = functools.partial(_QuietHandler, directory=str(lms_root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="lms-http", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


# ---------------------------------------------------------------------------
# The browser


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        _unavailable(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("Python playwright is not installed (pip install playwright)")
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


@dataclass
class Browsing:
    """Pages opened by one test, and every uncaught error any of them raised."""

    browser: object = field(repr=False)
    base_url: str
    page_errors: list[str] = field(default_factory=list)
    _contexts: list = field(default_factory=list)

    def new_page(self, **context_options):
        """A page in a fresh context; context_options as Browser.new_context
        takes them (viewport, device_scale_factor, reduced_motion, ...)."""
        context = self.browser.new_context(**context_options)
        self._contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(STEP_TIMEOUT_MS)
        page.on("pageerror", lambda err: self.page_errors.append(f"{page.url}: {err}"))
        return page

    def assert_no_page_errors(self):
        assert not self.page_errors, "uncaught errors in the page:\n" + "\n".join(self.page_errors)

    def close(self):
        for context in self._contexts:
            context.close()


@pytest.fixture
def browsing(browser, lms_url):
    b = Browsing(browser=browser, base_url=lms_url)
    try:
        yield b
    finally:
        b.close()
    b.assert_no_page_errors()


# ---------------------------------------------------------------------------
# Other courses: a test's own small course, built and served beside the sample


@dataclass
class ServedPackage:
    package: BuiltPackage
    path: str                      # where the harness finds it, e.g. "/c/links-nb/index.html"


@pytest.fixture
def serve_course(lms_root, tmp_path):
    """`serve_course(course_dir, lang="nb")` builds a course in-process, unpacks it into the
    LMS's web root and returns a ServedPackage (the harness loads it with {"src": path})."""
    from ilmpack.build import build_course

    def serve(course_dir: Path, lang: str = "nb") -> ServedPackage:
        out = tmp_path / f"build-{course_dir.name}"
        result = build_course(course_dir, out, langs=[lang])
        zip_path = result.packages[0].path
        name = f"{course_dir.name}-{lang}-{len(list((lms_root / 'c').glob('*'))) if (lms_root / 'c').is_dir() else 0}"
        dest = lms_root / "c" / name
        dest.mkdir(parents=True)
        return ServedPackage(_unpack(zip_path, dest, course_dir), f"/c/{name}/index.html")

    return serve
