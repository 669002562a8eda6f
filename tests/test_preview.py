"""`ilmpack preview` without a browser: what it refuses before it starts serving."""

from __future__ import annotations

import pytest

from ilmpack.cli import main
from ilmpack.errors import UsageProblem
from ilmpack.preview import Preview

from coursekit import SAMPLE


def test_a_language_the_course_lacks_is_a_usage_error_and_nothing_is_served(runner):
    result = runner.invoke(main, ["preview", str(SAMPLE), "--lang", "sv", "--no-open", "--port", "0"])
    assert result.exit_code == 2
    assert "the course has no language 'sv'; it has nb, nn" in result.stderr
    assert "Previewing" not in result.stdout


def test_a_missing_course_folder_fails_before_serving(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(main, ["preview", "nope", "--no-open", "--port", "0"])
    assert result.exit_code == 1
    assert result.stderr.startswith("nope: no such course folder; give the folder that holds course.yaml")


def test_a_format_without_a_player_says_what_preview_supports(tmp_path):
    with pytest.raises(UsageProblem) as raised:
        Preview(SAMPLE, fmt="cmi5")
    assert raised.value.format_message() == ("preview supports scorm12 for now, not 'cmi5'; "
                                             "build it with 'ilmpack build --format cmi5' and try it in your LMS")
