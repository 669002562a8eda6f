"""The accessibility gate beyond the sample course (test_accessibility.py): axe-core over every
state of a course with every block kind on main (questions, reflections, a case, scored on a test
page) including the course-wide "forget" controls, text spacing (WCAG 1.4.12) over both courses,
reduced motion over the block course, and forced colours (Windows high contrast).

Text spacing is a stylesheet served from the test LMS's origin and added with <link>: the
package's Content-Security-Policy refuses an inline <style>, as it would refuse an author's.
"""

from __future__ import annotations

import shutil

import pytest
from playwright.sync_api import expect

from conftest import REPO, _unpack
from test_accessibility import (MOVING, OVERFLOW, SHOWN_PAGE, SUBMIT_TEST, TOC_TOGGLE,
                                Course, axe_violations)
from learner import wrong_answer
from test_reflection_case_play import _build as build_refleksjon

pytestmark = pytest.mark.browser

FIXTURES = REPO / "tests" / "fixtures"

# WCAG 1.4.12's values, as the W3C's text-spacing bookmarklet sets them.
TEXT_SPACING_CSS = """* { line-height: 1.5 !important; letter-spacing: 0.12em !important;
    word-spacing: 0.16em !important; }
p, li, dd, dt, blockquote, figcaption, label, legend { margin-bottom: 2em !important; }
"""

# Elements that cut off their content: overflow hidden/clip with content larger than the box.
# Visually hidden text (clip or clip-path, 1 px) is hidden on purpose and skipped.
CLIPPED = """() => {
    const out = [];
    for (const el of document.body.querySelectorAll('*')) {
        if (!el.checkVisibility()) continue;
        const cs = getComputedStyle(el);
        if (cs.clip !== 'auto' || cs.clipPath !== 'none') continue;
        const cuts = v => v === 'hidden' || v === 'clip';
        const wide = cuts(cs.overflowX) && el.scrollWidth > el.clientWidth + 1;
        const tall = cuts(cs.overflowY) && el.scrollHeight > el.clientHeight + 1;
        if (wide || tall) {
            out.push(el.tagName.toLowerCase() + (el.className ? '.' + String(el.className).trim().replace(/\\s+/g, '.') : '')
                     + ` ${el.scrollWidth}x${el.scrollHeight} in ${el.clientWidth}x${el.clientHeight}`);
        }
    }
    return out;
}"""

FOCUS_MARK = """() => {
    const el = document.activeElement;
    const cs = getComputedStyle(el);
    return {what: el.tagName.toLowerCase() + (el.getAttribute('data-action') ? `[${el.getAttribute('data-action')}]` : ''),
            outline: cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) >= 1 ? cs.outlineColor : null};
}"""


@pytest.fixture(scope="module")
def text_spacing(lms_root) -> str:
    """Path of the 1.4.12 stylesheet on the test LMS's origin."""
    (lms_root / "text-spacing.css").write_text(TEXT_SPACING_CSS, encoding="utf-8")
    return "/text-spacing.css"


@pytest.fixture(scope="module")
def every_block(tmp_path_factory, lms_root):
    """The block fixture course with a test page (a question and a scored case), served by the LMS."""
    tmp = tmp_path_factory.mktemp("gate-blocks")
    pkg = _unpack(build_refleksjon(tmp, "scored"), tmp / "sco")
    dest = lms_root / "gate-blocks"
    if not dest.exists():
        shutil.copytree(pkg.sco_dir, dest)
    return pkg, "/gate-blocks/index.html"


def play_every_state(c: Course, visit) -> None:
    """Every page and state of the block course; visit(where) after each."""
    f = c.frame
    visit("first page")
    box = f.locator("[data-reflection] textarea").first
    box.fill("Eldre brukere uten BankID")
    box.blur()
    expect(f.locator("[data-reflection-status]").first).not_to_be_empty()
    visit("reflection saved")
    f.locator('button[data-action="reflection-forget"]').first.click()
    visit("reflection: forget asked")
    f.locator('button[data-action="reflection-forget-no"]').first.click()
    f.locator('button[data-action="reflection-view"]').first.click()
    expect(f.locator("[data-reflections-view]")).to_be_visible()
    visit("my reflections")
    f.locator('button[data-action="reflection-close"]').click()
    if f.locator(TOC_TOGGLE).is_visible():
        f.locator(TOC_TOGGLE).click()
    f.locator('button[data-action="device-forget"]').click()
    visit("course forget asked")
    f.locator('button[data-action="device-forget-yes"]').click()
    expect(f.locator("[data-device-forget-status]")).not_to_be_empty()
    visit("course forgotten")
    if f.locator(TOC_TOGGLE).is_visible():
        f.locator(TOC_TOGGLE).click()
    for n in range(1, len(c.package.page_ids)):
        c.next()
        page_id = c.shown_id()
        visit(page_id)
        steps = 0
        while f.locator(f"{SHOWN_PAGE} button[data-choice]:visible").count() and steps < 6:
            f.locator(f"{SHOWN_PAGE} button[data-choice]:visible").first.click()
            steps += 1
            visit(f"{page_id}, case step {steps}")
        assert steps or page_id not in ("02-case",), f"{page_id}: the case offered no choice"
        if page_id in c.package.test_page_ids:
            f.locator(f"{SUBMIT_TEST}:visible").click()
            visit(f"{page_id}, handed in with unanswered questions")
            for qid, q in c.scored(page_id).items():
                c.answer(qid, wrong_answer(c.package, qid))
            c.submit_test()
            visit(f"{page_id}, test results")
    c.finish()
    visit("finished")


def test_axe_over_every_state_of_every_block_kind(browsing, every_block, axe_js):
    pkg, path = every_block
    kinds = {"question", "reflection", "case"}
    found = set()
    violations = []
    c = Course.open(browsing, pkg, path, in_lms=True)

    def visit(where):
        found.update(k for k in kinds if c.frame.locator(f"[data-{k}]").count())
        violations.extend(axe_violations(c.frame, axe_js, where))

    play_every_state(c, visit)
    assert found == kinds, f"block kinds seen: {found}"
    assert not violations, f"axe-core {len(violations)} violation(s):\n" + "\n".join(violations)


@pytest.mark.parametrize("width", [320, 1280])
def test_text_spacing_loses_no_content(browsing, built_package, every_block, text_spacing, width):
    """WCAG 1.4.12 at a phone's width and a desktop's: no horizontal scrolling, no box that cuts
    off its text, in every state of both courses."""
    problems = []
    for pkg, path in ((built_package, "/sco/index.html"), every_block):
        c = Course.open(browsing, pkg, path, in_lms=True, viewport={"width": width, "height": 800})
        origin = c.frame.evaluate("() => location.origin")
        c.frame.add_style_tag(url=f"{origin}{text_spacing}")
        assert c.frame.evaluate("() => getComputedStyle(document.body).wordSpacing") != "0px"

        def visit(where, c=c, pkg=pkg):
            o = c.frame.evaluate(OVERFLOW)
            if o["scrollWidth"] > o["clientWidth"]:
                problems.append(f"{pkg.config['courseId']} {where}: {o['scrollWidth']} px wide in {o['clientWidth']}: {o['wide']}")
            problems.extend(f"{pkg.config['courseId']} {where}: clipped {e}" for e in c.frame.evaluate(CLIPPED))

        if pkg is built_package:
            for n, page_id in enumerate(pkg.page_ids):
                if n:
                    c.next()
                visit(page_id)
                if page_id in pkg.test_page_ids:
                    for qid, q in c.scored(page_id).items():
                        c.answer(qid, wrong_answer(c.package, qid))
                    c.submit_test()
                    visit(f"{page_id}, results")
            c.finish()
            visit("finished")
        else:
            play_every_state(c, visit)
    assert not problems, "with WCAG 1.4.12 text spacing:\n" + "\n".join(problems)


def test_reduced_motion_in_every_state_of_every_block_kind(browsing, every_block):
    pkg, path = every_block
    c = Course.open(browsing, pkg, path, in_lms=True, reduced_motion="reduce")
    moving = []
    play_every_state(c, lambda where: moving.extend(f"{where}: {m}" for m in c.frame.evaluate(MOVING)))
    assert not moving, "with prefers-reduced-motion: reduce, still moving:\n" + "\n".join(moving)


def test_forced_colours_keep_focus_and_choices_visible(browsing, built_package):
    c = Course.open(browsing, built_package, forced_colors="active")
    f = c.frame
    assert f.evaluate("() => matchMedia('(forced-colors: active)').matches")
    # Every control reached by Tab on the first pages shows an outline (box-shadows are dropped).
    no_mark = []
    for n in range(3):
        if n:
            c.next()
        for _ in range(25):
            c.page.keyboard.press("Tab")
            mark = f.evaluate(FOCUS_MARK)
            if mark["what"] == "body":
                break
            if not mark["outline"]:
                no_mark.append(f"{c.shown_id()}: {mark['what']}")
    assert not no_mark, f"no focus outline in forced colours on: {sorted(set(no_mark))}"

    # A chosen option keeps a mark of its own besides the system's radio.
    page_id = next(p for p in built_package.page_ids if c.knowledge_checks(p))
    f.locator(f'a[data-goto="{page_id}"]').click()
    expect(f.locator(SHOWN_PAGE)).to_have_attribute("data-page-id", page_id)
    qid, q = next(iter(c.knowledge_checks(page_id).items()))
    c.answer(qid, q["options"][:1])
    chosen = f.locator(f'[data-question="{qid}"] .ilm-option:has(input:checked)')
    expect(chosen).to_have_count(1)
    style = chosen.evaluate("e => { const cs = getComputedStyle(e); return [cs.outlineStyle, cs.outlineWidth]; }")
    assert style[0] != "none" and float(style[1].rstrip("px")) >= 1, f"chosen option has no outline: {style}"
    radio = f.locator(f'[data-question="{qid}"] input:checked')
    assert radio.evaluate("e => getComputedStyle(e).appearance") != "none", "the radio is restyled away"
    # Nothing opts out of forced colours but the alert icons, which paint in system colours.
    opted_out = f.evaluate("""() => [...document.querySelectorAll('*')]
        .filter(e => getComputedStyle(e).forcedColorAdjust === 'none')
        .map(e => e.className || e.tagName)""")
    assert all("ilm-alert-icon" in str(o) for o in opted_out), opted_out


@pytest.fixture
def every_kind(tmp_path, serve_course):
    """tests/fixtures/every-block (every block kind and content helper, films and interviews)."""
    course = tmp_path / "every-block"
    shutil.copytree(FIXTURES / "every-block", course)
    shutil.copytree(FIXTURES / "media", course / "media")
    return serve_course(course)


def test_text_spacing_on_every_page_of_the_every_block_fixture(browsing, every_kind, text_spacing):
    """Films, interviews, conversations, comparisons and every question kind at 320 px with WCAG
    1.4.12 spacing, every <details> (transcripts, read more) open."""
    pkg, path = every_kind.package, every_kind.path
    c = Course.open(browsing, pkg, path, in_lms=True, viewport={"width": 320, "height": 800})
    origin = c.frame.evaluate("() => location.origin")
    c.frame.add_style_tag(url=f"{origin}{text_spacing}")
    problems = []
    for n, page_id in enumerate(pkg.page_ids):
        if n:
            c.next()
        c.frame.evaluate("() => document.querySelectorAll('details').forEach(d => { d.open = true; })")
        o = c.frame.evaluate(OVERFLOW)
        if o["scrollWidth"] > o["clientWidth"]:
            problems.append(f"{page_id}: {o['scrollWidth']} px wide in {o['clientWidth']}: {o['wide']}")
        problems.extend(f"{page_id}: clipped {e}" for e in c.frame.evaluate(CLIPPED))
    assert not problems, "with WCAG 1.4.12 text spacing at 320 px:\n" + "\n".join(problems)
