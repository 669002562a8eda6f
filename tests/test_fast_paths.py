"""Shortcuts taken for speed give the same answers as the full work they skip."""

from __future__ import annotations

from hypothesis import given, settings  # a test extra: the README's test command installs it
from hypothesis import strategies as st

from ilmpack.pages import hazards_in, read_page
from ilmpack.sanitize import find_hazards

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
            "`<script>` i kode er trygt.\n\n<textarea></textarea> og <a href=\"x.pdf\" onclick=\"y\">z</a>\n\n[ref]: b.pdf\n")
    page = read_page(text, "nb/a.md", frozenset({"question"}))
    assert [(link.kind, link.url, link.line, link.column) for link in page.links] == [
        ("link", "https://lovdata.no", 6, 14), ("image", "../media/a.png", 6, 46), ("raw", "x.pdf", 10, 35), ("ref", "b.pdf", 12, 8)]
    assert page.form_fields == [(10, 1, "textarea")]
    assert page.hazards == [(10, 42, "the event handler onclick= in raw HTML")]
