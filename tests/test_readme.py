"""The README's setup commands: they work on a system that refuses `pip install`, and CI runs the same."""

from __future__ import annotations

import re

from coursekit import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def commands() -> list[str]:
    """The README's indented shell lines (four spaces, outside fenced examples)."""
    outside_fences = re.sub(r"^(```|````).*?^\1\s*$", "", README, flags=re.S | re.M)
    return [line[4:] for line in outside_fences.splitlines() if line.startswith("    ") and not line.startswith("     ")]


def test_no_command_installs_into_the_system_python():
    # Debian and Ubuntu refuse it (PEP 668, externally-managed-environment): pip runs in .venv/.
    pips = [c for c in commands() if "pip install" in c]
    assert pips
    for command in pips:
        for part in command.split("&&"):
            if "pip install" in part:
                assert part.strip().startswith(".venv/bin/pip install"), command


def test_quick_start_builds_with_the_venv_it_makes():
    first = next(c for c in commands() if "ilmpack build courses/likestilling" in c)
    assert [part.strip() for part in first.split("&&")] == [
        "python3 -m venv .venv", ".venv/bin/pip install -e .", ".venv/bin/ilmpack build courses/likestilling"]


def test_ci_runs_the_readme_test_command_as_written():
    test_command = next(c for c in commands() if "pytest" in c and "apt-get" in c)
    for needed in ("chromium", "nodejs npm", "npm ci", "python3-venv", ".venv/bin/pip install -e '.[test]'",
                   ".venv/bin/python -m pytest"):
        assert needed in test_command
    ci_lines = [line for line in (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
                if line and not line.startswith("#")]
    assert ci_lines[-1] == test_command
