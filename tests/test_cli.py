"""The command line: exit codes, messages without tracebacks, `new` that builds as generated."""

from __future__ import annotations

import json
import re
import shlex
import zipfile

import yaml

from ilmpack import __version__
from ilmpack.cli import main

from coursekit import ROOT, SAMPLE


def test_version(runner):
    result = runner.invoke(main, ["--version"])
    assert result.exit_code == 0
    assert result.output.strip() == f"ilmpack, version {__version__}"


def test_help_shows_examples_and_exit_codes(runner):
    result = runner.invoke(main, ["build", "--help"])
    assert result.exit_code == 0
    assert "ilmpack build courses/likestilling --lang nn --out dist" in result.output
    assert "Exit codes: 0 ok, 1 problems in the course" in result.output


def test_build_writes_packages_and_says_where(runner, tmp_path):
    result = runner.invoke(main, ["build", str(SAMPLE), "--out", str(tmp_path), "--lang", "nn"])
    assert result.exit_code == 0, result.output
    assert "likestilling-nn-scorm12.zip" in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == [".cache", "likestilling-nn-scorm12.a11y.md", "likestilling-nn-scorm12.zip"]
    assert f"  and its accessibility report {tmp_path / 'likestilling-nn-scorm12.a11y.md'}" in result.stdout.splitlines()


def test_course_errors_exit_1_without_traceback(runner, make_course):
    root = make_course(course="id: demo\ntitle: [\n")
    result = runner.invoke(main, ["build", str(root), "--out", "out"])
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0].startswith("demo/course.yaml:3:1: not valid YAML")
    assert "1 problem found; nothing was written." in result.stderr.splitlines()
    assert "Traceback" not in result.output


def test_unknown_language_is_a_usage_error(runner):
    result = runner.invoke(main, ["build", str(SAMPLE), "--lang", "sv", "--out", "unused"])
    assert result.exit_code == 2
    assert "the course has no language 'sv'; it has nb, nn" in result.stderr


def test_unknown_option_is_a_usage_error(runner):
    assert runner.invoke(main, ["build", "--formt", "scorm12"]).exit_code == 2


def test_missing_course_folder(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(main, ["validate", "nope"])
    assert result.exit_code == 1
    assert result.stderr.startswith("nope: no such course folder; give the folder that holds course.yaml")


def test_validate_reports_ok(runner):
    result = runner.invoke(main, ["validate", str(SAMPLE)])
    assert result.exit_code == 0
    pages = sum(len(m["pages"]) for m in yaml.safe_load((SAMPLE / "course.yaml").read_text(encoding="utf-8"))["modules"])
    assert result.output.endswith(f": ok ({pages} pages in nb, nn, en)\n")


def test_new_course_validates_and_builds_as_generated(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert runner.invoke(main, ["new", "mitt-kurs"]).exit_code == 0
    assert runner.invoke(main, ["validate", "mitt-kurs"]).exit_code == 0
    result = runner.invoke(main, ["build", "mitt-kurs"])
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(tmp_path / "build" / "mitt-kurs-nb-scorm12.zip") as zf:
        assert "index.html" in zf.namelist()
    again = runner.invoke(main, ["new", "mitt-kurs"])
    assert again.exit_code == 1
    assert "mitt-kurs already exists and is not empty" in again.stderr


def test_new_course_teaches_every_block_kind_and_builds_without_a_warning(runner, tmp_path, monkeypatch):
    from ilmpack.blocks import block_kinds

    monkeypatch.chdir(tmp_path)
    assert runner.invoke(main, ["new", "kurs"]).exit_code == 0
    for lang in ("nb", "nn"):
        text = "\n".join(p.read_text(encoding="utf-8") for p in sorted((tmp_path / "kurs" / lang).glob("*.md")))
        assert set(re.findall(r"^```(\w+)$", text, flags=re.M)) == block_kinds(), lang
        assert "> [!TIP]" in text and "<details>" in text  # the content helpers too
        kinds = set(re.findall(r"^kind: ([\w-]+)", text, flags=re.M))
        assert len(kinds) >= 5, kinds  # several question kinds, knowledge check and test
    result = runner.invoke(main, ["build", "kurs"])
    assert result.exit_code == 0 and result.stderr == "", result.stderr


def test_json_lists_problems_with_locations(runner, make_course):
    import json

    root = make_course(course="id: demo\nid: again\n")
    result = runner.invoke(main, ["validate", str(root), "--json"])
    assert result.exit_code == 1
    assert json.loads(result.stdout) == {"ok": False, "problems": [{
        "file": "demo/course.yaml", "line": 2, "column": 1, "key": "id",
        "message": "duplicate key (first given on line 1); keep one of them", "severity": "error"}]}


def test_json_on_success_lists_packages(runner, tmp_path):
    import json

    result = runner.invoke(main, ["build", str(SAMPLE), "--lang", "nb", "--out", str(tmp_path), "--json"])
    assert result.exit_code == 0
    doc = json.loads(result.stdout)
    assert doc["ok"] is True and doc["problems"] == []
    assert [(p["lang"], p["format"]) for p in doc["packages"]] == [("nb", "scorm12")]


def test_interrupted_build_exits_130_and_leaves_nothing(tmp_path):
    import os
    import subprocess
    import sys

    out = tmp_path / "out"
    out.mkdir()
    (out / "likestilling-nb-scorm12.zip").write_bytes(b"the previous good package")
    # Ctrl+C arrives while the zip is being written (when the first media file is copied).
    script = (
        "import os, shutil, signal\n"
        "shutil.copyfileobj = lambda *a, **k: os.kill(os.getpid(), signal.SIGINT)\n"
        "from ilmpack.cli import main\n"
        f"main(['build', {str(SAMPLE)!r}, '--lang', 'nb', '--out', {str(out)!r}])\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 130
    assert result.stderr == "Error: interrupted; nothing was written (a package that was there before is unchanged)\n"
    assert os.listdir(out) == ["likestilling-nb-scorm12.zip"]
    assert (out / "likestilling-nb-scorm12.zip").read_bytes() == b"the previous good package"


def test_check_accepts_our_package_and_refuses_a_broken_one(runner, tmp_path):
    good = tmp_path / "good.zip"
    assert runner.invoke(main, ["build", str(SAMPLE), "--lang", "nb", "--out", str(tmp_path)]).exit_code == 0
    (tmp_path / "likestilling-nb-scorm12.zip").rename(good)
    result = runner.invoke(main, ["check", str(good)])
    assert result.exit_code == 0
    assert result.stdout == (f"{good}: ok\n"
                             "  title:         Likestilling, inkludering og mangfold\n"
                             "  standard:      SCORM 1.2\n"
                             "  languages:     nb\n"
                             f"  size:          {_shown(good.stat().st_size)} ({_shown(_unzipped(good))} unzipped, {_count(good)} files)\n"
                             "  mastery score: 80 % (the LMS sets passed/failed from the score)\n")
    broken = tmp_path / "broken.zip"
    broken.write_bytes(good.read_bytes()[:500])
    result = runner.invoke(main, ["check", str(broken)])
    assert result.exit_code == 1
    assert result.stderr == (f"{broken}: not a zip file, or it is damaged/truncated; build or download it again\n"
                             "1 problem found; do not upload the package as it is.\n")


def _unzipped(path) -> int:
    with zipfile.ZipFile(path) as zf:
        return sum(i.file_size for i in zf.infolist())


def _shown(n: int) -> str:
    """Sizes as a person reads them: whole kB rounded up, and from a million bytes MB with one decimal."""
    return f"{n / 1_000_000:.1f} MB" if n >= 1_000_000 else f"{-(-n // 1000)} KB"


def _count(path) -> int:
    with zipfile.ZipFile(path) as zf:
        return len(zf.namelist())


def test_check_json_on_success_describes_the_package(runner, tmp_path):
    assert runner.invoke(main, ["build", str(SAMPLE), "--lang", "nn", "--out", str(tmp_path)]).exit_code == 0
    package = tmp_path / "likestilling-nn-scorm12.zip"
    result = runner.invoke(main, ["check", str(package), "--json"])
    assert result.exit_code == 0
    with zipfile.ZipFile(package) as zf:
        unzipped = sum(i.file_size for i in zf.infolist())
        files = len(zf.namelist())
    assert json.loads(result.stdout) == {
        "ok": True, "problems": [], "title": "Likestilling, inkludering og mangfald", "standard": "SCORM 1.2",
        "languages": ["nn"], "files": files, "bytes": package.stat().st_size, "unzipped_bytes": unzipped,
        "mastery_score": 80}


def test_check_summary_of_an_unzipped_folder_and_of_a_manifest_without_a_score(runner, tmp_path):
    assert runner.invoke(main, ["build", str(SAMPLE), "--lang", "nb", "--out", str(tmp_path)]).exit_code == 0
    folder = tmp_path / "unzipped"
    with zipfile.ZipFile(tmp_path / "likestilling-nb-scorm12.zip") as zf:
        zf.extractall(folder)
        files = len([i for i in zf.infolist() if not i.is_dir()])
    manifest = folder / "imsmanifest.xml"
    text = manifest.read_text(encoding="utf-8")
    manifest.write_text(text.replace("<adlcp:masteryscore>80</adlcp:masteryscore>", "")
                        .replace("</schemaversion>", '</schemaversion><imsmd:lom xmlns:imsmd="http://www.imsglobal.org/xsd/imsmd_rootv1p2p1">'
                                 "<imsmd:general><imsmd:language>nb</imsmd:language></imsmd:general></imsmd:lom>"),
                        encoding="utf-8")
    result = runner.invoke(main, ["check", str(folder)])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[3] == "  languages:     nb"
    assert lines[4].endswith(f" unzipped, {files} files (a folder: zip its contents to upload it)")
    assert lines[5] == "  mastery score: none (the course itself reports passed/failed or completed)"


def test_top_level_help_shows_each_command_description_whole(runner):
    result = runner.invoke(main, ["--help"], terminal_width=80)
    assert result.exit_code == 0
    shown = " ".join(result.output.split())
    for name, command in main.commands.items():
        assert f"{name} {' '.join(command.help.split())}" in shown
    assert "..." not in result.output.split("Commands:")[1]


def test_format_option_lists_the_registered_standards(runner):
    from ilmpack.targets import TARGETS

    result = runner.invoke(main, ["build", "--help"])
    assert f"--format [{'|'.join(TARGETS)}|all]" in result.output
    wrong = runner.invoke(main, ["build", str(SAMPLE), "--format", "aicc"])
    assert wrong.exit_code == 2
    assert "'aicc' is not one of 'scorm12', 'cmi5', 'tincan', 'all'" in wrong.stderr


def test_a_language_given_twice_is_built_once(runner, tmp_path):
    result = runner.invoke(main, ["build", str(SAMPLE), "--out", str(tmp_path), "--lang", "nn", "--lang", "nb", "--lang", "nn"])
    assert result.exit_code == 0, result.output
    assert [line.split("/")[-1].split()[0] for line in result.stdout.splitlines()[:-1]] == [
        "likestilling-nn-scorm12.zip", "likestilling-nn-scorm12.a11y.md",
        "likestilling-nb-scorm12.zip", "likestilling-nb-scorm12.a11y.md"]


def test_build_and_validate_take_the_course_yaml_for_its_folder(runner, tmp_path):
    result = runner.invoke(main, ["validate", str(SAMPLE / "course.yaml")])
    assert result.exit_code == 0, result.output
    result = runner.invoke(main, ["build", str(SAMPLE / "course.yaml"), "--lang", "nb", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "likestilling-nb-scorm12.zip").is_file()
    page = runner.invoke(main, ["build", str(SAMPLE / "nb" / "01-hvorfor.md"), "--out", str(tmp_path / "x")])
    assert page.exit_code == 2
    assert "01-hvorfor.md' is a file; give the course folder (the one that holds course.yaml), or its course.yaml" in page.stderr
    assert not (tmp_path / "x").exists()


def test_new_prints_a_next_command_the_shell_can_run(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(main, ["new", "Mitt Kurs"])
    assert result.exit_code == 0, result.output
    command = result.stdout.strip().split("next: ", 1)[1]
    assert shlex.split(command) == ["ilmpack", "build", "Mitt Kurs"]
    built = runner.invoke(main, shlex.split(command)[1:])
    assert built.exit_code == 0, built.output
    assert (tmp_path / "build" / "mitt-kurs-nb-scorm12.zip").is_file()


def test_new_course_shows_media_and_names_the_real_button(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert runner.invoke(main, ["new", "kurs"]).exit_code == 0
    strings = yaml.safe_load((ROOT / "templates" / "strings.yaml").read_text(encoding="utf-8"))
    course = yaml.safe_load((tmp_path / "kurs" / "course.yaml").read_text(encoding="utf-8"))
    assert course["description"]["nb"] == "En kort beskrivelse av kurset."
    media = sorted(p.name for p in (tmp_path / "kurs" / "media").iterdir())
    assert media
    used: set[str] = set()
    for lang in course["languages"]:
        pages = {p.name: p.read_text(encoding="utf-8") for p in (tmp_path / "kurs" / lang).glob("*.md")}
        test_page = next(text for text in pages.values() if "test: true" in text)
        assert f"«{strings[lang]['submit_test']}»" in test_page
        images = [img for text in pages.values() for img in re.findall(r"!\[([^\]]*)\]\(\.\./media/([^)]+)\)", text)]
        assert images and all(len(alt) > 20 for alt, _name in images)  # alt text that says what the image shows
        used.update(re.findall(r"\.\./media/([\w-][\w.-]*\w)", "\n".join(pages.values())))
        # Feedback explains; the runtime itself already says right or wrong.
        feedback = [line.split(":", 1)[1].strip() for text in pages.values() for line in text.splitlines()
                    if line.strip().startswith("feedback:")]
        assert feedback
        verdicts = {strings[lang][k].rstrip("!.") for k in ("fb_correct", "fb_wrong", "fb_partly")} | {"Ja", "Nei"}
        assert not [f for f in feedback if any(f.startswith(v) for v in verdicts)]
    assert set(media) <= used  # every file it ships is used, so an author sees how
    assert runner.invoke(main, ["build", "kurs"]).exit_code == 0
    packaged = set()
    for lang in course["languages"]:
        with zipfile.ZipFile(tmp_path / "build" / f"kurs-{lang}-scorm12.zip") as zf:
            packaged.update(zf.namelist())
    assert {f"media/{name}" for name in media} <= packaged
