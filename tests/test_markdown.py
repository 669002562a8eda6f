"""Markdown as GitHub renders it: every feature of the README's author's guide on one page.

The page tests/fixtures/markdown-guide/nb/01-tekst.md is rendered against a golden file
(`python3 -m pytest --update-golden` rewrites it after an intended change: read the diff); the
tests below name the facts an author would notice, so a change in one of them says what broke.
"""

from __future__ import annotations

from pathlib import Path

import lxml.html
import pytest

from ilmpack.build import check_course
from ilmpack.render import inline_markdown, render_course

FIXTURE = Path(__file__).parent / "fixtures" / "markdown-guide"
GOLDEN = Path(__file__).parent / "golden" / "markdown-guide-nb.html"


@pytest.fixture(scope="module")
def sco():
    checked = check_course(FIXTURE)
    assert [str(w) for w in checked.warnings] == []
    return render_course(checked.course, "nb")


@pytest.fixture(scope="module")
def body(sco):
    doc = lxml.html.fromstring(sco.files["index.html"])
    (div,) = doc.xpath('//section[@data-page-id="01-tekst"]/div[@class="ilm-page-body"]')
    return div


def test_page_matches_golden_file(body, request):
    html = (body.text or "") + "".join(lxml.html.tostring(el, encoding="unicode") for el in body)
    if request.config.getoption("--update-golden"):
        GOLDEN.write_text(html, encoding="utf-8")
    assert html == GOLDEN.read_text(encoding="utf-8")


def test_emphasis_strikethrough_and_code_spans(body):
    first = body.xpath("p[1]")[0]
    assert [(el.tag, el.text) for el in first] == [
        ("strong", "uthevet"), ("em", "kursiv"), ("em", "også kursiv"), ("del", "strøket"), ("code", "kode")]
    assert "\nEn ny linje i samme avsnitt." in first.text_content()  # a line break in the source is a space


def test_lists_nest_at_two_spaces_and_may_follow_a_paragraph_line(body):
    (bullets,) = body.xpath('ul[li[starts-with(., "første punkt")]]')
    assert [li.xpath("string(text())").strip() for li in bullets.xpath("li")] == ["første punkt", "andre punkt"]
    assert [li.text.strip() for li in bullets.xpath("li[1]/ul/li")] == ["underpunkt med to mellomrom", "enda et underpunkt"]
    assert bullets.xpath("li[1]/ul/li[2]/ul/li/text()") == ["tredje nivå"]
    assert body.xpath('ol[li[starts-with(., "Med underliste")]]/li[2]/ul/li/text()') == ["a", "b"]


def test_numbered_lists_with_parenthesis_and_a_start_number(body):
    assert body.xpath('ol[li="Som GitHub"]/li/text()') == ["Nummerert med parentes", "Som GitHub"]
    (three,) = body.xpath('ol[li="Fire"]')
    assert three.get("start") == "3"


def _link(body, text):
    (a,) = body.xpath(f'.//a[starts-with(normalize-space(.), "{text}")]')
    return a


def test_each_kind_of_link(body, sco):
    page = _link(body, "neste side")
    assert (page.get("href"), page.get("data-page-link"), page.get("target")) == ("#page-02-neste", "02-neste", None)
    for text, href in [("Lovdata", "https://lovdata.no"), ("Samtalearket (PDF)", "media/samtaleark.pdf"),
                       ("https://www.ldo.no", "https://www.ldo.no"), ("www.regjeringen.no", "http://www.regjeringen.no"),
                       ("https://www.bufdir.no", "https://www.bufdir.no"), ("post@ldo.no", "mailto:post@ldo.no")]:
        a = _link(body, text)
        assert (a.get("href"), a.get("target"), a.get("rel")) == (href, "_blank", "noopener noreferrer"), text
        assert a.xpath('string(span[@class="ilm-visually-hidden"])') == " (åpnes i ny fane)", text
    assert _link(body, "Lovdata").get("title") == "Lovdata, gratis"
    assert "media/samtaleark.pdf" in sco.media  # a file named with Markdown is packaged


def test_images_keep_alt_and_title_and_decoration_is_silent(body, sco):
    images = body.xpath(".//img")
    assert [(i.get("src"), i.get("alt"), i.get("title")) for i in images] == [
        ("media/figur.svg", "Søylediagram: andelen økte fra 30 til 45 %", None),
        ("media/figur.svg", "Figur med tittel", "Kilde: SSB"),
        ("media/strek.svg", "", None),
    ]
    assert {"media/figur.svg", "media/strek.svg"} <= set(sco.media)


def test_code_fences_show_their_text(body):
    python, plain = body.xpath("pre/code")
    assert (python.get("class"), python.text) == ("language-python", 'print("<ikke HTML>")\n')
    assert (plain.get("class"), plain.text) == (None, "uten språk\n")


def test_tables_align_by_class_and_two_columns_stack(body):
    stacked, wide = body.xpath("table")
    assert stacked.get("class") == "ilm-stack"
    assert [c.get("class") for c in stacked.xpath("thead/tr/th")] == ["ilm-align-left", "ilm-align-right"]
    assert stacked.xpath("tbody/tr[2]/td/@data-label") == ["Norge", "Sverige"]
    assert stacked.xpath("string(tbody/tr[2]/td[1])") == "kode & tegn"
    assert stacked.xpath("tbody/tr[2]/td[2]/a/@target") == ["_blank"]
    assert wide.get("class") is None and wide.xpath("thead/tr/th[2]/@class") == ["ilm-align-center"]


def test_headings_stay_at_the_level_written(body):
    assert [(h.tag, h.text) for h in body.xpath("h2|h3")] == [
        ("h2", "Lister"), ("h2", "Lenker"), ("h2", "Bilder"), ("h2", "Kode"), ("h3", "Tabeller"),
        ("h2", "Faktabokser og les mer")]


def test_alerts_hold_nested_lists_and_details_hold_markdown(body):
    note, warning = body.xpath("aside")
    assert note.xpath("ul/li[1]/ul/li/text()") == ["statlige", "kommunale"]
    assert warning.xpath("string(p[2])") == "Kort advarsel."
    (details,) = body.xpath("details")
    assert details.xpath("string(p/em)") == "Markdown"
    assert details.xpath("ul/li/ul/li/text()") == ["underpunkt"]


def test_a_one_line_text_that_starts_like_a_parenthesis_list_stays_a_phrase():
    assert str(inline_markdown("1) januar")) == "1) januar"
    assert str(inline_markdown("~~nei~~ ja")) == "<del>nei</del> ja"


def test_the_direct_binding_renders_as_the_cmarkgfm_library_does():
    """gfm.py calls cmark-gfm's C functions itself (to free what they allocate): same output."""
    import cmarkgfm

    from ilmpack import gfm

    text = (FIXTURE / "nb" / "01-tekst.md").read_text(encoding="utf-8")
    assert gfm.to_html(text) == cmarkgfm.markdown_to_html_with_extensions(text, gfm.CMARK_OPT_UNSAFE, list(gfm.EXTENSIONS))


def _rendered_body(make_course, page_text: str, **course):
    from coursekit import TEST_NB, course_data

    root = make_course(course=course_data(**course), files={"nb/01-start.md": page_text, "nb/02-test.md": TEST_NB})
    checked = check_course(root)
    html = render_course(checked.course, "nb").files["index.html"].decode("utf-8")
    return html, checked.warnings


PAGE = "---\ntitle: Første side\n---\n"


def test_trusted_raw_html_is_kept_as_written_even_inside_markdown_features(make_course):
    svg = '<svg viewBox="0 0 2 1" role="img" aria-label="Flagg"><rect width="1" height="1"/></svg>'
    text = (PAGE + f"Et flagg: {svg}\n\n> [!NOTE]\n> Se <a class=\"x\" href=\"https://ldo.no\">LDO</a>.\n\n"
            "<table><tr><td>rå</td></tr></table>\n")
    html, _ = _rendered_body(make_course, text, trusted_html=True)
    assert svg in html  # not parsed and written out again: viewBox keeps its case, <rect/> its slash
    assert '<a class="x" href="https://ldo.no">LDO</a>' in html
    assert "<table><tr><td>rå</td></tr></table>" in html


def test_raw_html_the_engine_passes_through_is_still_cleaned(make_course):
    text = (PAGE + "[klikk](javascript:alert(1)) og <https://ldo.no>\n\n"
            '<div onclick="steal()">\n\n**fet** inni\n\n</div>\n\n<iframe src="https://evil.example"></iframe>\n')
    html, warnings = _rendered_body(make_course, text)
    assert "javascript" not in html and "steal" not in html and "<iframe" not in html
    assert "<div>\n<p><strong>fet</strong> inni</p>\n</div>" in html
    assert [w.line for w in warnings] == [4, 6, 12]  # the link, the handler, the <iframe>


def test_raw_html_left_open_costs_one_pass_and_spoils_no_markdown_link(make_course):
    """An <a>, <table> or <blockquote> opened in raw HTML and never closed: the helpers pair tags in
    one pass, so a long page of them renders at once and the Markdown after them still works."""
    hostile = '<a href="https://x.no">a\n' * 20_000 + "<table>\n<thead>\n<tr>\n<th>a</th>\n</tr>\n</thead>\n" * 5_000
    text = PAGE + hostile + "\n\n> [!TIP]\n> Les [loven](https://lovdata.no).\n"
    html, _ = _rendered_body(make_course, text, trusted_html=True)
    assert html.count('rel="noopener noreferrer" target="_blank"') == 20_001
    assert ('<aside class="ilm-alert ilm-alert-tip" role="note">' in html
            and "loven<span class=\"ilm-visually-hidden\"> (åpnes i ny fane)</span></a>" in html)


def test_a_web_address_in_a_question_opens_in_a_new_tab_and_says_so(make_course):
    from coursekit import PAGE_NB

    page = PAGE_NB.replace("prompt: Hva er riktig?", "prompt: Hva sier https://lovdata.no om ~~dette~~?")
    html, _ = _rendered_body(make_course, page)
    prompt = lxml.html.fromstring(html).xpath('//*[@data-question="q-sjekk"]//legend')[0]
    (a,) = prompt.xpath(".//a")
    assert (a.get("href"), a.get("target"), a.get("rel")) == ("https://lovdata.no", "_blank", "noopener noreferrer")
    assert a.text_content() == "https://lovdata.no (åpnes i ny fane)"
    assert prompt.xpath("string(.//del)") == "dette"


def test_a_line_of_many_brackets_keeps_them_as_written_in_code_and_text(make_course):
    """cmark-gfm reads a line of brackets in linear time: ilmpack no longer escapes them, so a
    code span shows exactly what the author wrote (it used to gain backslashes)."""
    brackets = "[" * 150
    html, _ = _rendered_body(make_course, PAGE + f"Tegn: `{brackets}` og {brackets} slutt\n")
    assert f"<code>{brackets}</code> og {brackets} slutt" in html
