"""`ilmpack build`'s summary, `--quiet` for CI, and progress only on a terminal."""

from __future__ import annotations

import json
import os
import pty
import re
import subprocess
import sys

from ilmpack.cli import main

from coursekit import PAGE_NB, TEST_NB

IMAGE_PAGE = PAGE_NB + "\n![Et bilde av en sirkel](../media/sirkel.svg)\n"
SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><circle cx="5" cy="5" r="4"/></svg>'


def test_summary_names_each_package_with_size_and_contents_then_the_time(runner, make_course):
    root = make_course(files={"nb/01-start.md": IMAGE_PAGE, "nb/02-test.md": TEST_NB, "media/sirkel.svg": SVG})
    result = runner.invoke(main, ["build", str(root), "--out", "out"])
    assert result.exit_code == 0, result.output
    size = os.path.getsize("out/demo-nb-scorm12.zip")
    first, report, last = result.output.splitlines()
    assert first == f"wrote out/demo-nb-scorm12.zip ({-(-size // 1000)} KB: 2 pages, 3 questions, 1 media file)"
    assert report == "  and its accessibility report out/demo-nb-scorm12.a11y.md"
    assert re.fullmatch(r"built 1 package in \d+\.\d s", last)
    assert "\r" not in result.output  # not a terminal: no progress line


def test_json_has_the_summary_fields(runner, make_course):
    root = make_course()
    result = runner.invoke(main, ["build", str(root), "--out", "out", "--json"])
    doc = json.loads(result.stdout)
    (pkg,) = doc["packages"]
    assert pkg["bytes"] == os.path.getsize("out/demo-nb-scorm12.zip")
    assert (pkg["pages"], pkg["blocks"], pkg["media"]) == (2, {"question": 3}, 0)
    assert doc["seconds"] > 0


def test_quiet_prints_nothing_on_success_not_even_warnings(runner, make_course):
    root = make_course(files={"nb/01-start.md": PAGE_NB + "\n<script>alert(1)</script>\n", "nb/02-test.md": TEST_NB})
    loud = runner.invoke(main, ["build", str(root), "--out", "out"])
    assert "warning:" in loud.stderr  # the course does warn
    result = runner.invoke(main, ["build", str(root), "--out", "out", "--quiet"])
    assert result.exit_code == 0
    assert (result.stdout, result.stderr) == ("", "")


def test_quiet_still_prints_errors_and_fails(runner, make_course):
    root = make_course(course="id: demo\ntitle: [\n")
    result = runner.invoke(main, ["build", str(root), "--out", "out", "-q"])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.startswith("demo/course.yaml:3:1: not valid YAML")


def test_progress_is_shown_on_a_terminal(make_course, tmp_path):
    root = make_course()
    leader, follower = pty.openpty()
    proc = subprocess.run([sys.executable, "-m", "ilmpack", "build", str(root), "--out", str(tmp_path / "out")],
                          stdout=follower, stderr=subprocess.PIPE, timeout=120)
    os.close(follower)
    shown = b""
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # the terminal closed: all is read
            break
        if not chunk:
            break
        shown += chunk
    os.close(leader)
    assert proc.returncode == 0, proc.stderr
    text = shown.decode()
    assert "\r\x1b[Krendered 1/1 languages (nb: 2 pages, 0 media files)" in text
    assert "writing 1 package: demo-nb-scorm12.zip" in text
    # Wiped before the summary, which stands on clean lines.
    assert "\r\x1b[Kwrote " in text
    assert re.search(r"built 1 package in \d+\.\d s", text)
