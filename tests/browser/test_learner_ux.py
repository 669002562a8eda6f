"""What the learner sees around the edges of the course: the end page, the
confirmation before finishing early, the test's numbering, locked answers,
retaking, the course description and the contents on long pages.

Played in headless Chromium, in the scorm-again LMS harness or opened directly,
as in test_scorm12_play.py; texts come from the package's own strings (the
runtime config), never hard-coded.
"""

from __future__ import annotations

import base64
import html
import re

import pytest
from playwright.sync_api import expect

from test_accessibility import Keyboard
from learner import CHOICE_KINDS, Learner, right_answer, wrong_answer
from test_question_play import variant  # noqa: F401 - a fixture used here
from test_scorm12_play import NOTICE, SHOWN_PAGE, SUBMIT_TEST, TEST_RESULT, Player, calls, lms_cmi

pytestmark = pytest.mark.browser

FINISH = 'button[data-action="finish"]'
FINISHED = "[data-finished]"
CONFIRM = "dialog[data-finish-confirm]"
RETAKE = 'button[data-action="retake"]'
PROGRESS = "[data-progress]"
DESKTOP = {"width": 1280, "height": 720}


def fill(template: str, **values) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: str(values.get(m.group(1), m.group(0))), template)


def strings(pkg) -> dict:
    return pkg.config["strings"]


def open_in_lms(browsing, pkg, cmi=None, viewport=DESKTOP) -> Player:
    page = browsing.new_page(viewport=viewport)
    page.goto(f"{browsing.base_url}/harness.html")
    page.evaluate("options => startLms(options)", {"cmi": cmi or lms_cmi(pkg)})
    frame = page.frame(name="sco")
    assert frame is not None
    player = Player(page, frame, pkg)
    expect(frame.locator(SHOWN_PAGE)).to_have_count(1)
    return player


def open_direct(browsing, pkg, viewport=DESKTOP) -> Player:
    page = browsing.new_page(viewport=viewport)
    page.goto(f"{browsing.base_url}/sco/index.html")
    player = Player(page, page.main_frame, pkg)
    expect(page.locator(SHOWN_PAGE)).to_have_count(1)
    return player


def goto(player: Player, page_id: str) -> None:
    player.frame.locator(f'a[data-goto="{page_id}"]').click()
    expect(player.frame.locator(SHOWN_PAGE)).to_have_attribute("data-page-id", page_id)


class FrameKeys:
    """The page's keyboard, the SCO frame's focus: what test_accessibility.Keyboard needs."""

    def __init__(self, page, frame):
        self.keyboard = page.keyboard
        self.evaluate = frame.evaluate
        self.wait_for_function = frame.wait_for_function


def play_all(player: Player, right: bool) -> None:
    """Every page with Next; knowledge checks answered right, the test right or
    wrong and handed in. Needs no LMS (Player.play_to_the_end reads its log)."""
    pkg = player.package
    for n, page_id in enumerate(pkg.page_ids):
        if n:
            player.next()
        scored = {qid: q for qid, q in pkg.questions_on(page_id).items() if q["scored"]}
        for qid, q in scored.items():
            player.answer(qid, right_answer(pkg, qid) if right else wrong_answer(pkg, qid))
        if scored:
            player.submit_test()


def summary_text(player: Player) -> str:
    return " ".join(player.frame.locator(f"{FINISHED} [data-finished-summary]").inner_text().split())


def assert_end_page(player: Player) -> None:
    """Full width at 1280 px, header says finished, no stale notice."""
    f = player.frame
    s = strings(player.package)
    expect(f.locator(FINISHED)).to_be_visible()
    geometry = f.evaluate("""() => {
        const layout = document.querySelector('.ilm-layout');
        const cs = getComputedStyle(layout);
        const inner = layout.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight);
        return {panel: document.querySelector('[data-finished]').getBoundingClientRect().width, area: inner};
    }""")
    assert geometry["panel"] > 0.6 * geometry["area"], (
        f"the end page is squeezed: {geometry['panel']:.0f} px of a {geometry['area']:.0f} px wide main area")
    expect(f.locator(PROGRESS)).to_have_text(s["progress_finished"])
    expect(f.locator(NOTICE)).to_have_text("")
    expect(f.locator(NOTICE)).to_have_count(1)
    assert f.locator(NOTICE).evaluate("e => e.getBoundingClientRect().height") == 0, "an empty notice takes room"


def test_end_page_after_passing(browsing, built_package):
    pkg = built_package
    s = strings(pkg)
    player = open_in_lms(browsing, pkg)
    player.play_to_the_end(right=True)
    player.frame.locator(f"{FINISH}:visible").click()
    # Nothing left undone: no confirmation.
    expect(player.frame.locator(CONFIRM)).not_to_be_visible()
    assert_end_page(player)
    mastery = int(float(pkg.mastery_score))
    total = len(pkg.page_ids)
    text = summary_text(player)
    assert fill(s["summary_test_passed"], score=100, mastery=mastery) in text, text
    assert fill(s["summary_pages_seen"], viewed=total, total=total) in text, text
    assert fill(s["summary_saved_lms"], status=s["status_passed"]) in text, text
    assert fill(s["summary_saved_score"], score=100) in text, text
    expect(player.frame.locator("[data-finished-text]")).to_have_text(s["finished_complete"])
    assert player.lms_cmi()["core"]["lesson_status"] == "passed"


def test_end_page_after_failing(browsing, built_package):
    pkg = built_package
    s = strings(pkg)
    player = open_in_lms(browsing, pkg)
    player.play_to_the_end(right=False)
    player.frame.locator(f"{FINISH}:visible").click()
    assert_end_page(player)
    mastery = int(float(pkg.mastery_score))
    text = summary_text(player)
    assert fill(s["summary_test_failed"], score=0, mastery=mastery) in text, text
    assert fill(s["summary_saved_lms"], status=s["status_failed"]) in text, text
    assert fill(s["summary_saved_score"], score=0) in text, text
    assert player.lms_cmi()["core"]["lesson_status"] == "failed"


def test_end_page_untracked_clears_the_not_tracked_notice(browsing, built_package):
    pkg = built_package
    s = strings(pkg)
    player = open_direct(browsing, pkg)
    expect(player.frame.locator(NOTICE)).to_contain_text(s["not_tracked"])
    play_all(player, right=True)
    player.frame.locator(f"{FINISH}:visible").click()
    assert_end_page(player)
    text = summary_text(player)
    assert s["summary_saved_untracked"] in text, text
    assert fill(s["summary_test_passed"], score=100, mastery=int(float(pkg.mastery_score))) in text
    expect(player.frame.locator("[data-finished-text]")).to_have_text(s["finished_untracked"])


def test_finish_early_asks_first_keyboard_only(browsing, built_package):
    """A resumed learner (welcome-back notice) jumps to the last page: Finish is
    the secondary button while the test waits; Finish asks first, in a modal
    dialog that says what is left and that progress is kept; Escape goes back
    to Finish; confirming ends the session as suspended."""
    pkg = built_package
    s = strings(pkg)
    last = pkg.page_ids[-1]
    assert last in pkg.test_page_ids, "the sample's test is its last page"
    cmi = lms_cmi(pkg, "resume", lesson_location=pkg.page_ids[1], lesson_status="incomplete")
    player = open_in_lms(browsing, pkg, cmi)
    f = player.frame
    expect(f.locator(NOTICE)).to_contain_text(s["resumed"])
    goto(player, last)

    finish = f.locator(FINISH)
    expect(finish).to_be_visible()
    expect(f.locator(SUBMIT_TEST)).to_have_class(re.compile(r"\bilm-button-primary\b"))
    expect(finish).not_to_have_class(re.compile(r"\bilm-button-primary\b"))

    kb = Keyboard(FrameKeys(player.page, f))
    f.locator(f"{SHOWN_PAGE} h1").focus()
    kb.tab_to(FINISH)
    player.page.keyboard.press("Enter")
    dialog = f.locator(CONFIRM)
    expect(dialog).to_be_visible()
    assert dialog.evaluate("d => d.open && d.matches(':modal')"), "the confirmation is not a modal dialog"
    expect(dialog).to_have_accessible_name(s["confirm_title"])
    expect(dialog).to_contain_text(s["confirm_test"])
    viewed = f.evaluate("() => ilmpack.state.viewed.filter(Boolean).length")
    expect(dialog).to_contain_text(fill(s["confirm_pages"], viewed=viewed, total=len(pkg.page_ids)))
    expect(dialog).to_contain_text(s["confirm_saved"])
    kb.wait_focus(f'{CONFIRM} button[data-action="finish-cancel"]', "when the confirmation opens")

    # Escape: back where the learner was, nothing ended.
    player.page.keyboard.press("Escape")
    expect(dialog).not_to_be_visible()
    kb.wait_focus(FINISH, "after Escape in the confirmation")
    assert not f.evaluate("() => ilmpack.finished")
    assert not calls(player.lms_log(), "LMSFinish")

    # The stay button does the same.
    player.page.keyboard.press("Enter")
    expect(dialog).to_be_visible()
    player.page.keyboard.press("Enter")
    expect(dialog).not_to_be_visible()
    kb.wait_focus(FINISH, "after 'back to the course'")

    # Again, and this time finish: Tab within the dialog to the confirm button.
    player.page.keyboard.press("Enter")
    expect(dialog).to_be_visible()
    kb.tab_to(f'{CONFIRM} button[data-action="finish-confirm"]', max_tabs=3)
    player.page.keyboard.press("Enter")
    expect(f.locator(FINISHED)).to_be_visible()
    kb.wait_focus(f"{FINISHED}, {FINISHED} *", "after confirming")
    assert_end_page(player)
    text = summary_text(player)
    assert s["summary_test_none"] in text, text
    total = len(pkg.page_ids)
    assert fill(s["summary_pages_seen"], viewed=viewed, total=total) in text, text
    assert fill(s["summary_pages_needed"], required=total) in text, text   # completion.pages: 100
    assert fill(s["summary_saved_lms"], status=s["status_incomplete"]) in text, text
    expect(f.locator("[data-finished-text]")).to_have_text(s["finished_saved"])
    player.page.wait_for_function("() => lmsLog.some(c => c.fn === 'LMSFinish')")
    core = player.lms_cmi()["core"]
    assert core["exit"] == "suspend" and core["lesson_status"] == "incomplete", core


def test_no_confirmation_when_nothing_is_left(browsing, built_package):
    """Finish stays the primary button once the test is in and every page seen."""
    pkg = built_package
    player = open_in_lms(browsing, pkg)
    player.play_to_the_end(right=False)
    expect(player.frame.locator(FINISH)).to_have_class(re.compile(r"\bilm-button-primary\b"))
    player.frame.locator(FINISH).click()
    expect(player.frame.locator(FINISHED)).to_be_visible()
    expect(player.frame.locator(CONFIRM)).not_to_be_visible()


CONTRAST = """box => {
    const parse = c => { const m = c.match(/[\\d.]+/g).map(Number); return [m[0], m[1], m[2], m.length > 3 ? m[3] : 1]; };
    const lum = ([r, g, b]) => { const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
                                 return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b); };
    const over = (top, under) => { const a = top[3]; return [0, 1, 2].map(i => top[i] * a + under[i] * (1 - a)).concat(1); };
    const background = el => {            // composite the backgrounds from the root down
        const chain = [];
        for (let e = el; e; e = e.parentElement) chain.unshift(e);
        let bg = [255, 255, 255, 1];
        for (const e of chain) bg = over(parse(getComputedStyle(e).backgroundColor), bg);
        return bg;
    };
    const opacity = el => { let o = 1; for (let e = el; e; e = e.parentElement) o *= parseFloat(getComputedStyle(e).opacity); return o; };
    return [...box.querySelectorAll('label')].map(label => {
        const bg = background(label);
        const fg = parse(getComputedStyle(label).color);
        const text = over([fg[0], fg[1], fg[2], fg[3] * opacity(label)], bg);
        const [l1, l2] = [lum(text), lum(bg)].sort((a, b) => b - a);
        return {text: label.textContent.trim().slice(0, 30), ratio: (l1 + 0.05) / (l2 + 0.05),
                disabled: document.getElementById(label.htmlFor).disabled};
    });
}"""


PIXEL_CONTRAST = """async ({png, bg}) => {
    const img = new Image();
    img.src = 'data:image/png;base64,' + png;
    await img.decode();
    const canvas = document.createElement('canvas');
    canvas.width = img.naturalWidth; canvas.height = img.naturalHeight;
    const ctx = canvas.getContext('2d');
    ctx.drawImage(img, 0, 0);
    const px = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
    const lin = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    const lum = (r, g, b) => 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
    const [br, bgc, bb] = bg.match(/[\\d.]+/g).map(Number);
    const lb = lum(br, bgc, bb);
    let best = 1;
    for (let i = 0; i < px.length; i += 4) {
        const l = lum(px[i], px[i + 1], px[i + 2]);
        const [hi, lo] = l > lb ? [l, lb] : [lb, l];
        best = Math.max(best, (hi + 0.05) / (lo + 0.05));
    }
    return best;
}"""


def test_test_questions_are_numbered(browsing, built_package):
    pkg = built_package
    s = strings(pkg)
    player = open_in_lms(browsing, pkg)
    test_page = pkg.test_page_ids[0]
    goto(player, test_page)
    f = player.frame
    order = f.evaluate("() => [...document.querySelectorAll('[data-question][data-scored]:not([hidden])')]"
                       ".map(e => e.dataset.question)")
    assert len(order) == len(pkg.scored_questions) > 1
    for n, qid in enumerate(order, start=1):
        label = fill(s["q_number"], n=n, total=len(order))
        group = f.locator(f'[data-question="{qid}"] fieldset')
        expect(group.locator("legend")).to_contain_text(label)
        expect(group).to_have_accessible_name(re.compile("^" + re.escape(label) + r"\W+\w"))
    # Knowledge checks are not numbered.
    expect(f.locator("[data-question]:not([data-scored]) .ilm-q-number")).to_have_count(0)


def test_numbers_follow_a_drawn_and_shuffled_test(browsing, variant):
    """With a draw and a shuffle the numbers count the questions shown, in the order shown."""
    pkg, path = variant("draw", draw=3, shuffle=True, solutions="never")
    learner = Learner.launch(browsing, pkg, path, lms_cmi(pkg))
    learner.next_page()
    shown = learner.visible_test_ids()
    assert 1 < len(shown) < len(pkg.scored_questions), shown
    for n, qid in enumerate(shown, start=1):
        label = fill(strings(pkg)["q_number"], n=n, total=len(shown))
        expect(learner.q(qid).locator(".ilm-q-number")).to_have_text(re.compile("^" + re.escape(label) + r"\W*$"))


def test_locked_test_answers_stay_readable(browsing, built_package):
    """After hand-in the answers are disabled; their text keeps 4.5:1 (axe skips
    disabled controls, so it is computed here) and the chosen one is marked."""
    pkg = built_package
    player = open_in_lms(browsing, pkg)
    goto(player, pkg.test_page_ids[0])
    f = player.frame
    order = list(player.package.scored_questions)
    for qid in order:
        player.answer(qid, wrong_answer(pkg, qid))
    player.submit_test()
    low = []
    for qid in order:
        for r in f.locator(f'[data-question="{qid}"]').evaluate(CONTRAST):
            assert r["disabled"], f"{qid}: answers are not locked after hand-in"
            if r["ratio"] < 4.5:
                low.append(f"{qid} {r['text']!r}: {r['ratio']:.2f}:1")
    assert not low, "locked answers below 4.5:1 contrast:\n" + "\n".join(low)
    # The mark of the chosen answer (the radio button's dot, the checkbox's
    # tick) is no pale grey: measured in a screenshot of each control, its
    # darkest pixel against the option's background, 3:1 or more (1.4.11).
    faint = []
    for qid in order:
        if pkg.scored_questions[qid]["kind"] not in CHOICE_KINDS:
            continue
        for key in pkg.scored_questions[qid]["options"]:
            control = player.option(qid, key)
            if not control.is_checked():
                continue
            ratio = f.evaluate(PIXEL_CONTRAST, {"png": base64.b64encode(control.screenshot()).decode(),
                                                "bg": control.evaluate(
                                                    "e => getComputedStyle(e.closest('.ilm-option')).backgroundColor")})
            if ratio < 3:
                faint.append(f"{qid} {key}: {ratio:.2f}:1")
    assert not faint, "the chosen locked answers' marks are too faint:\n" + "\n".join(faint)
    # The chosen answer stands out from the others by more than a grey radio button.
    chosen = f.locator(".ilm-option:has(input:checked)").first
    other = f.locator(".ilm-option:not(:has(input:checked))").first
    style = "e => [getComputedStyle(e).backgroundColor, getComputedStyle(e).borderColor]"
    assert chosen.evaluate(style) != other.evaluate(style), "the chosen locked answer looks like the others"


def test_retake_says_what_it_does_before_and_after(browsing, built_package):
    pkg = built_package
    s = strings(pkg)
    player = open_in_lms(browsing, pkg)
    goto(player, pkg.test_page_ids[0])
    f = player.frame
    for qid in pkg.scored_questions:
        player.answer(qid, wrong_answer(pkg, qid))
    player.submit_test()
    retake = f.locator(RETAKE)
    expect(retake).to_be_visible()
    expect(retake).to_have_accessible_description(s["retake_hint"])
    expect(f.locator("#ilm-retake-hint")).to_be_visible()
    retake.click()
    note = f.locator(f"{TEST_RESULT} .ilm-retake-note")
    expect(note).to_have_text(s["retake_done"])
    assert f.locator(TEST_RESULT).get_attribute("role") == "status"
    expect(f.locator("#ilm-retake-hint")).to_be_hidden()
    for qid, q in pkg.scored_questions.items():
        if q["kind"] in CHOICE_KINDS:
            for key in q["options"]:
                expect(player.option(qid, key)).not_to_be_checked()
                expect(player.option(qid, key)).to_be_enabled()
        else:
            assert any(control.is_enabled() for control in player.controls(qid).all()), f"{qid} is still locked"
            if q["kind"] in ("fill-in", "numeric"):
                expect(player.controls(qid)).to_have_value("")
    # Mid-retake, Finish is secondary again and asks, naming the result that stands.
    if pkg.test_page_ids[0] == pkg.page_ids[-1]:
        finish = f.locator(FINISH)
        expect(finish).not_to_have_class(re.compile(r"\bilm-button-primary\b"))
        finish.click()
        expect(f.locator(CONFIRM)).to_contain_text(fill(s["confirm_retake"], score=0))
        f.locator(f'{CONFIRM} button[data-action="finish-cancel"]').click()
        expect(f.locator(CONFIRM)).not_to_be_visible()
    # Handing in again replaces the note with the result.
    for qid in pkg.scored_questions:
        player.answer(qid, right_answer(pkg, qid))
    player.submit_test()
    expect(note).to_have_count(0)
    expect(f.locator(TEST_RESULT)).to_contain_text("100")
    expect(f.locator(FINISH)).to_have_class(re.compile(r"\bilm-button-primary\b"))


def test_course_description_on_the_first_page(browsing, built_package):
    pkg = built_package
    index = (pkg.sco_dir / "index.html").read_text(encoding="utf-8")
    found = re.search(r'<meta name="description" content="([^"]+)"', index)
    assert found, "the sample course has a description"
    text = html.unescape(found.group(1))
    player = open_in_lms(browsing, pkg)
    f = player.frame
    first = f.locator(SHOWN_PAGE)
    expect(first).to_have_attribute("data-page-id", pkg.page_ids[0])
    expect(first.locator(".ilm-course-description")).to_be_visible()
    expect(first.locator(".ilm-course-description")).to_have_text(text)
    # Under the page's title, above its content.
    order = first.evaluate("""s => {
        const h1 = s.querySelector('h1'), d = s.querySelector('.ilm-course-description'), body = s.querySelector('.ilm-page-body');
        return [h1.compareDocumentPosition(d) & Node.DOCUMENT_POSITION_FOLLOWING, d.compareDocumentPosition(body) & Node.DOCUMENT_POSITION_FOLLOWING];
    }""")
    assert all(order), "the description is not between the title and the content"
    player.next()
    expect(f.locator(f"{SHOWN_PAGE} .ilm-course-description")).to_have_count(0)
    # The first page keeps its bookmark.
    assert f.locator(f'a[data-goto="{pkg.page_ids[0]}"]').count() == 1
    goto(player, pkg.page_ids[0])
    player.page.wait_for_function(
        "id => lmsLog.some(c => c.fn === 'LMSSetValue' && c.args[0] === 'cmi.core.lesson_location' && c.args[1] === id)",
        arg=pkg.page_ids[0])


def _longest_page(player: Player) -> str:
    return player.frame.evaluate("""() => {
        let best = null, most = -1;
        for (const s of document.querySelectorAll('section.ilm-page')) {
            const n = s.textContent.length + 400 * s.querySelectorAll('[data-question]').length;
            if (n > most) { most = n; best = s.dataset.pageId; }
        }
        return best;
    }""")


TOC_BOX = """() => {
    const toc = document.getElementById('ilm-toc');
    const r = toc.getBoundingClientRect();
    return {top: r.top, bottom: r.bottom, position: getComputedStyle(toc).position,
            scrollY: window.scrollY, scrollable: document.documentElement.scrollHeight - innerHeight,
            vh: innerHeight, overflow: getComputedStyle(toc).overflowY};
}"""


def test_contents_stay_in_view_on_long_pages(browsing, built_package):
    pkg = built_package
    player = open_direct(browsing, pkg, viewport={"width": 1280, "height": 600})
    f = player.frame
    goto(player, _longest_page(player))
    f.evaluate("() => window.scrollTo(0, document.documentElement.scrollHeight)")
    box = f.evaluate(TOC_BOX)
    assert box["scrollable"] > 300, f"the longest page is not long enough to test: {box}"
    assert box["scrollY"] > 300, box
    assert abs(box["top"]) <= 1, f"after scrolling, the contents left the window: {box}"
    assert box["bottom"] <= box["vh"] + 1, f"the contents are taller than the window and cut off: {box}"
    assert box["overflow"] in {"auto", "scroll"}, box

    # A short window: the contents scroll inside themselves, the last link reachable.
    player.page.set_viewport_size({"width": 1280, "height": 300})
    f.evaluate("() => window.scrollTo(0, document.documentElement.scrollHeight)")
    box = f.evaluate(TOC_BOX)
    assert box["bottom"] <= box["vh"] + 1, box
    last = f.locator("#ilm-toc a[data-goto]").last
    last.focus()
    r = last.bounding_box()
    assert r and 0 <= r["y"] and r["y"] + r["height"] <= box["vh"] + 1, f"the last contents link is out of view: {r}"

    # 320 px: behind the button, in the flow (not stuck over the page).
    player.page.set_viewport_size({"width": 320, "height": 640})
    f.locator("[data-toc-toggle]").click()
    expect(f.locator("#ilm-toc")).to_be_visible()
    assert f.evaluate(TOC_BOX)["position"] == "static"
    width = f.evaluate("() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert width[0] <= width[1], f"horizontal scrolling at 320 px with the contents open: {width}"
