"""Films and interviews in a real browser: the package built from tests/fixtures/media/, played in
headless Chromium inside the test LMS (scorm-again).

What a learner relies on and only a browser shows: the film does not start by itself, the page
language's captions are loaded and showing without a click, the transcript opens with the
keyboard, the interview names who speaks, and axe-core finds nothing (WCAG 2.1 A/AA); with the
runtime, a described film's text descriptions reach the live region a screen reader speaks, one
player plays at a time and a page left behind falls silent. Screenshots
at 1280 and 320 px go to $ILMPACK_SCREENSHOTS when set (to look at), else to a temporary folder.
"""

from __future__ import annotations

import os
import shutil
import sys
import zipfile
from pathlib import Path

import pytest
from playwright.sync_api import expect

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/: the course kit
from coursekit import write_media_course  # noqa: E402
from test_accessibility import LEARNER, Keyboard, axe_violations  # noqa: E402

pytestmark = pytest.mark.browser

FILM = "[data-film='film-velkommen']"
INTERVIEW = "[data-interview='intervju-kari']"
TRACK_STATE = """sel => {
    const v = document.querySelector(sel + ' video');
    const t = v.textTracks[0];
    return {kind: t.kind, lang: t.language, mode: t.mode, cues: t.cues ? t.cues.length : null,
            first: t.cues && t.cues.length ? t.cues[0].text : null,
            autoplay: v.autoplay, paused: v.paused, duration: v.duration, ready: v.readyState};
}"""


@pytest.fixture(scope="module")
def media_paths(tmp_path_factory, lms_root) -> dict[str, str]:
    """The media course built with ilmpack, each language unpacked where the test LMS serves it."""
    from ilmpack.build import build_course

    work = tmp_path_factory.mktemp("media-course")
    course = write_media_course(work / "media")
    paths = {}
    for pkg in build_course(course, work / "out").packages:
        folder = lms_root / f"media-{pkg.lang}"
        shutil.rmtree(folder, ignore_errors=True)
        with zipfile.ZipFile(pkg.path) as zf:
            zf.extractall(folder)
        paths[pkg.lang] = f"/media-{pkg.lang}/index.html"
    return paths


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    folder = Path(os.environ.get("ILMPACK_SCREENSHOTS") or tmp_path_factory.mktemp("screenshots"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def open_in_lms(browsing, path: str, *, alone: bool = False, **context):
    """The SCO in the test LMS, or `alone` in the window (so a full-page screenshot shows it all);
    returns (page, frame)."""
    page = browsing.new_page(**context)
    if alone:
        page.goto(f"{browsing.base_url}{path}")
        frame = page.main_frame
    else:
        page.goto(f"{browsing.base_url}/harness.html")
        cmi = {"core": {**LEARNER, "entry": "ab-initio", "lesson_mode": "normal", "credit": "credit",
                        "lesson_location": ""}, "suspend_data": ""}
        page.evaluate("o => startLms(o)", {"cmi": cmi, "src": path})
        frame = page.frame(name="sco")
    expect(frame.locator(FILM)).to_be_visible()
    return page, frame


@pytest.mark.parametrize("lang", ["nb", "nn"])
def test_film_never_autoplays_and_shows_the_page_languages_captions(browsing, media_paths, lang):
    page, frame = open_in_lms(browsing, media_paths[lang])
    frame.wait_for_function("s => { const v = document.querySelector(s + ' video'); const t = v.textTracks[0];"
                            " return v.readyState >= 1 && t.mode === 'showing' && t.cues && t.cues.length > 0; }",
                            arg=FILM)
    state = frame.evaluate(TRACK_STATE, FILM)
    assert state["kind"] == "captions" and state["lang"] == lang and state["mode"] == "showing"
    assert state["cues"] == 2 and state["first"] == {"nb": "Velkommen til kurset.", "nn": "Velkomen til kurset."}[lang]
    assert state["autoplay"] is False and state["paused"] is True
    assert 1.5 < state["duration"] < 2.5  # the film itself loaded (metadata only)
    page.wait_for_timeout(500)
    assert frame.evaluate("s => document.querySelector(s + ' video').paused", FILM), "the film started by itself"


def test_transcripts_open_with_the_keyboard_and_the_interview_names_its_speakers(browsing, media_paths, shots):
    page, frame = open_in_lms(browsing, media_paths["nb"], alone=True, viewport={"width": 1280, "height": 900})
    frame.locator("h1").first.focus()
    kb = Keyboard(page)
    film_transcript = f"{FILM} .ilm-transcript > summary"
    kb.tab_to(film_transcript)
    page.keyboard.press("Enter")
    expect(frame.locator(f"{FILM} .ilm-transcript")).to_have_attribute("open", "")
    expect(frame.locator(f"{FILM} .ilm-transcript-body")).to_contain_text("Velkommen til kurset.")

    speakers = frame.locator(f"{INTERVIEW} .ilm-speakers li")
    expect(speakers).to_have_text(["Kari Andersen, rådgiver i NAV", "Ida Hansen, journalist"])
    kb.tab_to(f"{INTERVIEW} .ilm-transcript > summary")
    page.keyboard.press(" ")
    turns = frame.locator(f"{INTERVIEW} .ilm-turn")
    expect(turns.first).to_be_visible()
    expect(turns).to_have_text(["Ida Hansen: Hvorfor bestiller dere tolk?",
                                "Kari Andersen: Fordi loven krever det når det trengs for å gi forsvarlig hjelp."])
    assert turns.first.locator("strong").inner_text() == "Ida Hansen:"

    # The described version, behind its own summary, loads nothing until it is opened.
    described = frame.locator(f"{FILM} .ilm-described video")
    assert described.evaluate("v => v.preload") == "none" and not described.is_visible()
    frame.locator(f"{FILM} .ilm-described > summary").click()
    expect(described).to_be_visible()
    page.screenshot(path=str(shots / "media-nb-1280.png"), full_page=True)


@pytest.mark.parametrize("lang", ["nb", "nn"])
def test_axe_finds_nothing_and_the_page_reflows_at_320_px(browsing, media_paths, shots, lang, axe_js):
    page, frame = open_in_lms(browsing, media_paths[lang], alone=True, viewport={"width": 1280, "height": 900})
    found = axe_violations(frame, axe_js, f"{lang} closed")
    for summary in frame.locator("details > summary").all():
        summary.click()
    found += axe_violations(frame, axe_js, f"{lang} every details open")
    page.set_viewport_size({"width": 320, "height": 640})
    width = frame.evaluate("() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert width[0] <= width[1], f"horizontal scrolling at 320 px: {width[0]} px of content in {width[1]} px"
    found += axe_violations(frame, axe_js, f"{lang} 320 px")
    page.screenshot(path=str(shots / f"media-{lang}-320.png"), full_page=True)
    assert not found, "\n".join(found)


PLAY = "sel => { const m = document.querySelector(sel); m.muted = true; return m.play().then(() => true); }"


def test_text_descriptions_reach_the_live_region_as_the_film_plays(browsing, media_paths):
    page, frame = open_in_lms(browsing, media_paths["nb"])
    live = frame.locator(f"{FILM} [data-descriptions-live]")
    expect(live).to_have_text("")
    assert frame.evaluate(PLAY, f"{FILM} video")
    expect(live).to_have_text("Fargestriper og en teller som går fra null til to.")
    assert frame.evaluate("s => document.querySelector(s + ' video').textTracks[1].mode", FILM) == "hidden"


def test_one_player_at_a_time_and_none_on_a_page_left_behind(browsing, media_paths):
    page, frame = open_in_lms(browsing, media_paths["nb"])
    film, sound = f"{FILM} video", f"{INTERVIEW} audio"
    paused = "sel => document.querySelector(sel).paused"
    assert frame.evaluate(PLAY, film)
    assert frame.evaluate(PLAY, sound)
    frame.wait_for_function(paused, arg=film)
    assert not frame.evaluate(paused, sound)
    frame.evaluate("s => { const m = document.querySelector(s); m.loop = true; }", sound)  # still playing when we leave
    frame.locator('button[data-nav="next"]').click()
    expect(frame.locator("section.ilm-page:not([hidden])")).to_have_attribute("data-page-id", "02-slutt")
    frame.wait_for_function(paused, arg=sound)
