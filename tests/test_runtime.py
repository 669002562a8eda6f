"""The browser runtime is assembled at build time from parts on the template search path."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest
from jinja2 import ChoiceLoader, Environment, FileSystemLoader

from ilmpack.build import build_course
from ilmpack.errors import BuildError
from ilmpack.resources import data_dir
from ilmpack.runtime import assemble_runtime, fingerprint, runtime_parts
from ilmpack.targets import TARGETS

SAMPLE = Path(__file__).resolve().parents[1] / "courses" / "likestilling"


def env_with(tmp_path, parts: dict[str, str] | None = None) -> Environment:
    """A search path like a course's: its own templates/ first, then ilmpack's defaults."""
    own = tmp_path / "templates"
    for name, text in (parts or {}).items():
        path = own / "assets" / "runtime" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    own.mkdir(exist_ok=True)
    return Environment(loader=ChoiceLoader([FileSystemLoader(str(own)), FileSystemLoader(str(data_dir("templates")))]))


def part_order(script: str) -> list[str]:
    return re.findall(r"^/\* ==== runtime/(\S+) ==== \*/$", script, flags=re.M)


def test_parts_in_fixed_order_and_only_used_kinds(tmp_path):
    env = env_with(tmp_path, {"blocks/aaa.js": "ILM.block('aaa', function () {});\n"})
    script = assemble_runtime(env, "scorm12", {"question", "plain", "aaa"})
    # "plain" has no part (a non-interactive kind): fine; block parts sorted by name.
    assert part_order(script) == ["core.js", "lms/scorm12.js", "lms/none.js", "blocks/aaa.js", "blocks/question.js"]
    assert script.rstrip().endswith('ILM.boot("scorm12");\n})();'), script[-200:]
    # The header names every part, so a learner-side bug can be traced to a file.
    head = script.split("*/", 1)[0]
    for name in part_order(script):
        assert f"runtime/{name}" in head
    assert "runtime/blocks/aaa.js (overridden)" in head and "runtime/core.js (default)" in head


def test_kinds_not_used_are_left_out(tmp_path):
    script = assemble_runtime(env_with(tmp_path), "scorm12", set())
    assert part_order(script) == ["core.js", "lms/scorm12.js", "lms/none.js"]
    assert "ILM.block(\"question\"" not in script


def test_no_lms_adapter_is_not_listed_twice(tmp_path):
    assert runtime_parts(env_with(tmp_path), "none", {"question"}) == ["core.js", "lms/none.js", "blocks/question.js"]


def test_one_strict_iife_and_nothing_global_but_window_ilmpack(tmp_path):
    script = assemble_runtime(env_with(tmp_path), "scorm12", {"question"})
    body = script.split("*/", 1)[1].lstrip()
    assert body.startswith('(function () {\n"use strict";\nvar ILM = {};')
    assert body.rstrip().endswith("})();")
    assert "window.ilmpack = " in script
    assert not re.search(r"window\.(ILM|API)\s*=", script)


def test_course_override_of_a_part_wins(tmp_path):
    env = env_with(tmp_path, {"lms/none.js": "/* course's own no-LMS adapter */\nILM.lms('none', function () { return null; });\n"})
    script = assemble_runtime(env, "scorm12", {"question"})
    assert "/* course's own no-LMS adapter */" in script
    assert "not_tracked" not in script  # the default none.js is not there as well


def test_missing_part_is_a_build_error(tmp_path):
    with pytest.raises(BuildError, match=r"runtime part 'assets/runtime/lms/aicc\.js' not found"):
        assemble_runtime(env_with(tmp_path), "aicc", {"question"})


def test_every_target_has_an_adapter_part():
    for target in TARGETS.values():
        assert (data_dir("templates") / "assets" / "runtime" / "lms" / f"{target.runtime_adapter}.js").is_file()


def test_package_carries_one_assembled_script(tmp_path):
    out = tmp_path / "build"
    build_course(SAMPLE, out, langs=["nb"])
    with zipfile.ZipFile(out / "likestilling-nb-scorm12.zip") as zf:
        names = zf.namelist()
        script = zf.read("assets/ilmpack.js").decode("utf-8")
    assert not any(n.startswith("assets/runtime/") for n in names)
    # the sample uses every block kind: the parts of those that have one, in name order, after the core
    assert part_order(script) == ["core.js", "lms/scorm12.js", "lms/none.js", "blocks/case.js", "blocks/conversation.js",
                                  "blocks/film.js", "blocks/question.js", "blocks/reflection.js"]


def test_fingerprint_ignores_language_but_not_structure():
    config = {"pages": [{"id": "a"}, {"id": "b"}],
              "questions": {"q": {"kind": "single", "options": ["a", "b"], "correct": ["b"], "scored": True}}}
    fp = fingerprint(config, ["question"])
    assert len(fp) == 7
    assert fingerprint({**config, "lang": "nn", "title": "Anna"}, ["question"]) == fp
    assert fingerprint({**config, "pages": [{"id": "b"}, {"id": "a"}]}, ["question"]) != fp
    changed = {"q": {**config["questions"]["q"], "correct": ["a"]}}
    assert fingerprint({**config, "questions": changed}, ["question"]) != fp


def test_an_old_whole_runtime_override_is_reported(tmp_path, caplog):
    own = tmp_path / "templates" / "assets"
    own.mkdir(parents=True)
    (own / "ilmpack.js").write_text("/* a course's copy of the old single-file runtime */\n", encoding="utf-8")
    with caplog.at_level("WARNING", logger="ilmpack.runtime"):
        script = assemble_runtime(env_with(tmp_path), "scorm12", {"question"})
    assert "old single-file runtime" not in script
    assert "templates/assets/ilmpack.js is not used any more" in caplog.text
