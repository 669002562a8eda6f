"""The assembled runtime in the browser: opened from disk without an LMS, and the
length of the state it writes compared with the build's size warning."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from conftest import COURSE_DIR, LANG
from ilmpack.build import check_course
from ilmpack.targets.scorm12 import suspend_data_size
from learner import counts, wrong_answer
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


def longest_path(case: dict) -> list[int]:
    """The choice numbers of the longest path from the case's start to an end (its state at its longest)."""
    def walk(step: str) -> list[int]:
        paths = [[n] + walk(goto) for n, (goto, _points) in enumerate(case["steps"][step])]
        return max(paths, key=len, default=[])
    return walk(case["start"])


def longest(pkg, qid: str):
    """An answer whose saved form is longest, and wrong (so the test fails and a retake is
    offered): every option of a multiple-choice question, a fill-in answer of its longest with
    every character escaped, a numeric answer as long as the field takes; a wrong answer of the
    other kinds (their saved form has one length)."""
    q = pkg.config["questions"][qid]
    if q["kind"] == "multiple":
        return list(q["options"])
    if q["kind"] == "fill-in":
        return "%" * q["maxLength"]          # 3 characters each when saved
    if q["kind"] == "numeric":
        return "1" * 20                      # the field takes 20 characters
    return wrong_answer(pkg, qid)


def test_state_written_has_the_length_the_build_predicts(browsing, built_package):
    """Every answer at its longest: checks answered, test submitted, then a retake's
    draft next to it. The build's worst case (the size warning) must be exactly it."""
    pkg = built_package
    player = Player.in_lms(browsing, pkg, lms_cmi(pkg))
    test_page = pkg.test_page_ids[0]
    for n, page_id in enumerate(pkg.page_ids):
        for qid, q in pkg.questions_on(page_id).items():
            player.answer(qid, longest(pkg, qid))
            if not q["scored"]:
                player.check_knowledge(qid)
        for rid, r in pkg.config.get("reflections", {}).items():
            if r["page"] == page_id:
                player.frame.locator(f'[data-reflection="{rid}"] textarea').fill("Svar")
        for cid, case in pkg.config.get("cases", {}).items():
            if case["page"] == page_id:
                for choice in longest_path(case):
                    player.frame.locator(f'[data-case="{cid}"] [data-step]:not([hidden]) button[data-choice="{choice}"]').click()
        if page_id == test_page:
            player.submit_test()
            assert sum(1 for q in pkg.scored_questions.values() if q["kind"] != "multiple"), \
                "the test must have a single-answer question for a retake to be offered"
            player.frame.locator('button[data-action="retake"]').click()
            for qid, q in pkg.questions_on(page_id).items():
                if q["scored"]:
                    player.answer(qid, longest(pkg, qid))
        if n + 1 < len(pkg.page_ids):
            player.next()
    # Leaving the last page saves the draft too.
    player.frame.locator('button[data-nav="prev"]').click()
    log = player.lms_log()
    written = [v for _, v in set_values(log, r"cmi\.suspend_data")][-1]
    raw = int([v for _, v in set_values(log, r"cmi\.core\.score\.raw")][-1])
    correct = sum(1 for qid, q in pkg.scored_questions.items()
                  if counts(q) and q["kind"] in ("single", "multiple", "true-false")
                  and sorted(longest(pkg, qid)) == sorted(q["correct"]))
    course = check_course(COURSE_DIR).course
    essential, worst = suspend_data_size(course, LANG, raw=raw, correct=correct, attempts=1)
    assert len(written) == worst, written
    assert essential < worst <= 4096
    assert calls(log, "LMSCommit")
    browsing.assert_no_page_errors()


# An adapter with an asynchronous start, as cmi5 and xAPI need: the course
# replaces lms/none.js with it, so it runs when the package is opened directly.
ASYNC_ADAPTER = """
ILM.lms("none", function (core) {
  var calls = window.asyncLmsCalls = [];
  function record(name) { return function (arg) { calls.push([name, JSON.parse(JSON.stringify(arg || null))]); }; }
  return {
    budget: 4096,
    start: function () {
      calls.push(["start", null]);
      return new Promise(function (resolve) {
        window.asyncLmsAnswer = function (launch) { calls.push(["answered", null]); resolve(launch); };
      });
    },
    save: function (text, bookmark) { calls.push(["save", [text, bookmark]]); },
    interaction: record("interaction"),
    report: record("report"),
    commit: record("commit"),
    finish: record("finish")
  };
});
"""


@pytest.fixture(scope="module")
def async_sco_path(lms_root, tmp_path_factory) -> str:
    import shutil
    import zipfile

    from ilmpack.build import build_course

    src = tmp_path_factory.mktemp("async") / "likestilling"
    shutil.copytree(COURSE_DIR, src)
    part = src / "templates" / "assets" / "runtime" / "lms" / "none.js"
    part.parent.mkdir(parents=True)
    part.write_text(ASYNC_ADAPTER, encoding="utf-8")
    out = tmp_path_factory.mktemp("async-build")
    build_course(src, out, langs=["nb"])
    with zipfile.ZipFile(out / "likestilling-nb-scorm12.zip") as zf:
        zf.extractall(lms_root / "sco-async")
    return "/sco-async/index.html"


def test_an_asynchronous_adapter_fits_the_interface(browsing, built_package, async_sco_path):
    pkg = built_package
    page = browsing.new_page()
    page.goto(f"{browsing.base_url}{async_sco_path}")
    expect(page.locator(SHOWN_PAGE)).to_have_attribute("data-page-id", pkg.page_ids[0])
    page.locator('button[data-nav="next"]').click()     # the learner moves before the LMS answers
    assert page.evaluate("() => asyncLmsCalls") == [["start", None]], "the core called the adapter before start() answered"

    # The LMS answers: the state of an earlier session (pages 1-2 seen) and a bookmark on page 3.
    fp = pkg.config["fingerprint"]
    bookmark = pkg.page_ids[2]
    page.evaluate("l => asyncLmsAnswer(l)", {"tracked": True, "entry": "resume", "mode": "normal",
                                              "credit": "credit", "status": "incomplete", "raw": None,
                                              "mastery": None, "state": f"2|{fp}|3|;;", "bookmark": bookmark})
    expect(page.locator(SHOWN_PAGE)).to_have_attribute("data-page-id", bookmark)
    expect(page.locator(NOTICE)).to_contain_text(pkg.config["strings"]["resumed"])
    calls = page.evaluate("() => asyncLmsCalls")
    saves = [args for name, args in calls if name == "save"]
    viewed = "7" + "0" * (-(-len(pkg.page_ids) // 4) - 1)   # pages 1-3: two restored, one shown
    # The state's head is the version, the fingerprint and the pages seen; the block kinds' slices follow.
    assert saves and saves[-1][0].split("|")[:3] == ["2", fp, viewed] and saves[-1][1] == bookmark, saves
    assert ["commit", {"leaving": False}] in calls
    page.locator('button[data-nav="next"]').click()
    assert page.evaluate("() => asyncLmsCalls")[-2][1][1] == pkg.page_ids[3]
    browsing.assert_no_page_errors()
