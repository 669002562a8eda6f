"""The player speaks every course language: each interface text exists in nb, nn and en, and
every HTML file of a package says which language it is in."""

from __future__ import annotations

import re
import zipfile

import yaml

from coursekit import ROOT, SAMPLE
from ilmpack.build import build_course

LANGS = ("nb", "nn", "en")


def test_every_interface_text_exists_in_every_catalog_with_the_same_placeholders():
    catalogs = yaml.safe_load((ROOT / "templates" / "strings.yaml").read_text(encoding="utf-8"))
    keys = set().union(*(catalogs[lang] for lang in LANGS))
    missing = [f"templates/strings.yaml: {lang}.{key} is missing" for lang in LANGS for key in sorted(keys)
               if not str(catalogs[lang].get(key) or "").strip()]
    assert not missing, "\n".join(missing)
    for key in sorted(keys):
        places = {lang: set(re.findall(r"\{(\w+)\}", str(catalogs[lang][key]))) for lang in LANGS}
        assert places["nb"] == places["nn"] == places["en"], f"{key}: placeholders differ: {places}"


def test_every_html_file_of_every_package_names_its_language(tmp_path):
    for pkg in build_course(SAMPLE, tmp_path).packages:
        with zipfile.ZipFile(pkg.path) as zf:
            pages = [n for n in zf.namelist() if n.endswith(".html")]
            assert len(pages) >= 2  # the launch page and the handout
            for name in pages:
                head = zf.read(name).decode("utf-8")[:300]
                assert re.search(rf'<html lang="{pkg.lang}"', head), f"{pkg.path.name}:{name}"
