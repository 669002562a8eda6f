"""Every question kind: its rules, its view, its runtime entry, the test policy and the saved state's size."""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

import pytest
from markupsafe import escape

from coursekit import PAGE_NB, course_data
from ilmpack.blocks import get_block
from ilmpack.blocks.question import first_order, normalize_answer, numeric_solution, question_view
from ilmpack.build import build_course
from ilmpack.errors import CourseError
from ilmpack.loader import load_course
from ilmpack.model import make_course as model_course
from ilmpack.sourcemap import parse_yaml
from ilmpack.targets.scorm12 import SUSPEND_LIMIT, suspend_data_size
from ilmpack.validate import validate_course

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "every-kind"
QUESTION = get_block("question")


def rules(text: str) -> list[str]:
    data, smap = parse_yaml(text, "p.md")
    return [str(p) for p in QUESTION.rules(data, smap)]


def problems(root: Path) -> list[str]:
    return [str(p) for p in validate_course(load_course(root))]


def test_matching_left_items_and_choices_must_differ():
    got = rules("id: q\nkind: matching\nprompt: P\npairs:\n  - {left: Ombudet, right: Råd}\n  - {left: Nemnda, right: råd}\n")
    assert got == ["p.md:6:27: pairs[1].right: is the same choice on the right (with the distractors) as on line 5; "
                   "a learner could not tell them apart: make each one different"]
    got = rules("id: q\nkind: matching\nprompt: P\npairs:\n  - {left: A, right: X}\n  - {left: B, right: Y}\ndistractors: [ 'x ']\n")
    assert got == ["p.md:7:16: distractors[0]: is the same choice on the right (with the distractors) as on line 5; "
                   "a learner could not tell them apart: make each one different"]


def test_ordering_items_must_differ():
    assert rules("id: q\nkind: ordering\nprompt: P\nitems: [Én, To, én]\n") == [
        "p.md:4:17: items[2]: is the same item as on line 4; a learner could not tell them apart: make each one different"]


def test_fill_in_answers_fit_the_field_and_differ_as_compared():
    got = rules("id: q\nkind: fill-in\nprompt: P\nmax_length: 5\nanswers: [Ærlig, ærlig, rettferdig]\n")
    assert got == [
        "p.md:5:18: answers[1]: is the same answer as answers[0] when compared as the learner's answer is "
        "(case and spaces as the settings say); remove one",
        "p.md:5:25: answers[2]: is 10 characters, longer than the 5 a learner can type; set max_length: 10 or shorten the answer",
    ]
    # Case-sensitive: Ærlig and ærlig are two answers.
    assert rules("id: q\nkind: fill-in\nprompt: P\ncase_sensitive: true\nanswers: [Ærlig, ærlig]\n") == []


def test_fill_in_compares_norwegian_letters_however_typed():
    assert normalize_answer("Blåbær  ", case_sensitive=False, normalize_whitespace=True) == "blåbær"
    assert normalize_answer("pa\u030a", case_sensitive=False, normalize_whitespace=True) == "på"
    assert normalize_answer("ÆØÅ", case_sensitive=False, normalize_whitespace=True) == "æøå"
    assert normalize_answer("ÆØÅ", case_sensitive=True, normalize_whitespace=True) == "ÆØÅ"
    assert normalize_answer(" a  b ", case_sensitive=True, normalize_whitespace=False) == " a  b "


@pytest.mark.parametrize("body, message", [
    ("answer: 3.5\nmin: 3\nmax: 4\n", "p.md:5:6: min: give either answer (with an optional tolerance) or a range min..max, not both"),
    ("", "p.md:2:7: kind: a numeric question needs its right answer: answer: 3.5 (and tolerance: 0.1 if near is good "
         "enough), or a range min: 3 and max: 4"),
    ("min: 3\n", "p.md:1:1: 'max' is missing; a range needs both min and max"),
    ("min: 4\nmax: 4\n", "p.md:5:6: max: must be above min (4); got 4"),
    ("min: 3\nmax: 4\ntolerance: 1\n", "p.md:6:12: tolerance: only goes with answer; a range min..max already says how near is good enough"),
])
def test_numeric_needs_an_answer_or_a_range(body, message):
    assert rules("id: q\nkind: numeric\nprompt: P\n" + body) == [message]


def test_numeric_solution_is_written_as_the_language_writes_numbers():
    assert numeric_solution({"answer": 3.5, "tolerance": 0.1}, "nb") == "3,5 (± 0,1)"
    assert numeric_solution({"answer": 3.5, "tolerance": 0.1}, "en") == "3.5 (± 0.1)"
    assert numeric_solution({"min": -2, "max": 4}, "nn") == "−2–4"
    assert numeric_solution({"answer": 8}, "nb") == "8"


def test_ordering_never_starts_in_the_right_order_and_always_the_same():
    for n in range(2, 8):
        for i in range(300):
            order = first_order(f"q-{i}", n)
            assert sorted(order) == list(range(n)) and order != list(range(n))
            assert order == first_order(f"q-{i}", n)


def view(text: str, scored=False, lang="nb") -> dict:
    data, _ = parse_yaml(text, "p.md")
    return question_view(data, scored=scored, inline=lambda s: escape(s), lang=lang)


def test_views_key_every_part_by_one_character():
    q = view("id: q-m\nkind: matching\nprompt: P\npairs:\n  - {left: A, right: X}\n  - {left: B, right: Y}\n"
             "  - {left: C, right: Z}\ndistractors: [W]\n")
    assert [p["key"] + "." + p["match"] for p in q["pairs"]] == ["1.a", "2.b", "3.c"]
    assert sorted(t["key"] for t in q["targets"]) == ["a", "b", "c", "d"]
    assert [t["key"] for t in q["targets"]] != ["a", "b", "c", "d"]  # the choices' order gives nothing away
    q = view("id: q-o\nkind: ordering\nprompt: P\nitems: [A, B, C]\n")
    assert [i["key"] for i in q["solution_sequence"]] == ["a", "b", "c"]
    assert [i["key"] for i in q["sequence"]] != ["a", "b", "c"]
    q = view("id: q-l\nkind: likert\nprompt: P\nweight: 3\nscale: [Nei, Kanskje, Ja]\n")
    assert [(o["key"], str(o["html"]), o["correct"]) for o in q["options"]] == [("1", "Nei", False), ("2", "Kanskje", False), ("3", "Ja", False)]
    assert q["weight"] == 0  # a likert question never counts
    assert view("id: q-f\nkind: fill-in\nprompt: P\nanswers: [Oslo, Kristiania]\n")["solution"] == "Oslo"


def page_with(*blocks: str, title="Test", test=True) -> str:
    head = f"---\ntitle: {title}\n" + ("test: true\n" if test else "") + "---\n"
    return head + "\n".join(f"```question\n{b}```\n" for b in blocks)


TF = "id: t-1\nkind: true-false\nprompt: Sant?\ncorrect: true\n"


def test_likert_on_the_test_page_must_say_it_is_unscored(make_course):
    root = make_course(files={"nb/01-start.md": PAGE_NB, "nb/02-test.md": page_with(TF, "id: t-2\nkind: likert\nprompt: P\nscale: [A, B]\n")})
    assert problems(root) == ["demo/nb/02-test.md:14:7: kind: a likert question is never right or wrong, so it cannot count in "
                              "the test; write weight: 0 to ask it on the test page unscored, or move it to another page"]
    root = make_course(files={"nb/01-start.md": PAGE_NB, "nb/02-test.md": page_with(TF, "id: t-2\nkind: likert\nprompt: P\nweight: 0\nscale: [A, B]\n")})
    assert problems(root) == []


def test_test_needs_some_weight(make_course):
    root = make_course(files={"nb/01-start.md": PAGE_NB, "nb/02-test.md": page_with(TF + "weight: 0\n")})
    assert problems(root) == ["demo/nb/02-test.md:10:9: weight: every question on the test page has weight 0, so there is "
                              "no score; give at least one question a weight above 0"]


def test_test_policy_rules(make_course):
    data = course_data(test_policy={"draw": 3, "solutions": "after-last-attempt"})
    root = make_course(course=data)
    assert problems(root) == [
        "demo/course.yaml:22:14: test_policy.solutions: after-last-attempt needs a number of attempts: add attempts "
        "(e.g. attempts: 3), or choose after-passing",
    ]
    data = course_data(test_policy={"draw": 3, "attempts": 2})
    assert problems(make_course(course=data)) == [
        "demo/course.yaml:21:9: test_policy.draw: draws 3 questions, but the test page has only 2 that count (weight above 0); "
        "draw at most 2, or add questions"]
    data = course_data(test_policy={"shuffle": True}, completion={"test": "none"})
    del data["mastery_score"]
    data["modules"][0]["pages"] = ["01-start.md"]
    assert problems(make_course(course=data, files={"nb/01-start.md": PAGE_NB})) == [
        "demo/course.yaml:17:1: test_policy: the course has no test page; remove test_policy, or add 'test: true' to the "
        "front matter of the test page"]


def test_translations_keep_answers_weights_and_counts(make_course):
    data = course_data(languages=["nb", "nn"], title={"nb": "D", "nn": "D"}, description={"nb": "D", "nn": "D"})
    data["modules"][0]["title"] = {"nb": "Del", "nn": "Del"}
    nb = page_with(TF, "id: t-2\nkind: numeric\nprompt: P\nanswer: 3.5\nweight: 2\n",
                   "id: t-3\nkind: ordering\nprompt: P\nitems: [A, B, C]\n",
                   "id: t-4\nkind: fill-in\nprompt: P\nanswers: [hus]\n")
    nn = page_with(TF, "id: t-2\nkind: numeric\nprompt: P\nanswer: 3.6\n",
                   "id: t-3\nkind: ordering\nprompt: P\nitems: [A, B]\n",
                   "id: t-4\nkind: fill-in\nprompt: P\nanswers: [hus, heim]\n")
    root = make_course(course=data, files={"nb/01-start.md": PAGE_NB, "nn/01-start.md": PAGE_NB,
                                           "nb/02-test.md": nb, "nn/02-test.md": nn})
    assert problems(root) == [
        "demo/nn/02-test.md:13:1: 'weight' is missing here but is 2 in demo/nb/02-test.md; translations change only the "
        "words, not the answers: add weight: 2",
        "demo/nn/02-test.md:16:9: answer: is 3.6 here but 3.5 in demo/nb/02-test.md; translations change only the words, not the answers",
        "demo/nn/02-test.md:23:1: items: has 2 items, but 3 in demo/nb/02-test.md; translations change only the words",
    ]


def test_fixture_course_builds_with_every_kind_in_its_config(tmp_path):
    result = build_course(FIXTURE, tmp_path)
    with zipfile.ZipFile(result.packages[0].path) as z:
        html = z.read("index.html").decode()
    config = json.loads(re.search(r'id="ilmpack-config">(.*?)</script>', html, re.S).group(1))
    kinds = {q["kind"] for q in config["questions"].values()}
    assert kinds == {"single", "multiple", "true-false", "matching", "ordering", "fill-in", "numeric", "likert"}
    assert config["testPolicy"] == {"attempts": 3, "solutions": "after-passing", "shuffle": True, "draw": None}
    assert config["questions"]["t-match"] == {"kind": "matching", "scored": True, "page": "02-test", "weight": 2,
                                              "sources": ["1", "2", "3"], "targets": ["a", "b", "c"],
                                              "correct": ["1.a", "2.b", "3.c"]}
    assert config["questions"]["t-num"] == {"kind": "numeric", "scored": True, "page": "02-test", "weight": 1,
                                            "answer": 25, "tolerance": 0.5}
    assert config["questions"]["t-likert"]["weight"] == 0
    # A fill-in's answers are words of the language: in the markup, not in the (language-free) config.
    assert config["questions"]["t-fill"] == {"kind": "fill-in", "scored": True, "page": "02-test", "weight": 1,
                                             "caseSensitive": False, "normalizeWhitespace": True, "maxLength": 40}
    assert """data-answers='["LDO"]'""" in html
    # Explanations and right answers of test questions are in the page, for the result to show.
    assert '<template data-explanation>Likeverdig betyr lik i virkning.</template>' in html
    assert "<strong>Riktig svar:</strong> 25 (± 0,5)</p>" in html


def test_fixture_course_saved_state_worst_case():
    course = model_course(load_course(FIXTURE))
    essential, worst = suspend_data_size(course, "nb")
    # head "2|" + fingerprint 7 + "|" + 1 hex digit of viewed pages; the question slice "|" +
    # ";;" + the test's "100:9:3:" (9 test questions, 3 attempts) + the round ";xxxxxxxx:" (the
    # seed for shuffle, no draw); answers: t-single 1, t-multiple 3, t-tf 1, t-match 3, t-order 4,
    # t-fill 120, t-num 20, t-range 20, t-likert 1 (+8 commas); knowledge checks k-match 2,
    # k-order 4, k-fill 120, k-ord 120, k-num 20, k-likert 1 (+5 commas).
    assert essential == 2 + 7 + 1 + 1 + 1 + 3 + 8 + 9
    assert worst == essential + (1 + 3 + 1 + 3 + 4 + 120 + 20 + 20 + 1 + 8) + (2 + 4 + 120 + 120 + 20 + 1 + 5)
    assert worst < SUSPEND_LIMIT


def test_build_refuses_a_course_whose_saved_answers_may_not_fit(make_course, tmp_path):
    blocks = [f"id: k-{i}\nkind: fill-in\nprompt: P\nmax_length: 200\nanswers: [svar]\n" for i in range(7)]
    root = make_course(files={"nb/01-start.md": page_with(*blocks, title="Øv", test=False), "nb/02-test.md": page_with(TF)})
    with pytest.raises(CourseError) as e:
        build_course(root, tmp_path / "out")
    assert [str(p) for p in e.value.problems] == [
        "demo/nb/01-start.md:16:13: max_length: nb: a learner's saved answers may need 4231 characters, over SCORM 1.2's "
        "4096 (the LMS would refuse them and answers would be lost on resume); this ```question block takes the most "
        "(601): lower max_length (now 200): a typed answer may take 3 characters a letter, or split the course"]
    assert not (tmp_path / "out").exists()


def test_fill_in_answers_differ_by_language_but_the_state_carries_across(make_course, tmp_path):
    data = course_data(languages=["nb", "nn"], title={"nb": "D", "nn": "D"}, description={"nb": "D", "nn": "D"})
    data["modules"][0]["title"] = {"nb": "Del", "nn": "Del"}
    fill = "id: t-2\nkind: fill-in\nprompt: P\nanswers: [{}]\n"
    root = make_course(course=data, files={"nb/01-start.md": PAGE_NB, "nn/01-start.md": PAGE_NB,
                                           "nb/02-test.md": page_with(TF, fill.format("hus")),
                                           "nn/02-test.md": page_with(TF, fill.format("hus, heim"))})
    result = build_course(root, tmp_path / "out")
    configs = {}
    for package in result.packages:
        with zipfile.ZipFile(package.path) as z:
            html = z.read("index.html").decode()
        configs[package.lang] = json.loads(re.search(r'id="ilmpack-config">(.*?)</script>', html, re.S).group(1))
    assert configs["nb"]["fingerprint"] == configs["nn"]["fingerprint"]
    assert configs["nb"]["questions"] == configs["nn"]["questions"]
