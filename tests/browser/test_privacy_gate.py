"""The privacy gate in a real browser: a built package asks nothing of any server but its own
files, carries a Content-Security-Policy the browser enforces, runs to "passed" without the policy
refusing anything, and lets the learner forget what the course keeps on the device.

Requests are intercepted with context.route("**/*"): anything that is not a file of the package
(or, in the LMS, the test harness's own files) is refused and recorded. Policy violations are
collected in every frame by an init script listening for `securitypolicyviolation`, and from the
console.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from playwright.sync_api import expect

from conftest import REPO, _unpack
from test_reflection_case_play import _build as build_refleksjon
from test_scorm12_play import FINISH, SHOWN_PAGE, Player, lms_cmi

pytestmark = pytest.mark.browser

HARNESS_FILES = ("/harness.html", "/harness.js", "/scorm-again/scorm12.js")
COLLECT_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', e => window.__cspViolations.push(
    `${e.effectiveDirective} refused ${e.blockedURI || '(inline)'} at ${e.sourceFile}:${e.lineNumber}`));
"""


class Watched:
    """A browser context whose every request and every policy violation is recorded."""

    def __init__(self, browsing, package_dir: str):
        self.base = browsing.base_url
        self.package_dir = package_dir            # e.g. "/sco/": the package's files live here
        self.page = browsing.new_page()
        self.outside: list[str] = []              # requests refused: not the package's files
        self.requested: list[str] = []
        self.console: list[str] = []
        context = self.page.context
        context.add_init_script(COLLECT_VIOLATIONS)
        context.route("**/*", self._route)
        self.page.on("console", lambda m: self.console.append(m.text)
                     if "Content Security Policy" in m.text or "Content-Security-Policy" in m.text else None)

    def _route(self, route):
        url = route.request.url
        self.requested.append(url)
        path = url[len(self.base):] if url.startswith(self.base + "/") else None
        if path is not None and (path.startswith(self.package_dir) or path in HARNESS_FILES):
            route.continue_()
        else:
            self.outside.append(f"{route.request.resource_type} {url}")
            route.abort()

    def open(self, package, path: str, in_lms: bool) -> Player:
        if in_lms:
            self.page.goto(f"{self.base}/harness.html")
            self.page.evaluate("o => startLms(o)", {"cmi": lms_cmi(package), "src": path})
            frame = self.page.frame(name="sco")
        else:
            self.page.goto(f"{self.base}{path}")
            frame = self.page.main_frame
        expect(frame.locator(SHOWN_PAGE)).to_have_count(1)
        return Player(self.page, frame, package)

    def violations(self, frame) -> list[str]:
        return frame.evaluate("() => window.__cspViolations") + self.console

    def assert_clean(self, frame, where: str) -> None:
        assert not self.outside, f"{where}: requests that leave the package:\n" + "\n".join(self.outside)
        found = self.violations(frame)
        assert not found, f"{where}: the Content-Security-Policy refused:\n" + "\n".join(found)


@pytest.fixture(params=["nb", "nn"])
def each_language(request, built_package):
    """(package, path, in the LMS?): nb played in the LMS, nn opened without one."""
    if request.param == "nb":
        return built_package, "/sco/index.html", True
    return request.getfixturevalue("built_package_nn"), request.getfixturevalue("sco_nn_path"), False


@pytest.fixture(scope="module")
def refleksjon(tmp_path_factory, lms_root):
    """The block fixture course (reflections and a case), served at /gate-refleksjon/."""
    tmp = tmp_path_factory.mktemp("gate-refleksjon")
    pkg = _unpack(build_refleksjon(tmp, "plain"), tmp / "sco")
    dest = lms_root / "gate-refleksjon"
    if not dest.exists():
        shutil.copytree(pkg.sco_dir, dest)
    return pkg, "/gate-refleksjon/index.html"


def html_files(sco_dir: Path) -> list[Path]:
    return sorted(sco_dir.rglob("*.html"))


def test_no_request_leaves_the_package_on_any_page(browsing, each_language):
    pkg, path, in_lms = each_language
    watched = Watched(browsing, path.rsplit("/", 1)[0] + "/")
    player = watched.open(pkg, path, in_lms)
    for n, page_id in enumerate(pkg.page_ids):
        if n:
            player.next()
        assert player.shown_page_id() == page_id
        # Every image on the page loads (from the package), so none was refused unseen.
        broken = player.frame.evaluate(
            "() => [...document.querySelectorAll('section.ilm-page:not([hidden]) img')]"
            ".filter(i => !(i.complete && i.naturalWidth)).map(i => i.src)")
        assert not broken, f"{page_id}: images that did not load: {broken}"
    assert any(u.endswith("/assets/ilmpack.js") for u in watched.requested)
    assert any(u.endswith(".svg") for u in watched.requested), "the sample course's figure was never requested"
    watched.assert_clean(player.frame, f"{pkg.config['lang']}")

    # The other HTML files of the package (handouts a block writes), opened as a learner would.
    others = [f.relative_to(pkg.sco_dir).as_posix() for f in html_files(pkg.sco_dir) if f.name != "index.html"]
    assert others, "the sample course has no handout page any more: nothing checks pages a block writes"
    for rel in others:
        watched.page.goto(f"{watched.base}{watched.package_dir}{rel}")
        expect(watched.page.locator("h1")).to_have_count(1)
        watched.assert_clean(watched.page.main_frame, rel)


def test_the_policy_is_in_every_html_file_and_the_browser_enforces_it(browsing, built_package, refleksjon):
    for sco_dir in (built_package.sco_dir, refleksjon[0].sco_dir):
        files = html_files(sco_dir)
        assert files
        for f in files:
            assert 'http-equiv="Content-Security-Policy"' in f.read_text(encoding="utf-8"), f"{f}: no policy"

    watched = Watched(browsing, "/sco/")
    player = watched.open(built_package, "/sco/index.html", in_lms=True)
    watched.assert_clean(player.frame, "before the probe")
    # What an author's raw HTML could try: inline script, an inline style, a remote image.
    ran = player.frame.evaluate("""() => {
        const s = document.createElement('script');
        s.textContent = 'window.__inlineRan = true';
        document.head.appendChild(s);
        const p = document.createElement('p');
        p.setAttribute('style', 'color: red');
        document.body.appendChild(p);
        const img = document.createElement('img');
        img.src = 'https://example.org/pixel.gif';
        document.body.appendChild(img);
        return window.__inlineRan === true;
    }""")
    assert not ran, "inline script ran: the policy is not in force"
    player.frame.wait_for_function("() => window.__cspViolations.length >= 3")
    refused = " ".join(watched.violations(player.frame))
    for directive in ("script-src-elem", "style-src-attr", "img-src"):
        assert directive in refused, f"no {directive} violation for the probe: {refused}"
    assert not watched.outside, f"the refused image still reached the network: {watched.outside}"


def test_a_full_playthrough_to_passed_breaks_no_policy(browsing, built_package):
    watched = Watched(browsing, "/sco/")
    player = watched.open(built_package, "/sco/index.html", in_lms=True)
    player.play_to_the_end(right=True)
    player.finish()
    assert player.lms_cmi()["core"]["lesson_status"] == "passed"
    watched.assert_clean(player.frame, "sample course, played to passed")


def test_reflections_and_case_break_no_policy_and_forget_clears_the_course(browsing, refleksjon):
    pkg, path = refleksjon
    watched = Watched(browsing, path.rsplit("/", 1)[0] + "/")
    player = watched.open(pkg, path, in_lms=True)
    f = player.frame
    # Another course's answers on the same device must survive this course's "forget".
    f.evaluate("() => localStorage.setItem('ilmpack:annet-kurs:kari.nordmann:reflections', '{\"r\":\"x\"}')")

    box = f.locator("[data-reflection] textarea").first
    box.fill("Eldre brukere som ikke har BankID")
    box.blur()
    key = f"ilmpack:{pkg.config['courseId']}:kari.nordmann:reflections"
    f.wait_for_function("k => localStorage.getItem(k) !== null", arg=key)
    f.locator('button[data-action="reflection-view"]').first.click()
    expect(f.locator("[data-reflections-view]")).to_be_visible()
    f.locator('button[data-action="reflection-close"]').click()
    player.next()
    f.locator(f"{SHOWN_PAGE} button[data-choice]").first.click()

    # The course-wide "forget", below the contents: asks first, then clears every key of this
    # course and learner, and empties the boxes.
    forget = f.locator('button[data-action="device-forget"]')
    expect(forget).to_be_visible()
    forget.click()
    expect(forget).to_have_attribute("aria-expanded", "true")
    no = f.locator('button[data-action="device-forget-no"]')
    expect(no).to_be_focused()
    f.locator('button[data-action="device-forget-yes"]').click()
    expect(f.locator("[data-device-forget-status]")).to_have_text(pkg.config["strings"]["device_forgotten"])
    expect(forget).to_be_focused()
    left = f.evaluate("() => Object.keys(localStorage)")
    assert [k for k in left if k.startswith(f"ilmpack:{pkg.config['courseId']}:")] == []
    assert "ilmpack:annet-kurs:kari.nordmann:reflections" in left
    expect(box).to_have_value("")

    f.locator(FINISH).click()
    expect(f.locator("[data-finished]")).to_be_visible()
    watched.assert_clean(f, "reflections and case")


def test_every_block_kind_and_its_media_break_no_policy(browsing, tmp_path, serve_course):
    """tests/fixtures/every-block: films (captions, described version), an interview, a
    conversation, every question kind; every page, every <details> open, the film played."""
    course = tmp_path / "every-block"
    shutil.copytree(REPO / "tests" / "fixtures" / "every-block", course)
    shutil.copytree(REPO / "tests" / "fixtures" / "media", course / "media")
    served = serve_course(course)
    pkg = served.package
    watched = Watched(browsing, served.path.rsplit("/", 1)[0] + "/")
    player = watched.open(pkg, served.path, in_lms=True)
    f = player.frame
    played = False
    for n, page_id in enumerate(pkg.page_ids):
        if n:
            player.next()
        f.evaluate("() => document.querySelectorAll('section.ilm-page:not([hidden]) details').forEach(d => { d.open = true; })")
        if f.locator(f"{SHOWN_PAGE} video").count():
            # The film and its captions load from the package (media-src, and the track as a fetch).
            f.wait_for_function("""() => { const v = document.querySelector('section.ilm-page:not([hidden]) video');
                v.muted = true; v.play(); return v.currentTime > 0 && v.textTracks.length > 0
                && v.textTracks[0].cues && v.textTracks[0].cues.length > 0; }""", polling=200)
            played = True
    assert played, "the fixture has no film"
    watched.assert_clean(f, "every block kind")
