"""A build shares its languages between two processes (parallel.py): what it writes and says must
be exactly what one process writes and says, and a failure in either process loses nothing."""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path

import pytest

from ilmpack import build, parallel
from ilmpack.build import build_course
from ilmpack.errors import BuildError, CourseError

BASE = Path(__file__).parent / "bad_inputs" / "base"  # nb and nn, 3 pages each, an image


@pytest.fixture
def course(tmp_path, monkeypatch) -> Path:
    monkeypatch.chdir(tmp_path)
    shutil.copytree(BASE, tmp_path / "courses" / "demo")
    return tmp_path / "courses" / "demo"


@pytest.fixture
def forks(monkeypatch) -> list[int]:
    """The forks made in this process (the parent's count)."""
    made: list[int] = []
    real = os.fork

    def counting():
        pid = real()
        if pid:
            made.append(pid)
        return pid

    monkeypatch.setattr(os, "fork", counting)
    # Threads other tests left running (a browser's, a server's) would turn forking off; these
    # tests run nothing in them that the forked process could need.
    monkeypatch.setattr(parallel.threading, "active_count", lambda: 1)
    return made


def written(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(out.iterdir()) if p.is_file()}


def build_with(jobs: str, course: Path, out: str, monkeypatch, **kw):
    monkeypatch.setenv("ILMPACK_JOBS", jobs)
    return build_course(course, out, **kw)


def add_swedish(course: Path) -> None:
    """A third language ilmpack has no interface strings for: its build logs a warning."""
    text = (course / "course.yaml").read_text(encoding="utf-8")
    text = text.replace("languages: [nb, nn]", "languages: [nb, nn, sv]").replace("nn: Demokurs", "nn: Demokurs\n  sv: Demokurs")
    text = text.replace("  nn: Eit lite kurs", "  sv: En liten kurs.\n  nn: Eit lite kurs")
    text = text.replace("{nb: Innledning, nn: Innleiing}", "{nb: Innledning, nn: Innleiing, sv: Inledning}")
    text = text.replace("{nb: Avslutning, nn: Avslutning}", "{nb: Avslutning, nn: Avslutning, sv: Avslutning}")
    (course / "course.yaml").write_text(text, encoding="utf-8")
    shutil.copytree(course / "nb", course / "sv")


@pytest.mark.parametrize("cache", [True, False])
def test_two_processes_write_what_one_writes_and_say_it_once(course, forks, monkeypatch, caplog, cache):
    add_swedish(course)
    monkeypatch.setattr(build, "PREREAD_PAGES", 0)  # the pages are read in two processes too
    with caplog.at_level(logging.WARNING, logger="ilmpack"):
        one = build_with("1", course, "one", monkeypatch, cache=cache)
    said_by_one = [r.getMessage() for r in caplog.records]
    caplog.clear()
    assert not forks
    with caplog.at_level(logging.WARNING, logger="ilmpack"):
        two = build_with("2", course, "two", monkeypatch, cache=cache)
    assert len(forks) == 2  # the pages read, then the languages built, in two processes
    assert written(Path("two")) == written(Path("one"))
    assert [r.getMessage() for r in caplog.records] == said_by_one == ["no UI strings for language 'sv'; using English"]
    assert [(p.path.name, p.lang, p.files, p.bytes, p.pages, p.blocks, p.media) for p in two.packages] == \
           [(p.path.name, p.lang, p.files, p.bytes, p.pages, p.blocks, p.media) for p in one.packages]
    assert [p.lang for p in two.packages] == ["nb", "nn", "sv"]  # in the course's order, whoever built them
    assert two.warnings == one.warnings


def test_a_rebuild_after_an_edit_in_two_processes_matches_a_fresh_one(course, forks, monkeypatch):
    build_with("2", course, "build", monkeypatch)
    page = course / "nn" / "01-start.md"
    page.write_text(page.read_text(encoding="utf-8") + "\nEi ny setning.\n", encoding="utf-8")
    again = build_with("2", course, "build", monkeypatch)
    assert not again.reused and forks
    fresh = build_with("1", course, "fresh", monkeypatch, cache=False)
    assert written(Path("build")) == written(Path("fresh"))
    assert [p.bytes for p in again.packages] == [p.bytes for p in fresh.packages]


def test_a_failure_in_the_other_process_keeps_every_package(course, forks, monkeypatch):
    """The nn zip (built in the forked process) cannot be written: nb's finished zip is not moved
    into place either, no temporary file is left, and the error says which package."""
    build_with("2", course, "build", monkeypatch)
    before = written(Path("build"))
    (course / "nb" / "01-start.md").write_text((course / "nb" / "01-start.md").read_text(encoding="utf-8") + "\nNy.\n",
                                               encoding="utf-8")
    (course / "nn" / "01-start.md").write_text((course / "nn" / "01-start.md").read_text(encoding="utf-8") + "\nNy.\n",
                                               encoding="utf-8")
    from ilmpack import package

    original = package.stage_package

    def failing(target, files, disk, *args, **kwargs):
        if "-nn-" in target.name:
            raise BuildError(f"cannot write {target.name}: No space left on device; the previous package, if any, is unchanged")
        return original(target, files, disk, *args, **kwargs)

    monkeypatch.setattr(package, "stage_package", failing)
    with pytest.raises(BuildError, match="demo-nn-scorm12.zip: No space left"):
        build_with("2", course, "build", monkeypatch)
    assert forks
    assert written(Path("build")) == before
    assert not [p for p in Path("build").iterdir() if p.name.endswith(".part")]


def test_a_process_that_dies_is_a_clear_error(course, forks, monkeypatch):
    build_with("2", course, "build", monkeypatch)
    before = written(Path("build"))
    real = build._stage

    def dying(course_, root, out_dir, fmt, langs, job, *args):
        if job[2] == "nn":
            os._exit(3)  # as if the system ended the process (out of memory)
        return real(course_, root, out_dir, fmt, langs, job, *args)

    monkeypatch.setattr(build, "_stage", dying)
    with pytest.raises(BuildError, match=r"ended without a result \(exit status 3\).*ILMPACK_JOBS=1"):
        build_with("2", course, "build", monkeypatch, cache=False)
    assert written(Path("build")) == before
    assert not [p for p in Path("build").iterdir() if p.name.endswith(".part")]


def test_course_problems_found_in_the_other_process_are_reported_whole(course, forks, monkeypatch):
    """A template error met while nn is rendered (in the forked process) comes back as the same CourseError."""
    monkeypatch.setenv("ILMPACK_JOBS", "1")
    broken = course / "templates" / "blocks"
    broken.mkdir(parents=True)
    (broken / "question.html").write_text('{% if lang == "nn" %}{{ block.no_such_thing.deeper }}{% endif %}\n', encoding="utf-8")
    with pytest.raises(CourseError) as one:
        build_course(course, "one")
    monkeypatch.setenv("ILMPACK_JOBS", "2")
    with pytest.raises(CourseError) as two:
        build_course(course, "two")
    assert forks
    assert two.value.render() == one.value.render() and two.value.problems
    assert not Path("two").exists() or not list(Path("two").glob("*.zip"))


def test_one_process_when_asked_or_when_threads_run(course, forks, monkeypatch):
    build_with("1", course, "one", monkeypatch)
    assert not forks
    monkeypatch.setenv("ILMPACK_JOBS", "2")
    monkeypatch.setattr(parallel.threading, "active_count", lambda: 2)  # a preview server's threads, say
    build_course(course, "two")
    assert not forks
    assert written(Path("two")) == written(Path("one"))
