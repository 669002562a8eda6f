"""Course errors: each bad input gives one clear message with file, line, column and key path."""

from __future__ import annotations


import pytest

from ilmpack.build import check_course
from ilmpack.errors import CourseError

from coursekit import PAGE_NB, TEST_NB, course_data


def problems_of(root) -> list[str]:
    """The printed problem lines, with the course folder prefix cut for readability."""
    with pytest.raises(CourseError) as info:
        check_course(root)
    prefix = root.name + "/"
    return [str(p)[len(prefix):] if str(p).startswith(prefix) else str(p) for p in info.value.problems]


def test_valid_course_builds_model(make_course):
    course = check_course(make_course()).course
    assert course.id == "demo"
    assert [p.id for p in course.pages_in("nb")] == ["01-start", "02-test"]
    assert course.completion.test == "passed" and course.mastery_score == 80


def test_malformed_yaml_names_line_and_column(make_course):
    root = make_course(course="id: demo\ntitle: {nb: Demo\nlanguages: [nb]\n")
    assert problems_of(root) == [
        "course.yaml:2:8: not valid YAML: the mapping opened with '{' here is never closed; close it with '}', "
        "or put the value in quotes if '{' is part of the text",
    ]


def test_tab_indentation_is_explained(make_course):
    root = make_course(course="id: demo\ntitle:\n\tnb: Demo\n")
    assert problems_of(root) == ["course.yaml:3:1: a tab character is not allowed in YAML; indent with spaces"]


def test_unknown_key_suggests_the_right_one(make_course):
    data = course_data()
    data["titel"] = data.pop("title")
    got = problems_of(make_course(course=data))
    assert not any("is missing" in line for line in got)  # the typo is the one problem, said once
    assert any(line.endswith("titel: unknown key 'titel'; did you mean 'title'?") for line in got)


def test_wrong_type_says_what_was_expected(make_course):
    text = "\n".join([
        "id: demo", "languages: [nb]", "title: {nb: Demo}", "description: {nb: D}",
        "mastery_score: åtti", "modules:", "  - id: m1", "    title: {nb: M}", "    pages: [01-start.md, 02-test.md]", "",
    ])
    assert problems_of(make_course(course=text)) == ["course.yaml:5:16: mastery_score: expected a whole number, got 'åtti'"]


def test_mastery_score_out_of_range(make_course):
    got = problems_of(make_course(course=course_data(mastery_score=150)))
    assert got == ["course.yaml:9:16: mastery_score: must be between 0 and 100; got 150"]


def test_duplicate_key_is_an_error(make_course):
    text = "id: demo\nid: other\n"
    assert problems_of(make_course(course=text)) == ["course.yaml:2:1: id: duplicate key (first given on line 1); keep one of them"]


def test_missing_page_names_language_file(make_course):
    root = make_course(files={"nb/01-start.md": PAGE_NB})
    assert problems_of(root) == [
        "course.yaml:19:5: modules[0].pages[1]: no such file 'nb/02-test.md' (each language folder must hold every page)",
    ]


def test_missing_translation_is_reported(make_course):
    data = course_data(languages=["nb", "nn"], title={"nb": "D", "nn": "D"}, description={"nb": "D", "nn": "D"})
    data["modules"][0]["title"]["nn"] = "Del 1"
    root = make_course(course=data, files={"nb/01-start.md": PAGE_NB, "nb/02-test.md": TEST_NB, "nn/01-start.md": PAGE_NB})
    assert problems_of(root) == [
        "course.yaml:23:5: modules[0].pages[1]: no such file 'nn/02-test.md' (each language folder must hold every page; "
        "while a translation is unfinished, build the other languages with --lang)",
    ]


def test_misspelt_case_gets_a_hint(make_course):
    page = PAGE_NB + "\n![Bilde](../media/Figur.PNG)\n"
    root = make_course(files={"nb/01-start.md": page, "nb/02-test.md": TEST_NB, "media/figur.png": b"\x89PNG"})
    assert problems_of(root) == [
        "nb/01-start.md:16:10: no such file '../media/Figur.PNG'; did you mean 'figur.png'? (names are case-sensitive on the LMS)",
    ]


def test_path_leaving_the_course(make_course):
    data = course_data()
    data["modules"][0]["pages"][0] = "../../secret.md"
    root = make_course(course=data)
    assert problems_of(root) == ["course.yaml:18:5: modules[0].pages[0]: '../../secret.md' leaves the course folder; keep files inside demo/"]


def test_absolute_media_path(make_course):
    page = PAGE_NB + "\n![x](/etc/passwd)\n"
    root = make_course(files={"nb/01-start.md": page, "nb/02-test.md": TEST_NB})
    assert problems_of(root) == [
        "nb/01-start.md:16:6: '/etc/passwd' is an absolute path; write it relative to this file, inside the course folder",
    ]


def test_symlink_out_of_the_course(make_course, tmp_path):
    outside = tmp_path / "outside.png"
    outside.write_bytes(b"x")
    page = PAGE_NB + "\n![x](../media/link.png)\n"
    root = make_course(files={"nb/01-start.md": page, "nb/02-test.md": TEST_NB})
    (root / "media").mkdir()
    (root / "media" / "link.png").symlink_to(outside)
    assert problems_of(root) == [
        "nb/01-start.md:16:6: '../media/link.png' is a link that points outside the course folder; keep files inside demo/",
    ]


def test_duplicate_block_ids(make_course):
    test = TEST_NB.replace("id: t-2", "id: t-1")
    root = make_course(files={"nb/01-start.md": PAGE_NB, "nb/02-test.md": test})
    assert problems_of(root) == [
        "nb/02-test.md:13:5: id: duplicate block id 't-1' (first at demo/nb/02-test.md:6); ids must be unique in the course",
    ]


def test_block_error_located_inside_markdown(make_course):
    page = PAGE_NB.replace("    correct: true", "    correct: maybe")
    root = make_course(files={"nb/01-start.md": page, "nb/02-test.md": TEST_NB})
    assert problems_of(root) == ["nb/01-start.md:13:14: options[1].correct: expected true or false, got 'maybe'"]


def test_single_choice_needs_one_right_answer(make_course):
    page = PAGE_NB.replace("    correct: true\n", "")
    root = make_course(files={"nb/01-start.md": page, "nb/02-test.md": TEST_NB})
    assert problems_of(root) == [
        "nb/01-start.md:10:1: options: a single-choice question needs exactly one option with correct: true; it has 0",
    ]


def test_question_id_must_be_ascii(make_course):
    page = PAGE_NB.replace("id: q-sjekk", "id: spørsmål 1")
    root = make_course(files={"nb/01-start.md": page, "nb/02-test.md": TEST_NB})
    assert problems_of(root) == [
        "nb/01-start.md:7:5: id: 'spørsmål 1' must be a-z, 0-9 and '-', starting with a letter (no spaces, no æøå); LMS reports use it; "
        "write it as 'sporsmal-1'",
    ]


def test_translations_must_keep_the_answers(make_course):
    data = course_data(languages=["nb", "nn"], title={"nb": "D", "nn": "D"}, description={"nb": "D", "nn": "D"})
    data["modules"][0]["title"]["nn"] = "Del 1"
    nn_test = TEST_NB.replace("correct: true\n```", "correct: false\n```", 1)
    root = make_course(course=data, files={"nb/01-start.md": PAGE_NB, "nb/02-test.md": TEST_NB,
                                           "nn/01-start.md": PAGE_NB, "nn/02-test.md": nn_test})
    assert problems_of(root) == [
        "nn/02-test.md:9:10: correct: is false here but true in demo/nb/02-test.md; translations change only the words, not the answers",
    ]


def test_all_problems_are_reported_at_once(make_course):
    page = PAGE_NB.replace("title: Første side", "tittel: Første side")
    test = TEST_NB.replace("kind: true-false", "kind: yes-no")
    root = make_course(files={"nb/01-start.md": page, "nb/02-test.md": test})
    assert problems_of(root) == [
        "nb/01-start.md:2:1: tittel: unknown key 'tittel'; did you mean 'title'?",
        "nb/02-test.md:7:7: kind: must be one of single, multiple, true-false, matching, ordering, fill-in, numeric, likert; got 'yes-no'",
    ]


def test_non_utf8_page(make_course):
    root = make_course(files={"nb/01-start.md": "---\ntitle: Bl\xe5\n---\n".encode("latin-1"), "nb/02-test.md": TEST_NB})
    assert problems_of(root) == ["nb/01-start.md:2:10: the file is not UTF-8 text; save it as UTF-8 in your editor"]


def test_mastery_score_without_test_is_refused(make_course):
    data = course_data(completion={"test": "none"})
    data["modules"][0]["pages"] = ["01-start.md"]
    got = problems_of(make_course(course=data, files={"nb/01-start.md": PAGE_NB}))
    assert got == [
        "course.yaml:9:16: mastery_score: is only used with completion test: passed; remove it "
        "(an LMS would turn 'completed' into passed/failed by it)",
    ]


def test_script_in_markdown_is_stripped_with_a_located_warning(make_course, tmp_path):
    import zipfile

    from ilmpack.build import build_course

    page = PAGE_NB + '\nTekst <span onclick="steal()">her</span>.\n\n<script>alert(1)</script>\n'
    root = make_course(files={"nb/01-start.md": page, "nb/02-test.md": TEST_NB.replace("prompt: Sant?", "prompt: Sant? <img src=x onerror=y>")})
    result = build_course(root, tmp_path / "out")
    assert [str(w).replace("demo/", "") for w in result.warnings] == [
        "nb/01-start.md:16:13: warning: the event handler onclick= in raw HTML is removed from the package, since it could "
        "run inside the LMS; if you wrote or checked this HTML, set trusted_html: true in course.yaml",
        "nb/01-start.md:18:1: warning: <script> in raw HTML is removed from the package, since it could run inside the LMS; "
        "if you wrote or checked this HTML, set trusted_html: true in course.yaml",
        "nb/02-test.md:8:9: warning: prompt: the event handler onerror= in raw HTML is removed from the package, since it "
        "could run inside the LMS; if you wrote or checked this HTML, set trusted_html: true in course.yaml",
    ]
    with zipfile.ZipFile(result.packages[0].path) as zf:
        html = zf.read("index.html").decode()
    assert "steal()" not in html and "alert(1)" not in html and "onerror" not in html
    assert "<span>her</span>" in html


def test_trusted_html_is_kept(make_course, tmp_path):
    import zipfile

    from ilmpack.build import build_course

    page = PAGE_NB + '\n<span onclick="track()">her</span>\n'
    root = make_course(course=course_data(trusted_html=True), files={"nb/01-start.md": page, "nb/02-test.md": TEST_NB})
    result = build_course(root, tmp_path / "out")
    assert result.warnings == ()
    with zipfile.ZipFile(result.packages[0].path) as zf:
        assert '<span onclick="track()">her</span>' in zf.read("index.html").decode()


def test_schema_errors_do_not_hide_other_rules(make_course):
    data = course_data(colour="blue")
    data["modules"].append({"id": "m1", "title": {"nb": "Igjen"}, "pages": ["01-start.md"]})
    got = problems_of(make_course(course=data))
    assert got == [
        "course.yaml:20:7: modules[1].id: duplicate module id 'm1' (first on line 14); each must be unique",
        "course.yaml:24:5: modules[1].pages[0]: duplicate page '01-start.md' (first on line 18); each must be unique",
        "course.yaml:25:1: colour: unknown key 'colour'; allowed keys: completion, description, id, languages, "
        "mastery_score, modules, reflections, test_policy, title, trusted_html, version, xapi",
    ]


def test_translation_rules_run_when_there_are_only_warnings(make_course):
    data = course_data(languages=["nb", "nn"], title={"nb": "D", "nn": "D"}, description={"nb": "D", "nn": "D"})
    data["modules"][0]["title"]["nn"] = "Del 1"
    page = PAGE_NB + "\n<script>x()</script>\n"  # a warning only
    nn_test = TEST_NB.replace("id: t-2", "id: t-9")
    root = make_course(course=data, files={"nb/01-start.md": page, "nb/02-test.md": TEST_NB,
                                           "nn/01-start.md": PAGE_NB, "nn/02-test.md": nn_test})
    got = [line for line in problems_of(root) if "warning" not in line]
    assert got == ["nn/02-test.md:13:5: id: 't-9' is 't-2' in demo/nb/02-test.md; translations change only the words: use the same id"]


def test_yaml_error_after_a_next_line_character_is_located_not_a_crash():
    # PyYAML ends a line at U+0085 (NEL), U+2028 and U+2029 too; the explanation must count lines the same way.
    from ilmpack.sourcemap import parse_yaml

    with pytest.raises(ValueError) as info:
        parse_yaml("a: 1\x85\x85\x85b: [x\n", "c.yaml")
    assert [str(p) for p in info.value.args[0]] == [
        "c.yaml:4:4: not valid YAML: the list opened with '[' here is never closed; close it with ']', "
        "or put the value in quotes if '[' is part of the text"]
