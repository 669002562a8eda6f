"""`ilmpack new`: a starting course that builds and validates as generated."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import yaml

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from .errors import IlmpackError, display_path
from .paths import ascii_name
from .resources import data_dir

TEXT_TEMPLATES = {".md", ".yaml"}  # rendered with Jinja (the course id, the interface texts)


def new_course(name: str | Path) -> str:
    """Create course folder `name` from templates/new-course; never overwrite anything."""
    target = Path(name)
    if target.exists() and any(target.iterdir()):
        raise IlmpackError(f"{display_path(target)} already exists and is not empty; choose a new folder name")
    course_id = ascii_name(target.name.lower(), "a-z0-9").strip("-")
    if not re.fullmatch(r"[a-z][a-z0-9-]*[a-z0-9]", course_id or ""):
        raise IlmpackError(f"cannot make a course id from '{target.name}'; use a folder name of letters a-z, e.g. mitt-kurs")
    templates = data_dir("templates")
    source = templates / "new-course"
    # The pages name the runtime's buttons by their real labels.
    strings = yaml.safe_load((templates / "strings.yaml").read_text(encoding="utf-8"))
    env = Environment(loader=FileSystemLoader(str(source)), undefined=StrictUndefined, keep_trailing_newline=True)
    for file in sorted(p for p in source.rglob("*") if p.is_file()):
        rel = file.relative_to(source).as_posix()
        out = target / rel
        out.parent.mkdir(parents=True, exist_ok=True)
        if file.suffix in TEXT_TEMPLATES:
            out.write_text(env.get_template(rel).render(id=course_id, strings=strings), encoding="utf-8")
        else:  # media/ is copied as it is
            shutil.copyfile(file, out)
    return display_path(target)
