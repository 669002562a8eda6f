"""The sample course's English package in a real browser: it opens in the test LMS in English,
its film page shows the English captions without a click and passes axe-core, and its final
test, answered right with the keyboard (the fill-in in English words), passes. The full plays
of the sample (resume, review, reflow, every state) run on nb and nn; en has the same blocks and
ids, which the build checks. A screenshot goes to $ILMPACK_SCREENSHOTS when set.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from playwright.sync_api import expect

from conftest import BuiltPackage, _unpack

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/: the course kit
from learner import RESULT, Learner, right_answer  # noqa: E402
from test_accessibility import SHOWN_PAGE, Course, axe_violations  # noqa: E402
from test_scorm12_play import lms_cmi  # noqa: E402

pytestmark = pytest.mark.browser

FILM = "[data-film='film-likeverdige']"
CAPTIONS = """sel => {
    const v = document.querySelector(sel + ' video');
    const t = v.textTracks[0];
    return {kind: t.kind, lang: t.language, mode: t.mode, cues: t.cues ? t.cues.length : null,
            first: t.cues && t.cues.length ? t.cues[0].text : null, paused: v.paused};
}"""


@pytest.fixture(scope="module")
def sco_en_path(tmp_path_factory, built_package, lms_root) -> tuple[BuiltPackage, str]:
    """The English package of the same `ilmpack build` as the bokmål one, served at /sco-en/."""
    zip_path = built_package.zip_path.with_name(built_package.zip_path.name.replace("-nb-scorm12", "-en-scorm12"))
    if zip_path == built_package.zip_path or not zip_path.is_file():
        pytest.skip(f"no English package next to {built_package.zip_path}")
    return _unpack(zip_path, lms_root / "sco-en", built_package.source), "/sco-en/index.html"


def test_english_film_page_shows_english_captions_and_passes_axe(browsing, sco_en_path, axe_js):
    package, path = sco_en_path
    player = Course.open(browsing, package, path, in_lms=True, viewport={"width": 1280, "height": 900})
    frame = player.frame
    expect(frame.locator("html")).to_have_attribute("lang", "en")
    frame.locator('a[data-goto="07-film"]').first.click()
    expect(frame.locator(SHOWN_PAGE)).to_have_attribute("data-page-id", "07-film")
    expect(frame.locator(f"{SHOWN_PAGE} h1")).to_have_text("Film: Equal in effect")
    frame.wait_for_function("s => { const v = document.querySelector(s + ' video'); const t = v.textTracks[0];"
                            " return v.readyState >= 1 && t.mode === 'showing' && t.cues && t.cues.length > 0; }",
                            arg=FILM)
    state = frame.evaluate(CAPTIONS, FILM)
    assert (state["kind"], state["lang"], state["mode"]) == ("captions", "en", "showing")
    assert state["cues"] == 12 and state["first"] == "This film is about equal services."
    assert state["paused"] is True
    assert axe_violations(frame, axe_js, "en 07-film") == []
    if os.environ.get("ILMPACK_SCREENSHOTS"):
        player.page.screenshot(path=str(Path(os.environ["ILMPACK_SCREENSHOTS"]) / "sample-en-film.png"), full_page=True)


def test_english_final_test_answered_right_passes_in_the_lms(browsing, sco_en_path):
    package, path = sco_en_path
    learner = Learner.launch(browsing, package, path, lms_cmi(package))
    test_page = package.test_page_ids[0]
    learner.frame.locator(f'a[data-goto="{test_page}"]').first.click()
    expect(learner.frame.locator(SHOWN_PAGE)).to_have_attribute("data-page-id", test_page)
    on_test = [qid for qid, q in package.config["questions"].items() if q["page"] == test_page]
    assert right_answer(package, "t-tolk") == "Interpreter Act"  # the English words, not the bokmål ones
    for qid in on_test:
        learner.give(qid, right_answer(package, qid))
    learner.submit()
    expect(learner.frame.locator(RESULT).first).to_contain_text(package.config["strings"]["result_passed"].split(".")[0])
    tolk = [c["args"][0].rsplit(".", 1)[0] for c in learner.lms_log()
            if c["fn"] == "LMSSetValue" and c["args"][1] == "t-tolk" and c["args"][0].endswith(".id")]
    sent = {c["args"][0]: c["args"][1] for c in learner.lms_log() if c["fn"] == "LMSSetValue"}
    assert (sent[f"{tolk[-1]}.student_response"], sent[f"{tolk[-1]}.result"]) == ("Interpreter Act", "correct")
