"""Accessibility of the launch page and the runtime (WCAG 2.1 AA).

The courses are for Norwegian public bodies, for whom WCAG 2.1 AA is the law
(forskrift om universell utforming av IKT-løsninger), so these tests play the
built sample package in headless Chromium and check:

- axe-core (rules tagged wcag2a, wcag2aa, wcag21a, wcag21aa) finds nothing on
  every page and in every state a learner can reach: knowledge-check feedback,
  the "not all answered" message, the confirmation before finishing with the
  test not handed in, test results (answers locked), a retake, the finished
  panel with its summary, the contents opened on a narrow screen; nb in the
  LMS, nn opened without one;
- the course can be taken with the keyboard alone (skip link, focus on the
  new page's heading, radio groups, the test), with a visible focus mark;
- reflow (1.4.10): no horizontal scrolling at 320 CSS px, nor at 640 px with
  device scale factor 2 (1280 px at 200 % zoom), nav buttons on screen;
- prefers-reduced-motion: reduce turns every transition and animation off;
- what a screen reader relies on and axe does not check: html lang is the
  package's language, one h1 per view, the document title names the view,
  live regions are rendered (in the accessibility tree) *before* they are
  filled, every control and question group has a name.

The answer key comes from the runtime config (#ilmpack-config) and the
course source, as in test_scorm12_play.py (learner.py).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from learner import CHOICE_KINDS, Learner, right_answer, wrong_answer
from learner import counts as counts_in_score

pytestmark = pytest.mark.browser

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

SHOWN_PAGE = "section.ilm-page:not([hidden])"
NEXT = 'button[data-nav="next"]'
PREV = 'button[data-nav="prev"]'
FINISH = 'button[data-action="finish"]'
SUBMIT_TEST = 'button[data-action="submit-test"]'
TEST_RESULT = "[data-test-result]"
TEST_MESSAGE = "[data-test-message]"
FINISHED = "[data-finished]"
TOC_TOGGLE = "[data-toc-toggle]"
CONFIRM = "dialog[data-finish-confirm]"
RETAKE = 'button[data-action="retake"]'

LEARNER = {"student_id": "kari.nordmann", "student_name": "Nordmann, Kari"}



@pytest.fixture(params=["nb", "nn"])
def course(request, built_package):
    """(package, path on the test server, played in the LMS?) per language:
    nb in the LMS harness, nn opened directly (with the "not tracked" notice),
    so both ways a learner can meet the course are covered."""
    if request.param == "nb":
        return built_package, "/sco/index.html", True
    return (request.getfixturevalue("built_package_nn"),
            request.getfixturevalue("sco_nn_path"), False)


# ---------------------------------------------------------------------------
# Playing the course


class Course(Learner):
    def __init__(self, page, frame, package):
        super().__init__(page, frame, package)
        self.strings = package.config.get("strings", {})

    @classmethod
    def open(cls, browsing, package, path="/sco/index.html", *, in_lms=False,
             reduced_motion=None, **context_options) -> "Course":
        page = browsing.new_page(**context_options)
        if reduced_motion:
            page.emulate_media(reduced_motion=reduced_motion)
        if in_lms:
            cmi = {"core": {**LEARNER, "entry": "ab-initio", "lesson_mode": "normal",
                            "credit": "credit", "lesson_location": ""},
                   "suspend_data": ""}
            if package.mastery_score:
                cmi["student_data"] = {"mastery_score": package.mastery_score}
            page.goto(f"{browsing.base_url}/harness.html")
            page.evaluate("o => startLms(o)", {"cmi": cmi, "src": path})
            frame = page.frame(name="sco")
            assert frame is not None, "the harness did not create the SCO iframe"
        else:
            page.goto(f"{browsing.base_url}{path}")
            frame = page.main_frame
        course = cls(page, frame, package)
        expect(frame.locator(SHOWN_PAGE)).to_have_count(1)
        return course

    def shown_id(self) -> str:
        shown = self.frame.locator(SHOWN_PAGE)
        expect(shown).to_have_count(1)
        return shown.get_attribute("data-page-id")

    def next(self) -> str:
        before = self.shown_id()
        self.frame.locator(NEXT).click()
        expect(self.frame.locator(SHOWN_PAGE)).not_to_have_attribute("data-page-id", before)
        return self.shown_id()

    def option(self, qid: str, key: str):
        return self.frame.locator(f'[data-question="{qid}"] input[value="{key}"]')

    def answer(self, qid: str, answer) -> None:
        """Any kind, with the keyboard: `answer` as Learner.give takes it."""
        self.give(qid, answer)

    def check(self, qid: str) -> None:
        self.frame.locator(f'[data-question="{qid}"] button[data-action="check"]').click()
        expect(self.frame.locator(f'[data-question="{qid}"] [data-feedback]')).not_to_be_empty()

    def submit_test(self) -> None:
        self.frame.locator(f"{SUBMIT_TEST}:visible").click()
        expect(self.frame.locator(TEST_RESULT).first).to_be_visible()

    def finish(self) -> None:
        self.frame.locator(f"{FINISH}:visible").click()
        expect(self.frame.locator(FINISHED)).to_be_visible()

    def questions(self, page_id: str, scored: bool) -> dict:
        """The page's questions in document order (the config's is not)."""
        on_page = self.package.questions_on(page_id)
        order = self.frame.evaluate(
            "() => [...document.querySelectorAll('[data-question]')].map(e => e.dataset.question)")
        return {q: on_page[q] for q in order if q in on_page and on_page[q]["scored"] == scored}

    def knowledge_checks(self, page_id: str) -> dict:
        return self.questions(page_id, scored=False)

    def scored(self, page_id: str) -> dict:
        return self.questions(page_id, scored=True)


def wrong_keys(q: dict) -> list[str]:
    """A wrong option of a choice question (learner.wrong_answer does every kind)."""
    others = [k for k in q["options"] if k not in q["correct"]]
    assert others, f"every option is correct, no wrong answer possible: {q}"
    return others[:1]


# ---------------------------------------------------------------------------
# axe-core


AXE_RUN = """tags => axe.run(document, {
    runOnly: {type: 'tag', values: tags},
    resultTypes: ['violations'],
}).then(r => r.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
    nodes: v.nodes.map(n => ({target: n.target, summary: n.failureSummary})),
})))"""


def axe_violations(frame, axe_path: Path, where: str) -> list[str]:
    """axe's WCAG 2.1 A/AA violations in the frame's document, one readable
    block each: rule id, impact, help, and the selector of every node."""
    if not frame.evaluate("() => typeof window.axe === 'object'"):
        # From the test LMS's origin (conftest.lms_root): the package's policy refuses inline script.
        origin = frame.evaluate("() => location.origin")
        frame.add_script_tag(url=f"{origin}/axe/axe.min.js")
    found = []
    for v in frame.evaluate(AXE_RUN, AXE_TAGS):
        lines = [f"[{where}] {v['id']} ({v['impact']}): {v['help']} <{v['helpUrl']}>"]
        for node in v["nodes"]:
            summary = " ".join((node["summary"] or "").split())
            lines.append(f"    {' '.join(map(str, node['target']))}: {summary[:300]}")
        found.append("\n".join(lines))
    return found


def test_axe_finds_no_wcag21_aa_violations(browsing, course, axe_js):
    """nb: every page and every state a learner can bring about. nn (the same
    templates, other words): the first page, knowledge-check feedback, the
    test results and the finished panel (an axe run costs ~0.4 s)."""
    pkg, path, in_lms = course
    c = Course.open(browsing, pkg, path, in_lms=in_lms)
    lang = pkg.config["lang"]
    every_state = lang == "nb"
    violations = []

    def scan(where):
        violations.extend(axe_violations(c.frame, axe_js, f"{lang} {where}"))

    if every_state:
        # A phone: one column, the contents behind a button.
        size = c.page.viewport_size
        c.page.set_viewport_size({"width": 320, "height": 640})
        toggle = c.frame.locator(TOC_TOGGLE)
        toggle.click()
        expect(c.frame.locator("#ilm-toc")).to_be_visible()
        scan("320 px, contents open")
        toggle.click()
        c.page.set_viewport_size(size)

    feedback_seen = False
    for n, page_id in enumerate(pkg.page_ids):
        if n:
            c.next()
        assert c.shown_id() == page_id
        checks = c.knowledge_checks(page_id)
        is_test = page_id in pkg.test_page_ids
        if n == 0 or (every_state and not checks and not is_test):
            scan(page_id)
        for qid, q in checks.items():
            c.answer(qid, wrong_answer(c.package, qid))
            c.check(qid)
            if every_state or not feedback_seen:
                scan(f"{page_id}, feedback on a wrong answer to {qid}")
            feedback_seen = True
        if is_test:
            if every_state:
                c.frame.locator(f"{SUBMIT_TEST}:visible").click()
                expect(c.frame.locator(TEST_MESSAGE)).to_be_visible()
                scan(f"{page_id}, handed in with no answers")
                if c.frame.locator(f"{FINISH}:visible").count():
                    c.frame.locator(f"{FINISH}:visible").click()
                    expect(c.frame.locator(CONFIRM)).to_be_visible()
                    scan(f"{page_id}, finish confirmation (test not handed in)")
                    c.frame.locator(f'{CONFIRM} button[data-action="finish-cancel"]').click()
                    expect(c.frame.locator(CONFIRM)).to_be_hidden()
            for qid, q in c.scored(page_id).items():
                c.answer(qid, wrong_answer(c.package, qid))
            c.submit_test()
            scan(f"{page_id}, test results (failed, answers locked)")
            if every_state:
                c.frame.locator(RETAKE).click()
                expect(c.frame.locator(f"{TEST_RESULT} .ilm-retake-note")).to_be_visible()
                scan(f"{page_id}, after retake (answers cleared, note)")
                for qid, q in c.scored(page_id).items():
                    c.answer(qid, wrong_answer(c.package, qid))
                c.submit_test()
    assert feedback_seen, "the sample course has no knowledge check"
    c.finish()
    scan("finished panel" + ("" if in_lms else ", not tracked"))

    assert not violations, (
        f"axe-core {len(violations)} violation(s) of WCAG 2.1 A/AA:\n" + "\n".join(violations)
    )


# ---------------------------------------------------------------------------
# Keyboard only


DESCRIBE_FOCUS = """() => {
    const el = document.activeElement;
    if (!el || el === document.body) return null;
    const cs = getComputedStyle(el);
    const r = el.getBoundingClientRect();
    const text = (el.getAttribute('aria-label') || el.textContent || el.value || '').trim();
    return {
        what: el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
              + (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\\s+/).join('.') : '')
              + (text ? ' "' + text.slice(0, 40) + '"' : ''),
        ring: (cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) >= 1)
              || cs.boxShadow !== 'none',
        onScreen: r.width > 0 && r.height > 0 && r.bottom > 0 && r.right > 0
                  && r.top < innerHeight && r.left < innerWidth,
        inToc: !!el.closest('#ilm-toc'),
    };
}"""


class Keyboard:
    """A learner with a keyboard and no mouse. Every Tab stop is recorded and
    must show a focus mark (2.4.7) and be on screen."""

    def __init__(self, page):
        self.page = page
        self.stops: list[dict] = []

    def focused(self, selector: str) -> bool:
        return self.page.evaluate(
            "s => !!document.activeElement && document.activeElement.matches(s)", selector)

    def wait_focus(self, selector: str, why: str) -> None:
        try:
            self.page.wait_for_function(
                "s => !!document.activeElement && document.activeElement.matches(s)",
                arg=selector, timeout=2_000)
        except Exception:
            now = self.page.evaluate(DESCRIBE_FOCUS)
            pytest.fail(f"{why}: focus should be on {selector}, it is on "
                        f"{now['what'] if now else 'the document body'}", pytrace=False)

    def tab_to(self, selector: str, max_tabs: int = 60) -> list[dict]:
        """Presses Tab until an element matching selector has focus; returns
        the stops on the way (the last one included)."""
        walked = []
        for _ in range(max_tabs):
            self.page.keyboard.press("Tab")
            stop = self.page.evaluate(DESCRIBE_FOCUS)
            assert stop is not None, "Tab left the page (focus on the body) after " + ", ".join(s["what"] for s in walked[-4:])
            walked.append(stop)
            self.stops.append(stop)
            assert stop["ring"], f"no visible focus indicator on {stop['what']}"
            assert stop["onScreen"], f"the focused {stop['what']} is not scrolled into view"
            if self.focused(selector):
                return walked
        pytest.fail(f"{max_tabs} presses of Tab never reached {selector}; stops: "
                    + ", ".join(s["what"] for s in walked[-12:]), pytrace=False)


def test_keyboard_only_takes_the_whole_course(browsing, built_package):
    pkg = built_package
    c = Course.open(browsing, pkg)
    page = c.page
    kb = Keyboard(page)

    # 1. The skip link is the first Tab stop, shown when focused.
    kb.tab_to("*", max_tabs=1)
    assert kb.focused("a.ilm-skip"), f"first Tab stop is {kb.stops[0]['what']}, not the skip link"
    box = page.locator("a.ilm-skip").bounding_box()
    assert box and box["y"] >= 0 and box["x"] >= 0, f"the focused skip link is off screen: {box}"
    page.keyboard.press("Enter")
    kb.wait_focus("main#ilm-main", "after the skip link")

    # 2. From main, Tab reaches Next without a detour through the contents.
    walked = kb.tab_to(NEXT)
    assert not any(s["inToc"] for s in walked), (
        "after skipping to the content, Tab went into the contents: "
        + ", ".join(s["what"] for s in walked))
    page.keyboard.press("Enter")
    expect(page.locator(SHOWN_PAGE)).to_have_attribute("data-page-id", pkg.page_ids[1])
    kb.wait_focus(f"{SHOWN_PAGE} h1", "after Next")

    # 3. Pages on by keyboard; knowledge checks answered with arrows and space.
    checked_one = False
    for n, page_id in enumerate(pkg.page_ids[1:], start=1):
        if n > 1:
            kb.tab_to(NEXT)
            page.keyboard.press("Enter")
            expect(page.locator(SHOWN_PAGE)).to_have_attribute("data-page-id", page_id)
            kb.wait_focus(f"{SHOWN_PAGE} h1", f"after Next to {page_id}")
            title = pkg.config["pages"][n]["title"]
            assert title in page.title(), f"document title {page.title()!r} is not {title!r}"
        for qid, q in c.knowledge_checks(page_id).items():
            first, second = q["options"][0], q["options"][1]
            kb.tab_to(f'[data-question="{qid}"] input')
            assert kb.focused(f'input[value="{first}"]'), "Tab should land on the first option"
            page.keyboard.press("Space")
            expect(c.option(qid, first)).to_be_checked()
            if q["kind"] == "multiple":
                # Check boxes: Tab goes on to the next box and Space ticks it too.
                kb.tab_to(f'[data-question="{qid}"] input[value="{second}"]')
                page.keyboard.press("Space")
                expect(c.option(qid, second)).to_be_checked()
                expect(c.option(qid, first)).to_be_checked()
            else:
                # Radio buttons: the arrow key moves the choice.
                page.keyboard.press("ArrowDown")
                expect(c.option(qid, second)).to_be_checked()
                expect(c.option(qid, first)).not_to_be_checked()
            kb.tab_to(f'[data-question="{qid}"] button[data-action="check"]')
            page.keyboard.press("Enter")
            expect(page.locator(f'[data-question="{qid}"] [data-feedback]')).not_to_be_empty()
            checked_one = True

        # 4. The test, answered right and handed in by keyboard: Tab reaches every
        # question; choices by Space and arrows, the other kinds as learner.Learner does.
        if page_id in pkg.test_page_ids:
            for qid, q in c.scored(page_id).items():
                want = right_answer(pkg, qid)
                if q["kind"] not in CHOICE_KINDS:
                    kb.tab_to(f'[data-question="{qid}"] :is(input, select, button)')
                    if q["kind"] in ("fill-in", "numeric"):
                        page.keyboard.type(want)      # the next Tab leaves the field: the change
                    else:
                        c.give(qid, want)
                    assert c.given(qid) == want, qid
                    continue
                if q["kind"] == "multiple":
                    for key in want:
                        kb.tab_to(f'[data-question="{qid}"] input[value="{key}"]')
                        page.keyboard.press("Space")
                else:
                    kb.tab_to(f'[data-question="{qid}"] input')
                    page.keyboard.press("Space")
                    for _ in range(q["options"].index(want[0])):
                        page.keyboard.press("ArrowDown")
                for key in q["options"]:
                    if key in want:
                        expect(c.option(qid, key)).to_be_checked()
                    else:
                        expect(c.option(qid, key)).not_to_be_checked()
            kb.tab_to(SUBMIT_TEST)
            page.keyboard.press("Enter")
            expect(page.locator(TEST_RESULT)).to_be_visible()
            kb.wait_focus(TEST_RESULT, "after the test was handed in")
            expect(page.locator(TEST_RESULT)).to_contain_text("100")
    assert checked_one, "the sample course has no knowledge check"

    # 5. Finish by keyboard: focus goes to the finished panel.
    kb.tab_to(FINISH)
    page.keyboard.press("Enter")
    expect(page.locator(FINISHED)).to_be_visible()
    kb.wait_focus(f"{FINISHED}, {FINISHED} *", "after Finish")


# ---------------------------------------------------------------------------
# Reflow at 320 px and at 200 % zoom


OVERFLOW = """() => {
    const root = document.documentElement;
    const width = root.clientWidth;
    const wide = [];
    if (root.scrollWidth > width) {
        for (const el of document.body.querySelectorAll('*')) {
            const r = el.getBoundingClientRect();
            if (r.width && r.right > width + 0.5 && el.checkVisibility()) {
                wide.push(el.tagName.toLowerCase() + (el.className ? '.' + String(el.className).trim().replace(/\\s+/g, '.') : '')
                          + ' right=' + Math.round(r.right));
            }
        }
    }
    return {scrollWidth: root.scrollWidth, clientWidth: width, wide: wide.slice(0, 8)};
}"""


def assert_reflows(c: Course, where: str) -> None:
    o = c.frame.evaluate(OVERFLOW)
    assert o["scrollWidth"] <= o["clientWidth"], (
        f"{where}: horizontal scrolling, page is {o['scrollWidth']} px wide in a "
        f"{o['clientWidth']} px viewport; too wide: {o['wide']}")


def assert_on_screen(c: Course, selector: str, where: str) -> None:
    button = c.frame.locator(selector)
    expect(button).to_be_visible()
    button.scroll_into_view_if_needed()
    box = button.bounding_box()
    width = c.frame.evaluate("() => document.documentElement.clientWidth")
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= width + 0.5, (
        f"{where}: {selector} is cut off at the side ({box}, viewport {width} px)")


@pytest.mark.parametrize("width,scale", [(320, 1), (640, 2)], ids=["320px", "200pct-zoom"])
def test_reflow_without_horizontal_scrolling(browsing, built_package, width, scale):
    """Every page, the test results and the finished panel; at 320 px also the
    knowledge-check feedback and the opened contents (the same one-column
    layout at 640 px has more room)."""
    pkg = built_package
    narrowest = width == 320
    c = Course.open(browsing, pkg, viewport={"width": width, "height": 720},
                    device_scale_factor=scale)
    for n, page_id in enumerate(pkg.page_ids):
        if n:
            c.next()
        where = f"{width} px, {page_id}"
        assert_reflows(c, where)
        last = n == len(pkg.page_ids) - 1
        assert_on_screen(c, FINISH if last else NEXT, where)
        if n:
            assert_on_screen(c, PREV, where)
        for qid, q in c.knowledge_checks(page_id).items() if narrowest else ():
            c.answer(qid, wrong_answer(c.package, qid))
            c.check(qid)
            assert_reflows(c, f"{where}, feedback on {qid}")
        if page_id in pkg.test_page_ids:
            for qid, q in c.scored(page_id).items():
                c.answer(qid, wrong_answer(c.package, qid))
            c.submit_test()
            assert_reflows(c, f"{where}, test results")
            assert_on_screen(c, FINISH, f"{where}, test results")
    toggle = c.frame.locator(TOC_TOGGLE)
    expect(toggle).to_be_visible()
    if narrowest:
        toggle.click()
        expect(c.frame.locator("#ilm-toc")).to_be_visible()
        assert_reflows(c, f"{width} px, contents open")
        toggle.click()
    c.finish()
    assert_reflows(c, f"{width} px, finished panel")


# ---------------------------------------------------------------------------
# Reduced motion


MOVING = """() => {
    const secs = v => v.split(',').map(s => s.trim()).map(s =>
        s.endsWith('ms') ? parseFloat(s) / 1000 : parseFloat(s) || 0);
    const moving = [];
    const root = document.documentElement;
    if (getComputedStyle(root).scrollBehavior === 'smooth') moving.push('html: scroll-behavior smooth');
    for (const el of [root, ...document.querySelectorAll('*')]) {
        for (const pseudo of [null, '::before', '::after']) {
            const cs = getComputedStyle(el, pseudo);
            const t = Math.max(...secs(cs.transitionDuration));
            const a = cs.animationName !== 'none' ? Math.max(...secs(cs.animationDuration)) : 0;
            if (t > 0.01 || a > 0.01) {
                moving.push(el.tagName.toLowerCase() + (el.className ? '.' + String(el.className).trim().replace(/\\s+/g, '.') : '')
                            + (pseudo || '') + ` transition ${cs.transitionDuration} animation ${cs.animationName} ${cs.animationDuration}`);
            }
        }
    }
    return moving;
}"""


def test_reduced_motion_turns_off_transitions(browsing, built_package):
    pkg = built_package
    c = Course.open(browsing, pkg, reduced_motion="reduce")
    assert c.frame.evaluate("() => matchMedia('(prefers-reduced-motion: reduce)').matches")
    moving = c.frame.evaluate(MOVING)
    c.next()   # the progress bar grows on Next
    moving += c.frame.evaluate(MOVING)
    for sel in ["[data-progress-fill]", ".ilm-progress-bar", ".ilm-pager", NEXT, PREV]:
        expect(c.frame.locator(sel)).to_have_count(1)
    assert not moving, ("with prefers-reduced-motion: reduce, still moving:\n"
                        + "\n".join(sorted(set(moving))))


# ---------------------------------------------------------------------------
# Screen reader semantics axe does not check


LIVE_REGIONS = """() => [...document.querySelectorAll(
        '#ilm-notice, [data-feedback], [data-test-result], [data-test-message]')].map(el => {
    const cs = getComputedStyle(el);
    const role = el.getAttribute('role');
    const live = el.getAttribute('aria-live');
    return {
        what: el.id ? '#' + el.id : [...el.attributes].filter(a => a.name.startsWith('data-')).map(a => `[${a.name}]`).join(''),
        role, live,
        // rendered: in the accessibility tree while still empty, as a live
        // region must be before its content changes (a region that appears
        // together with its text is often not announced)
        rendered: cs.display !== 'none' && cs.visibility !== 'hidden',
        hiddenAttr: el.hidden,
        page: el.closest('section') ? el.closest('section').id : '',
    };
})"""


def test_screen_reader_semantics(browsing, course):
    pkg, path, in_lms = course
    c = Course.open(browsing, pkg, path, in_lms=in_lms)
    f = c.frame
    lang = pkg.config["lang"]
    course_title = pkg.config["title"]

    # Language of the page (3.1.1): the package's language, nb or nn, not "no".
    assert f"-{lang}-scorm12" in pkg.zip_path.name
    assert f.evaluate("() => document.documentElement.lang") == lang

    # One h1 per view, the page title; the section is named by it.
    counts = f.evaluate("""() => [...document.querySelectorAll('section.ilm-page, [data-finished]')]
        .map(s => [s.id || s.getAttribute('data-page-id') || 'finished', s.querySelectorAll('h1').length])""")
    assert counts and all(n == 1 for _, n in counts), f"h1 per section: {counts}"

    # Live regions exist, are live, and are rendered before they are filled.
    regions = f.evaluate(LIVE_REGIONS)
    kinds = {r["what"] for r in regions}
    for want in ["#ilm-notice", "[data-feedback]", "[data-test-result]", "[data-test-message]"]:
        assert want in kinds, f"no live region {want}"
    for r in regions:
        assert r["role"] in {"status", "alert", "log"} or r["live"] in {"polite", "assertive"}, (
            f"{r['what']} is not a live region: {r}")
    # The notice is outside the pages: it must be rendered (in the
    # accessibility tree) even while empty, or a later message (the LMS
    # refused data) may go unannounced. Regions on the pages are checked
    # below, when their page is shown.
    notice = [r for r in regions if r["what"] == "#ilm-notice"]
    assert notice and notice[0]["rendered"], f"the notice live region is not rendered: {notice}"

    for n, page_id in enumerate(pkg.page_ids):
        if n:
            c.next()
        title = pkg.config["pages"][n]["title"]
        # 2.4.2: the title names the page shown, and the course.
        assert title in f.evaluate("() => document.title"), (
            f"after navigating to {page_id}, document.title is {f.evaluate('() => document.title')!r}")
        assert course_title in f.evaluate("() => document.title")
        shown = f.locator(SHOWN_PAGE)
        expect(shown.locator("h1")).to_have_count(1)
        expect(shown.locator("h1")).to_have_text(title)
        expect(f.locator("h1:visible")).to_have_count(1)
        if n:
            focused = f.evaluate("() => document.activeElement && document.activeElement.id")
            assert focused == f"ilm-h-{page_id}", f"after Next, focus is on #{focused}, not the h1"
        expect(shown).to_have_accessible_name(title)

        # Every question group and control on the page has a name.
        for group in shown.locator("fieldset").all():
            expect(group).to_have_accessible_name(re.compile(r"\S"))
        for control in shown.locator("input, button, select, textarea").filter(visible=True).all():
            expect(control).to_have_accessible_name(re.compile(r"\S"))

        # Feedback regions on this page: rendered while empty, then filled.
        for qid, q in c.knowledge_checks(page_id).items():
            fb = f.locator(f'[data-question="{qid}"] [data-feedback]')
            assert fb.evaluate("e => getComputedStyle(e).display !== 'none'"), (
                f"{qid}: the feedback live region is display:none until it is filled, "
                "so screen readers may not announce it")
            c.answer(qid, wrong_answer(c.package, qid))
            c.check(qid)
            expect(fb).to_contain_text(c.strings.get("fb_wrong", ""))

        if page_id in pkg.test_page_ids:
            result = f.locator(TEST_RESULT)
            assert result.evaluate("e => getComputedStyle(e).display !== 'none'"), (
                "the test result live region is display:none before the test is handed in")
            f.locator(f"{SUBMIT_TEST}:visible").click()
            msg = f.locator(TEST_MESSAGE)
            expect(msg).to_be_visible()
            expect(msg).to_have_attribute("role", "alert")
            # The unanswered questions say so, in text and in the group's
            # description, and focus is in the first of them (3.3.1).
            first_missing = next(iter(c.scored(page_id)))
            box = f.locator(f'[data-question="{first_missing}"]')
            unanswered = c.strings.get("q_unanswered", "")
            expect(box.locator("[data-q-error]")).to_be_visible()
            expect(box.locator("fieldset")).to_have_accessible_description(
                re.compile(re.escape(unanswered)))
            assert box.evaluate("b => b.contains(document.activeElement)"), (
                "after handing in an incomplete test, focus is not on the first unanswered question")
            for qid in c.scored(page_id):
                c.answer(qid, right_answer(pkg, qid))
            expect(box.locator("[data-q-error]")).to_be_hidden()
            expect(box.locator("fieldset")).not_to_have_accessible_description(
                re.compile(re.escape(unanswered)))
            c.submit_test()
            expect(result).to_contain_text(c.strings.get("result_heading", ""))
            assert f.evaluate("() => document.activeElement.matches('[data-test-result]')")
            # The per-question verdicts are text, not colour alone (1.4.1).
            for qid, q in c.scored(page_id).items():
                verdict = f.locator(f'[data-question="{qid}"] [data-q-result]')
                if counts_in_score(q):
                    expect(verdict).to_have_text(c.strings.get("q_correct", re.compile(r"\S")))
                else:   # a self-assessment is neither right nor wrong
                    expect(verdict).to_be_hidden()

    c.finish()
    finished_title = c.strings.get("finished_title", "")
    expect(f.locator(f"{FINISHED} h1")).to_have_text(finished_title)
    expect(f.locator("h1:visible")).to_have_count(1)
    assert finished_title in f.evaluate("() => document.title"), (
        f"after finishing, document.title is still {f.evaluate('() => document.title')!r}")
