"""The privacy and accessibility gate at build time: the Content-Security-Policy every HTML file
of a package carries, and the accessibility report written beside each package."""

from __future__ import annotations

import re
import shutil
import zipfile
from pathlib import Path

import pytest
import yaml

from ilmpack.build import build_course, check_course
from ilmpack.errors import BuildError
from ilmpack.privacy import add_policy, content_policy
from ilmpack.render import render_course

BASE = Path(__file__).parent / "bad_inputs" / "base"
MEDIA = Path(__file__).parent / "fixtures" / "media"
FILMS = """
```film
id: film-uten
title: Skranken
src: ../media/film.webm
captions: ../media/film.{lang}.vtt
audio_description: none
reason: Alt som vises, blir også sagt.
```

```film
id: film-med
title: Skranken, synstolket
src: ../media/film.webm
captions: ../media/film.{lang}.vtt
described: ../media/film-synstolket.webm
```
"""
CSP_META = re.compile(r'<meta http-equiv="Content-Security-Policy" content="([^"]*)">')

GAP_PAGE = {
    "nb": """---
title: Et bilde
---
Se på figuren:

![En blå firkant](../media/figur.png)

![](../media/strek.png "decorative")

| Grunnlag | Antall |
|:---------|-------:|
| Kjønn    | 3      |

[Intervju med lederen (film, 3 min)](../media/intervju.mp4)

<table><tr><th scope="row" style="color: red">Rå HTML</th><td style="width: 9em">1</td></tr></table>
""",
    "nn": """---
title: Eit bilete
---
Sjå på figuren:

![Ein blå firkant](../media/figur.png)

![](../media/strek.png "decorative")

| Grunnlag | Tal |
|:---------|----:|
| Kjønn    | 3   |

[Intervju med leiaren (film, 3 min)](../media/intervju.mp4)
""",
}


@pytest.fixture
def gap_course(tmp_path) -> Path:
    """The base course with a decorative image, an aligned table and a film offered as a file."""
    src = tmp_path / "demo"
    shutil.copytree(BASE, src)
    shutil.copy(src / "media" / "figur.png", src / "media" / "strek.png")
    (src / "media" / "intervju.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42")
    for name in ("film.webm", "film-synstolket.webm", "film.nb.vtt", "film.nn.vtt"):
        shutil.copy(MEDIA / name, src / "media" / name)
    for lang, text in GAP_PAGE.items():
        (src / lang / "02-bilde.md").write_text(text + FILMS.replace("{lang}", lang), encoding="utf-8")
    return src


def html_files(zip_path: Path) -> dict[str, str]:
    with zipfile.ZipFile(zip_path) as zf:
        return {n: zf.read(n).decode("utf-8") for n in zf.namelist() if n.endswith(".html")}


def directives(policy: str) -> dict[str, list[str]]:
    out = {}
    for part in policy.split(";"):
        words = part.split()
        if words:
            out[words[0]] = words[1:]
    return out


# ---------------------------------------------------------------------------
# Content-Security-Policy


def test_every_html_file_carries_a_policy_that_allows_only_the_package(gap_course, tmp_path):
    result = build_course(gap_course, tmp_path / "out")
    for pkg in result.packages:
        pages = html_files(pkg.path)
        assert "index.html" in pages
        for name, text in pages.items():
            found = CSP_META.findall(text)
            assert len(found) == 1, f"{pkg.path.name}:{name}: {len(found)} CSP meta elements"
            # First in <head> after the charset: it governs everything the page loads.
            head = text.split("<head>", 1)[1].lstrip()
            assert head.startswith('<meta charset="utf-8">\n<meta http-equiv="Content-Security-Policy"'), head[:200]
            d = directives(found[0])
            assert d["default-src"] == ["'none'"]
            for name_ in ("script-src", "style-src", "media-src", "font-src"):
                assert d[name_] == ["'self'"], f"{name_}: {d[name_]}"
            assert d["img-src"] == ["'self'", "data:"], "data: URLs fetch nothing; nothing else remote"
            assert d["connect-src"] == ["'none'"], "SCORM 1.2 talks to a JavaScript object, not the network"
            assert d["object-src"] == ["'none'"] and d["base-uri"] == ["'none'"]
            assert "frame-ancestors" not in d, "browsers ignore frame-ancestors in a <meta> policy"


def test_no_inline_style_or_script_is_left_for_the_policy_to_refuse(gap_course, tmp_path):
    result = build_course(gap_course, tmp_path / "out", langs=["nb"])
    index = html_files(result.packages[0].path)["index.html"]
    assert not re.search(r"\sstyle\s*=", index), re.search(r".{80}\sstyle\s*=.{80}", index).group(0)
    assert "<style" not in index
    scripts = re.findall(r"<script\b([^>]*)>", index)
    # The runtime from a file; the config a JSON data block, which browsers never run.
    assert sorted(scripts) == [' src="assets/ilmpack.js" defer', ' type="application/json" id="ilmpack-config"']
    # The column alignment of a Markdown table survives as a class.
    assert '<th class="ilm-align-left" role="columnheader">Grunnlag</th>' in index
    assert '<td class="ilm-align-right" data-label="Antall" role="cell">3</td>' in index
    # An author's raw style attribute is dropped (the policy would refuse it anyway).
    assert '<th scope="row">Rå HTML</th><td>1</td>' in index
    with zipfile.ZipFile(result.packages[0].path) as zf:
        css = zf.read("assets/ilmpack.css").decode()
        assert "assets/noscript.css" in zf.namelist()
    assert ".ilm-align-right { text-align: right; }" in css
    assert '<noscript><link rel="stylesheet" href="assets/noscript.css"></noscript>' in index


def test_a_target_that_talks_to_a_server_names_it_in_connect_src(gap_course):
    course = check_course(gap_course).course
    index = render_course(course, "nb", "none", connect="https:").files["index.html"].decode()
    assert directives(CSP_META.search(index).group(1))["connect-src"] == ["https:"]


def test_a_course_template_without_the_policy_gets_it_and_one_without_head_is_refused(gap_course, tmp_path):
    own = gap_course / "templates"
    own.mkdir()
    (own / "index.html").write_text(
        '<!doctype html>\n<html lang="{{ lang }}"><head><title>{{ course.title }}</title></head>'
        "<body>{% for p in pages %}{{ p.html }}{% endfor %}</body></html>\n", encoding="utf-8")
    index = html_files(build_course(gap_course, tmp_path / "a", langs=["nb"]).packages[0].path)["index.html"]
    assert index.startswith('<!doctype html>\n<html lang="nb"><head>\n<meta http-equiv="Content-Security-Policy"')

    (own / "index.html").write_text("<p>{{ course.title }}</p>\n", encoding="utf-8")
    with pytest.raises(BuildError) as e:
        build_course(gap_course, tmp_path / "b", langs=["nb"])
    assert str(e.value.message) == ("template 'index.html' has no <head>: every HTML page of a package needs one, "
                                    "for the Content-Security-Policy ilmpack puts there")


def test_add_policy_puts_the_meta_after_the_charset():
    html = '<!DOCTYPE html><html><HEAD><meta charset=utf-8><title>x</title></HEAD></html>'
    assert add_policy(html, content_policy(), "h.html") == (
        '<!DOCTYPE html><html><HEAD><meta charset=utf-8>\n<meta http-equiv="Content-Security-Policy" content="'
        + content_policy() + '"><title>x</title></HEAD></html>')


# ---------------------------------------------------------------------------
# The accessibility report


def test_report_beside_each_package_names_the_gaps_in_the_course_language(gap_course, tmp_path):
    result = build_course(gap_course, tmp_path / "out")
    reports = {pkg.lang: pkg.report for pkg in result.packages}
    assert {p.name for p in reports.values()} == {"demo-nb-scorm12.a11y.md", "demo-nn-scorm12.a11y.md"}
    nb = reports["nb"].read_text(encoding="utf-8")
    nn = reports["nn"].read_text(encoding="utf-8")

    assert nb.startswith("# Tilgjengelighetsrapport: Demokurs\n")
    assert nn.startswith("# Tilgjengerapport: Demokurs\n")
    sections = re.findall(r"^##+ .*", nb, flags=re.M)
    assert sections == [
        "## 1. Det bygget sjekket i dette kurset", "## 2. Automatiske tester i ilmpack",
        "## 3. Dette må en person sjekke", "## 4. Utkast til tilgjengelighetserklæring",
        "### Erklæringen gjelder", "### Status", "### Innhold som ikke er universelt utformet",
        "### Hvordan vi har testet", "### Tilbakemelding og kontakt", "### Tilsyn"]

    # What the build found: the decorative image and the film offered as a file, by page.
    assert "- Bilder: 2." in nb
    assert "  - Merket som pynt (`alt=\"\"`, skjermlesere hopper over det): `media/strek.png` på «Et bilde»" in nb
    assert ("  - Film eller lyd som fil til nedlasting (ikke sjekket for teksting eller transkripsjon): "
            "«Intervju med lederen (film, 3 min) (åpnes i ny fane)» (`media/intervju.mp4`) på «Et bilde»") in nb
    # ... and in the statement draft, as requirements not met, for the publisher to confirm.
    statement = nb.split("### Innhold som ikke er universelt utformet", 1)[1].split("###", 1)[0]
    assert ("- 1.1.1 Ikke-tekstlig innhold: bildet `media/strek.png` på siden «Et bilde» har ingen "
            "tekstalternativ fordi det er vurdert som pynt. [Stryk hvis det stemmer.]") in statement
    assert "(`media/intervju.mp4`) på siden «Et bilde» er ikke sjekket for teksting" in statement
    # The film whose author chose a reason over audio description is named with the reason, for a
    # person to confirm; the described film is not named.
    assert "- Film og lyd i kurset: 2." in nb
    assert ("  - Film uten synstolking (lydbeskrivelse); forfatteren mener den ikke trengs: "
            "«Om synstolking: Alt som vises, blir også sagt.»: `media/film.webm` på «Et bilde»") in nb
    assert ("- 1.2.5 Synstolking: filmen `media/film.webm` på siden «Et bilde» har ikke synstolking. Begrunnelsen "
            "som vises under filmen: «Om synstolking: Alt som vises, blir også sagt.» [Stryk hvis alt som betyr "
            "noe i bildet, også blir sagt.]") in statement
    assert nb.count("media/film.webm") == 2 and "synstolket" not in nb, "the player's download link is not a file to check"
    assert "Film uten teksting" not in nb
    assert "[Oppfyller / Oppfyller delvis]" in nb
    # Honest about what ran: no browser at build time.
    assert "Bygget kjører ingen nettleser." in nb
    assert "- [ ] Alternative tekster sier det bildet viser" in nb

    assert "`media/strek.png` på «Eit bilete»" in nn
    assert "biletet `media/strek.png` på sida «Eit bilete»" in nn
    assert "Bygget køyrer ingen nettlesar." in nn


def test_report_without_gaps_says_so_and_an_english_course_gets_english(tmp_path):
    src = tmp_path / "demo"
    shutil.copytree(BASE, src)
    data = yaml.safe_load((src / "course.yaml").read_text(encoding="utf-8"))
    data["languages"] = ["en"]
    for key in ("title", "description"):
        data[key] = {"en": data[key]["nb"]}
    for module in data["modules"]:
        module["title"] = {"en": module["title"]["nb"]}
    (src / "course.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    shutil.move(src / "nb", src / "en")
    shutil.rmtree(src / "nn")
    report = build_course(src, tmp_path / "out").packages[0].report.read_text(encoding="utf-8")
    assert report.startswith("# Accessibility report: Demokurs\n")
    assert "The build found nothing. [Add what you find when you check part 3.]" in report
    assert "Marked decorative" not in report
    assert "The build runs no browser." in report


def test_cli_names_the_report(runner, gap_course, tmp_path):
    from ilmpack.cli import main
    out = tmp_path / "out"
    res = runner.invoke(main, ["build", str(gap_course), "--out", str(out), "--lang", "nb"])
    assert res.exit_code == 0, res.output
    assert f"and its accessibility report {out / 'demo-nb-scorm12.a11y.md'}" in res.output
