"""A finished attempt reopened in review mode (Moodle 4.5: lesson_mode review) changes
nothing the LMS holds; saved state crosses languages but not course versions."""

from __future__ import annotations

import shutil
import zipfile

import pytest
from playwright.sync_api import expect

from conftest import COURSE_DIR
from ilmpack.build import build_course
from learner import right_answer
from test_scorm12_play import (NOTICE, SHOWN_PAGE, TEST_RESULT, Player, _bookmark_page, calls, lms_cmi,
                               moodle_violations, set_values)

pytestmark = pytest.mark.browser

ATTEMPT_DATA = r"cmi\.core\.(lesson_location|exit|lesson_status|score\..*|session_time)|cmi\.suspend_data|cmi\.interactions\..*"


@pytest.fixture(scope="module")
def passed_attempt(browser, lms_url, built_package):
    """What the LMS holds after a learner passed: played once, all right."""
    from conftest import Browsing
    b = Browsing(browser=browser, base_url=lms_url)
    try:
        player = Player.in_lms(b, built_package, lms_cmi(built_package))
        player.play_to_the_end(right=True)
        player.finish()
        cmi = player.lms_cmi()
    finally:
        b.close()
    assert cmi["core"]["lesson_status"] == "passed"
    return cmi


@pytest.mark.parametrize("mode, credit", [("review", "credit"), ("browse", "credit"), ("normal", "no-credit")])
def test_review_shows_answers_and_result_and_writes_nothing(browsing, built_package, passed_attempt, mode, credit):
    pkg = built_package
    core = passed_attempt["core"]
    cmi = {**lms_cmi(pkg, "", lesson_mode=mode, credit=credit, lesson_status=core["lesson_status"],
                     lesson_location=core["lesson_location"], score={"raw": core["score"]["raw"]}),
           "suspend_data": passed_attempt["suspend_data"]}
    player = Player.in_lms(browsing, pkg, cmi)
    review = pkg.config["strings"]["review_mode"]
    expect(player.frame.locator(NOTICE)).to_contain_text(review)

    # The learner's answers and result are shown as they were.
    test_page = pkg.test_page_ids[0]
    player.frame.locator(f'a[data-goto="{test_page}"]').click()
    expect(player.frame.locator(SHOWN_PAGE)).to_have_attribute("data-page-id", test_page)
    expect(player.frame.locator(TEST_RESULT)).to_contain_text(core["score"]["raw"])
    for qid in pkg.scored_questions:
        assert player.given(qid) == right_answer(pkg, qid), qid
        for control in player.controls(qid).all():
            expect(control).to_be_disabled()
    expect(player.frame.locator('button[data-action="submit-test"]')).to_be_hidden()
    expect(player.frame.locator('button[data-action="retake"]')).to_be_hidden()
    _, page_id, qid, q = _bookmark_page(pkg)
    player.frame.locator(f'a[data-goto="{page_id}"]').click()
    assert player.given(qid) == right_answer(pkg, qid)

    # Walk about, try a knowledge check, hide the page (into the back/forward
    # cache), finish: nothing is written.
    player.check_knowledge(qid)
    player.page.evaluate("() => document.getElementById('sco-frame').contentWindow"
                         ".dispatchEvent(new PageTransitionEvent('pagehide', {persisted: true}))")
    player.frame.locator(f'a[data-goto="{pkg.page_ids[-1]}"]').click()
    player.finish()
    # The end page says this launch saved nothing.
    expect(player.frame.locator("[data-finished-summary]")).to_contain_text(
        pkg.config["strings"]["summary_saved_review"])
    log = player.lms_log()
    assert not moodle_violations(log), moodle_violations(log)
    written = set_values(log, ATTEMPT_DATA)
    assert not written, f"review mode wrote the attempt's data: {written}"
    assert not calls(log, "LMSSetValue"), calls(log, "LMSSetValue")
    assert not calls(log, "LMSCommit")
    assert len(calls(log, "LMSInitialize")) == 1 and len(calls(log, "LMSFinish")) == 1
    after = player.lms_cmi()
    assert after["suspend_data"] == passed_attempt["suspend_data"]
    assert after["core"]["lesson_location"] == core["lesson_location"]
    browsing.assert_no_page_errors()


def _half_way(browsing, pkg):
    """Leave at the first page with a knowledge check, answered; the LMS's data."""
    n, page_id, qid, q = _bookmark_page(pkg)
    first = Player.in_lms(browsing, pkg, lms_cmi(pkg))
    for _ in range(n):
        first.next()
    first.answer(qid, right_answer(pkg, qid))
    first.check_knowledge(qid)
    first.leave()
    return first.lms_cmi(), page_id, qid, q


def test_state_saved_in_nb_restores_in_nn(browsing, built_package, built_package_nn, sco_nn_path):
    cmi, page_id, qid, q = _half_way(browsing, built_package)
    assert built_package_nn.config["fingerprint"] == built_package.config["fingerprint"]
    resumed = {**lms_cmi(built_package_nn, "resume", lesson_location=page_id, lesson_status="incomplete"),
               "suspend_data": cmi["suspend_data"]}
    page = browsing.new_page()
    page.goto(f"{browsing.base_url}/harness.html")
    page.evaluate("options => startLms(options)", {"cmi": resumed, "src": sco_nn_path})
    nn = Player(page, page.frame(name="sco"), built_package_nn)
    expect(nn.frame.locator(SHOWN_PAGE)).to_have_attribute("data-page-id", page_id)
    expect(nn.frame.locator("html")).to_have_attribute("lang", "nn")
    assert nn.given(qid) == right_answer(built_package_nn, qid)
    viewed = nn.frame.evaluate("() => window.ilmpack.state.viewed")
    assert viewed[: built_package.page_ids.index(page_id) + 1] == [True] * (built_package.page_ids.index(page_id) + 1)
    browsing.assert_no_page_errors()


@pytest.fixture(scope="module")
def changed_sco_path(lms_root, tmp_path_factory) -> str:
    """The same course with two pages swapped: a new structure."""
    src = tmp_path_factory.mktemp("changed") / "likestilling"
    shutil.copytree(COURSE_DIR, src)
    yaml_path = src / "course.yaml"
    text = yaml_path.read_text(encoding="utf-8")
    assert "      - 03-loven.md\n      - 04-aktivitetsplikt.md\n" in text
    yaml_path.write_text(text.replace("      - 03-loven.md\n      - 04-aktivitetsplikt.md\n",
                                      "      - 04-aktivitetsplikt.md\n      - 03-loven.md\n"), encoding="utf-8")
    out = tmp_path_factory.mktemp("changed-build")
    build_course(src, out, langs=["nb"])
    with zipfile.ZipFile(out / "likestilling-nb-scorm12.zip") as zf:
        zf.extractall(lms_root / "sco-changed")
    return "/sco-changed/index.html"


def test_state_from_another_course_structure_is_not_restored(browsing, built_package, changed_sco_path):
    cmi, page_id, qid, q = _half_way(browsing, built_package)
    resumed = {**lms_cmi(built_package, "resume", lesson_location=page_id, lesson_status="incomplete"),
               "suspend_data": cmi["suspend_data"]}
    page = browsing.new_page()
    page.goto(f"{browsing.base_url}/harness.html")
    page.evaluate("options => startLms(options)", {"cmi": resumed, "src": changed_sco_path})
    frame = page.frame(name="sco")
    expect(frame.locator(SHOWN_PAGE)).to_have_count(1)
    changed = Player(page, frame, built_package)
    for key in q["correct"]:
        expect(changed.option(qid, key)).not_to_be_checked()
    assert sum(frame.evaluate("() => window.ilmpack.state.viewed")) == 1
    written = [v for _, v in set_values(changed.lms_log(), r"cmi\.suspend_data")]
    assert written and written[-1] != cmi["suspend_data"]
    browsing.assert_no_page_errors()
