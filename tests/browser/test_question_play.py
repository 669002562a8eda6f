"""Every question kind played with the keyboard alone, in Chromium against scorm-again's
Scorm12API: knowledge checks, the weighted test, the SCORM 1.2 interaction records the LMS
holds, retake, leaving and resuming, the test policy (attempts, solutions, shuffle, draw),
axe-core and reflow.

The course is tests/fixtures/every-kind (one of each kind as knowledge check and in the test);
variants of it change only `test_policy`. Answers are read from the runtime config.
"""

from __future__ import annotations

import re
import shutil

import pytest
import yaml
from playwright.sync_api import expect

from conftest import REPO, _unpack
from learner import RESULT, RETAKE, SUBMIT, Learner
from test_accessibility import OVERFLOW, axe_violations
from test_scorm12_play import (FINISH, TIME_OF_DAY, TIMESPAN, assert_clean_session, calls, lms_cmi,
                               moodle_violations, set_values)
from ilmpack.build import build_course

pytestmark = pytest.mark.browser

FIXTURE = REPO / "tests" / "fixtures" / "every-kind"

# What a right answer is typed as (the config holds the accepted answers; these show the
# learner's side: a decimal comma, another case).
# "BLA\u030aBÆRSYLTETØY": å typed as a + combining ring, in capitals: the same word.
TYPED_RIGHT = {"t-fill": "ldo", "t-num": "25,2", "t-range": "3,5", "k-fill": "Likestillingsloven",
               "k-ord": "BLA\u030aBÆRSYLTETØY", "k-num": "8"}
TYPED_WRONG = {"t-fill": "NAV", "t-num": "26", "t-range": "4,5", "k-fill": "arbeidsmiljøloven",
               "k-ord": "blabarsyltetoy", "k-num": "7"}


@pytest.fixture(scope="module")
def variant(lms_root, tmp_path_factory):
    """variant(name, **test_policy) -> (package, path on the test LMS) of the fixture course
    with that test_policy, built once per module."""
    made = {}

    def make(name: str, **policy):
        if name not in made:
            src = tmp_path_factory.mktemp(f"course-{name}") / "every-kind"
            shutil.copytree(FIXTURE, src)
            data = yaml.safe_load((src / "course.yaml").read_text(encoding="utf-8"))
            data["test_policy"] = policy
            (src / "course.yaml").write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
            out = tmp_path_factory.mktemp(f"build-{name}")
            result = build_course(src, out)
            pkg = _unpack(result.packages[0].path, lms_root / f"sco-{name}")
            made[name] = (pkg, f"/sco-{name}/index.html")
        return made[name]

    return make


def right(q: dict, qid: str):
    kind = q["kind"]
    if kind in ("fill-in", "numeric"):
        return TYPED_RIGHT[qid]
    if kind == "matching":
        return [pair.split(".")[1] for pair in q["correct"]]
    if kind == "likert":
        return [q["options"][-1]]
    return list(q["correct"])


def wrong(q: dict, qid: str):
    kind = q["kind"]
    if kind in ("fill-in", "numeric"):
        return TYPED_WRONG[qid]
    if kind == "matching":
        good = right(q, qid)
        return good[1:] + good[:1]
    if kind == "ordering":
        return list(reversed(q["correct"]))
    if kind == "likert":
        return [q["options"][0]]
    return [k for k in q["options"] if k not in q["correct"]][:1]


def play_checks(learner: Learner, answers=right) -> None:
    """The first page: every knowledge check answered and checked; then on to the test."""
    pkg = learner.package
    for qid, q in pkg.questions_on(pkg.page_ids[0]).items():
        learner.give(qid, answers(q, qid))
        learner.check(qid)
    learner.next_page()


def answer_test(learner: Learner, choose) -> None:
    for qid in learner.visible_test_ids():
        q = learner.package.config["questions"][qid]
        learner.give(qid, choose(q, qid))


def interactions(cmi: dict) -> list[dict]:
    return [cmi["interactions"][n] for n in sorted(cmi.get("interactions", {}), key=int)]


def by_id(records: list[dict]) -> dict[str, dict]:
    return {r["id"]: r for r in records}


def pattern(record: dict) -> str | None:
    responses = record.get("correct_responses") or {}
    if isinstance(responses, dict):
        responses = [responses[k] for k in sorted(responses, key=int)]
    return responses[0]["pattern"] if responses else None


def test_every_kind_right_with_the_keyboard_passes_with_exact_records(browsing, variant):
    pkg, path = variant("fixture", **yaml.safe_load((FIXTURE / "course.yaml").read_text())["test_policy"])
    learner = Learner.launch(browsing, pkg, path, lms_cmi(pkg))
    # Knowledge checks: feedback for each kind in its live region; likert is never right or wrong.
    play_checks(learner)
    learner.frame.locator('button[data-nav="prev"]').press("Enter")
    strings = pkg.config["strings"]
    for qid in ("k-match", "k-order", "k-fill", "k-ord", "k-num"):
        expect(learner.q(qid).locator("[data-feedback]")).to_contain_text(strings["fb_correct"])
    expect(learner.q("k-likert").locator("[data-feedback]")).to_contain_text(strings["likert_saved"])
    assert learner.q("k-match").locator("[data-feedback]").get_attribute("aria-live") == "polite"
    learner.next_page()

    answer_test(learner, right)
    before = len(learner.lms_log())
    learner.submit()
    expect(learner.frame.locator(RESULT)).to_contain_text("100 %")
    # Passed: the policy (after-passing) shows each right answer and explanation.
    solution = learner.q("t-num").locator("[data-q-solution]")
    expect(solution).to_be_visible()
    expect(solution).to_contain_text("25 (± 0,5)")
    expect(solution).to_contain_text("1 av 4 er 25 %.")
    expect(learner.frame.locator(RETAKE)).to_be_hidden()
    learner.press(learner.frame.locator(FINISH), "Enter")
    learner.page.wait_for_function("() => lmsLog.some(c => c.fn === 'LMSFinish')")

    log = learner.lms_log()
    cmi = learner.lms_cmi()
    assert_clean_session(log)
    assert cmi["core"]["lesson_status"] == "passed"
    assert cmi["core"]["score"]["raw"] == "100"
    records = by_id(interactions(cmi))
    assert set(records) == set(pkg.scored_questions)
    expected = {
        "t-single": ("choice", "b", "b", "correct", "1"),
        "t-multiple": ("choice", "a,c", "a,c", "correct", "1"),
        "t-tf": ("true-false", "t", "t", "correct", "1"),
        "t-match": ("matching", "1.a,2.b,3.c", "1.a,2.b,3.c", "correct", "2"),
        "t-order": ("sequencing", "a,b,c,d", "a,b,c,d", "correct", "2"),
        "t-fill": ("fill-in", "ldo", "LDO", "correct", "1"),
        "t-num": ("numeric", "25.2", "25", "correct", "1"),
        "t-range": ("numeric", "3.5", None, "correct", "1"),
        "t-likert": ("likert", "3", None, "neutral", "0"),
    }
    for qid, (kind, response, pat, result, weighting) in expected.items():
        r = records[qid]
        assert (r["type"], r["student_response"], pattern(r), r["result"], str(r["weighting"])) == \
            (kind, response, pat, result, weighting), f"{qid}: {r}"
        assert TIME_OF_DAY.match(r["time"]), r
    # Latency: time from first showing the question to answering, as the SCO sent it.
    latencies = [v for _, v in set_values(log[before:], r"cmi\.interactions\.\d+\.latency")]
    assert len(latencies) == len(expected) and all(TIMESPAN.match(v) for v in latencies), latencies
    browsing.assert_no_page_errors()


def test_wrong_then_retake_leave_and_resume_then_pass(browsing, variant):
    pkg, path = variant("fixture", **yaml.safe_load((FIXTURE / "course.yaml").read_text())["test_policy"])
    learner = Learner.launch(browsing, pkg, path, lms_cmi(pkg))
    play_checks(learner, wrong)
    # A wrong knowledge check shows the right answer and the explanation.
    learner.frame.locator('button[data-nav="prev"]').press("Enter")
    feedback = learner.q("k-order").locator("[data-feedback]")
    expect(feedback).to_contain_text(pkg.config["strings"]["fb_wrong"])
    expect(feedback).to_contain_text("Aktivitetsplikten følger fire steg.")
    learner.next_page()
    order = learner.visible_test_ids()

    # Everything wrong but the ordering and the single-choice question: weights 2 + 1 of 10.
    answer_test(learner, lambda q, qid: right(q, qid) if qid in ("t-order", "t-single") else wrong(q, qid))
    learner.submit()
    cmi = learner.lms_cmi()
    assert cmi["core"]["lesson_status"] == "failed"
    assert cmi["core"]["score"]["raw"] == "30"
    records = by_id(interactions(cmi))
    assert records["t-match"]["student_response"] == "1.b,2.c,3.a" and records["t-match"]["result"] == "wrong"
    assert records["t-num"]["student_response"] == "26" and records["t-fill"]["student_response"] == "NAV"
    result = learner.frame.locator(RESULT)
    expect(result).to_contain_text(pkg.config["strings"]["attempts_left"].replace("{count}", "2"))
    # Not passed: after-passing keeps the solutions back.
    expect(learner.q("t-num").locator("[data-q-solution]")).to_be_hidden()
    expect(result).to_contain_text(pkg.config["strings"]["solutions_later"])

    learner.retake()
    assert learner.visible_test_ids() != order or len(order) < 3  # a new attempt, a new order
    second = learner.visible_test_ids()
    learner.give("t-fill", "ldo")
    learner.give("t-order", right(pkg.config["questions"]["t-order"], "t-order"))
    learner.give("t-match", right(pkg.config["questions"]["t-match"], "t-match"))
    saved = learner.leave()
    assert len(saved) <= 4096

    again = Learner.launch(browsing, pkg, path, lms_cmi(pkg, entry="resume", lesson_location="02-test",
                                                        lesson_status="failed") | {"suspend_data": saved})
    assert again.shown_page_id() == "02-test"
    assert again.visible_test_ids() == second
    expect(again.q("t-fill").locator("input[data-answer]")).to_have_value("ldo")
    items = again.q("t-order").locator("li[data-item]").evaluate_all("ls => ls.map(l => l.dataset.item)")
    assert items == ["a", "b", "c", "d"]
    for n, source in enumerate(["1", "2", "3"]):
        expect(again.q("t-match").locator(f'select[data-source="{source}"]')).to_have_value("abc"[n])
    # Knowledge-check answers came back too.
    assert again.frame.locator('[data-question="k-num"] input[data-answer]').input_value() == "7"
    answer_test(again, right)
    again.submit()
    cmi = again.lms_cmi()
    assert cmi["core"]["lesson_status"] == "passed" and cmi["core"]["score"]["raw"] == "100"
    expect(again.q("t-order").locator("[data-q-solution]")).to_contain_text("Undersøk, analyser, iverksett, vurder.")
    assert not moodle_violations(again.lms_log())
    browsing.assert_no_page_errors()


def test_attempts_limit_holds_across_relaunch(browsing, variant):
    pkg, path = variant("one-attempt", attempts=1, solutions="after-last-attempt")
    learner = Learner.launch(browsing, pkg, path, lms_cmi(pkg))
    learner.next_page()
    answer_test(learner, wrong)
    learner.submit()
    expect(learner.frame.locator(RETAKE)).to_be_hidden()
    expect(learner.frame.locator(RESULT)).to_contain_text(pkg.config["strings"]["attempts_used"])
    # The last attempt is used: after-last-attempt shows the solutions now.
    expect(learner.q("t-fill").locator("[data-q-solution]")).to_contain_text("LDO")
    saved = learner.leave()
    again = Learner.launch(browsing, pkg, path, lms_cmi(pkg, entry="resume", lesson_location="02-test")
                           | {"suspend_data": saved})
    expect(again.frame.locator(RESULT)).to_contain_text(pkg.config["strings"]["attempts_used"])
    expect(again.frame.locator(RETAKE)).to_be_hidden()
    expect(again.frame.locator(SUBMIT)).to_be_hidden()
    assert again.q("t-single").locator("input").first.is_disabled()
    browsing.assert_no_page_errors()


def test_draw_is_stable_on_relaunch_and_only_drawn_items_count(browsing, variant):
    pkg, path = variant("draw", draw=3, shuffle=True, solutions="never")
    learner = Learner.launch(browsing, pkg, path, lms_cmi(pkg))
    learner.next_page()
    drawn = learner.visible_test_ids()
    # Three of the questions that count, and the unscored likert question, which is always asked.
    assert len(drawn) == 4 and "t-likert" in drawn, drawn
    saved = learner.leave()
    again = Learner.launch(browsing, pkg, path, lms_cmi(pkg, entry="resume", lesson_location="02-test")
                           | {"suspend_data": saved})
    assert again.visible_test_ids() == drawn
    answer_test(again, right)
    again.submit()
    cmi = again.lms_cmi()
    assert cmi["core"]["score"]["raw"] == "100"
    assert sorted(r["id"] for r in interactions(cmi)) == sorted(drawn)
    # solutions: never: not even after passing.
    for qid in drawn:
        expect(again.q(qid).locator("[data-q-solution]")).to_be_hidden()
    # Another learner gets another draw or order (the seed is the learner's id and the attempt).
    other = Learner.launch(browsing, pkg, path, lms_cmi(pkg) | {"core": {**lms_cmi(pkg)["core"], "student_id": "ola.nordmann"}})
    other.next_page()
    assert other.visible_test_ids() != drawn
    browsing.assert_no_page_errors()


def test_solutions_after_each_attempt(browsing, variant):
    pkg, path = variant("each", solutions="after-each-attempt")
    learner = Learner.launch(browsing, pkg, path, lms_cmi(pkg))
    learner.next_page()
    answer_test(learner, wrong)
    learner.submit()
    expect(learner.q("t-match").locator("[data-q-solution]")).to_contain_text("Loven definerer alle tre.")
    expect(learner.q("t-range").locator("[data-q-solution]")).to_contain_text("3–4")
    expect(learner.frame.locator(RETAKE)).to_be_visible()
    browsing.assert_no_page_errors()


def test_unanswered_and_unreadable_numbers_are_named(browsing, variant):
    pkg, path = variant("each", solutions="after-each-attempt")
    learner = Learner.launch(browsing, pkg, path, lms_cmi(pkg))
    learner.next_page()
    learner.give("t-num", "tjuefem")
    learner.press(learner.frame.locator(SUBMIT), "Enter")
    expect(learner.frame.locator("[data-test-message]")).to_be_visible()
    expect(learner.q("t-num").locator("[data-q-error]")).to_have_text(pkg.config["strings"]["numeric_invalid"])
    expect(learner.q("t-fill").locator("[data-q-error]")).to_have_text(pkg.config["strings"]["q_unanswered"])
    assert not calls(learner.lms_log(), "LMSSetValue", "cmi.core.score.raw")
    browsing.assert_no_page_errors()


def test_axe_and_reflow_for_every_kind(browsing, variant, axe_js):
    pkg, path = variant("each", solutions="after-each-attempt")
    learner = Learner.launch(browsing, pkg, path, lms_cmi(pkg))
    violations = axe_violations(learner.frame, axe_js, "checks")
    play_checks(learner, wrong)
    learner.frame.locator('button[data-nav="prev"]').press("Enter")
    violations += axe_violations(learner.frame, axe_js, "checks with feedback")
    learner.next_page()
    violations += axe_violations(learner.frame, axe_js, "test")
    answer_test(learner, wrong)
    learner.submit()
    violations += axe_violations(learner.frame, axe_js, "test result with solutions")
    assert not violations, "\n".join(violations)

    page = browsing.new_page(viewport={"width": 320, "height": 640})
    page.goto(f"{browsing.base_url}{path}")
    for where in ("checks", "test"):
        o = page.evaluate(OVERFLOW)
        assert o["scrollWidth"] <= o["clientWidth"], f"{where} at 320 px: {o}"
        page.locator('button[data-nav="next"]').press("Enter")
    browsing.assert_no_page_errors()


def longest(q: dict, qid: str):
    """An answer whose saved form is the longest the kind can write."""
    kind = q["kind"]
    if kind == "fill-in":
        return "%" * q["maxLength"]          # every character escaped: 3 each
    if kind == "numeric":
        return "1" * 20                      # the field takes 20 characters
    if kind == "multiple":
        return list(q["options"])
    if kind == "ordering":
        return list(reversed(q["correct"]))
    return wrong(q, qid)


def test_state_written_has_the_length_the_build_predicts(browsing, variant):
    """Every kind at its longest, knowledge checks and test: the build's worst case is exactly
    what the runtime writes (with the test's numbers as they came out)."""
    from ilmpack.build import check_course
    from ilmpack.targets.scorm12 import suspend_data_size

    pkg, path = variant("fixture", **yaml.safe_load((FIXTURE / "course.yaml").read_text())["test_policy"])
    learner = Learner.launch(browsing, pkg, path, lms_cmi(pkg))
    play_checks(learner, longest)
    answer_test(learner, longest)
    learner.submit()
    log = learner.lms_log()
    written = [v for _, v in set_values(log, r"cmi\.suspend_data")][-1]
    raw = int([v for _, v in set_values(log, r"cmi\.core\.score\.raw")][-1])
    correct = sum(1 for r in interactions(learner.lms_cmi()) if r["result"] == "correct")
    course = check_course(FIXTURE).course   # the variant differs only in its (same) test_policy
    essential, worst = suspend_data_size(course, "nb", raw=raw, correct=correct, attempts=1)
    assert len(written) == worst, (len(written), worst, written)
    assert essential < worst <= 4096
    browsing.assert_no_page_errors()


ADAPTER_HARNESS = """
window.sets = [];
window.API = {
  LMSInitialize: () => "true", LMSFinish: () => "true", LMSCommit: () => "true",
  LMSGetValue: el => el === "cmi.interactions._count" ? "0" : "",
  LMSSetValue: (el, v) => { sets.push([el, v]); return "true"; },
  LMSGetLastError: () => "0", LMSGetErrorString: () => "", LMSGetDiagnostic: () => ""
};
var ILM = {lms: (name, factory) => { window.adapter = factory({config: {}, str: k => k, log: () => {}, notice: () => {}}); }};
"""


def test_long_responses_are_cut_for_scorm_12_without_splitting_a_character(browsing):
    """The scorm12 adapter alone, with a stand-in API: a text over 255 UTF-16 units is cut
    before a character made of two, never through it; a list is cut at an item boundary, so
    the pattern syntax holds; a numeric response that is not a number is not sent."""
    part = (REPO / "templates" / "assets" / "runtime" / "lms" / "scorm12.js").read_text(encoding="utf-8")
    page = browsing.new_page()
    page.set_content("<!doctype html><title>adapter</title>")
    page.add_script_tag(content=ADAPTER_HARNESS + "(function () {" + part + "})();")
    got = page.evaluate(r"""() => {
        adapter.start();
        const smile = "\u{1F600}";
        adapter.interaction({id: "q-1", type: "fill-in", response: smile.repeat(130), correct: ["x" + smile.repeat(130)],
                             result: "correct", weighting: 1, latency: 1500, timestamp: 0});
        const keys = "abcdefghijklmnopqrstuvwxyz".split("");
        const pairs = [];
        for (let i = 0; i < 90; i++) pairs.push([String(i % 10), keys[i % 26]]);
        adapter.interaction({id: "q-2", type: "matching", response: pairs, correct: [pairs], result: "wrong",
                             weighting: 2, latency: null, timestamp: 0});
        adapter.interaction({id: "q-3", type: "numeric", response: "tjuefem", correct: ["25"], result: "wrong",
                             weighting: 1, latency: null, timestamp: 0});
        return Object.fromEntries(sets.filter(s => s[0].startsWith("cmi.interactions.")));
    }""")
    smile = "\U0001F600"
    assert got["cmi.interactions.0.student_response"] == smile * 127          # 254 units; 255 would split one
    assert got["cmi.interactions.0.correct_responses.0.pattern"] == "x" + smile * 127
    assert got["cmi.interactions.0.latency"] == "00:00:01.50"
    matching = got["cmi.interactions.1.student_response"]
    assert len(matching) <= 255 and re.fullmatch(r"\d\.[a-z](,\d\.[a-z])*", matching), matching
    assert got["cmi.interactions.1.weighting"] == "2"
    assert got["cmi.interactions.2.student_response"] == ""
    assert got["cmi.interactions.2.correct_responses.0.pattern"] == "25"
    browsing.assert_no_page_errors()


def test_tab_reaches_every_control_in_reading_order(browsing, variant):
    pkg, path = variant("each", solutions="after-each-attempt")
    learner = Learner.launch(browsing, pkg, path, lms_cmi(pkg))
    frame = learner.frame

    def focused() -> str:
        return frame.evaluate("""() => { const a = document.activeElement;
            return (a.closest('[data-question]') || {dataset: {}}).dataset.question + ' ' + a.tagName.toLowerCase() + ' ' +
                   (a.dataset.source || a.dataset.action || a.value || ''); }""")

    def outline() -> float:
        """The focus ring's width in px (0: none), as a keyboard user sees it."""
        return frame.evaluate("""() => { const s = getComputedStyle(document.activeElement);
            return s.outlineStyle === 'none' ? 0 : parseFloat(s.outlineWidth); }""")

    frame.locator('[data-question="k-match"] select').first.focus()
    frame.page.keyboard.press("Shift+Tab")   # out and back in: focus now comes from the keyboard
    frame.page.keyboard.press("Tab")
    seen, rings = [focused()], [outline()]
    for _ in range(3):
        frame.page.keyboard.press("Tab")
        seen.append(focused())
        rings.append(outline())
    assert seen == ["k-match select 1", "k-match select 2", "k-match button check", "k-order button question-move-up"]
    assert all(width >= 2 for width in rings), rings   # focus is visible on every control
    # Each select is named by its left item; each move button by its action and its item.
    first = frame.locator('[data-question="k-match"] select').first
    label = frame.locator(f'label[for="{first.get_attribute("id")}"]')
    expect(label).to_have_text("Likestillings- og diskrimineringsombudet")
    up = frame.locator('[data-question="k-order"] button[data-action="question-move-up"]').nth(1)
    expect(up).to_have_accessible_name(re.compile(r"^Flytt opp \S"))
    browsing.assert_no_page_errors()


def test_a_shuffled_matching_question_is_judged_by_its_pairs_not_their_places(browsing, variant):
    # Learners whose seed shows the matching rows in another order than the source keys.
    pkg, path = variant("shuffle", shuffle=True)
    q = pkg.config["questions"]["t-match"]
    for n in range(12):
        learner = Learner.launch(browsing, pkg, path, lms_cmi(pkg, student_id=f"learner-{n}"))
        play_checks(learner)
        shown = learner.q("t-match").locator("select[data-source]").evaluate_all("ss => ss.map(s => s.dataset.source)")
        if shown != q["sources"]:
            break
    else:
        pytest.fail("no seed among 12 learners showed the matching rows shuffled")
    answer_test(learner, right)
    learner.submit()
    expect(learner.frame.locator(RESULT)).to_contain_text("100 %")
    record = by_id(interactions(learner.lms_cmi()))["t-match"]
    assert (record["result"], record["student_response"]) == ("correct", pattern(record))


FITS = """s => {
    const cs = getComputedStyle(s);
    const ctx = document.createElement('canvas').getContext('2d');
    ctx.font = cs.font;
    const text = Math.max(...[...s.options].map(o => ctx.measureText(o.text).width));
    const room = s.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight) - 20;  // 20: the arrow
    return {text: Math.ceil(text), room: Math.floor(room)};
}"""


def test_a_matching_list_is_wide_enough_for_its_longest_answer(browsing, serve_course, tmp_path):
    """A closed <select> cannot wrap: with a long right-hand text it takes a line of its own
    rather than cut the chosen text (it once kept half the row and cut it)."""
    course = tmp_path / "every-kind"
    shutil.copytree(FIXTURE, course)
    page_md = course / "nb" / "01-sjekk.md"
    long = "Gir gratis veiledning om likestilling og diskriminering"
    page_md.write_text(page_md.read_text(encoding="utf-8").replace("right: Veileder og gir råd", f"right: {long}"),
                       encoding="utf-8")
    served = serve_course(course)
    for width in (1280, 640):
        page = browsing.new_page(viewport={"width": width, "height": 800})
        page.goto(f"{browsing.base_url}{served.path}")
        selects = page.locator('[data-question="k-match"] select')
        expect(selects).to_have_count(2)
        for select in selects.all():
            fit = select.evaluate(FITS)
            assert fit["text"] <= fit["room"], f"at {width} px the list shows {fit['room']} px of a {fit['text']} px answer"
        o = page.evaluate(OVERFLOW)
        assert o["scrollWidth"] <= o["clientWidth"], (width, o)
    browsing.assert_no_page_errors()
