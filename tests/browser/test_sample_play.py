"""The sample course played through, every block it has, with the keyboard, in Chromium against
scorm-again's SCORM 1.2 runtime: reflections written, the case played, the film's and the
interview's transcripts opened, the conversation material's handout opened, the knowledge checks
answered; left half-way and resumed (in the same browser, where reflection answers stay), then the
final test of every kind handed in: passed in bokmål, failed in nynorsk. One play per language.

What the learner should see (consequences, outcomes, speaker names, the accepted fill-in answers)
is read from the course source; the answer key from the runtime config (learner.py).
"""

from __future__ import annotations

import functools
import re
import urllib.request

import pytest
from playwright.sync_api import expect

from conftest import COURSE_DIR
from learner import INTERACTION_TYPE, SHOWN_PAGE, Learner, counts, right_answer, scorm_response, wrong_answer
from test_scorm12_play import assert_clean_session, calls, interaction_for, lms_cmi, moodle_violations, set_values

pytestmark = pytest.mark.browser

# The page the learner leaves from: the case, after its first choice.
LEAVE_AT = "10-tolk"
# Per language: the case path (choice numbers) and the test questions answered wrong. nb: 2 of
# 12 wrong, 83 %: passed (mastery 80). nn: 3 of 12 wrong, 75 %: failed. Wrong answers of the
# kinds a learner types or arranges, so that each kind is judged wrong as well as right.
PLAYS = {
    "nb": {"case": [0, 0], "wrong": {"t-ikraft", "t-grunnlag"}, "status": "passed"},
    "nn": {"case": [2], "wrong": {"t-steg", "t-nemnda", "t-tolk"}, "status": "failed"},
}
TEXTS = {"nb": "Eldre uten BankID får ikke søkt på nett.", "nn": "Eldre utan BankID får ikkje søkt på nett."}


@functools.cache
def source_blocks(lang: str) -> dict[str, dict]:
    """Every block of the sample in `lang`, by id, as the author wrote it."""
    from ilmpack.build import check_course

    course = check_course(COURSE_DIR, langs=[lang]).course
    return {b.id: dict(b.data) for p in course.pages_in(lang) for b in p.blocks}


def visible(frame):
    return frame.locator(SHOWN_PAGE)


def write_reflection(learner: Learner, rid: str, text: str) -> None:
    box = learner.frame.locator(f'[data-reflection="{rid}"] textarea')
    box.focus()
    learner.page.keyboard.type(text)
    learner.page.keyboard.press("Tab")     # leaving the box saves it
    status = learner.frame.locator(f'[data-reflection="{rid}"] [data-reflection-status]')
    expect(status).to_have_text(learner.package.config["strings"]["reflection_saved"])


def choose(learner: Learner, cid: str, case: dict, step: str, n: int) -> str:
    """Choice n at `step` of case cid, by keyboard; checks the consequence shown. Returns the next step."""
    choice = next(s for s in case["steps"] if s["id"] == step)["choices"][n]
    box = learner.frame.locator(f'[data-case="{cid}"]')
    learner.press(box.locator(f'[data-step="{step}"] button[data-choice="{n}"]'), "Enter")
    expect(box.locator(f"[data-step]:not([hidden])")).to_have_attribute("data-step", choice["goto"])
    consequence = box.locator("[data-case-consequence]")
    expect(consequence).to_contain_text(learner.package.config["strings"]["case_you_chose"]
                                        .replace("{choice}", choice["text"]))
    expect(consequence).to_contain_text(choice["consequence"])
    return choice["goto"]


def case_walk(case: dict, path: list[int]) -> tuple[list[str], list[str]]:
    """The steps visited and the choice texts along `path` (choice numbers) from the start."""
    steps, texts = [case["start"]], []
    for n in path:
        choice = next(s for s in case["steps"] if s["id"] == steps[-1])["choices"][n]
        steps.append(choice["goto"])
        texts.append(choice["text"])
    return steps, texts


def open_transcript(learner: Learner, block) -> None:
    summary = block.locator("details.ilm-transcript > summary")
    learner.press(summary, "Enter")
    expect(block.locator("details.ilm-transcript")).to_have_attribute("open", "")


def served_text(learner: Learner, src: str) -> str:
    """A file of the package as the LMS serves it, resolved against the SCO's address."""
    url = learner.frame.evaluate("s => new URL(s, document.baseURI).href", src)
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read().decode("utf-8")


@pytest.fixture(params=["nb", "nn"])
def sample(request, built_package):
    """(package, where the LMS serves it) per language."""
    if request.param == "nb":
        return built_package, "/sco/index.html"
    return request.getfixturevalue("built_package_nn"), request.getfixturevalue("sco_nn_path")


def test_sample_played_through_every_block_left_resumed_and_finished(browsing, sample):
    pkg, path = sample
    lang = pkg.config["lang"]
    play = PLAYS[lang]
    strings = pkg.config["strings"]
    blocks = source_blocks(lang)
    reflections = pkg.config["reflections"]
    (cid, case_cfg), = pkg.config["cases"].items()
    case = blocks[cid]
    case_steps, case_texts = case_walk(case, play["case"])
    text = TEXTS[lang]
    leave_at = pkg.page_ids.index(LEAVE_AT)
    test_page = pkg.test_page_ids[0]

    first = Learner.launch(browsing, pkg, path, lms_cmi(pkg))
    profile = first.page.context
    frame = first.frame
    seen = {"reflections": set(), "checks": set(), "film": False, "interview": False, "handout": False}

    def play_page(learner: Learner, page_id: str) -> None:
        """Everything on the page shown (but the case and the test) used, and checked as seen."""
        f = learner.frame
        shown = visible(f)
        for rid, r in reflections.items():
            if r["page"] == page_id:
                write_reflection(learner, rid, f"{text} ({rid})")
                seen["reflections"].add(rid)
        for qid, q in pkg.questions_on(page_id).items():
            if q["scored"]:
                continue
            learner.give(qid, right_answer(pkg, qid))
            learner.check(qid)
            expect(learner.q(qid).locator("[data-feedback]")).to_contain_text(strings["fb_correct"])
            seen["checks"].add(qid)
        for film in shown.locator("[data-film]").all():
            fid = film.get_attribute("data-film")
            expect(film.locator(f'video track[kind="captions"][srclang="{lang}"]').first).to_have_count(1)
            vtt = film.locator(f'video track[kind="captions"][srclang="{lang}"]').first.get_attribute("src")
            assert served_text(learner, vtt).startswith("WEBVTT"), vtt
            open_transcript(learner, film)
            first_line = re.sub(r"[*_]", "", blocks[fid]["transcript"].strip().splitlines()[0]).strip()  # Markdown
            expect(film.locator("details.ilm-transcript")).to_contain_text(first_line)
            seen["film"] = True
        for interview in shown.locator("[data-interview]").all():
            iid = interview.get_attribute("data-interview")
            open_transcript(learner, interview)
            source = blocks[iid]
            transcript = interview.locator("details.ilm-transcript")
            for speaker in source["speakers"]:
                expect(transcript).to_contain_text(speaker["name"])
            expect(transcript).to_contain_text(source["transcript"][0]["text"])
            seen["interview"] = True
        for conversation in shown.locator("[data-conversation]").all():
            title = conversation.locator(".ilm-conversation-title").inner_text()
            questions = conversation.locator(".ilm-conversation-question").count()
            link = conversation.locator("a[data-handout]")
            with profile.expect_page() as opened:
                learner.press(link, "Enter")
            handout = opened.value
            handout.wait_for_load_state()
            expect(handout.locator("h1")).to_have_text(title)
            expect(handout.locator(".ilm-conversation-question")).to_have_count(questions)
            handout.close()
            seen["handout"] = True

    # --- First session: pages 1 to the case, every block used; the first choice of the case; leave.
    for n, page_id in enumerate(pkg.page_ids[: leave_at + 1]):
        if n:
            first.next_page()
        assert first.shown_page_id() == page_id
        play_page(first, page_id)
    assert first.shown_page_id() == case_cfg["page"] == LEAVE_AT
    step = case["start"]
    step = choose(first, cid, case, step, play["case"][0])
    first.leave()

    log = first.lms_log()
    held = first.lms_cmi()
    assert_clean_session(log)
    assert held["core"]["lesson_location"] == LEAVE_AT
    assert held["core"]["exit"] == "suspend"
    assert held["core"]["lesson_status"] == "incomplete"
    assert not set_values(log, r"cmi\.core\.score\..*"), "a score before the test"
    assert 0 < len(held["suspend_data"]) <= 4096
    # Reflections: the LMS learns only that each was answered, never the text.
    assert not [c for c in log if c["fn"] == "LMSSetValue" and text in c["args"][1]], "reflection text sent"
    for rid in seen["reflections"]:
        record = interaction_for(held, rid)
        assert record and (record["type"], record["result"], record["student_response"]) == ("fill-in", "neutral", ""), record

    # --- Second session, in the same browser, as the LMS resumes a suspended attempt.
    second = Learner.launch(browsing, pkg, path, {**lms_cmi(pkg, "resume", lesson_location=LEAVE_AT,
                                                               lesson_status="incomplete"),
                                                  "suspend_data": held["suspend_data"]}, profile=profile)
    f = second.frame
    assert second.shown_page_id() == LEAVE_AT
    expect(f.locator("#ilm-notice")).to_contain_text(strings["resumed"])
    viewed = f.evaluate("() => window.ilmpack.state.viewed")
    assert viewed == [True] * (leave_at + 1) + [False] * (len(pkg.page_ids) - leave_at - 1), viewed
    for rid in seen["reflections"]:
        expect(f.locator(f'[data-reflection="{rid}"] textarea')).to_have_value(f"{text} ({rid})")
    for qid in seen["checks"]:
        assert second.given(qid) == right_answer(pkg, qid), qid
    box = f.locator(f'[data-case="{cid}"]')
    expect(box.locator("[data-step]:not([hidden])")).to_have_attribute("data-step", step)
    expect(box.locator("[data-case-path] li")).to_have_text(case_texts[:1])
    resumed_log = second.lms_log()
    assert not set_values(resumed_log, r"cmi\.interactions\..*"), "answers already reported were sent again"
    assert [v for _, v in set_values(resumed_log, r"cmi\.core\.lesson_status")] in ([], ["incomplete"])

    # The rest of the case, to its end and its outcome.
    for n in play["case"][1:]:
        step = choose(second, cid, case, step, n)
    end = next(s for s in case["steps"] if s["id"] == step)
    assert "outcome" in end, f"the path {play['case']} does not end the case"
    expect(box.locator(f'[data-step="{step}"] [data-case-outcome]')).to_contain_text(end["outcome"])
    expect(box.locator("[data-case-result]")).to_be_visible()
    expect(box.locator("[data-case-path] li")).to_have_text(case_texts)

    # The pages after the case, then the test: every kind, by keyboard.
    for page_id in pkg.page_ids[leave_at + 1:]:
        second.next_page()
        assert second.shown_page_id() == page_id
        if page_id != test_page:
            play_page(second, page_id)
    assert seen["reflections"] == set(reflections), seen
    assert seen["checks"] == {qid for qid, q in pkg.config["questions"].items() if not q["scored"]}
    assert seen["film"] and seen["interview"] and seen["handout"], seen

    scored = pkg.scored_questions
    assert {q["kind"] for q in scored.values()} >= {"single", "multiple", "true-false", "ordering", "matching",
                                                     "fill-in", "numeric"}, "the final test lacks a kind"
    answers = {qid: wrong_answer(pkg, qid) if qid in play["wrong"] else right_answer(pkg, qid) for qid in scored}
    for qid in second.visible_test_ids():
        second.give(qid, answers[qid])
    before_submit = len(second.lms_log())
    second.submit()
    counted = [qid for qid, q in scored.items() if counts(q)]
    got = sum(scored[qid]["weight"] for qid in counted if qid not in play["wrong"])
    total = sum(scored[qid]["weight"] for qid in counted)
    raw = int(100 * got / total + 0.5)
    mastery = float(pkg.mastery_score)
    assert (raw >= mastery) == (play["status"] == "passed"), (raw, mastery, play)
    expect(f.locator("[data-test-result]")).to_contain_text(f"{raw} %")
    for qid in play["wrong"]:
        expect(second.q(qid).locator("[data-q-result]")).to_have_text(strings["q_wrong"])
    second.finish()

    log = second.lms_log()
    cmi = second.lms_cmi()
    assert not moodle_violations(log), moodle_violations(log)
    assert len(calls(log, "LMSInitialize")) == 1 and len(calls(log, "LMSFinish")) == 1
    assert not set_values(log[:before_submit], r"cmi\.core\.score\..*")
    assert cmi["core"]["lesson_status"] == play["status"]
    assert cmi["core"]["score"]["raw"] == str(raw)
    assert cmi["core"]["exit"] == ""
    assert len(cmi["suspend_data"]) <= 4096
    for qid, q in scored.items():
        record = interaction_for(cmi, qid)
        assert record is not None, f"no interaction for {qid}"
        result = "neutral" if not counts(q) else "wrong" if qid in play["wrong"] else "correct"
        assert (record["type"], record["result"], record["student_response"]) == (
            INTERACTION_TYPE[q["kind"]], result, scorm_response(pkg, qid, answers[qid])), (qid, record)
    record = interaction_for(cmi, cid) or interaction_for(held, cid)   # reported in the session that ended it
    assert record and (record["type"], record["result"], record["student_response"]) == (
        "performance", "neutral", ",".join(case_steps)), record
    for rid in reflections:
        record = interaction_for(held, rid) or interaction_for(cmi, rid)
        assert record and record["student_response"] == "", (rid, record)
    assert text not in str(cmi), "reflection text reached the LMS"
    browsing.assert_no_page_errors()
