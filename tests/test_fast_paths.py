"""Shortcuts taken for speed give the same answers as the full work they skip."""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, given, settings  # a test extra: the README's test command installs it
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from ilmpack import schemacheck
from ilmpack.loader import load_course
from ilmpack.gfm import walk
from ilmpack.pages import hazards_in, read_page
from ilmpack.resources import data_dir, load_schema
from ilmpack.sanitize import find_hazards

from coursekit import ROOT, SAMPLE

# Pieces that make hazards, near-hazards and the letters re.IGNORECASE takes for ASCII ones.
PIECES = ["java", "script", "vb", "data", "DATA", "Scr", "ipt", ":", " ", "\n", "\u00a0", "\t", "<", ">", "a", "on",
          "click", "=", "x", "Lov", "\u017f", "\u0130", "\u0131", "\u212a", "[l](", ")", "`"]


@settings(max_examples=2000, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=14).map("".join))
def test_the_hazard_prefilter_finds_what_the_full_scan_finds(text):
    assert hazards_in(text) == find_hazards(text)


def test_the_hazard_prefilter_keeps_every_kind_of_hazard():
    for text, what in [("Se [Lovdata](https://lovdata.no) og data: her", "a data: link"),
                       ("[x](java\u017fcript:alert(1))", "a java\u017fcript: link"),
                       ("<img src=x onerror=alert(1)>", "the event handler onerror= in raw HTML"),
                       ("<script>", "<script> in raw HTML")]:
        assert [w for _, _, w in hazards_in(text)] == [what], text
    assert hazards_in("Les mer på [Lovdata](https://lovdata.no/lov) og i scriptet.") == []


def test_a_page_finds_links_form_fields_and_hazards_where_they_are():
    text = ("---\ntitle: T\n---\nTekst uten lenker.\n\nSe [Lovdata](https://lovdata.no) og ![Bilde](../media/a.png).\n\n"
            "`<script>` i kode er trygt.\n\n<textarea></textarea> og <a href=\"x.pdf\" onclick=\"y\">z</a>\n\n[ref]: b.pdf\n[x][ref]\n")
    page = read_page(text, "nb/a.md", frozenset({"question"}))
    nodes = []
    walk(page.markdown, lambda node: nodes.append((node.kind, node.value, node.line, node.column)))
    assert nodes == [("link", "https://lovdata.no", 6, 14), ("image", "../media/a.png", 6, 46),
                     ("html", '<textarea></textarea> og <a href="x.pdf" onclick="y">z</a>\n', 10, 1), ("link", "b.pdf", 12, 8)]
    assert page.form_fields == [(10, 1, "textarea")]
    assert page.hazards == [(10, 42, "the event handler onclick= in raw HTML")]


# --- schemacheck: the yes/no answer jsonschema would give ---------------------------------------

SCHEMAS = sorted(p.relative_to(data_dir("schemas")).as_posix()[: -len(".schema.json")]
                 for p in data_dir("schemas").rglob("*.schema.json"))


def _examples() -> dict[str, list]:
    """Valid data of every schema, from the sample course and the fixture courses."""
    out: dict[str, list] = {name: [] for name in SCHEMAS}
    for course in [SAMPLE, *sorted(p.parent for p in (ROOT / "tests" / "fixtures").glob("*/course.yaml"))]:
        loaded = load_course(course)
        out["course"].append(loaded.data)
        for page in loaded.pages.values():
            out["page"].append(page.meta)
            for block in page.blocks:
                out[f"blocks/{block.kind}"].append(block.data)
    return out


EXAMPLES = _examples()
# Values that sit on the schemas' edges: wrong types, bools that are not numbers, floats that are integers.
ODD = [None, True, False, 0, 1, 1.0, 2.5, -1, 100, 101, "", "x", "a-b", "Æ", "nb", "single", [], [1, 1], {}, {"nb": ""}]


def _mutate(value, path: list, choice, replacement):
    """`value` with the node at `path` (indexes into its keys/items) replaced, removed or given an extra key."""
    if not path:
        return replacement
    if isinstance(value, dict) and value:
        keys = list(value)
        key = keys[path[0] % len(keys)]
        out = dict(value)
        if choice == "drop" and len(path) == 1:
            del out[key]
        elif choice == "add" and len(path) == 1:
            out[f"extra{path[0]}"] = replacement
        else:
            out[key] = _mutate(value[key], path[1:], choice, replacement)
        return out
    if isinstance(value, list) and value:
        i = path[0] % len(value)
        out = list(value)
        if choice == "drop" and len(path) == 1:
            del out[i]
        elif choice == "add" and len(path) == 1:
            out.append(replacement)
        else:
            out[i] = _mutate(value[i], path[1:], choice, replacement)
        return out
    return replacement


@pytest.mark.parametrize("name", SCHEMAS)
def test_every_schema_compiles_and_accepts_the_courses_data(name):
    assert EXAMPLES[name] or name in ("blocks/case",), name  # every kind has an example somewhere
    for data in EXAMPLES[name]:
        assert schemacheck.is_valid(name, data) is Draft202012Validator(load_schema(name)).is_valid(data)


@pytest.mark.parametrize("name", SCHEMAS)
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_schemacheck_agrees_with_jsonschema_on_damaged_data(name, data):
    examples = EXAMPLES[name] or [{}]
    value = data.draw(st.sampled_from(examples))
    for _ in range(data.draw(st.integers(1, 3))):
        path = data.draw(st.lists(st.integers(0, 20), min_size=0, max_size=4))
        choice = data.draw(st.sampled_from(["set", "drop", "add"]))
        value = _mutate(value, path, choice, data.draw(st.sampled_from(ODD)))
    assert schemacheck.is_valid(name, value) is Draft202012Validator(load_schema(name)).is_valid(value), value


def test_schemacheck_refuses_a_keyword_it_does_not_implement():
    with pytest.raises(schemacheck.UnknownKeyword) as caught:
        schemacheck._compile({"type": "string", "format": "email"}, {}, {})
    assert str(caught.value) == "JSON Schema keyword(s) format not implemented in schemacheck.py"


def test_real_path_is_realpath_even_when_a_folder_becomes_a_link(tmp_path):
    """The folder memo must never hide a link: a folder swapped for a link to outside the course
    between two builds (a long preview session) resolves to where the link points."""
    from ilmpack.paths import real_path

    course, outside = tmp_path / "kurs", tmp_path / "ute"
    (course / "media").mkdir(parents=True)
    outside.mkdir()
    for folder in (course / "media", outside):
        (folder / "bilde.png").write_bytes(b"x")
    (course / "media" / "lenke.png").symlink_to(outside / "bilde.png")
    for written in ("nb/../media/bilde.png", "media/lenke.png", "media/.", "media/..", "media/mangler.png"):
        (course / "nb").mkdir(exist_ok=True)
        path = os.path.join(str(course), written)
        assert real_path(path) == os.path.realpath(path), written
    path = os.path.join(str(course), "media/bilde.png")
    assert real_path(path) == str(course / "media" / "bilde.png")
    (course / "media").rename(course / "gammel")
    (course / "media").symlink_to(outside)
    assert real_path(path) == str(outside / "bilde.png") == os.path.realpath(path)


# --- precompiled: the templates the wheel carries compiled ---------------------------------------

def test_a_shipped_compiled_template_is_what_jinja_compiles_and_only_for_its_source(tmp_path, monkeypatch):
    from jinja2 import Environment, StrictUndefined

    from ilmpack import precompiled
    from ilmpack.render import _PackagedLoader

    folder = data_dir("templates")
    precompiled.compile_templates(folder, tmp_path)  # as hatch_build.py does for the wheel
    monkeypatch.setattr(precompiled, "SHIPPED", tmp_path)
    precompiled.index.cache_clear()
    try:
        env = Environment(loader=_PackagedLoader(str(folder)), undefined=StrictUndefined, **precompiled.OPTIONS)
        names = sorted(precompiled.index()["templates"])
        assert {"index.html", "blocks/question.html", "reports/a11y-nb.md"} <= set(names)
        for name in names:
            source, filename, _ = env.loader.get_source(env, name)
            code = precompiled.compiled(env, name, source, filename)
            assert code is not None and code == env.compile(source, name, filename), name
            assert code.co_filename == filename  # tracebacks and template errors name the template file
        source, filename, _ = env.loader.get_source(env, "index.html")
        assert precompiled.compiled(env, "index.html", source + "\n", filename) is None  # an edited template
        assert precompiled.compiled(env, "blocks/film.html", source, filename) is None  # another template's source
        trimmed = Environment(loader=env.loader, undefined=StrictUndefined, trim_blocks=True, **precompiled.OPTIONS)
        assert precompiled.compiled(trimmed, "index.html", source, filename) is None  # other options
        assert env.get_template("index.html").filename == filename
    finally:
        precompiled.index.cache_clear()


TEXT_PIECES = ["Sant", " ", "  ", "\n", "\t", "\u00a0", "\u2028", "&", "<", ">", "*", "_", "`", "1.", "-", "#", "æø",
               "[l](https://x.no)", "<b>", "&amp;", "\\", "😀"]


@settings(max_examples=1500, deadline=None)
@given(st.lists(st.sampled_from(TEXT_PIECES), max_size=10).map("".join))
def test_an_option_without_markup_is_named_in_xapi_as_the_full_conversion_names_it(text):
    """xAPI language maps take a question's texts as plain text: the shortcut for HTML with no
    markup gives what reading it through lxml gives."""
    import re

    from lxml import html as lxml_html

    from ilmpack.render import inline_markdown
    from ilmpack.targets.xapi import plain_text

    html = str(inline_markdown(text))
    full = re.sub(r"\s+", " ", lxml_html.fragment_fromstring(html, create_parent="div").text_content()).strip() if html else ""
    assert plain_text(text) == full
