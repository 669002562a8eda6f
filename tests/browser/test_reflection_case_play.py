"""The ```reflection and ```case blocks played in Chromium against scorm-again, by keyboard.

The course is tests/browser/courses/refleksjon (two reflections, one case), built once plainly
and once with `reflections: {send_text: true}`. One browser context is one browser profile: a
relaunch in the same context finds what the learner left in localStorage.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from playwright.sync_api import expect

from conftest import REPO, _ilmpack_command, _unpack
from ilmpack.build import check_course
from ilmpack.targets.scorm12 import suspend_data_size
from test_accessibility import DESCRIBE_FOCUS, OVERFLOW, axe_violations
from test_scorm12_play import LEARNER, SHOWN_PAGE, calls, moodle_violations, set_values

pytestmark = pytest.mark.browser

COURSE = Path(__file__).resolve().parent / "courses" / "refleksjon"
# Set ILMPACK_SCREENSHOTS to a folder to keep a screenshot of every state the accessibility test checks.
SHOTS = Path(os.environ["ILMPACK_SCREENSHOTS"]) if os.environ.get("ILMPACK_SCREENSHOTS") else None
TEXT = "Tjenesten er laget for dem som leser norsk godt.\nEldre uten BankID faller utenfor – æøå 🙂"
PROMPT = "laget for"


TEST_PAGE = """---
title: Test
test: true
---
```question
id: t-likeverdig
kind: true-false
prompt: Likeverdige tjenester er like i virkning, ikke nødvendigvis like.
correct: true
```

""" + (COURSE / "nb" / "02-case.md").read_text(encoding="utf-8").split("---\n", 2)[2].replace(
    "id: c-skranken", "id: c-test\nscored: true").replace(
    "        goto: tolk\n        consequence: Du bestiller", "        goto: tolk\n        points: 2\n        consequence: Du bestiller").replace(
    "        goto: tolk\n        consequence: Det tok", "        goto: tolk\n        points: 1\n        consequence: Det tok")


def _build(tmp: Path, variant: str) -> Path:
    """The course as it is ("plain"), with send_text on ("send"), or with a test page holding a
    question and a scored copy of the case ("scored")."""
    src = tmp / "src" / "refleksjon"
    shutil.copytree(COURSE, src)
    data = yaml.safe_load((src / "course.yaml").read_text(encoding="utf-8"))
    if variant == "send":
        data["reflections"] = {"send_text": True}
    if variant == "scored":
        data["completion"] = {"pages": 100, "test": "passed"}
        data["mastery_score"] = 80
        data["modules"][0]["pages"].append("03-test.md")
        (src / "nb" / "03-test.md").write_text(TEST_PAGE, encoding="utf-8")
    (src / "course.yaml").write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    out = tmp / "out"
    proc = subprocess.run(_ilmpack_command() + ["build", str(src), "--out", str(out)], cwd=REPO,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return next(out.glob("*-nb-scorm12.zip"))


@pytest.fixture(scope="module")
def served(tmp_path_factory, lms_root):
    """{"plain": "/sco-refleksjon/index.html", "send": ...}: both builds served by the test LMS."""
    paths = {}
    for name in ("plain", "send", "scored"):
        tmp = tmp_path_factory.mktemp(f"refleksjon-{name}")
        pkg = _unpack(_build(tmp, name), tmp / "sco")
        dest = lms_root / f"sco-refleksjon-{name}"
        if not dest.exists():
            shutil.copytree(pkg.sco_dir, dest)
        paths[name] = f"/sco-refleksjon-{name}/index.html"
    return paths


def cmi(entry="ab-initio", suspend="", location=""):
    return {"core": {**LEARNER, "entry": entry, "lesson_mode": "normal", "credit": "credit",
                     "lesson_location": location}, "suspend_data": suspend}


class Launch:
    """One launch of the SCO in the test LMS, in a given browser profile (context)."""

    def __init__(self, context, base_url, src, data, viewport=None):
        self.page = context.new_page()
        if viewport:
            self.page.set_viewport_size(viewport)
        self.page.set_default_timeout(5_000)
        self.page.goto(f"{base_url}/harness.html")
        self.page.evaluate("o => startLms(o)", {"cmi": data, "src": src})
        self.frame = self.page.frame(name="sco")
        expect(self.frame.locator(SHOWN_PAGE)).to_have_count(1)

    def loc(self, sel):
        return self.frame.locator(sel)

    def press(self, sel, key="Enter"):
        """Move the keyboard focus to sel (as Tab would) and press a key."""
        self.loc(sel).focus()
        self.page.keyboard.press(key)

    def focused(self, sel) -> bool:
        return self.frame.evaluate("s => !!document.activeElement && document.activeElement.matches(s)", sel)

    def tab(self) -> dict:
        self.page.keyboard.press("Tab")
        stop = self.frame.evaluate(DESCRIBE_FOCUS)
        assert stop and stop["ring"], f"no visible focus mark on {stop}"
        return stop

    def log(self):
        return self.page.evaluate("() => window.lmsLog")

    def lms(self):
        return self.page.evaluate("() => lmsState()")["cmi"]["cmi"]

    def leave(self):
        self.page.evaluate("() => unloadSco()")

    def relaunch_data(self):
        c = self.lms()
        return cmi("resume", c["suspend_data"], c["core"]["lesson_location"])

    def storage(self) -> dict:
        return self.frame.evaluate("() => Object.fromEntries(Object.entries(localStorage))")


@pytest.fixture
def profile(browsing):
    """A browser profile: pages opened in it share localStorage."""
    context = browsing.browser.new_context()
    browsing._contexts.append(context)
    return context


def interactions(c: dict) -> list[dict]:
    return [c["interactions"][n] for n in sorted(c.get("interactions", {}), key=int)]


def _clean(log):
    bad = moodle_violations(log)
    assert not bad, "\n".join(bad)
    assert not [c for c in log if c["ret"] == "false"]


def _write(launch: Launch, rid: str, text: str):
    box = f'[data-reflection="{rid}"] textarea'
    launch.loc(box).focus()
    launch.page.keyboard.type(text.split("\n")[0])
    for line in text.split("\n")[1:]:
        launch.page.keyboard.press("Enter")
        launch.page.keyboard.type(line)


def test_reflection_stays_on_the_device_and_the_lms_only_learns_it_was_answered(browsing, profile, served):
    first = Launch(profile, browsing.base_url, served["plain"], cmi())
    r = '[data-reflection="r-tjenesten"]'
    expect(first.loc(f"{r} [data-reflection-actions]")).to_be_visible()
    _write(first, "r-tjenesten", TEXT)
    # Tab leaves the box (the answer is saved and the LMS told) and goes to the print button.
    stop = first.tab()
    assert first.focused('button[data-action="reflection-view"]'), stop
    expect(first.loc(f"{r} [data-reflection-status]")).to_have_text("Svaret er lagret på denne enheten.")
    stored = first.storage()
    key = "ilmpack:refleksjon:kari.nordmann:reflections"   # course id and the LMS's learner id
    assert list(stored) == [key] and json.loads(stored[key]) == {"r-tjenesten": TEXT}, stored
    first.page.wait_for_function("() => lmsLog.some(c => c.args[0] === 'cmi.interactions.0.result')")

    # The print view: every reflection with its prompt, this one with the learner's text.
    first.page.keyboard.press("Enter")
    view = first.loc("section[data-reflections-view]")
    expect(view).to_be_visible()
    assert first.focused("#ilm-reflections-title")
    expect(first.loc(SHOWN_PAGE)).to_be_hidden()
    expect(view.locator(".ilm-reflections-item")).to_have_count(2)
    expect(view.locator(".ilm-reflections-item").first).to_contain_text(PROMPT)
    assert view.locator(".ilm-reflections-answer").first.inner_text() == TEXT
    expect(view.locator(".ilm-reflections-answer").nth(1)).to_have_text("Ikke besvart.")
    # Printed, the view is all there is: no contents, no header, no buttons.
    first.page.emulate_media(media="print")
    expect(view).to_be_visible()
    for hidden in (".ilm-toc", ".ilm-header", ".ilm-pager", 'button[data-action="reflection-print"]'):
        expect(first.loc(hidden)).to_be_hidden()
    first.page.emulate_media(media="screen")
    with first.page.expect_download() as dl:
        first.press('button[data-action="reflection-download"]')
    saved = Path(dl.value.path()).read_text(encoding="utf-8")
    assert TEXT in saved and PROMPT in saved and saved.startswith("<!doctype html>")
    first.press('button[data-action="reflection-close"]')
    expect(view).to_have_count(0)
    assert first.focused('button[data-action="reflection-view"]')
    first.leave()

    log = first.log()
    _clean(log)
    words = ["Tjenesten", "BankID", "æøå", "🙂"]
    leaked = [c for c in log if c["fn"] == "LMSSetValue" and any(w in c["args"][1] for w in words)]
    assert not leaked, f"reflection text sent to the LMS: {leaked}"
    c = first.lms()
    assert [(i["id"], i["type"], i["result"], i["student_response"]) for i in interactions(c)] == [
        ("r-tjenesten", "fill-in", "neutral", "")]

    # Relaunch in the same profile: the text is back, the LMS is not told twice.
    second = Launch(profile, browsing.base_url, served["plain"], first.relaunch_data())
    expect(second.loc(f"{r} textarea")).to_have_value(TEXT)
    second.loc(f"{r} textarea").focus()
    second.page.keyboard.press("End")
    second.page.keyboard.type(" Mer.")
    second.tab()
    expect(second.loc(f"{r} [data-reflection-status]")).to_have_text("Svaret er lagret på denne enheten.")
    assert not set_values(second.log(), r"cmi\.interactions\..*"), "answered was not remembered"

    # Forget: asks first; Cancel is where the focus lands.
    second.press(f'{r} button[data-action="reflection-forget"]')
    confirm = second.loc(f"{r} [data-reflection-confirm]")
    expect(confirm).to_be_visible()
    assert second.focused('button[data-action="reflection-forget-no"]')
    second.page.keyboard.press("Shift+Tab")
    assert second.focused('button[data-action="reflection-forget-yes"]')
    second.page.keyboard.press("Enter")
    expect(confirm).to_be_hidden()
    expect(second.loc(f"{r} textarea")).to_have_value("")
    expect(second.loc(f"{r} [data-reflection-status]")).to_have_text("Svarene dine er slettet fra denne enheten.")
    assert not [k for k in second.storage() if k.startswith("ilmpack:refleksjon:")]
    second.leave()
    _clean(second.log())

    third = Launch(profile, browsing.base_url, served["plain"], second.relaunch_data())
    expect(third.loc(f"{r} textarea")).to_have_value("")
    browsing.assert_no_page_errors()


def test_send_text_sends_it_cut_to_255_on_one_line(browsing, profile, served):
    launch = Launch(profile, browsing.base_url, served["send"], cmi())
    expect(launch.loc('[data-reflection="r-tjenesten"]')).to_contain_text("de første 255 tegnene")
    # 250 letters, then emoji (2 UTF-16 units each) across the 255 boundary, then more.
    long = "a" * 200 + "\n" + "b" * 49 + "🙂🙂🙂🙂" + "c" * 40
    launch.loc('[data-reflection="r-tjenesten"] textarea').fill(long)
    launch.tab()
    launch.page.wait_for_function("() => lmsLog.some(c => c.args[0] === 'cmi.interactions.0.result')")
    sent = interactions(launch.lms())[0]
    # the line break became a space; 200 + 1 + 49 = 250 units, two emoji fit (254), the third would split
    assert sent["student_response"] == "a" * 200 + " " + "b" * 49 + "🙂🙂"
    assert sent["result"] == "neutral" and sent["type"] == "fill-in"
    # Closing the course straight from the box (no Tab first) still saves and tells the LMS.
    _write(launch, "r-endring", "Ny rutine\nfor tolk")
    launch.leave()
    assert [(i["id"], i["student_response"]) for i in interactions(launch.lms())][1:] == [("r-endring", "Ny rutine for tolk")]
    _clean(launch.log())
    browsing.assert_no_page_errors()


def test_without_storage_a_quiet_notice_and_a_working_page(browsing, served):
    context = browsing.browser.new_context()
    browsing._contexts.append(context)
    context.add_init_script("""Object.defineProperty(window, 'localStorage', {
        get() { throw new DOMException('The operation is insecure.', 'SecurityError'); }});""")
    launch = Launch(context, browsing.base_url, served["plain"], cmi())
    status = launch.loc('[data-reflection="r-tjenesten"] [data-reflection-status]')
    expect(status).to_contain_text("lar ikke kurset lagre")
    _write(launch, "r-tjenesten", "Uten lagring")
    launch.tab()
    expect(status).to_contain_text("lar ikke kurset lagre")
    launch.press('[data-reflection="r-tjenesten"] button[data-action="reflection-view"]')
    expect(launch.loc(".ilm-reflections-answer").first).to_have_text("Uten lagring")
    browsing.assert_no_page_errors()


def _choose(launch: Launch, text: str):
    button = launch.loc(f"{SHOWN_PAGE} [data-case] [data-step]:not([hidden]) button[data-choice]").filter(has_text=text)
    button.focus()
    launch.page.keyboard.press("Enter")


def _step(launch: Launch) -> str:
    return launch.loc(f"{SHOWN_PAGE} [data-case] [data-step]:not([hidden])").get_attribute("data-step")


def test_case_played_along_two_paths_with_back_and_resumed(browsing, profile, served):
    first = Launch(profile, browsing.base_url, served["plain"], cmi())
    first.press('button[data-nav="next"]')
    expect(first.loc(SHOWN_PAGE)).to_have_attribute("data-page-id", "02-case")
    expect(first.loc("[data-case-static]")).to_be_hidden()
    assert _step(first) == "ankomst"
    expect(first.loc('button[data-action="case-back"]')).to_be_disabled()

    _choose(first, "Snakk langsomt og høyt")
    assert _step(first) == "hoyt"
    assert first.focused('[data-step="hoyt"]')
    first.tab()   # from the new step, Tab reaches its first choice
    assert first.focused('[data-step="hoyt"] button[data-choice="0"]')
    live = first.loc("[data-case-consequence]")
    assert live.get_attribute("aria-live") == "polite"
    expect(live).to_contain_text("Du valgte: Snakk langsomt og høyt")
    expect(live).to_contain_text("Mannen nikker, men ser usikker ut.")
    _choose(first, "Gi ham en brosjyre på norsk")
    assert _step(first) == "brosjyre"
    expect(first.loc('[data-step="brosjyre"] [data-case-outcome]')).to_contain_text("ikke likeverdig")
    expect(first.loc("[data-case-result]")).to_contain_text("Du er ferdig med casen")
    expect(first.loc("[data-case-path] li")).to_have_text(["Snakk langsomt og høyt", "Gi ham en brosjyre på norsk"])

    first.press('button[data-action="case-back"]')
    assert _step(first) == "hoyt" and first.focused('[data-step="hoyt"]')
    _choose(first, "Bestill en tolk likevel")
    assert _step(first) == "tolk"
    first.press('button[data-action="case-restart"]')
    assert _step(first) == "ankomst"
    expect(first.loc("[data-case-consequence]")).to_have_text("")
    _choose(first, "Snakk langsomt og høyt")
    first.page.wait_for_function("() => lmsLog.filter(c => c.fn === 'LMSSetValue' && /^cmi\\.interactions\\.\\d+\\.id$/.test(c.args[0])).length === 2")
    first.leave()

    log = first.log()
    _clean(log)
    # The build's size reckoning (its worst case) holds what the runtime wrote: the case's path
    # "1" (one choice, "Snakk langsomt og høyt") and no reflection answered.
    worst = suspend_data_size(check_course(COURSE).course, "nb")[1]
    written = first.lms()["suspend_data"]
    assert written.endswith("|1|") and len(written) <= worst, (written, worst)
    records = [(i["id"], i["type"], i["student_response"], i["result"]) for i in interactions(first.lms())]
    assert records == [("c-skranken", "performance", "ankomst,hoyt,brosjyre", "neutral"),
                       ("c-skranken", "performance", "ankomst,hoyt,tolk", "neutral")]

    # Relaunch: the case is where the learner left it (after "Snakk langsomt og høyt").
    second = Launch(profile, browsing.base_url, served["plain"], first.relaunch_data())
    expect(second.loc(SHOWN_PAGE)).to_have_attribute("data-page-id", "02-case")
    assert _step(second) == "hoyt"
    expect(second.loc("[data-case-path] li")).to_have_text(["Snakk langsomt og høyt"])
    expect(second.loc('button[data-action="case-back"]')).to_be_enabled()
    assert not set_values(second.log(), r"cmi\.interactions\..*")
    browsing.assert_no_page_errors()


def test_review_shows_the_path_and_offers_no_choice(browsing, profile, served):
    first = Launch(profile, browsing.base_url, served["plain"], cmi())
    first.press('button[data-nav="next"]')
    _choose(first, "Snakk langsomt og høyt")
    first.leave()
    data = first.relaunch_data()
    data["core"]["lesson_mode"] = "review"
    review = Launch(profile, browsing.base_url, served["plain"], data)
    assert _step(review) == "hoyt"
    expect(review.loc("[data-case-path] li")).to_have_text(["Snakk langsomt og høyt"])
    for sel in ("button[data-choice]", 'button[data-action="case-back"]', 'button[data-action="case-restart"]'):
        for button in review.loc(f"{SHOWN_PAGE} {sel}").all():
            expect(button).to_be_disabled()
    review.leave()
    assert not set_values(review.log(), r"cmi\..*"), "review wrote to the LMS"
    browsing.assert_no_page_errors()


def test_scored_case_on_the_test_page_reports_its_path_weighted_by_the_best(browsing, profile, served):
    launch = Launch(profile, browsing.base_url, served["scored"], cmi())
    launch.press('button[data-nav="next"]')
    launch.press('button[data-nav="next"]')
    expect(launch.loc(SHOWN_PAGE)).to_have_attribute("data-page-id", "03-test")
    _choose(launch, "Bestill en tolk")
    expect(launch.loc(f"{SHOWN_PAGE} [data-case-result]")).to_contain_text("Valgene dine ga 2 av 2 mulige poeng.")
    launch.press(f'{SHOWN_PAGE} button[data-action="case-restart"]')
    _choose(launch, "Snakk langsomt og høyt")
    _choose(launch, "Bestill en tolk likevel")
    expect(launch.loc(f"{SHOWN_PAGE} [data-case-result]")).to_contain_text("Valgene dine ga 1 av 2 mulige poeng.")
    launch.press('[data-question="t-likeverdig"] input[value="t"]', "Space")
    launch.press('button[data-action="submit-test"]')
    launch.page.wait_for_function("() => lmsLog.some(c => c.args[0] === 'cmi.core.lesson_status' && c.args[1] === 'passed')")
    c = launch.lms()
    _clean(launch.log())
    cases = [(i["student_response"], i["result"], i["weighting"]) for i in interactions(c) if i["id"] == "c-test"]
    assert cases == [("ankomst,tolk", "correct", "2"), ("ankomst,hoyt,tolk", "wrong", "2")]
    # The test's score is its questions' (the case's points are not in it yet).
    assert c["core"]["score"]["raw"] == "100"
    browsing.assert_no_page_errors()


@pytest.mark.parametrize("width", [1280, 320])
def test_blocks_are_accessible_and_reflow(browsing, profile, served, width, axe_js):
    if SHOTS:
        SHOTS.mkdir(parents=True, exist_ok=True)
    launch = Launch(profile, browsing.base_url, served["plain"], cmi(), viewport={"width": width, "height": 900})
    problems = []

    def check(where):
        problems.extend(axe_violations(launch.frame, axe_js, f"{width}px {where}"))
        o = launch.frame.evaluate(OVERFLOW)
        assert o["scrollWidth"] <= o["clientWidth"], f"{width}px {where}: horizontal scrolling {o}"
        if SHOTS:
            launch.page.screenshot(path=str(SHOTS / f"{width}-{where}.png"), full_page=True)

    _write(launch, "r-tjenesten", TEXT)
    launch.tab()
    check("reflection")
    launch.press('[data-reflection="r-tjenesten"] button[data-action="reflection-forget"]')
    check("forget")
    launch.press('[data-reflection="r-tjenesten"] button[data-action="reflection-forget-no"]')
    launch.press('[data-reflection="r-tjenesten"] button[data-action="reflection-view"]')
    check("my-reflections")
    launch.press('button[data-action="reflection-close"]')
    launch.press('button[data-nav="next"]')
    check("case-start")
    _choose(launch, "Snakk langsomt og høyt")
    check("case-step")
    _choose(launch, "Bestill en tolk likevel")
    check("case-end")
    assert not problems, "\n".join(problems)
    browsing.assert_no_page_errors()
