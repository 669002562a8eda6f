"""Content helpers in GitHub's Markdown: alerts, <details> with Markdown inside, stacking tables.

The page tests/fixtures/content-helpers/nb/01-hjelpere.md uses each of them; its rendered body is
kept in tests/golden/ (`python3 -m pytest --update-golden` rewrites it after an intended change).
"""

from __future__ import annotations

from pathlib import Path

import lxml.html
import pytest

from ilmpack.build import check_course
from ilmpack.markdown_ext import ALERT_KINDS
from ilmpack.render import render_course

from coursekit import PAGE_NB, TEST_NB, course_data

FIXTURE = Path(__file__).parent / "fixtures" / "content-helpers"
GOLDEN = Path(__file__).parent / "golden" / "content-helpers-nb.html"


def page_body(index_html: bytes, page_id: str):
    """The rendered body of one page of a launch page, as an lxml element."""
    doc = lxml.html.fromstring(index_html)
    (body,) = doc.xpath(f'//section[@data-page-id="{page_id}"]/div[@class="ilm-page-body"]')
    return body


@pytest.fixture(scope="module")
def rendered() -> dict:
    course = check_course(FIXTURE).course
    return {lang: page_body(render_course(course, lang).files["index.html"], "01-hjelpere") for lang in ("nb", "nn")}


def test_page_matches_golden_file(rendered, request):
    body = rendered["nb"]
    html = (body.text or "") + "".join(lxml.html.tostring(el, encoding="unicode") for el in body)
    if request.config.getoption("--update-golden"):
        GOLDEN.write_text(html, encoding="utf-8")
    assert html == GOLDEN.read_text(encoding="utf-8")


@pytest.mark.parametrize("lang,labels", [
    ("nb", ["Merk", "Tips", "Viktig", "Advarsel", "Obs"]),
    ("nn", ["Merk", "Tips", "Viktig", "Åtvaring", "Obs"]),
])
def test_alerts_are_labelled_notes_in_the_page_language(rendered, lang, labels):
    alerts = rendered[lang].xpath('.//aside[@role="note"]')
    assert [a.get("class") for a in alerts] == [f"ilm-alert ilm-alert-{k}" for k in ALERT_KINDS]
    assert [a.xpath('string(p[@class="ilm-alert-title"])') for a in alerts] == labels
    # The icon says nothing to a screen reader; the marker line is gone from the text.
    assert all(a.xpath('p[1]/span[@aria-hidden="true"]') for a in alerts)
    assert "[!" not in "".join(a.text_content() for a in alerts)


def test_alert_body_is_markdown_over_several_paragraphs(rendered):
    (important,) = rendered["nb"].xpath('.//aside[contains(@class, "ilm-alert-important")]')
    assert [el.tag for el in important] == ["p", "p", "p", "ul"]
    assert important.xpath("string(ul/li[1])") == "kjønn og graviditet"
    (tip,) = rendered["nb"].xpath('.//aside[contains(@class, "ilm-alert-tip")]')
    assert tip.xpath("string(p[2]/strong)") == "ikke"


def test_plain_quote_and_code_stay_as_they_are(rendered):
    body = rendered["nb"]
    assert body.xpath("string(.//blockquote/p)") == "Et vanlig sitat er fortsatt et sitat."
    code = body.xpath("string(.//pre/code)")
    assert "> [!NOTE]" in code and "<details>" in code


def test_details_keep_markdown_inside_and_the_open_attribute(rendered):
    first, second = rendered["nb"].xpath(".//details")
    assert first.xpath("string(summary)") == "Les mer om aktive tiltak i Sverige"
    assert first.get("open") is None and second.get("open") is not None
    assert first.xpath("string(p/em)") == "aktiva åtgärder"
    assert len(first.xpath("ol/li")) == 4
    assert second.xpath("p/a/@href") == ["https://www.ldo.no"]
    assert second.xpath("p/a/@target") == ["_blank"]  # the link rewriter still sees inside


def test_two_column_table_cells_carry_their_header_and_roles(rendered):
    stacked, wide = rendered["nb"].xpath(".//table")
    assert stacked.get("class") == "ilm-stack" and stacked.get("role") == "table"
    assert stacked.xpath("thead/tr/th/@role") == ["columnheader", "columnheader"]
    rows = stacked.xpath("tbody/tr")
    assert [r.xpath("td/@data-label") for r in rows] == [["Norge", "Sverige"]] * 3
    assert {c.get("role") for r in rows for c in r} == {"cell"}
    # Three columns do not stack: they keep the scrolling table.
    assert wide.get("class") is None and not wide.xpath(".//@data-label")


def test_question_blocks_still_render_next_to_helpers(rendered):
    assert rendered["nb"].xpath('.//*[@data-question="q-sverige"]')


def test_unknown_alert_is_a_located_warning_and_a_plain_quote(make_course):
    page = PAGE_NB.replace("Litt tekst", "> [!NOTES]\n> Et sitat.\n\nLitt tekst")
    root = make_course(course_data(), {"nb/01-start.md": page, "nb/02-test.md": TEST_NB})
    checked = check_course(root)
    assert [str(w) for w in checked.warnings] == [
        "demo/nb/01-start.md:4:3: warning: '[!NOTES]' is not a callout type; did you mean '[!NOTE]'? "
        "the five types are [!NOTE], [!TIP], [!IMPORTANT], [!WARNING] and [!CAUTION] "
        "(as written, it shows as a plain quote)"]
    body = page_body(render_course(checked.course, "nb").files["index.html"], "01-start")
    assert body.xpath("string(blockquote/p)") == "[!NOTES]\nEt sitat."
    assert not body.xpath(".//aside")


def test_raw_html_in_details_is_still_cleaned(make_course):
    page = PAGE_NB.replace("Litt tekst", "<details>\n<summary onclick=\"steal()\">Mer</summary>\n\n"
                           "Tekst <img src=#x onerror=\"steal()\">\n\n</details>\n\nLitt tekst")
    root = make_course(course_data(), {"nb/01-start.md": page, "nb/02-test.md": TEST_NB})
    checked = check_course(root)
    assert [w.line for w in checked.warnings] == [5, 7]
    html = render_course(checked.course, "nb").files["index.html"].decode()
    assert "steal" not in html and "<summary>Mer</summary>" in html


def test_a_one_line_option_or_prompt_that_starts_like_a_list_stays_a_phrase():
    """'1. januar 2018' as an option is a date, not a numbered list whose number is lost
    (and whose <ol> inside the <label> leaves the radio button without a name)."""
    from ilmpack.render import inline_markdown

    assert str(inline_markdown("1. januar 2018")) == "1. januar 2018"
    assert str(inline_markdown("- 5 grader")) == "- 5 grader"
    assert str(inline_markdown("# 1 på lista")) == "# 1 på lista"
    assert str(inline_markdown("**1.** januar")) == "<strong>1.</strong> januar"
    several = str(inline_markdown("Velg:\n\n1. a\n2. b"))
    assert "<ol>" in several and "<li>a</li>" in several
