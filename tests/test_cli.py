"""The command line: exit codes, messages without tracebacks, `new` that builds as generated."""

from __future__ import annotations

import zipfile

from ilmpack import __version__
from ilmpack.cli import main

from coursekit import SAMPLE


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
    assert [p.name for p in tmp_path.iterdir()] == ["likestilling-nn-scorm12.zip"]


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
    assert result.output.endswith(": ok (6 pages in nb, nn)\n")


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
    assert result.stdout == f"{good}: ok (SCORM 1.2 package)\n"
    broken = tmp_path / "broken.zip"
    broken.write_bytes(good.read_bytes()[:500])
    result = runner.invoke(main, ["check", str(broken)])
    assert result.exit_code == 1
    assert result.stderr == (f"{broken}: not a zip file, or it is damaged/truncated; build or download it again\n"
                             "1 problem found; do not upload the package as it is.\n")
