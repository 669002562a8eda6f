"""One language at a time: --lang on build and validate, and translations that fell behind in git."""

from __future__ import annotations

import os
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from ilmpack.cli import main

BASE = Path(__file__).parent / "bad_inputs" / "base"  # a small course in nb (the source) and nn


@pytest.fixture
def course(tmp_path, monkeypatch) -> Path:
    """A copy of the two-language base course; the working folder is its parent."""
    monkeypatch.chdir(tmp_path)
    shutil.copytree(BASE, tmp_path / "course")
    return tmp_path / "course"


def run(*args: str):
    result = CliRunner().invoke(main, list(args), prog_name="ilmpack")
    assert "Traceback" not in result.output + result.stderr
    return result


def test_build_one_language_while_the_other_is_unfinished(course):
    (course / "nn" / "02-bilde.md").unlink()
    result = run("build", "course", "--lang", "nb", "--out", "build")
    assert result.exit_code == 0, result.stderr
    assert sorted(p.name for p in Path("build").iterdir()) == [".cache", "demo-nb-scorm12.a11y.md", "demo-nb-scorm12.zip"]
    assert result.stderr == ("course/course.yaml:4:1: warning: languages: nn is not checked in this run; 1 of its pages "
                             "is still missing (nn/02-bilde.md)\n")


def test_build_the_translation_without_the_source_language(course):
    shutil.rmtree(course / "nb")  # the source is elsewhere (or broken): nn is built on its own
    result = run("build", "course", "--lang", "nn", "--out", "build")
    assert result.exit_code == 0, result.stderr
    with zipfile.ZipFile("build/demo-nn-scorm12.zip") as z:
        assert "Eit bilete" in z.read("index.html").decode("utf-8")


def test_all_languages_still_need_every_page(course):
    (course / "nn" / "02-bilde.md").unlink()
    result = run("build", "course", "--out", "build")
    assert result.exit_code == 1
    assert "no such file 'nn/02-bilde.md'" in result.stderr and "--lang" in result.stderr
    assert not Path("build").exists()


def test_validate_has_lang(course):
    (course / "nn" / "03-test.md").write_text("---\ntitle: [\n---\n", encoding="utf-8")  # nn is mid-edit
    assert run("validate", "course").exit_code == 1
    result = run("validate", "course", "--lang", "nb")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "course: ok (3 pages in nb)\n"
    assert run("validate", "course", "--lang", "sv").exit_code == 2


def test_validate_says_it_writes_nothing(course):
    (course / "nb" / "01-start.md").write_text("---\ntitle: Hei\ntittel: Hei\n---\n", encoding="utf-8")
    result = run("validate", "course")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == "1 problem found; the course cannot be built as it is."


def test_translations_are_still_compared_when_both_are_chosen(course):
    page = course / "nn" / "01-start.md"
    page.write_text(page.read_text(encoding="utf-8").replace("id: q-sjekk", "id: q-annan"), encoding="utf-8")
    result = run("validate", "course", "--lang", "nb", "--lang", "nn")
    assert result.exit_code == 1
    assert "'q-annan' is 'q-sjekk' in course/nb/01-start.md" in result.stderr


def git(course: Path, *args: str, when: int | None = None) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(GIT_AUTHOR_NAME="A", GIT_AUTHOR_EMAIL="a@example.org", GIT_COMMITTER_NAME="A",
               GIT_COMMITTER_EMAIL="a@example.org", HOME=str(course.parent), GIT_CONFIG_NOSYSTEM="1")
    if when is not None:
        env["GIT_AUTHOR_DATE"] = env["GIT_COMMITTER_DATE"] = f"@{when} +0000"
    subprocess.run(["git", *args], cwd=course, env=env, check=True, capture_output=True)


# CI always has git (it cloned the project); elsewhere a machine without git skips these.
needs_git = pytest.mark.skipif(shutil.which("git") is None and not os.environ.get("CI"), reason="git is not installed")


@needs_git
def test_a_translation_older_than_its_source_is_warned(course):
    git(course, "init", "-q")
    git(course, "add", ".")
    git(course, "commit", "-q", "-m", "first", when=1_700_000_000)
    source = course / "nb" / "02-bilde.md"
    source.write_text(source.read_text(encoding="utf-8") + "\nEn ny setning.\n", encoding="utf-8")
    git(course, "commit", "-q", "-am", "nb changed", when=1_700_086_400)
    result = run("validate", "course")
    assert result.exit_code == 0
    assert result.stderr == ("course/nn/02-bilde.md: warning: last changed (in git) on 2023-11-14 22:13 UTC, before its "
                             "source nb/02-bilde.md was changed on 2023-11-15 22:13 UTC; bring the translation up to date "
                             "(a commit of this file ends this warning)\n")
    translation = course / "nn" / "02-bilde.md"
    translation.write_text(translation.read_text(encoding="utf-8") + "\nEi ny setning.\n", encoding="utf-8")
    git(course, "commit", "-q", "-am", "nn follows", when=1_700_090_000)
    assert run("validate", "course").stderr == ""


def test_outside_git_nothing_is_said(course):
    result = run("validate", "course")
    assert (result.exit_code, result.stderr) == (0, "")


def test_a_decorative_image_gets_empty_alt_text_and_no_tooltip(course):
    page = course / "nb" / "02-bilde.md"
    page.write_text(page.read_text(encoding="utf-8") + '\n![](../media/figur.png "decorative")\n', encoding="utf-8")
    result = run("build", "course", "--lang", "nb", "--out", "build")
    assert result.exit_code == 0, result.stderr
    html = zipfile.ZipFile("build/demo-nb-scorm12.zip").read("index.html").decode("utf-8")
    assert '<img src="media/figur.png" alt="">' in html  # alt="" and nothing else: no title, no tooltip
    assert "decorative" not in html
