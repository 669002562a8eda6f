"""The assembled runtime in the browser: opened from disk without an LMS, and the
length of the state it writes compared with the build's size warning."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from conftest import COURSE_DIR, LANG
from ilmpack.build import check_course
from ilmpack.targets.scorm12 import suspend_data_size
from test_scorm12_play import NOTICE, SHOWN_PAGE, Player, calls, lms_cmi, set_values

pytestmark = pytest.mark.browser


def test_opened_from_disk_without_lms_works(browsing, built_package):
    """A reviewer double-clicks index.html in the unpacked zip: file://, no LMS, nothing fetched."""
    pkg = built_package
    page = browsing.new_page()
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto((pkg.sco_dir / "index.html").as_uri())
    player = Player(page, page.main_frame, pkg)
    expect(page.locator(SHOWN_PAGE)).to_have_count(1)
    expect(page.locator(NOTICE)).to_contain_text(pkg.config["strings"]["not_tracked"])
    assert player.shown_page_id() == pkg.page_ids[0]
    for expected in pkg.page_ids[1:]:
        assert player.next() == expected
    assert page.evaluate("() => window.ilmpack.tracking") is False
    assert all(u.startswith("file://") for u in requests), [u for u in requests if not u.startswith("file://")]
    browsing.assert_no_page_errors()


def longest(q: dict) -> list[str]:
    """An answer whose saved form is longest: every option of a multiple-choice
    question, one wrong option otherwise (so the test fails and a retake is offered)."""
    if q["kind"] == "multiple":
        return list(q["options"])
    return [k for k in q["options"] if k not in q["correct"]][:1]


def test_state_written_has_the_length_the_build_predicts(browsing, built_package):
    """Every answer at its longest: checks answered, test submitted, then a retake's
    draft next to it. The build's worst case (the size warning) must be exactly it."""
    pkg = built_package
    player = Player.in_lms(browsing, pkg, lms_cmi(pkg))
    test_page = pkg.test_page_ids[0]
    for n, page_id in enumerate(pkg.page_ids):
        for qid, q in pkg.questions_on(page_id).items():
            player.answer(qid, longest(q))
            if not q["scored"]:
                player.check_knowledge(qid)
        if page_id == test_page:
            player.submit_test()
            assert sum(1 for q in pkg.scored_questions.values() if q["kind"] != "multiple"), \
                "the test must have a single-answer question for a retake to be offered"
            player.frame.locator('button[data-action="retake"]').click()
            for qid, q in pkg.questions_on(page_id).items():
                if q["scored"]:
                    player.answer(qid, longest(q))
        if n + 1 < len(pkg.page_ids):
            player.next()
    # Leaving the last page saves the draft too.
    player.frame.locator('button[data-nav="prev"]').click()
    log = player.lms_log()
    written = [v for _, v in set_values(log, r"cmi\.suspend_data")][-1]
    raw = int([v for _, v in set_values(log, r"cmi\.core\.score\.raw")][-1])
    correct = sum(1 for q in pkg.scored_questions.values() if sorted(longest(q)) == sorted(q["correct"]))
    course = check_course(COURSE_DIR).course
    essential, worst = suspend_data_size(course, LANG, raw=raw, correct=correct, attempts=1)
    assert len(written) == worst, written
    assert essential < worst <= 4096
    assert calls(log, "LMSCommit")
    browsing.assert_no_page_errors()
