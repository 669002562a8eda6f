"""The block-kind registry: every kind is one module, one schema and one template, found by name."""

from __future__ import annotations

from ilmpack.blocks import block_kinds, get_block
from ilmpack.resources import data_dir


def test_every_registered_kind_has_a_schema_and_a_template():
    schemas = {p.name.split(".")[0] for p in (data_dir("schemas") / "blocks").glob("*.schema.json")}
    templates = {p.stem for p in (data_dir("templates") / "blocks").glob("*.html")}
    assert block_kinds() == schemas
    assert block_kinds() <= templates
    for name in block_kinds():
        assert get_block(name).name == name


def test_question_kind_checks_its_answers_beyond_the_schema(make_course):
    from ilmpack.sourcemap import parse_yaml

    data, smap = parse_yaml("id: q\nkind: single\nprompt: P\noptions:\n  - text: A\n  - text: B\n", "p.md")
    got = [str(p) for p in get_block("question").rules(data, smap)]
    assert got == ["p.md:4:1: options: a single-choice question needs exactly one option with correct: true; it has 0"]
