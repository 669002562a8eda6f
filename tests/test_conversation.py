"""The ```conversation block: material for a group meeting, in the course and as a handout page in the package."""

from __future__ import annotations

import html.parser
import zipfile

import pytest
from lxml import etree

from ilmpack.build import build_course, check_course
from ilmpack.errors import CourseError
from ilmpack.xsd import schema_errors

from coursekit import PAGE_NB, TEST_NB, course_data

NS = {"cp": "http://www.imsproject.org/xsd/imscp_rootv1p1p2"}

TALK_NB = """\
---
title: Samtale
---
Før møtet.

```conversation
id: samtale-1
title: Hvem er tjenesten laget for?
minutes: 30
intro: Snakk sammen i **små** grupper.
questions:
  - text: Hvem bruker tjenesten vår?
    minutes: 10
  - text: |
      Tenk på en bruker som ikke fikk hjelp.

      - Hva skjedde?
      - Hva kunne vi gjort annerledes?
    minutes: 1
  - text: Hva gjør vi nå?
facilitator: La alle komme til orde.
```
"""

TALK_EN = (TALK_NB.replace("title: Samtale", "title: Talk").replace("Hvem er tjenesten laget for?", "Who is the service for?")
           .replace("Hvem bruker tjenesten vår?", "Who uses our service?").replace("Hva gjør vi nå?", "What now?"))


def two_languages(**pages) -> tuple[dict, dict]:
    data = course_data(languages=["nb", "en"], title={"nb": "Demokurs", "en": "Demo course"},
                       description={"nb": "Et kurs.", "en": "A course."})
    data["modules"][0]["title"]["en"] = "Part 1"
    data["modules"][0]["pages"] = ["01-start.md", "02-samtale.md", "02-test.md"]
    files = {"nb/01-start.md": PAGE_NB, "nb/02-samtale.md": TALK_NB, "nb/02-test.md": TEST_NB,
             "en/01-start.md": PAGE_NB, "en/02-samtale.md": TALK_EN, "en/02-test.md": TEST_NB}
    files.update(pages)
    return data, files


class _Text(html.parser.HTMLParser):
    """The visible text of an HTML document (whitespace collapsed) and its <html lang>."""

    def __init__(self):
        super().__init__()
        self.parts, self.lang, self.title, self._in_title, self.scripts = [], None, "", False, 0

    def handle_starttag(self, tag, attrs):
        if tag == "html":
            self.lang = dict(attrs).get("lang")
        self._in_title = tag == "title"
        self.scripts += tag == "script"

    def handle_endtag(self, tag):
        self._in_title = False

    def handle_data(self, data):
        if self._in_title:
            self.title += data
        else:
            self.parts.append(data)

    @property
    def text(self) -> str:
        return " ".join(" ".join(self.parts).split())


def read_html(text: str) -> _Text:
    parser = _Text()
    parser.feed(text)
    return parser


@pytest.fixture
def built(make_course, tmp_path):
    data, files = two_languages()
    result = build_course(make_course(course=data, files=files), tmp_path / "out")
    return {pkg.lang: zipfile.ZipFile(pkg.path) for pkg in result.packages}


def test_handout_is_packaged_listed_in_the_manifest_and_the_manifest_stays_valid(built):
    for lang, zf in built.items():
        names = zf.namelist()
        assert "handouts/samtale-1.html" in names and "assets/handout.css" in names
        manifest = etree.fromstring(zf.read("imsmanifest.xml"))
        listed = manifest.xpath("//cp:resource/cp:file/@href", namespaces=NS)
        assert sorted(listed) == sorted(n for n in names if n != "imsmanifest.xml" and not n.endswith(".xsd")), lang
        assert schema_errors(manifest) == []


def test_handout_is_a_document_of_its_own_in_the_course_language(built):
    nb = read_html(built["nb"].read("handouts/samtale-1.html").decode("utf-8"))
    assert nb.lang == "nb"
    assert nb.title == "Hvem er tjenesten laget for? – Demokurs"
    assert nb.scripts == 0
    for words in ("Fra kurset «Demokurs»", "Forslag: 30 minutter", "Snakk sammen i små grupper.",
                  "Hvem bruker tjenesten vår? Ca. 10 minutter", "Tenk på en bruker som ikke fikk hjelp. Hva skjedde? "
                  "Hva kunne vi gjort annerledes? Ca. 1 minutt", "Hva gjør vi nå?", "Til deg som leder møtet La alle komme til orde."):
        assert words in nb.text
    en = read_html(built["en"].read("handouts/samtale-1.html").decode("utf-8"))
    assert en.lang == "en" and en.title == "Who is the service for? – Demo course"
    assert "Suggested time: 30 minutes" in en.text and "About 1 minute" in en.text and "What now?" in en.text
    assert '<link rel="stylesheet" href="../assets/handout.css">' in built["en"].read("handouts/samtale-1.html").decode()


def test_course_page_shows_the_material_with_a_link_to_the_handout(built):
    index = built["nb"].read("index.html").decode("utf-8")
    section = index[index.index('<section class="ilm-conversation"'):]
    section = section[:section.index("</section>")]
    assert 'data-conversation="samtale-1"' in section
    assert '<h2 id="ilm-conv-samtale-1"' in section
    assert ('<a href="handouts/samtale-1.html" target="_blank" rel="noopener noreferrer" data-handout>'
            'Utskriftsvennlig versjon<span class="ilm-visually-hidden"> (åpnes i ny fane)</span></a>') in section
    # Without JavaScript the print button could do nothing: it waits, hidden, for the runtime.
    assert '<button type="button" class="ilm-button" data-action="conversation-print" hidden>' in section
    assert section.count('<li class="ilm-conversation-question">') == 3


def test_raw_html_in_a_question_is_cleaned_from_the_handout_too(make_course, tmp_path):
    data, files = two_languages()
    for lang in ("nb", "en"):
        files[f"{lang}/02-samtale.md"] = files[f"{lang}/02-samtale.md"].replace(
            "  - text: Hva gjør vi nå?", '  - text: Hva gjør vi nå? <img src=x onerror="alert(1)">').replace(
            "  - text: What now?", '  - text: What now? <img src=x onerror="alert(1)">')
    result = build_course(make_course(course=data, files=files), tmp_path / "out")
    with zipfile.ZipFile(result.packages[0].path) as zf:
        handout = zf.read("handouts/samtale-1.html").decode("utf-8")
    assert "onerror" not in handout and "Hva gjør vi nå?" in handout


def problems_of(root) -> list[str]:
    with pytest.raises(CourseError) as info:
        check_course(root)
    return [str(p)[len(root.name) + 1:] for p in info.value.problems]


def test_questions_must_fit_in_the_suggested_time(make_course):
    data, files = two_languages()
    for lang in ("nb", "en"):
        files[f"{lang}/02-samtale.md"] = files[f"{lang}/02-samtale.md"].replace("minutes: 30", "minutes: 10")
    assert problems_of(make_course(course=data, files=files)) == [
        f"{lang}/02-samtale.md:9:10: minutes: the questions' minutes add up to 11, more than the 10 suggested for the whole "
        "conversation; raise minutes here or lower them on the questions" for lang in ("en", "nb")]


def test_translation_keeps_the_questions_and_their_times(make_course):
    data, files = two_languages()
    files["en/02-samtale.md"] = TALK_EN.replace("    minutes: 1\n", "    minutes: 5\n")
    assert problems_of(make_course(course=data, files=files)) == [
        "en/02-samtale.md:19:14: questions[1].minutes: question 2 has minutes: 5 here but minutes: 1 in demo/nb/02-samtale.md; "
        "translations change only the words: use the same minutes"]
    files["en/02-samtale.md"] = TALK_EN.replace("  - text: What now?\n", "")
    assert problems_of(make_course(course=data, files=files)) == [
        "en/02-samtale.md:11:1: questions: has 2 questions, but 3 in demo/nb/02-samtale.md; translations change only the words"]
