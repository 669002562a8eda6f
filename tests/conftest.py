"""Shared fixtures: a CLI runner, small courses made from dicts, and the sample course."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from coursekit import PAGE_NB, TEST_NB, course_data


@pytest.fixture
def make_course(tmp_path, monkeypatch):
    """Write a course folder: `make_course(course=dict or str, files={path: text})`.

    The working folder is the course's parent, so messages read `demo/course.yaml:...`.
    """
    monkeypatch.chdir(tmp_path)

    def make(course=None, files=None, name="demo") -> Path:
        root = tmp_path / name
        root.mkdir(parents=True, exist_ok=True)
        course = course_data() if course is None else course
        text = course if isinstance(course, str) else yaml.safe_dump(course, allow_unicode=True, sort_keys=False)
        (root / "course.yaml").write_text(textwrap.dedent(text) if isinstance(course, str) else text, encoding="utf-8")
        pages = {"nb/01-start.md": PAGE_NB, "nb/02-test.md": TEST_NB} if files is None else files
        for rel, content in pages.items():
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content, encoding="utf-8")
        return root

    return make


@pytest.fixture
def runner():
    """click's CliRunner, with stderr kept apart from stdout."""
    return CliRunner()


def pytest_addoption(parser):
    parser.addoption("--update-golden", action="store_true", help="rewrite tests/golden/ from the current build")
