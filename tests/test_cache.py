"""The build cache: a rebuild with nothing changed rewrites nothing, and every change the build
reads gives exactly what a build without the cache gives (never a stale package)."""

from __future__ import annotations

import logging
import os
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from ilmpack import a11y, cache, gitref, render, runtime
from ilmpack.build import build_course
from ilmpack.cli import main
from ilmpack.errors import CourseError

BASE = Path(__file__).parent / "bad_inputs" / "base"  # a small course in nb and nn with an image


@pytest.fixture
def course(tmp_path, monkeypatch) -> Path:
    """A copy of the two-language base course inside a project's courses/ folder; the working folder is the project."""
    monkeypatch.chdir(tmp_path)
    shutil.copytree(BASE, tmp_path / "courses" / "demo")
    return tmp_path / "courses" / "demo"


def packages(result) -> dict[str, bytes]:
    """name -> bytes of each zip and accessibility report a build names."""
    out = {}
    for p in result.packages:
        out[p.path.name] = p.path.read_bytes()
        out[p.report.name] = p.report.read_bytes()
    return out


def uncached(course: Path, tmp_name: str = "fresh", **kw):
    """What a build without the cache makes of the course as it is now, in a folder of its own."""
    out = course.parent.parent / tmp_name
    shutil.rmtree(out, ignore_errors=True)
    return build_course(course, out, cache=False, **kw)


def identity(path: Path) -> tuple[int, int]:
    st = path.stat()
    return st.st_ino, st.st_mtime_ns


def test_a_rebuild_with_nothing_changed_rewrites_nothing_and_says_the_same(course):
    (course / "nn" / "99-utkast.md").write_text("---\ntitle: Utkast\n---\n", encoding="utf-8")  # a warning
    first = build_course(course, "build")
    before = {p.path: identity(p.path) for p in first.packages} | {p.report: identity(p.report) for p in first.packages}
    again = build_course(course, "build")
    assert again.reused and not first.reused
    assert again.warnings == first.warnings and len(first.warnings) == 1
    assert [(p.path, p.bytes, p.files, p.pages, p.blocks, p.media, p.report) for p in again.packages] == \
        [(p.path, p.bytes, p.files, p.pages, p.blocks, p.media, p.report) for p in first.packages]
    assert {p: identity(p) for p in before} == before  # not even rewritten with the same bytes
    assert packages(again) == packages(uncached(course))


def test_the_cli_says_the_same_warnings_and_that_nothing_changed(course):
    (course / "nn" / "99-utkast.md").write_text("---\ntitle: Utkast\n---\n", encoding="utf-8")
    first = CliRunner().invoke(main, ["build", "courses/demo"])
    again = CliRunner().invoke(main, ["build", "courses/demo"])
    assert first.exit_code == again.exit_code == 0
    assert again.stderr == first.stderr != ""
    assert again.stdout.splitlines()[:-1] == first.stdout.splitlines()[:-1]
    assert again.stdout.splitlines()[-1].endswith("(nothing changed since the last build: the packages there were kept)")
    assert "nothing changed" not in first.stdout


def test_no_cache_builds_anew_and_keeps_no_cache(course):
    first = CliRunner().invoke(main, ["build", "courses/demo", "--no-cache", "--lang", "nb"])
    zip_path = Path("build/demo-nb-scorm12.zip")
    before = identity(zip_path)
    again = CliRunner().invoke(main, ["build", "courses/demo", "--no-cache", "--lang", "nb"])
    assert first.exit_code == again.exit_code == 0
    assert identity(zip_path) != before
    assert not Path("build/.cache").exists()


def edit_page(course):
    page = course / "nb" / "02-bilde.md"
    page.write_text(page.read_text(encoding="utf-8") + "\nEn ny setning.\n", encoding="utf-8")


def edit_setting(course):
    path = course / "course.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("mastery_score: 80", "mastery_score: 90"), encoding="utf-8")


def own_data_copy(monkeypatch, tmp_path: Path, name: str, modules) -> Path:
    """A copy of ilmpack's own data folder `name` (templates, schemas) that `modules` read
    instead of the installed one, so a test can edit it as an upgrade would."""
    from ilmpack.resources import data_dir as real

    copy = tmp_path / f"ilmpack-{name}"
    shutil.copytree(real(name), copy)
    for module in modules:
        monkeypatch.setattr(module, "data_dir", lambda wanted: copy if wanted == name else real(wanted))
    return copy


def same_size_same_mtime(path: Path, old: bytes, new: bytes) -> None:
    """Change a file's bytes but neither its size nor its modification time: only its bytes tell."""
    assert len(old) == len(new)
    st = path.stat()
    path.write_bytes(path.read_bytes().replace(old, new))
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))


def edit_page_keeping_its_mtime(course):
    same_size_same_mtime(course / "nb" / "01-start.md", b"Litt tekst", b"Mye tekst!")


def add_course_template(course):
    (course / "templates" / "assets").mkdir(parents=True)
    (course / "templates" / "assets" / "ilmpack.css").write_text("body { color: #111; }\n", encoding="utf-8")


def add_project_template(course):
    project = course.parent.parent / "templates" / "assets"
    project.mkdir(parents=True)
    (project / "noscript.css").write_text(".x { display: none; }\n", encoding="utf-8")


def edit_small_media(course):
    media = course / "media" / "figur.png"
    data = media.read_bytes()
    same_size_same_mtime(media, data[-4:], bytes(b ^ 0xFF for b in data[-4:]))


def remove_unlisted_page_warning(course):
    (course / "nn" / "99-utkast.md").unlink()


CHANGES = {
    "a page": edit_page,
    "a page, same size and time": edit_page_keeping_its_mtime,
    "a setting in course.yaml": edit_setting,
    "a template of the course": add_course_template,
    "a template of the project": add_project_template,
    "a media file, same size and time": edit_small_media,
    "a file that only gave a warning": remove_unlisted_page_warning,
}


@pytest.mark.parametrize("change", CHANGES.values(), ids=CHANGES.keys())
def test_every_change_gives_what_an_uncached_build_gives(course, change):
    (course / "nn" / "99-utkast.md").write_text("---\ntitle: Utkast\n---\n", encoding="utf-8")
    first = build_course(course, "build")
    before = (packages(first), first.warnings)
    change(course)
    after = build_course(course, "build")
    fresh = uncached(course)
    assert not after.reused
    assert (packages(after), after.warnings) == (packages(fresh), fresh.warnings) != before


def test_a_changed_course_template_is_noticed_by_its_bytes(course):
    add_course_template(course)
    build_course(course, "build")
    css = course / "templates" / "assets" / "ilmpack.css"
    same_size_same_mtime(css, b"#111", b"#222")
    after = build_course(course, "build")
    assert not after.reused
    assert packages(after) == packages(uncached(course))


def test_a_large_media_file_is_keyed_on_size_and_time(course):
    page = course / "nb" / "02-bilde.md"
    page.write_text(page.read_text(encoding="utf-8") + "\n[Filmen (MP4)](../media/film.mp4)\n", encoding="utf-8")
    page = course / "nn" / "02-bilde.md"
    page.write_text(page.read_text(encoding="utf-8") + "\n[Filmen (MP4)](../media/film.mp4)\n", encoding="utf-8")
    film = course / "media" / "film.mp4"
    film.write_bytes(os.urandom(cache.HASHED_BYTES + 1))
    build_course(course, "build")
    film.write_bytes(os.urandom(cache.HASHED_BYTES + 1))
    os.utime(film, ns=(film.stat().st_atime_ns, film.stat().st_mtime_ns + 1_000_000))
    after = build_course(course, "build")
    assert not after.reused
    assert packages(after) == packages(uncached(course))


def test_a_changed_builtin_template_invalidates(course, monkeypatch, tmp_path):
    copy = own_data_copy(monkeypatch, tmp_path, "templates", (render, runtime, cache))
    cache.code_fingerprint.cache_clear()
    monkeypatch.setattr(cache, "code_fingerprint", cache.code_fingerprint.__wrapped__)
    build_course(course, "build")
    css = copy / "assets" / "noscript.css"
    css.write_text(css.read_text(encoding="utf-8") + "\n.ilm-new { color: inherit; }\n", encoding="utf-8")
    after = build_course(course, "build")
    assert not after.reused
    assert packages(after) == packages(uncached(course))


def test_a_changed_ilmpack_source_or_version_invalidates(course, monkeypatch, tmp_path):
    copy = tmp_path / "ilmpack-src"
    shutil.copytree(Path(cache.__file__).parent, copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(cache, "__file__", str(copy / "cache.py"))
    monkeypatch.setattr(cache, "code_fingerprint", cache.code_fingerprint.__wrapped__)
    build_course(course, "build")
    assert build_course(course, "build").reused
    (copy / "render.py").write_text((copy / "render.py").read_text(encoding="utf-8") + "\n# changed\n", encoding="utf-8")
    assert not build_course(course, "build").reused
    assert build_course(course, "build").reused
    monkeypatch.setattr(cache, "__version__", "99.0.0")
    assert not build_course(course, "build").reused


def test_the_kept_hash_of_ilmpacks_code_stands_only_for_the_very_files(course, monkeypatch, tmp_path):
    """ilmpack's files are hashed by their bytes once; later runs find that hash under a key of
    their sizes and times (any write changes a file's change time). An edit of the same size is
    still a change."""
    copy = tmp_path / "ilmpack-src"
    shutil.copytree(Path(cache.__file__).parent, copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(cache, "__file__", str(copy / "cache.py"))
    monkeypatch.setattr(cache, "code_fingerprint", cache.code_fingerprint.__wrapped__)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))
    kept = tmp_path / "user-cache" / "ilmpack" / "code"
    build_course(course, "build")
    assert not kept.exists()  # the files were copied just now: read every run until they settle
    monkeypatch.setattr(cache, "SETTLED_S", 0)  # as if they had been there for a while
    build_course(course, "build")
    assert len(list(kept.iterdir())) == 1
    assert build_course(course, "build").reused
    render_py = copy / "render.py"
    text = render_py.read_text(encoding="utf-8")
    render_py.write_text(text.replace("Render stage", "Render Stage", 1), encoding="utf-8")  # same size
    assert render_py.stat().st_size == len(text.encode("utf-8"))
    assert not build_course(course, "build").reused
    assert build_course(course, "build").reused
    (copy / "new_module.py").write_text("# a file more\n", encoding="utf-8")
    assert not build_course(course, "build").reused
    assert len(list(kept.iterdir())) == 3


def test_an_installed_wheels_changed_template_or_module_invalidates(course, monkeypatch, tmp_path):
    """As installed from a wheel, templates/ and schemas/ are inside the package folder (hashed once)."""
    package = tmp_path / "site-packages" / "ilmpack"
    shutil.copytree(Path(cache.__file__).parent, package, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("templates", "schemas"):
        shutil.copytree(render.data_dir(name), package / name)
    real = render.data_dir

    def data_dir(name):
        return package / name if name in ("templates", "schemas") else real(name)

    for module in (render, runtime, cache):
        monkeypatch.setattr(module, "data_dir", data_dir)
    monkeypatch.setattr(cache, "__file__", str(package / "cache.py"))
    monkeypatch.setattr(cache, "code_fingerprint", cache.code_fingerprint.__wrapped__)
    build_course(course, "build")
    assert build_course(course, "build").reused
    css = package / "templates" / "assets" / "noscript.css"
    css.write_text(css.read_text(encoding="utf-8") + "\n.ilm-new { color: inherit; }\n", encoding="utf-8")
    assert not build_course(course, "build").reused
    assert build_course(course, "build").reused
    (package / "render.py").write_text((package / "render.py").read_text(encoding="utf-8") + "\n# changed\n", encoding="utf-8")
    assert not build_course(course, "build").reused
    schema = package / "schemas" / "page.schema.json"
    schema.write_text(schema.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert not build_course(course, "build").reused


def test_format_and_language_are_part_of_the_key(course):
    nb = build_course(course, "build", langs=["nb"])
    both = build_course(course, "build")
    assert not both.reused and [p.lang for p in both.packages] == ["nb", "nn"]
    # The full build made the same nb package, so it kept it: the record of the nb-only build still stands.
    assert build_course(course, "build", langs=["nb"]).reused
    cmi5 = build_course(course, "build", fmt="cmi5", langs=["nb"])
    assert not cmi5.reused and cmi5.packages[0].path.name == "demo-nb-cmi5.zip"
    assert packages(cmi5) == packages(uncached(course, fmt="cmi5", langs=["nb"]))
    assert packages(build_course(course, "build", langs=["nb"])) == packages(nb)


def test_a_deleted_or_replaced_package_is_built_again(course):
    first = build_course(course, "build", langs=["nb"])
    zip_path = first.packages[0].path
    good = zip_path.read_bytes()
    zip_path.unlink()
    again = build_course(course, "build", langs=["nb"])
    assert not again.reused and zip_path.read_bytes() == good
    # Another package put in its place, even with the same size and time, is not taken for ours.
    st = zip_path.stat()
    other = zip_path.with_name("other.zip")
    other.write_bytes(good[:-1] + bytes([good[-1] ^ 1]))
    os.utime(other, ns=(st.st_atime_ns, st.st_mtime_ns))
    os.replace(other, zip_path)
    assert not build_course(course, "build", langs=["nb"]).reused
    assert zip_path.read_bytes() == good
    first.packages[0].report.write_text("edited", encoding="utf-8")
    assert not build_course(course, "build", langs=["nb"]).reused
    assert first.packages[0].report.read_text(encoding="utf-8") != "edited"


LAYERS = ("pages-", "checks-", "package-")  # rendered pages, pages as read and checked, packages as written


@pytest.mark.parametrize("which", ["build", *LAYERS])
@pytest.mark.parametrize("damage", ["truncated", "tampered", "garbage"])
def test_a_damaged_cache_file_is_ignored(course, damage, which):
    first = build_course(course, "build", langs=["nb"])
    page = course / "nb" / "01-start.md"
    if which != "build":  # a miss of the build's record, so the other layers are read
        page.write_text(page.read_text(encoding="utf-8") + "\nMer.\n", encoding="utf-8")
    (entry,) = [p for p in Path("build/.cache").glob("*.json")
                if (p.name.startswith(which) if which != "build" else not p.name.startswith(LAYERS))]
    data = entry.read_bytes()
    if damage == "truncated":
        entry.write_bytes(data[: len(data) // 2])
    elif damage == "tampered":  # valid JSON, but not what was written
        head, _, body = data.partition(b"\n")
        entry.write_bytes(head + b"\n" + re.sub(rb"[0-9]", lambda m: b"8" if m.group() == b"7" else b"7", body, count=1))
    else:
        entry.write_bytes(b"\x00\xff" * 10)
    again = build_course(course, "build", langs=["nb"])
    assert not again.reused
    assert [p.pages for p in again.packages] == [p.pages for p in first.packages] == [3]
    assert packages(again) == packages(uncached(course, langs=["nb"]))
    assert build_course(course, "build", langs=["nb"]).reused  # written afresh


def test_errors_are_reported_after_a_cached_build(course):
    build_course(course, "build")
    page = course / "nb" / "01-start.md"
    good = page.read_text(encoding="utf-8")
    page.write_text("---\ntitle: [\n---\n", encoding="utf-8")
    with pytest.raises(CourseError) as info:
        build_course(course, "build")
    with pytest.raises(CourseError) as fresh:
        uncached(course)
    assert info.value.problems == fresh.value.problems
    page.write_text(good, encoding="utf-8")
    assert build_course(course, "build").reused  # the packages of the good sources are still there


def test_logged_warnings_are_said_again(course, caplog):
    (course / "templates" / "assets").mkdir(parents=True)
    (course / "templates" / "assets" / "ilmpack.js").write_text("// old style\n", encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="ilmpack"):
        build_course(course, "build", langs=["nb"])
        first = [r.getMessage() for r in caplog.records]
        caplog.clear()
        assert build_course(course, "build", langs=["nb"]).reused
        again = [r.getMessage() for r in caplog.records]
    assert again == first and "not used any more" in first[0]


def test_a_translation_falling_behind_in_git_is_warned_on_a_cached_build(course):
    if shutil.which("git") is None and not os.environ.get("CI"):
        pytest.skip("git is not installed")
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(GIT_AUTHOR_NAME="A", GIT_AUTHOR_EMAIL="a@example.org", GIT_COMMITTER_NAME="A",
               GIT_COMMITTER_EMAIL="a@example.org", HOME=str(course.parent), GIT_CONFIG_NOSYSTEM="1")

    def git(*args, when):
        env["GIT_AUTHOR_DATE"] = env["GIT_COMMITTER_DATE"] = f"@{when} +0000"
        subprocess.run(["git", *args], cwd=course, env=env, check=True, capture_output=True)

    git("init", "-q", when=0)
    git("add", ".", when=0)
    git("commit", "-q", "-m", "first", when=1_700_000_000)
    assert build_course(course, "build").warnings == ()
    source = course / "nb" / "02-bilde.md"
    text = source.read_text(encoding="utf-8")
    source.write_text(text + "\nEn ny setning.\n", encoding="utf-8")
    git("commit", "-q", "-am", "nb changed", when=1_700_086_400)
    source.write_text(text, encoding="utf-8")  # the same bytes as at the first build; only the history differs
    git("commit", "-q", "-am", "nb back", when=1_700_090_000)
    after = build_course(course, "build")
    assert [w.file for w in after.warnings] == ["courses/demo/nn/02-bilde.md"]
    assert after.warnings == uncached(course).warnings


def test_the_commit_checked_out_is_read_as_git_answers_it(tmp_path):
    """The cache key's commit, read from the repository's files rather than by starting git twice a
    build, is what `git rev-parse HEAD` says: loose and packed refs, a detached HEAD, a worktree."""
    if shutil.which("git") is None and not os.environ.get("CI"):
        pytest.skip("git is not installed")
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(GIT_AUTHOR_NAME="A", GIT_AUTHOR_EMAIL="a@example.org", GIT_COMMITTER_NAME="A",
               GIT_COMMITTER_EMAIL="a@example.org", HOME=str(tmp_path), GIT_CONFIG_NOSYSTEM="1")
    repo = tmp_path / "repo"
    (repo / "kurs").mkdir(parents=True)

    def git(*args, cwd=repo) -> str:
        return subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True, text=True).stdout.strip()

    def same(where: Path) -> str:
        head = git("rev-parse", "HEAD", cwd=where)
        assert gitref.head_from_files(next(d / ".git" for d in (where, *where.parents) if (d / ".git").exists())) == head
        assert gitref.head_commit(where) == head
        return head

    git("init", "-q", "-b", "main")
    assert gitref.head_commit(repo / "kurs") == "git 128"  # no commit yet: git's own answer
    (repo / "kurs" / "course.yaml").write_text("id: a\n", encoding="utf-8")
    git("add", ".")
    git("commit", "-q", "-m", "first")
    first = same(repo / "kurs")
    git("pack-refs", "--all")
    assert not (repo / ".git" / "refs" / "heads" / "main").exists()
    assert same(repo / "kurs") == first  # from packed-refs
    git("commit", "-q", "--allow-empty", "-m", "second")
    second = same(repo / "kurs")  # a loose ref again, newer than the packed one
    assert second != first
    git("checkout", "-q", "--detach", first)
    assert same(repo) == first
    git("checkout", "-q", "main")
    git("worktree", "add", "-q", "-b", "other", str(tmp_path / "other"), first)
    assert same(tmp_path / "other" / "kurs") == first
    assert same(repo) == second


def test_old_entries_are_pruned(course):
    build_course(course, "build", langs=["nb"])
    folder = Path("build/.cache")
    for n in range(5):
        (folder / f"{n:040x}.json").write_text("{}", encoding="utf-8")
        os.utime(folder / f"{n:040x}.json", (n + 1, n + 1))  # older than the real entry
    real = len(list(folder.glob("*.json"))) - 5  # the build's record and its pages
    cache.prune(folder, keep=real + 1)
    left = sorted(p.name for p in folder.glob("*.json"))
    assert len(left) == real + 1 and f"{4:040x}.json" in left
    assert build_course(course, "build", langs=["nb"]).reused  # the newest, real entry was kept


def test_a_cached_build_is_byte_identical_to_an_uncached_one(course):
    build_course(course, "build")
    again = build_course(course, "build")
    assert again.reused
    assert packages(again) == packages(uncached(course))


def test_a_one_page_edit_renders_only_that_page(course, monkeypatch):
    monkeypatch.setenv("ILMPACK_JOBS", "1")  # the counting below sees this process only
    build_course(course, "build")
    rendered = []
    real = render.render_page

    def counting(env, md, course, page, *args, **kwargs):
        rendered.append(f"{page.lang}/{page.entry}")
        return real(env, md, course, page, *args, **kwargs)

    monkeypatch.setattr(render, "render_page", counting)
    scanned = []
    real_scan = a11y._scan
    monkeypatch.setattr(a11y, "_scan", lambda path, text, titles: scanned.append(text[:100]) or real_scan(path, text, titles))
    edit_page(course)
    after = build_course(course, "build")
    assert rendered == ["nb/02-bilde.md"]
    assert len(scanned) == 1 and 'data-page-id="02-bilde"' in scanned[0]  # the accessibility report's facts too
    assert packages(after) == packages(uncached(course))
    rendered.clear()
    edit_setting(course)  # course.yaml is read by every page: all are rendered again
    assert packages(build_course(course, "build")) == packages(uncached(course))
    assert len(rendered) == 2 * 6  # this build and the uncached one, 3 pages in each of 2 languages


@pytest.mark.parametrize("fmt", ["cmi5", "tincan"])
def test_xapi_question_definitions_are_kept_and_follow_every_language(course, monkeypatch, fmt):
    """An xAPI package names each question in every language: the definitions are kept between
    builds, and an option changed in nn changes the nb package as an uncached build does."""
    from ilmpack.targets import xapi

    monkeypatch.setenv("ILMPACK_JOBS", "1")  # the counting below sees this process only
    build_course(course, "build", fmt=fmt)
    defined = []
    real = xapi.interaction_definitions
    monkeypatch.setattr(xapi, "interaction_definitions", lambda c, lang: defined.append(lang) or real(c, lang))
    edit_page(course)  # a page with no question
    assert packages(build_course(course, "build", fmt=fmt)) == packages(uncached(course, fmt=fmt))
    assert defined == ["nb", "nn"]  # by the uncached build only
    defined.clear()
    page = course / "nn" / "01-start.md"
    page.write_text(page.read_text(encoding="utf-8").replace("- text: Rett", "- text: Det rette"), encoding="utf-8")
    again = build_course(course, "build", fmt=fmt)
    assert packages(again) == packages(uncached(course, fmt=fmt))
    assert "Det rette" in zipfile.ZipFile(again.packages[0].path).read("index.html").decode("utf-8")  # nb's package
    assert defined == ["nb", "nn", "nb", "nn"]


def test_one_language_after_all_renders_nothing_again(course, monkeypatch):
    """A build of every language, then of nb alone (as `ilmpack preview` does once a page shows
    nb): nb's pages are taken as rendered, and the package is the one a fresh nb build writes."""
    monkeypatch.setenv("ILMPACK_JOBS", "1")  # the counting below sees this process only
    build_course(course, "build")
    rendered = []
    real = render.render_page
    monkeypatch.setattr(render, "render_page", lambda env, md, c, page, *a, **k: rendered.append(page.entry) or
                        real(env, md, c, page, *a, **k))
    alone = build_course(course, "build", langs=["nb"])
    assert rendered == [] and not alone.reused
    assert packages(alone) == packages(uncached(course, langs=["nb"]))
    assert len(rendered) == 3  # the uncached build rendered them


def test_the_sample_course_edited_gives_what_an_uncached_build_gives(tmp_path, monkeypatch):
    from coursekit import SAMPLE

    monkeypatch.chdir(tmp_path)
    course = tmp_path / "courses" / "likestilling"
    shutil.copytree(SAMPLE, course)
    build_course(course, "build")
    page = sorted((course / "nn").glob("*.md"))[1]
    page.write_text(page.read_text(encoding="utf-8").replace("\n## ", "\nEin ny setning.\n\n## ", 1), encoding="utf-8")
    after = build_course(course, "build")
    assert not after.reused
    assert packages(after) == packages(uncached(course))


def test_a_save_during_a_build_is_not_recorded_as_built(course, monkeypatch):
    import ilmpack.build

    real = ilmpack.build.check_course

    def saving_meanwhile(*args, **kwargs):
        checked = real(*args, **kwargs)
        edit_page(course)  # the author saves after the sources were read, before the packages are written
        return checked

    monkeypatch.setattr(ilmpack.build, "check_course", saving_meanwhile)
    build_course(course, "build")
    monkeypatch.setattr(ilmpack.build, "check_course", real)
    after = build_course(course, "build")
    assert not after.reused
    assert packages(after) == packages(uncached(course))


def problems_of(build) -> tuple:
    """(errors, warnings) a build gives: its CourseError's problems, or none and its warnings."""
    try:
        return (), build().warnings
    except CourseError as e:
        return tuple(e.problems), ()


def count_reads(monkeypatch) -> list[str]:
    """The page files this process reads and checks anew (not taken from the cache), as they are shown."""
    from ilmpack import loader, validate

    read, checked = [], []
    real_read, real_check = loader.read_page, validate.page_problems
    monkeypatch.setattr(loader, "read_page", lambda text, file, kinds: read.append(file) or real_read(text, file, kinds))
    monkeypatch.setattr(validate, "page_problems",
                        lambda loaded, lang, entry, page: checked.append(page.file) or real_check(loaded, lang, entry, page))
    return read, checked


def test_a_one_page_edit_reads_only_that_page_and_keeps_the_other_package(course, monkeypatch):
    (course / "nn" / "99-utkast.md").write_text("---\ntitle: Utkast\n---\n", encoding="utf-8")  # a warning
    first = build_course(course, "build")
    nn = [p for p in first.packages if p.lang == "nn"][0]
    before = identity(nn.path), identity(nn.report)
    read, checked = count_reads(monkeypatch)
    edit_page(course)
    after = build_course(course, "build")
    assert read == checked == ["courses/demo/nb/02-bilde.md"]
    assert (identity(nn.path), identity(nn.report)) == before  # the nn package did not change: not rewritten
    fresh = uncached(course)
    assert (packages(after), after.warnings) == (packages(fresh), fresh.warnings)
    assert [(p.path.name, p.bytes, p.files) for p in after.packages] == \
        [(p.path.name, p.bytes, p.files) for p in fresh.packages]
    assert build_course(course, "build").reused  # the kept nn package is recorded as built


def copy_block(course, lang, page, into):
    """The question of `page` added to page `into` as well (same id), in one language."""
    text = (course / lang / page).read_text(encoding="utf-8")
    block = text[text.index("```question"):text.index("```\n", text.index("```question") + 3) + 4]
    target = course / lang / into
    target.write_text(target.read_text(encoding="utf-8") + "\n" + block, encoding="utf-8")


def remove_image(course):
    (course / "media" / "figur.png").unlink()


def edit_nb_answer(course):
    page = course / "nb" / "03-test.md"
    page.write_text(page.read_text(encoding="utf-8").replace("correct: true\n```", "correct: false\n```", 1), encoding="utf-8")


def break_a_link(course):
    page = course / "nb" / "01-start.md"
    page.write_text(page.read_text(encoding="utf-8") + "\nLes [neste side](02-bilete.md).\n", encoding="utf-8")


NEIGHBOURS = {
    "a block id another page has": lambda course: copy_block(course, "nb", "01-start.md", "02-bilde.md"),
    "a file a cached page shows removed": remove_image,
    "answers that now differ from the cached translation": edit_nb_answer,
    "a link to a page that is not there": break_a_link,
}


@pytest.mark.parametrize("change", NEIGHBOURS.values(), ids=NEIGHBOURS.keys())
def test_an_error_found_with_cached_pages_is_reported_as_without_the_cache(course, change):
    build_course(course, "build")
    change(course)
    cached = problems_of(lambda: build_course(course, "build"))
    assert cached == problems_of(lambda: uncached(course)) and cached[0]
    assert problems_of(lambda: build_course(course, "build")) == cached  # and again, from the kept pages


def allow_raw_html(course):
    path = course / "course.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "trusted_html: true\n", encoding="utf-8")


def test_a_setting_in_course_yaml_checks_every_page_again(course, monkeypatch):
    page = course / "nn" / "02-bilde.md"
    page.write_text(page.read_text(encoding="utf-8") + "\n<span onclick=\"x()\">Trykk</span>\n", encoding="utf-8")
    first = build_course(course, "build")
    assert [w.file for w in first.warnings] == ["courses/demo/nn/02-bilde.md"]
    read, checked = count_reads(monkeypatch)
    allow_raw_html(course)
    after = build_course(course, "build")
    assert len(read) == len(checked) == 6
    fresh = uncached(course)
    assert after.warnings == fresh.warnings == ()
    assert packages(after) == packages(fresh)


def test_a_changed_schema_checks_every_page_again(course, monkeypatch, tmp_path):
    from ilmpack import resources, schemacheck, validate

    copy = own_data_copy(monkeypatch, tmp_path, "schemas", (resources, cache))
    monkeypatch.setattr(cache, "code_fingerprint", cache.code_fingerprint.__wrapped__)


    def clear():  # the schemas as read and compiled once a process
        validate._validator.cache_clear()
        schemacheck._compiled.cache_clear()
        resources.load_schema.cache_clear()

    clear()
    build_course(course, "build")
    schema = copy / "page.schema.json"
    schema.write_text(schema.read_text(encoding="utf-8").replace('"minLength": 1}', '"minLength": 1, "maxLength": 5}'),
                      encoding="utf-8")
    clear()
    try:
        cached = problems_of(lambda: build_course(course, "build"))
        assert cached == problems_of(lambda: uncached(course))
        assert any("Velkommen" in p.message for p in cached[0])
    finally:
        clear()


def test_a_package_changed_since_it_was_written_is_written_again_when_another_is(course):
    first = build_course(course, "build")
    nn = [p for p in first.packages if p.lang == "nn"][0]
    good = nn.path.read_bytes()
    st = nn.path.stat()
    nn.path.write_bytes(good[:-1] + bytes([good[-1] ^ 1]))  # same size and time, other bytes
    os.utime(nn.path, ns=(st.st_atime_ns, st.st_mtime_ns))
    nn.report.write_text("edited", encoding="utf-8")
    edit_page(course)  # an nb page: the nn package's content is unchanged, but the zip there is not the one written
    after = build_course(course, "build")
    assert nn.path.read_bytes() == good
    assert packages(after) == packages(uncached(course))


def test_captions_changed_in_place_are_checked_again(course):
    (course / "media" / "film.mp4").write_bytes(b"\0" * 64)
    captions = course / "media" / "film.vtt"
    captions.write_text("WEBVTT\n\n00:01.000 --> 00:04.500\nHei.\n", encoding="utf-8")
    for lang in ("nb", "nn"):
        page = course / lang / "02-bilde.md"
        page.write_text(page.read_text(encoding="utf-8") + "\n```film\nid: film-1\ntitle: Film\nsrc: ../media/film.mp4\n"
                        "captions: ../media/film.vtt\ntranscript: Hei.\naudio_description: none\n"
                        "reason: Alt som vises, blir sagt.\n```\n", encoding="utf-8")
    build_course(course, "build")
    same_size_same_mtime(captions, b"00:04.500", b"00:04,500")  # a SubRip-style time browsers skip
    cached = problems_of(lambda: build_course(course, "build"))
    assert cached == problems_of(lambda: uncached(course))
    assert any("film.vtt" in p.file for p in cached[0])
