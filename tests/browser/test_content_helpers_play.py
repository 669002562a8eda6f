"""The content helpers in a browser: alerts, "read more" (<details>) and stacking comparison tables.

Plays tests/fixtures/content-helpers (one page that uses every helper), opened without an LMS:
the helpers need no runtime JavaScript, so they are also checked with JavaScript off.

ILMPACK_SCREENSHOTS=<folder> saves full-page screenshots at 1280 and 320 px there, to look at.
"""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import pytest
from playwright.sync_api import expect

from ilmpack.build import build_course
from test_accessibility import OVERFLOW, axe_violations

pytestmark = pytest.mark.browser

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "content-helpers"
BODY = "section.ilm-page:not([hidden]) .ilm-page-body"
LABELS = ["Merk", "Tips", "Viktig", "Advarsel", "Obs"]


@pytest.fixture(scope="module")
def helpers_url(tmp_path_factory, lms_root, lms_url) -> str:
    """The nb package of the fixture course, served at /helpers/."""
    out = tmp_path_factory.mktemp("helpers-build")
    (pkg,) = [p for p in build_course(FIXTURE, out).packages if p.lang == "nb"]
    with zipfile.ZipFile(pkg.path) as zf:
        zf.extractall(lms_root / "helpers")
    return f"{lms_url}/helpers/index.html"


def open_page(browsing, url, width, **options):
    page = browsing.new_page(viewport={"width": width, "height": 800}, **options)
    page.goto(url)
    expect(page.locator(BODY)).to_have_count(1)
    return page


@pytest.mark.parametrize("js", [True, False], ids=["js", "no-js"])
def test_comparison_table_stacks_at_320_px_with_labels_shown(browsing, helpers_url, js):
    page = open_page(browsing, helpers_url, 320, java_script_enabled=js)
    o = page.evaluate(OVERFLOW)
    assert o["scrollWidth"] <= o["clientWidth"], f"horizontal scrolling at 320 px: {o}"
    table = page.locator(f"{BODY} table.ilm-stack")
    first, second = table.locator("tbody tr").first.locator("td").all()
    a, b = first.bounding_box(), second.bounding_box()
    assert b["y"] >= a["y"] + a["height"] - 1 and abs(a["x"] - b["x"]) < 1, "the cells are not stacked"
    assert a["x"] + a["width"] <= 320
    # The column's header shows above each cell's text, as the first line of the cell.
    label = first.evaluate("td => { const s = getComputedStyle(td, '::before');"
                           " return {content: s.content, display: s.display, height: s.height}; }")
    assert label["content"].startswith('"Norge"') and label["display"] == "block", label
    assert float(label["height"].rstrip("px")) > 10, label
    # Still a table with its column headers for a screen reader, though they are not drawn.
    expect(page.get_by_role("table").first.get_by_role("columnheader", name="Sverige")).to_have_count(1)
    assert page.locator(f"{BODY} table.ilm-stack thead").bounding_box()["height"] <= 1


def test_comparison_table_is_a_plain_table_when_wide(browsing, helpers_url):
    page = open_page(browsing, helpers_url, 1280)
    table = page.locator(f"{BODY} table.ilm-stack")
    assert table.evaluate("t => getComputedStyle(t).display") == "table"
    expect(table.locator("th", has_text="Sverige")).to_be_visible()
    first, second = table.locator("tbody tr").first.locator("td").all()
    assert abs(first.bounding_box()["y"] - second.bounding_box()["y"]) < 1, "cells of a row side by side"
    assert first.evaluate("td => getComputedStyle(td, '::before').content") in ("none", "normal")


def test_alerts_show_their_label_and_hide_the_icon(browsing, helpers_url):
    page = open_page(browsing, helpers_url, 1280)
    notes = page.locator(BODY).get_by_role("note")
    expect(notes).to_have_count(5)
    for note, label in zip(notes.all(), LABELS):
        title = note.locator(".ilm-alert-title")
        expect(title).to_have_text(label)
        expect(title).to_be_visible()
        assert note.locator(".ilm-alert-icon").get_attribute("aria-hidden") == "true"
        assert note.locator(".ilm-alert-icon").bounding_box()["width"] > 8, "the icon is drawn"


@pytest.mark.parametrize("key", ["Enter", " "], ids=["Enter", "Space"])
def test_read_more_opens_and_closes_with_the_keyboard(browsing, helpers_url, key):
    page = open_page(browsing, helpers_url, 1280)
    details = page.locator(f"{BODY} details").first
    summary = details.locator("summary")
    body = details.locator("ol")
    expect(body).to_be_hidden()
    # Tab until the summary has focus: it is in the tab order like any button.
    for _ in range(40):
        page.keyboard.press("Tab")
        if summary.evaluate("s => s === document.activeElement"):
            break
    else:
        pytest.fail("Tab never reached the summary of the first <details>")
    page.keyboard.press(key)
    expect(details).to_have_attribute("open", "")
    expect(body).to_be_visible()
    page.keyboard.press(key)
    expect(body).to_be_hidden()


def test_read_more_prints_open(browsing, helpers_url):
    page = open_page(browsing, helpers_url, 1280)
    page.emulate_media(media="print")
    closed = page.locator(f"{BODY} details:not([open])")
    expect(closed).to_have_count(1)
    expect(closed.locator("ol")).to_be_visible()


@pytest.mark.parametrize("width", [1280, 320])
def test_axe_finds_no_violation_on_the_helpers_page(browsing, helpers_url, axe_js, width):
    page = open_page(browsing, helpers_url, width)
    violations = axe_violations(page.main_frame, axe_js, f"{width} px, closed")
    page.locator(f"{BODY} details summary").first.click()
    violations += axe_violations(page.main_frame, axe_js, f"{width} px, read more open")
    shots = os.environ.get("ILMPACK_SCREENSHOTS")
    if shots:
        Path(shots).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(shots) / f"content-helpers-{width}.png"), full_page=True)
    assert not violations, "\n".join(violations)
