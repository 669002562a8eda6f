"""Play the built likestilling package (nb) in headless Chromium against a real
LMS-side SCORM 1.2 runtime (scorm-again's Scorm12API), and check what an LMS
admin or a learner would notice.

scorm-again is more lenient than Moodle (it takes 1-digit or 5-digit hours in a
CMITimespan, 64,000 characters of suspend_data, 10-digit decimals, spaces in
identifiers, 'incorrect' for 'wrong', and it lets LMSSetValue succeed after
LMSFinish), so every LMS call the SCO makes is also checked against Moodle's
rules (shared/moodle-facts.md) by `moodle_violations`.

The answer key is read from the built page's runtime config (#ilmpack-config)
and, for fill-in answers, the course source (learner.py), never hard-coded.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from learner import INTERACTION_TYPE, Learner, counts, right_answer, scorm_response, wrong_answer


pytestmark = pytest.mark.browser

SHOWN_PAGE = "section.ilm-page:not([hidden])"
NEXT = 'button[data-nav="next"]:visible'
SUBMIT_TEST = 'button[data-action="submit-test"]:visible'
TEST_RESULT = "[data-test-result]"
FINISH = 'button[data-action="finish"]:visible'
NOTICE = "#ilm-notice"

STEP_TIMEOUT_MS = 5_000  # as conftest.STEP_TIMEOUT_MS

LEARNER = {"student_id": "kari.nordmann", "student_name": "Nordmann, Kari"}

# ---------------------------------------------------------------------------
# Moodle 4.5's SCORM 1.2 data model checks (shared/moodle-facts.md)

TIMESPAN = re.compile(r"^\d{2,4}:\d{2}:\d{2}(\.\d{1,2})?$")
TIME_OF_DAY = re.compile(r"^([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d{1,2})?$")
IDENTIFIER = re.compile(r"^[\x21-\x7e]{1,255}$")
DECIMAL = re.compile(r"^-?\d{0,3}(\.\d*)?$")
RESULT = re.compile(r"^(correct|wrong|unanticipated|neutral|-?\d+(\.\d+)?)$")
INTERACTION_TYPES = {
    "true-false", "choice", "fill-in", "matching", "performance", "sequencing",
    "likert", "numeric",
}
STATUSES_FROM_SCO = {"passed", "completed", "failed", "incomplete", "browsed"}
EXITS = {"time-out", "suspend", "logout", ""}
ERROR_FUNCTIONS = {"LMSGetLastError", "LMSGetErrorString", "LMSGetDiagnostic"}


def _check_value(element: str, value: str) -> str | None:
    """Why Moodle (or the SCORM 1.2 limits other LMSs enforce) would refuse
    LMSSetValue(element, value); None if it would not."""
    if element == "cmi.core.session_time" or re.fullmatch(r"cmi\.interactions\.\d+\.latency", element):
        return None if TIMESPAN.match(value) else "not a CMITimespan HH(HH):MM:SS(.SS)"
    if re.fullmatch(r"cmi\.interactions\.\d+\.time", element):
        return None if TIME_OF_DAY.match(value) else "not a CMITime (time of day)"
    if re.fullmatch(r"cmi\.(interactions\.\d+\.)?objectives\.\d+\.id", element) or re.fullmatch(
        r"cmi\.interactions\.\d+\.id", element
    ):
        return None if IDENTIFIER.match(value) else "not a CMIIdentifier (printable ASCII, 1-255)"
    if re.fullmatch(r"cmi\.(core|objectives\.\d+)\.score\.(raw|min|max)", element):
        if value == "":
            return None
        if not DECIMAL.match(value):
            return "not a CMIDecimal"
        return None if 0 <= float(value) <= 100 else "score outside 0..100"
    if re.fullmatch(r"cmi\.interactions\.\d+\.weighting", element):
        return None if DECIMAL.match(value) else "not a CMIDecimal"
    if re.fullmatch(r"cmi\.interactions\.\d+\.result", element):
        return None if RESULT.match(value) else "not a SCORM 1.2 result (correct/wrong/...)"
    if re.fullmatch(r"cmi\.interactions\.\d+\.type", element):
        return None if value in INTERACTION_TYPES else "not a SCORM 1.2 interaction type"
    if re.fullmatch(r"cmi\.interactions\.\d+\.(student_response|correct_responses\.\d+\.pattern)", element):
        return None if len(value) <= 255 else f"{len(value)} > 255 characters"
    if element == "cmi.core.lesson_status":
        return None if value in STATUSES_FROM_SCO else "not a status a SCO may set"
    if element == "cmi.core.exit":
        return None if value in EXITS else "not a cmi.core.exit vocabulary value"
    if element == "cmi.core.lesson_location":
        return None if len(value) <= 255 else f"{len(value)} > 255 characters"
    if element == "cmi.suspend_data":
        return None if len(value) <= 4096 else f"{len(value)} > 4096 characters"
    if element == "cmi.comments":
        return None if len(value) <= 4096 else f"{len(value)} > 4096 characters"
    if re.fullmatch(r"cmi\.student_preference\.(audio|language|speed|text)", element):
        return None
    if re.fullmatch(r"cmi\.objectives\.\d+\.status", element):
        return None if value in STATUSES_FROM_SCO | {"not attempted"} else "not a status"
    return "not an element a SCO may write in SCORM 1.2"


def moodle_violations(log: list[dict]) -> list[str]:
    """Every LMS call in the journal that Moodle would refuse or that breaks the
    SCORM 1.2 call sequence."""
    problems = []
    state = "not initialized"
    for i, call in enumerate(log):
        fn, args = call["fn"], call["args"]
        shown = [repr(a) if len(repr(a)) <= 80 else f"{repr(a)[:60]}...({len(a)} chars)" for a in args]
        where = f"#{i} {fn}({', '.join(shown)})"
        if fn in ERROR_FUNCTIONS:
            continue
        if fn in {"LMSInitialize", "LMSFinish", "LMSCommit"} and args not in ([], [""]):
            problems.append(f"{where}: the argument must be \"\"")
        if fn == "LMSInitialize":
            if state != "not initialized":
                problems.append(f"{where}: LMSInitialize while {state}")
            state = "running"
            continue
        if state != "running":
            problems.append(f"{where}: called while {state} (Moodle refuses it)")
        if fn == "LMSFinish":
            state = "finished"
        elif fn == "LMSSetValue":
            why = _check_value(args[0], args[1] if len(args) > 1 else "")
            if why:
                problems.append(f"{where}: {why}")
    return problems


# ---------------------------------------------------------------------------
# The LMS side and the learner's hands


def lms_cmi(package: BuiltPackage, entry: str = "ab-initio", **core) -> dict:
    """CMI data an LMS holds for the learner before launch (scorm-again loadFromJSON)."""
    cmi = {
        "core": {
            **LEARNER,
            "entry": entry,
            "lesson_mode": "normal",
            "credit": "credit",
            "lesson_location": "",
            **core,
        },
        "suspend_data": "",
    }
    if package.mastery_score:
        cmi["student_data"] = {"mastery_score": package.mastery_score}
    return cmi


def wrong_keys(q: dict) -> list[str]:
    """Wrong option keys of a choice question (learner.wrong_answer does every kind)."""
    correct = set(q["correct"])
    others = [k for k in q["options"] if k not in correct]
    assert others, f"every option is correct, no wrong answer possible: {q}"
    if q["kind"] == "multiple":
        return others
    return others[:1]


class Player(Learner):
    """One launch of the SCO: in the LMS harness (tracked) or opened directly. Answers are
    given with the keyboard (learner.Learner), in the form right_answer/wrong_answer make."""

    @classmethod
    def in_lms(cls, browsing: Browsing, package: BuiltPackage, cmi: dict, refuse=None,
               path: str = "/sco/index.html") -> "Player":
        return cls.launch(browsing, package, path, cmi, refuse)

    @classmethod
    def direct(cls, browsing: Browsing, package: BuiltPackage) -> "Player":
        page = browsing.new_page()
        page.goto(f"{browsing.base_url}/sco/index.html")
        player = cls(page, page.main_frame, package)
        expect(page.locator(SHOWN_PAGE)).to_have_count(1)
        return player

    # --- what the learner sees and does

    def next(self) -> str:
        before = self.shown_page_id()
        self.frame.locator(NEXT).click()
        expect(self.frame.locator(SHOWN_PAGE)).not_to_have_attribute("data-page-id", before)
        return self.shown_page_id()

    def option(self, qid: str, key: str):
        return self.frame.locator(f'[data-question="{qid}"] input[value="{key}"]')

    def answer(self, qid: str, answer) -> None:
        """Any kind: `answer` as Learner.give takes it (option keys for the choice kinds)."""
        self.give(qid, answer)

    def check_knowledge(self, qid: str) -> None:
        self.frame.locator(f'[data-question="{qid}"] button[data-action="check"]').click()

    def submit_test(self) -> None:
        self.frame.locator(SUBMIT_TEST).click()
        expect(self.frame.locator(TEST_RESULT).first).to_be_visible()

    def finish(self) -> None:
        self.frame.locator(FINISH).click()
        self.page.wait_for_function(
            "() => lmsLog.some(c => c.fn === 'LMSFinish')", timeout=STEP_TIMEOUT_MS
        )

    def play_to_the_end(self, *, right: bool | set, start: int = 0) -> int:
        """From page index `start` (shown now), visit every page with Next,
        answer each knowledge check right, answer the scored test right or
        wrong (or right only the question ids in a set) and submit it (a
        likert item gets the top of its scale when right, the bottom when
        wrong). Returns the number of LMS calls made before the test was
        submitted."""
        calls_before_submit = None
        pages = self.package.page_ids
        test_pages = set(self.package.test_page_ids)
        assert test_pages, "the course has no test page"
        for n, page_id in enumerate(pages):
            if n < start:
                continue
            assert self.shown_page_id() == page_id, f"page {n + 1} should be {page_id}"
            questions = self.package.questions_on(page_id)
            for qid, q in questions.items():
                if not q["scored"]:
                    self.answer(qid, right_answer(self.package, qid))
                    self.check_knowledge(qid)
            if page_id in test_pages:
                for qid, q in questions.items():
                    if q["scored"]:
                        ok = qid in right if isinstance(right, set) else right
                        self.answer(qid, right_answer(self.package, qid) if ok else wrong_answer(self.package, qid))
                calls_before_submit = len(self.lms_log())
                self.submit_test()
            if n + 1 < len(pages):
                self.next()
        return calls_before_submit



def calls(log, fn, element=None):
    return [c for c in log if c["fn"] == fn and (element is None or c["args"][0] == element)]


def set_values(log, element_pattern: str) -> list[tuple[str, str]]:
    rx = re.compile(element_pattern)
    return [(c["args"][0], c["args"][1]) for c in log
            if c["fn"] == "LMSSetValue" and rx.fullmatch(c["args"][0])]


def interaction_for(cmi: dict, qid: str) -> dict | None:
    """The newest interaction journaled for question qid (id is the question id,
    possibly with a prefix)."""
    found = None
    for n in sorted(cmi.get("interactions", {}), key=int):
        inter = cmi["interactions"][n]
        iid = inter.get("id", "")
        if iid == qid or re.fullmatch(rf".*[-_.:/]{re.escape(qid)}", iid):
            found = inter
    return found


def assert_clean_session(log: list[dict]) -> None:
    violations = moodle_violations(log)
    assert not violations, "LMS calls Moodle would refuse:\n" + "\n".join(violations)
    refused = [c for c in log if c["ret"] == "false"]
    assert not refused, f"LMS calls returned \"false\": {refused}"
    assert len(calls(log, "LMSInitialize")) == 1, "LMSInitialize must be called exactly once"
    statuses = [v for _, v in set_values(log, r"cmi\.core\.lesson_status")]
    assert "not attempted" not in statuses
    assert statuses and statuses[0] == "incomplete", (
        f"the first lesson_status the SCO sets must be 'incomplete', got {statuses[:3]}"
    )


# ---------------------------------------------------------------------------
# The tests


def test_play_to_the_end_all_right_passes(browsing, built_package):
    pkg = built_package
    assert pkg.scored_questions, "the sample course has no scored question"
    player = Player.in_lms(browsing, pkg, lms_cmi(pkg))
    assert player.shown_page_id() == pkg.page_ids[0]
    expect(player.frame.locator(NOTICE)).to_be_hidden()

    before_submit = player.play_to_the_end(right=True)
    player.finish()

    log = player.lms_log()
    cmi = player.lms_cmi()
    core = cmi["core"]
    assert_clean_session(log)
    assert len(calls(log, "LMSFinish")) == 1, "LMSFinish must be called exactly once"

    early_scores = set_values(log[:before_submit], r"cmi\.core\.score\..*")
    assert not early_scores, f"a score was reported before the test was submitted: {early_scores}"

    assert core["lesson_status"] == "passed"
    assert core["score"]["raw"] == "100"
    assert core["score"]["min"] == "0"
    assert core["score"]["max"] == "100"
    # scorm-again shows max "100" by default: the SCO must have set it itself.
    assert ("cmi.core.score.max", "100") in set_values(log, r"cmi\.core\.score\.max")
    assert core["exit"] == ""

    # scorm-again rewrites session_time to HH:MM:SS: check what the SCO sent.
    session_times = [v for _, v in set_values(log, r"cmi\.core\.session_time")]
    assert session_times, "the SCO never reported cmi.core.session_time"
    for value in session_times:
        assert TIMESPAN.match(value), f"session_time {value!r}"
    assert len(cmi["suspend_data"]) <= 4096

    for qid, q in pkg.scored_questions.items():
        inter = interaction_for(cmi, qid)
        assert inter is not None, f"no interaction journaled for scored question {qid}"
        assert inter["result"] == ("correct" if counts(q) else "neutral"), f"{qid}: {inter}"
        assert inter["type"] == INTERACTION_TYPE[q["kind"]], f"{qid}: {inter}"
        assert inter["student_response"] == scorm_response(pkg, qid, right_answer(pkg, qid)), f"{qid}: {inter}"

    browsing.assert_no_page_errors()


def test_all_wrong_fails_with_score(browsing, built_package):
    pkg = built_package
    mastery = pkg.mastery_score or pkg.config.get("masteryScore")
    assert mastery not in (None, ""), "the sample course has no mastery score"
    player = Player.in_lms(browsing, pkg, lms_cmi(pkg))
    before_submit = player.play_to_the_end(right=False)
    player.finish()

    log = player.lms_log()
    core = player.lms_cmi()["core"]
    assert_clean_session(log)
    assert len(calls(log, "LMSFinish")) == 1
    assert not set_values(log[:before_submit], r"cmi\.core\.score\..*")
    assert core["lesson_status"] == "failed"
    assert core["score"]["raw"] == "0"
    assert core["score"]["min"] == "0"
    assert core["score"]["max"] == "100"
    cmi = player.lms_cmi()
    for qid, q in pkg.scored_questions.items():
        inter = interaction_for(cmi, qid)
        assert inter is not None, f"no interaction journaled for scored question {qid}"
        assert inter["result"] == ("wrong" if counts(q) else "neutral"), f"{qid}: {inter}"
        assert inter["student_response"] == scorm_response(pkg, qid, wrong_answer(pkg, qid)), f"{qid}: {inter}"
    browsing.assert_no_page_errors()


def _bookmark_page(pkg: BuiltPackage) -> tuple[int, str, str, dict]:
    """The first page from page 3 on (not the test) with a knowledge check."""
    for n, page_id in enumerate(pkg.page_ids):
        if n < 2 or page_id in pkg.test_page_ids:
            continue
        for qid, q in pkg.questions_on(page_id).items():
            if not q["scored"]:
                return n, page_id, qid, q
    pytest.fail("the sample course has no knowledge check on page 3 or later")


def test_leave_half_way_then_resume(browsing, built_package):
    pkg = built_package
    n, page_id, qid, q = _bookmark_page(pkg)

    first = Player.in_lms(browsing, pkg, lms_cmi(pkg))
    for _ in range(n):
        first.next()
    assert first.shown_page_id() == page_id
    first.answer(qid, right_answer(pkg, qid))
    first.check_knowledge(qid)
    first.leave()

    log = first.lms_log()
    cmi = first.lms_cmi()
    core = cmi["core"]
    assert_clean_session(log)
    assert len(calls(log, "LMSFinish")) <= 1
    assert core["lesson_location"] == page_id
    assert core["exit"] == "suspend"
    assert core["lesson_status"] == "incomplete"
    assert core["score"]["raw"] == ""
    assert not set_values(log, r"cmi\.core\.score\..*"), "score reported before the test"
    assert 0 < len(cmi["suspend_data"]) <= 4096

    # A new launch, as the LMS does it after a suspended attempt.
    second = Player.in_lms(
        browsing,
        pkg,
        {
            **lms_cmi(pkg, "resume", lesson_location=core["lesson_location"],
                      lesson_status=core["lesson_status"]),
            "suspend_data": cmi["suspend_data"],
        },
    )
    expect(second.frame.locator(SHOWN_PAGE)).to_have_attribute("data-page-id", page_id)
    assert second.given(qid) == right_answer(pkg, qid)
    log2 = second.lms_log()
    assert len(calls(log2, "LMSInitialize")) == 1
    assert not moodle_violations(log2), moodle_violations(log2)
    statuses = [v for _, v in set_values(log2, r"cmi\.core\.lesson_status")]
    assert set(statuses) <= {"incomplete"}, f"status after resume: {statuses}"
    assert not set_values(log2, r"cmi\.core\.score\..*")

    # Pages 1..n-1 were seen in the first session only: the page rule (all
    # pages viewed) is met only if the resumed SCO remembered them.
    assert pkg.config["completion"]["pages"] == 100, pkg.config["completion"]
    second.play_to_the_end(right=True, start=n)
    second.finish()
    log2 = second.lms_log()
    core2 = second.lms_cmi()["core"]
    assert not moodle_violations(log2), moodle_violations(log2)
    assert len(calls(log2, "LMSFinish")) == 1
    assert core2["lesson_status"] == "passed", (
        "after resuming, the pages seen before the break were not counted"
        if core2["lesson_status"] == "incomplete" else core2
    )
    assert core2["score"]["raw"] == "100"
    assert core2["exit"] == ""
    browsing.assert_no_page_errors()


def test_without_lms_shows_notice_and_navigates(browsing, built_package):
    pkg = built_package
    player = Player.direct(browsing, pkg)
    notice = player.frame.locator(NOTICE)
    expect(notice).to_be_visible()
    expect(notice).not_to_have_text("")
    not_tracked = pkg.config.get("strings", {}).get("not_tracked")
    if not_tracked:  # the string's name is the templates' business, not the contract's
        expect(notice).to_contain_text(not_tracked)
    assert player.shown_page_id() == pkg.page_ids[0]
    assert player.next() == pkg.page_ids[1]
    assert player.next() == pkg.page_ids[2]
    browsing.assert_no_page_errors()


def test_lms_refusing_every_set_value_keeps_course_working(browsing, built_package):
    pkg = built_package
    player = Player.in_lms(
        browsing, pkg, lms_cmi(pkg), refuse={"elements": "*", "error": "405"}
    )
    assert player.shown_page_id() == pkg.page_ids[0]
    assert player.next() == pkg.page_ids[1]
    assert player.next() == pkg.page_ids[2]
    log = player.lms_log()
    assert any(c["fn"] == "LMSSetValue" and c["ret"] == "false" for c in log), (
        "the SCO set nothing, so the refusal was never exercised"
    )
    notice = player.frame.locator(NOTICE)
    expect(notice).to_be_visible()
    expect(notice).not_to_have_text("")
    lms_error = pkg.config.get("strings", {}).get("lms_error")
    if lms_error:
        expect(notice).to_contain_text(lms_error)
    assert len(calls(log, "LMSInitialize")) == 1
    browsing.assert_no_page_errors()


def test_lms_refusing_session_time_keeps_results(browsing, built_package):
    pkg = built_package
    player = Player.in_lms(
        browsing, pkg, lms_cmi(pkg),
        refuse={"elements": ["cmi.core.session_time"], "error": "405"},
    )
    player.play_to_the_end(right=True)
    player.finish()
    log = player.lms_log()
    core = player.lms_cmi()["core"]
    assert len(calls(log, "LMSInitialize")) == 1
    assert len(calls(log, "LMSFinish")) == 1
    assert calls(log, "LMSSetValue", "cmi.core.session_time"), "session_time never set"
    assert core["lesson_status"] == "passed"
    assert core["score"]["raw"] == "100"
    browsing.assert_no_page_errors()


def test_mastery_score_from_the_lms_wins_over_the_manifest(browsing, built_package):
    """An admin lowers the mastery score in the LMS: a score between 50 and the manifest's
    mastery score now passes."""
    pkg = built_package
    scored = [qid for qid, q in pkg.scored_questions.items() if counts(q)]
    right = -(-len(scored) * 6 // 10)                  # 60 %, rounded up to a whole question
    percent = round(100 * right / len(scored))
    assert 50 <= percent < float(pkg.mastery_score), "the manifest's mastery score must fail this score for the test to mean anything"
    cmi = lms_cmi(pkg)
    cmi["student_data"] = {"mastery_score": "50"}
    player = Player.in_lms(browsing, pkg, cmi)
    player.play_to_the_end(right=set(scored[:right]))
    player.finish()
    core = player.lms_cmi()["core"]
    assert_clean_session(player.lms_log())
    assert core["score"]["raw"] == str(percent)
    assert core["lesson_status"] == "passed"
    browsing.assert_no_page_errors()


def test_test_before_all_pages_keeps_incomplete_until_pages_are_seen(browsing, built_package):
    """completion.pages is 100: a learner who jumps to the test gets no score or status
    until the skipped pages are opened; then the result is reported."""
    pkg = built_package
    assert pkg.config["completion"]["pages"] == 100
    test_page = pkg.test_page_ids[0]
    player = Player.in_lms(browsing, pkg, lms_cmi(pkg))
    player.frame.locator(f'a[data-goto="{test_page}"]').click()
    expect(player.frame.locator(SHOWN_PAGE)).to_have_attribute("data-page-id", test_page)
    for qid in pkg.scored_questions:
        player.answer(qid, right_answer(pkg, qid))
    player.submit_test()
    log = player.lms_log()
    assert not set_values(log, r"cmi\.core\.score\..*"), "a score was reported before every page was seen"
    assert [v for _, v in set_values(log, r"cmi\.core\.lesson_status")] == ["incomplete"]
    for page_id in pkg.page_ids:
        if page_id != test_page:
            player.frame.locator(f'a[data-goto="{page_id}"]').click()
            expect(player.frame.locator(SHOWN_PAGE)).to_have_attribute("data-page-id", page_id)
    core = player.lms_cmi()["core"]
    assert core["score"]["raw"] == "100"
    assert core["lesson_status"] == "passed"
    assert_clean_session(player.lms_log())
    browsing.assert_no_page_errors()
