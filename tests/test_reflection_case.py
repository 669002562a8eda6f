"""The ```reflection and ```case blocks: their rules, their HTML, what the runtime is told."""

from __future__ import annotations

import json
import re
import zipfile

from ilmpack.blocks import get_block
from ilmpack.blocks.case import best_points
from ilmpack.cli import main
from ilmpack.sourcemap import parse_yaml

from coursekit import course_data

REFLECTION = """\
---
title: Refleksjon
---
```reflection
id: r-tjeneste
prompt: Hvem er tjenesten **laget for**?
guide:
  - Hvem bruker den mest?
  - Hvem bruker den ikke?
```
"""

CASE = """\
---
title: Case
test: {test}
---
```case
id: c-skranken
title: Ved skranken
start: a
scored: {scored}
steps:
  - id: a
    text: Start.
    choices:
      - text: God
        goto: b
        consequence: Bra.
        points: 2
      - text: Dårlig
        goto: c
        consequence: Ikke bra.
  - id: b
    text: Midten.
    choices:
      - text: Avslutt
        goto: d
        consequence: Ferdig.
        points: 1
  - id: c
    text: Omvei.
    choices:
      - text: Tilbake på sporet
        goto: b
        consequence: Greit.
  - id: d
    text: Slutt.
    outcome: Godt utfall.
```
"""


def _rules(kind: str, text: str) -> list[str]:
    data, smap = parse_yaml(text, "p.md")
    return [str(p) for p in get_block(kind).rules(data, smap)]


def _built(make_course, runner, tmp_path, course, files) -> str:
    make_course(course=course, files=files)
    result = runner.invoke(main, ["build", "demo", "--out", "out"])
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(next((tmp_path / "out").glob("*.zip"))) as zf:
        return zf.read("index.html").decode("utf-8")


def _config(html: str) -> dict:
    return json.loads(re.search(r'id="ilmpack-config">(.*?)</script>', html, re.S).group(1))


def test_best_path_is_the_most_points_to_an_end():
    steps = {"a": [["b", 2], ["c", 0]], "b": [["d", 1]], "c": [["b", 0], ["d", 5]], "d": []}
    assert best_points(steps, "a") == 5
    assert best_points(steps, "b") == 1


def test_a_step_that_cannot_reach_an_end_is_a_warning():
    text = """id: c
title: T
start: a
steps:
  - {id: a, text: A, choices: [{text: x, goto: b, consequence: y}, {text: z, goto: e, consequence: w}]}
  - {id: b, text: B, choices: [{text: x, goto: b, consequence: y}]}
  - {id: e, text: E, outcome: O}
"""
    assert _rules("case", text) == ["p.md:6:10: warning: steps[1].id: no end step can be reached from step 'b'; the learner "
                                    "can only go back from it: let one of its paths end in an outcome"]


def test_a_scored_case_needs_points():
    text = "id: c\ntitle: T\nstart: a\nscored: true\nsteps:\n  - {id: a, text: A, choices: [{text: x, goto: e, consequence: y}]}\n  - {id: e, text: E, outcome: O}\n"
    assert _rules("case", text) == ["p.md:4:9: scored: the case is scored but no choice has points; give the better choices "
                                    "points: (a whole number 0-100), or remove scored: true"]


def test_reflection_renders_a_labelled_text_box_and_keeps_the_text_local_by_default(make_course, runner, tmp_path):
    course = course_data(completion={"pages": 100, "test": "none"}, modules=[{"id": "m", "title": {"nb": "M"}, "pages": ["01-r.md"]}])
    del course["mastery_score"]
    html = _built(make_course, runner, tmp_path, course, {"nb/01-r.md": REFLECTION})
    assert '<label class="ilm-reflection-label" for="ilm-r-r-tjeneste-text">Ditt svar</label>' in html
    assert 'aria-describedby="ilm-r-r-tjeneste-prompt ilm-r-r-tjeneste-guide ilm-r-r-tjeneste-privacy"' in html
    assert "<strong>laget for</strong>" in html
    assert "<li>Hvem bruker den ikke?</li>" in html
    assert "får bare vite at du har svart" in html
    assert _config(html)["reflections"] == {"r-tjeneste": {"page": "01-r"}}
    assert "data-send-text" not in html


def test_send_text_option_reaches_the_runtime_and_the_learner_is_told(make_course, runner, tmp_path):
    course = course_data(completion={"pages": 100, "test": "none"}, reflections={"send_text": True},
                         modules=[{"id": "m", "title": {"nb": "M"}, "pages": ["01-r.md"]}])
    del course["mastery_score"]
    html = _built(make_course, runner, tmp_path, course, {"nb/01-r.md": REFLECTION})
    assert '<div class="ilm-reflection" data-reflection="r-tjeneste" data-send-text' in html
    assert "de første 255 tegnene sendes" in html


def test_case_is_scored_only_on_the_test_page(make_course, runner, tmp_path):
    course = course_data(modules=[{"id": "m", "title": {"nb": "M"}, "pages": ["01-c.md", "02-t.md"]}])
    html = _built(make_course, runner, tmp_path, course, {"nb/01-c.md": CASE.format(test="false", scored="true"),
                                                           "nb/02-t.md": CASE.format(test="true", scored="true").replace("c-skranken", "c-test")})
    cases = _config(html)["cases"]
    assert cases["c-skranken"]["scored"] is False and cases["c-skranken"]["best"] is None
    assert cases["c-test"] == {"page": "02-t", "start": "a", "scored": True, "best": 3,
                               "steps": {"a": [["b", 2], ["c", 0]], "b": [["d", 1]], "c": [["b", 0]], "d": []}}
    # every step is in the page, the start first; choices are buttons with their consequence beside them
    assert html.count('data-step="') == 8
    assert '<button type="button" class="ilm-button ilm-case-choice" data-choice="1" data-goto="c">Dårlig</button>' in html
    assert '<template data-consequence="1">Ikke bra.</template>' in html


def test_state_size_of_a_case_is_its_longest_path_or_the_cap_when_it_loops():
    from ilmpack.blocks.case import PATH_MAX

    straight = {"id": "c-1", "start": "a", "steps": [{"id": "a", "choices": [{"goto": "b"}, {"goto": "c"}]},
                                        {"id": "b", "choices": [{"goto": "c"}]}, {"id": "c"}]}
    looping = {"id": "c-2", "start": "a", "steps": [{"id": "a", "choices": [{"goto": "b"}]},
                                       {"id": "b", "choices": [{"goto": "a"}, {"goto": "c"}]}, {"id": "c"}]}
    def size(kind, blocks):
        share = get_block(kind).state_size([(b, False) for b in blocks], {}, {})
        return share.essential, share.worst

    assert size("case", [straight]) == (0, 2)
    assert size("case", [straight, looping]) == (0, 2 + PATH_MAX + 1)
    assert get_block("case").state_size([(straight, False), (looping, False)], {}, {}).blocks == {"c-1": 2, "c-2": PATH_MAX + 1}
    assert size("reflection", [{}, {}, {}]) == (3, 3)
