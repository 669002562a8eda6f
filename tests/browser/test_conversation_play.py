"""Conversation material in the sample course: the section, its handout page, printing both.

The handout is a page of its own in the package (handouts/<id>.html): it must open in a new tab
without ending the LMS session, pass axe-core, and print on A4. Printing the course page must
leave out the menu, the header, the buttons and every page but the one on screen.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from test_accessibility import LEARNER, axe_violations

pytestmark = pytest.mark.browser

PAGE_ID = "14-samtale"
HANDOUT = "handouts/samtale-tjenesten-var.html"
BLOCK = '[data-conversation="samtale-tjenesten-var"]'
SHOWN_PAGE = "section.ilm-page:not([hidden])"
QUESTIONS = [
    "Tenk på de siste ukene. Møtte dere noen som strevde med å bruke tjenesten?",
    "Hvem bruker tjenesten vår lite, selv om de har rett til den? Hvordan vet vi det?",
    "Hvilke forutsetninger må brukerne ha for å få tjenesten vår? Hvilken av dem stenger flest ute?",
    "Når bestiller vi tolk, og når lar vi være? Har vi brukt familie eller barn som tolk?",
    "Kan tjenesten brukes uten BankID, uten å lese norsk og uten å se eller høre godt?",
    "Hva er ett lite tiltak vi kan prøve de neste tre månedene, hvem tar ansvar for det, og hvordan skal vi vite om det virket?",
]

# Horizontal overflow of the document: what a learner would have to scroll sideways to read.
OVERFLOW = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"



def open_in_lms(browsing, **context_options):
    """The sample course in the test LMS, moved on to the page with the conversation block."""
    page = browsing.new_page(**context_options)
    page.goto(f"{browsing.base_url}/harness.html")
    cmi = {"core": {**LEARNER, "entry": "ab-initio", "lesson_mode": "normal", "credit": "credit",
                    "lesson_location": ""}, "suspend_data": ""}
    page.evaluate("o => startLms(o)", {"cmi": cmi, "src": "/sco/index.html"})
    frame = page.frame(name="sco")
    for _ in range(30):
        shown = frame.locator(SHOWN_PAGE)
        expect(shown).to_have_count(1)
        if shown.get_attribute("data-page-id") == PAGE_ID:
            return page, frame
        before = shown.get_attribute("data-page-id")
        frame.locator('button[data-nav="next"]').click()
        expect(frame.locator(SHOWN_PAGE)).not_to_have_attribute("data-page-id", before)
    pytest.fail(f"never reached page {PAGE_ID}")


def test_the_material_shows_and_its_handout_opens_in_a_tab_of_its_own(browsing, axe_js):
    page, frame = open_in_lms(browsing, viewport={"width": 1280, "height": 900})
    block = frame.locator(BLOCK)
    expect(block.get_by_role("heading", level=2)).to_have_text("Hvem er tjenesten vår laget for?")
    expect(block.locator(".ilm-conversation-time")).to_have_text("Forslag: 45 minutter")
    items = block.locator("ol.ilm-conversation-questions > li")
    expect(items).to_have_count(len(QUESTIONS))
    for item, text in zip(items.all(), QUESTIONS):
        expect(item).to_contain_text(text)
    expect(items.nth(0).locator("ul > li")).to_have_count(2)
    expect(block.get_by_role("heading", name="Til deg som leder møtet")).to_be_visible()
    assert axe_violations(frame, axe_js, "course page with the material") == []

    link = block.get_by_role("link", name="Utskriftsvennlig versjon (åpnes i ny fane)")
    with page.context.expect_page() as opened:
        link.click()
    handout = opened.value
    handout.wait_for_load_state()
    assert handout.url.endswith("/sco/" + HANDOUT)
    # The course is still there and its LMS session open.
    expect(frame.locator(SHOWN_PAGE)).to_have_attribute("data-page-id", PAGE_ID)
    assert "LMSFinish" not in [c["fn"] for c in page.evaluate("() => window.lmsLog")]

    expect(handout.locator("html")).to_have_attribute("lang", "nb")
    expect(handout).to_have_title("Hvem er tjenesten vår laget for? – Likestilling, inkludering og mangfold")
    expect(handout.get_by_role("heading", level=1)).to_have_text("Hvem er tjenesten vår laget for?")
    expect(handout.locator("ol > li.ilm-conversation-question")).to_have_count(len(QUESTIONS))
    expect(handout.locator("body")).to_contain_text("Fra kurset «Likestilling, inkludering og mangfold»")
    # Its stylesheet loaded (a broken link would leave the browser's default 8 px body margin).
    assert handout.evaluate("() => getComputedStyle(document.querySelector('main')).maxWidth") != "none"
    assert axe_violations(handout.main_frame, axe_js, "handout") == []


def test_printing_the_course_page_leaves_out_navigation_and_other_pages(browsing):
    page, frame = open_in_lms(browsing, viewport={"width": 1280, "height": 900})
    for selector in (".ilm-header", "#ilm-toc", ".ilm-pager", f"{BLOCK} [data-handout]"):
        expect(frame.locator(selector)).to_be_visible()
    page.emulate_media(media="print")
    for selector in (".ilm-header", "#ilm-toc", ".ilm-pager", ".ilm-skip", f"{BLOCK} .ilm-conversation-tools"):
        expect(frame.locator(selector)).to_be_hidden()
    expect(frame.locator("section.ilm-page:visible")).to_have_count(1)
    expect(frame.locator(f"#page-{PAGE_ID}")).to_be_visible()
    expect(frame.locator(f"{BLOCK} ol > li").first).to_be_visible()
    # A question is not split between two sheets.
    assert frame.evaluate(f"() => getComputedStyle(document.querySelector('{BLOCK} li')).breakInside") == "avoid"


def test_the_handout_prints_on_a4(browsing, built_package):
    page = browsing.new_page()
    page.goto(f"{browsing.base_url}/sco/{HANDOUT}")
    pdf = page.pdf(prefer_css_page_size=True, print_background=True)
    assert pdf.startswith(b"%PDF")
    sizes = {tuple(round(float(x)) for x in m) for m in re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf)}
    assert sizes == {(595, 842)}, f"not A4 (595 x 842 pt): {sizes}"
    pages = len(re.findall(rb"/Type\s*/Page\b", pdf))
    assert 1 <= pages <= 2, f"the handout of four questions takes {pages} sheets"


@pytest.mark.parametrize("width", [320, 1280])
def test_material_and_handout_reflow_without_sideways_scrolling(browsing, width):
    page, frame = open_in_lms(browsing, viewport={"width": width, "height": 800})
    expect(frame.locator(BLOCK)).to_be_visible()
    assert frame.evaluate(OVERFLOW) <= 0
    handout = browsing.new_page(viewport={"width": width, "height": 800})
    handout.goto(f"{browsing.base_url}/sco/{HANDOUT}")
    assert handout.evaluate(OVERFLOW) <= 0


def test_without_javascript_the_handout_link_works_and_no_dead_button_shows(browsing):
    page = browsing.new_page(java_script_enabled=False)
    page.goto(f"{browsing.base_url}/sco/index.html")
    block = page.locator(BLOCK)
    expect(block).to_be_visible()
    expect(block.locator('button[data-action="conversation-print"]')).to_be_hidden()
    with page.context.expect_page() as opened:
        block.locator("a[data-handout]").click()
    expect(opened.value.get_by_role("heading", level=1)).to_have_text("Hvem er tjenesten vår laget for?")


def test_the_print_button_prints_the_material_alone(browsing):
    page, frame = open_in_lms(browsing, viewport={"width": 1280, "height": 900})
    button = frame.locator(f'{BLOCK} button[data-action="conversation-print"]')
    expect(button).to_be_visible()
    expect(button).to_have_text("Skriv ut samtalemateriellet")
    # The browser's print dialog would block the test: note what print would see instead.
    frame.evaluate("() => { window.printCalls = 0; window.print = () => { window.printCalls += 1; }; }")
    button.click()
    assert frame.evaluate("() => window.printCalls") == 1
    page.emulate_media(media="print")
    expect(frame.locator(f"{BLOCK} ol > li").first).to_be_visible()
    for selector in (f"#page-{PAGE_ID} .ilm-page-title", f"#page-{PAGE_ID} h2 >> nth=0", f"#page-{PAGE_ID} [data-reflection]", ".ilm-header"):
        expect(frame.locator(selector)).to_be_hidden()
    # Once the dialog closes, printing the page prints the whole page again.
    frame.evaluate("() => window.dispatchEvent(new Event('afterprint'))")
    expect(frame.locator(f"#page-{PAGE_ID} .ilm-page-title")).to_be_visible()
    expect(frame.locator(f"#page-{PAGE_ID} [data-reflection]").first).to_be_visible()
