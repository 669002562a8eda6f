"""What each command loads: a command starts as fast as the work it has to do allows.

Each case runs `python -m ilmpack ...` in a process of its own (as a user or CI starts it) and
lists the modules it imported. Importing Jinja, lxml or PyYAML costs tens of milliseconds, more
than the work of `--help` or of a build that nothing has changed since the last one.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from coursekit import SAMPLE

# Runs the command line, then writes the names of the modules the process imported.
DRIVER = """
import atexit, json, runpy, sys
listing = sys.argv[1]
atexit.register(lambda: open(listing, "w").write(json.dumps(sorted(sys.modules))))
sys.argv = ["ilmpack", *sys.argv[2:]]
runpy.run_module("ilmpack", run_name="__main__")
"""
HEAVY = ("jinja2", "lxml", "yaml", "nh3", "jsonschema")


def imported(tmp_path, *args: str) -> set[str]:
    listing = tmp_path / f"modules-{len(list(tmp_path.glob('modules-*')))}.json"
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    result = subprocess.run([sys.executable, "-c", DRIVER, str(listing), *args], cwd=tmp_path, env=env,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return {name.split(".")[0] for name in json.loads(listing.read_text())}


@pytest.mark.parametrize("args", [["--help"], ["build", "--help"], ["validate", "--help"], ["--version"]])
def test_help_loads_none_of_the_pipeline(tmp_path, args):
    assert not imported(tmp_path, *args) & set(HEAVY)


def test_validate_renders_nothing_so_loads_no_templates(tmp_path):
    shutil.copytree(SAMPLE, tmp_path / "kurs")
    modules = imported(tmp_path, "validate", "kurs")
    assert "yaml" in modules  # it did read the course
    assert not modules & {"jinja2", "jsonschema"}  # jsonschema only explains a course that is not valid


def test_a_build_loads_no_error_helpers_and_an_unchanged_one_no_pipeline(tmp_path):
    shutil.copytree(SAMPLE, tmp_path / "kurs")
    first = imported(tmp_path, "build", "kurs", "--quiet")
    assert {"jinja2", "lxml", "yaml"} <= first
    assert not first & {"jsonschema", "difflib"}  # they explain mistakes; the sample course has none
    again = imported(tmp_path, "build", "kurs", "--quiet")  # nothing changed: answered from the cache
    assert not again & {*HEAVY, "tempfile", "subprocess"}  # it writes nothing, and the course is not in git
