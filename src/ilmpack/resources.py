"""Packaged defaults (schemas, templates, runtime) found in a wheel or in a source checkout."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path


def data_dir(name: str) -> Path:
    """The folder `schemas` or `templates` shipped with ilmpack.

    In a wheel they are package data inside `ilmpack/`; in an editable install of the source
    tree they are the top-level folders of the repository, which stay the source of truth.
    """
    # The package's own folder, where importlib.resources.files("ilmpack") would find them too:
    # ilmpack runs from files on disk (builds read templates by path), and importing
    # importlib.resources costs 1.7 ms, a share of `--help` or of a build with nothing to do.
    packaged = Path(__file__).parent / name
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / name


def course_template_dirs(root: Path) -> list[Path]:
    """The template folders a course brings before ilmpack's defaults: its own `templates/`, then,
    for a course in a `courses/` folder, the project's `templates/` beside it."""
    dirs = [root / "templates"]
    if root.parent.name == "courses":
        dirs.append(root.parent.parent / "templates")
    return dirs


@lru_cache(maxsize=None)
def load_schema(name: str) -> dict:
    """A JSON Schema from `schemas/`, e.g. `course` or `blocks/question`."""
    path = data_dir("schemas") / f"{name}.schema.json"
    return json.loads(path.read_text(encoding="utf-8"))

