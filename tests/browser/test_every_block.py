"""A course with one of every block kind and content helper (tests/fixtures/every-block), played
with the keyboard in Chromium against scorm-again to 'passed', with axe-core over every page and
over each interactive block after it was used. The kinds' own tests go deeper; this one proves
they live together in one package: one runtime, one saved state, one set of interactions."""

from __future__ import annotations

import shutil

import pytest
from playwright.sync_api import expect

from conftest import REPO
from test_accessibility import axe_violations
from learner import Learner
from test_question_play import right
from test_scorm12_play import assert_clean_session, lms_cmi, moodle_violations

pytestmark = pytest.mark.browser

FIXTURES = REPO / "tests" / "fixtures"
TYPED = {"t-nemnda": "diskrimineringsnemnda", "t-aar": "2018"}


@pytest.fixture
def every_block(tmp_path, serve_course):
    course = tmp_path / "every-block"
    shutil.copytree(FIXTURES / "every-block", course)
    shutil.copytree(FIXTURES / "media", course / "media")
    return serve_course(course)


def test_every_block_kind_in_one_course_plays_to_passed(browsing, every_block, axe_js):
    pkg = every_block.package
    learner = Learner.launch(browsing, pkg, every_block.path, lms_cmi(pkg))
    frame = learner.frame
    found: list[str] = []

    def scan(where: str) -> None:
        found.extend(axe_violations(frame, axe_js, where))

    # 1: text, image, alerts, details, a two-column table
    scan("01 text and helpers")
    summary = frame.locator("details summary").first
    learner.press(summary, "Enter")
    expect(frame.locator("details").first).to_have_attribute("open", "")
    scan("01 details open")
    learner.next_page()

    # 2: film and interview, transcripts opened with the keyboard
    expect(frame.locator("video track[default]").first).to_have_attribute("srclang", "nb")
    for toggle in frame.locator("section.ilm-page:not([hidden]) details > summary").all():
        learner.press(toggle, "Enter")
    expect(frame.get_by_text("Kari Andersen").first).to_be_visible()
    scan("02 media, transcripts open")
    learner.next_page()

    # 3: reflection (stays on the device), conversation material, case walked to its end
    box = frame.locator('[data-reflection="r-tjenesten"] textarea')
    box.focus()
    learner.page.keyboard.type("Tjenesten er laget for dem som kan lese norsk.")
    box.press("Tab")
    case = frame.locator('[data-case="c-skranken"]')
    learner.press(case.get_by_role("button", name="Bestill en tolk"), "Enter")
    expect(case.locator("[data-case-result]")).to_be_visible()
    scan("03 reflection written, case finished")
    learner.next_page()

    # 4: knowledge checks, feedback shown
    for qid, q in pkg.questions_on("04-sjekk").items():
        learner.give(qid, right(q, qid))
        learner.check(qid)
    scan("04 feedback shown")
    learner.next_page()

    # 5: the test, every item right
    for qid, q in pkg.questions_on("05-test").items():
        learner.give(qid, TYPED.get(qid) or right(q, qid))
    learner.submit()
    scan("05 test result")
    learner.finish()

    cmi = learner.lms_cmi()
    assert cmi["core"]["lesson_status"] == "passed"
    assert cmi["core"]["score"]["raw"] == "100"
    ids = [cmi["interactions"][n]["id"] for n in sorted(cmi["interactions"], key=int)]
    # The reflection says only that it was answered; the case its path; the test each item.
    assert set(ids) >= {"r-tjenesten", "c-skranken", "t-grunnlag", "t-kobling", "t-steg", "t-nemnda", "t-aar"}
    assert "Tjenesten er laget" not in str(cmi)
    log = learner.lms_log()
    assert moodle_violations(log) == []
    assert_clean_session(log)
    assert not found, "axe-core (WCAG 2.1 A/AA) found:\n" + "\n".join(found)
