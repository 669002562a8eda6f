"""The bad-input corpus (tests/bad_inputs/): every broken course gets its exact message, exit code, no traceback.

Each case is a folder under tests/bad_inputs/cases/ (see tests/bad_inputs/README.md). Cases run the
CLI in-process with click's CliRunner (a subprocess costs 0.4 s of imports per case); cases marked
`isolate: true` (signals, hangs, launch scripts) run it in a subprocess, as an author's shell does.
`ISOLATE=1` runs every case in a subprocess.
`UPDATE=1 python -m pytest tests/test_bad_inputs.py` rewrites expected.txt (and expected.json) of
the cases that are not pending; read every message you accept.
"""

from __future__ import annotations

import collections
import hashlib
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import traceback
from pathlib import Path

import pytest
import yaml

HERE = Path(__file__).parent / "bad_inputs"
BASE = HERE / "base"
CASES = HERE / "cases"
# The hostile corpus (tests/hostile/cases): courses and packages written as an attacker would,
# in the same format. Each of these cases also runs with a canary file beside the course (outside
# it) and a canary in the environment: neither may ever show in any output, and no code may run.
HOSTILE = Path(__file__).parent / "hostile" / "cases"
SECRET = "ilmpack-canary-" + hashlib.sha256(os.urandom(16)).hexdigest()[:24]
PWNED = "PWNED"  # a hostile case's code, were it to run, would make this file beside the course
RESERVED = {"case.yaml", "expected.txt", "expected.json", "DELETE"}
KINDS = {"yaml", "types", "keys", "encoding", "files", "ids", "paths", "blocks", "html", "limits",
         "output", "usage", "json", "check"}
HOSTILE_KINDS = {"links", "media", "templates", "trust", "zip", "limits", "html", "check", "usage", "paths"}
CASE_KEYS = {"about", "kind", "command", "args", "exit", "setup", "base", "pending", "isolate", "timeout"}
MIN_CASES = 60
MIN_HOSTILE = 36  # one case per class of issue 19's findings, and 30 more
TIMEOUT = 60  # seconds, for isolated cases; one that hangs (a quadratic regex, a loop) fails instead of blocking CI
# The console script `ilmpack`, without depending on where pip put it (`python -m` would print "python -m ilmpack").
CONSOLE = [sys.executable, "-c", "from ilmpack.cli import main; main(prog_name='ilmpack')"]


def load_cases() -> list[tuple[str, dict]]:
    """(name, case.yaml data) of every case folder of both corpora, sorted by name."""
    out = []
    for cases in (CASES, HOSTILE):
        for folder in sorted(p for p in cases.iterdir() if p.is_dir()) if cases.is_dir() else ():
            out.append((folder.name, yaml.safe_load((folder / "case.yaml").read_text(encoding="utf-8"))))
    return sorted(out)


def case_folder(name: str) -> Path:
    """The folder of a case, in either corpus."""
    return HOSTILE / name if (HOSTILE / name).is_dir() else CASES / name


ALL_CASES = load_cases()


def _load_generators():
    spec = importlib.util.spec_from_file_location("bad_input_generators", HERE / "generators.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


generators = _load_generators()


@pytest.fixture(scope="session")
def base_build(tmp_path_factory) -> Path:
    """The base course built once; each build case starts with a copy of these good packages."""
    out = tmp_path_factory.mktemp("base-build")
    from ilmpack.build import build_course

    build_course(BASE, out / "build")
    return out / "build"


def _env() -> dict:
    env = dict(os.environ, LC_ALL="C.UTF-8", PYTHONIOENCODING="utf-8", COLUMNS="100", ILMPACK_TEST_CANARY=SECRET)
    env.pop("SOURCE_DATE_EPOCH", None)
    return env


def prepare(name: str, case: dict, tmp: Path, base_build: Path) -> dict:
    """Lay out tmp/course (base + overlay - DELETE), tmp/build, and run the setup hook; return its extras."""
    folder = case_folder(name)
    course = tmp / "course"
    if case.get("base", True):
        shutil.copytree(BASE, course, symlinks=True)
    for src in sorted(folder.rglob("*")):
        rel = src.relative_to(folder)
        if src.is_file() and rel.as_posix() not in RESERVED:
            dst = course / rel
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, dst)
    if (folder / "DELETE").exists():
        for line in (folder / "DELETE").read_text(encoding="utf-8").splitlines():
            if line.strip():
                target = course / line.strip()
                shutil.rmtree(target) if target.is_dir() and not target.is_symlink() else target.unlink()
    if case.get("command", "build") == "build":
        shutil.copytree(base_build, tmp / "build")
    extras = {}
    if folder.parent == HOSTILE:
        (tmp / "CANARY").write_text(SECRET + "\n", encoding="utf-8")
    if case.get("setup"):
        extras = getattr(generators, case["setup"])(tmp, course) or {}
    return extras


def arguments(case: dict) -> list[str]:
    """The command, its default operands (course/, build/ or package.zip) and the case's own args."""
    command = case.get("command", "build")
    operands = {"build": ["course", "--out", "build"], "validate": ["course"], "check": ["package.zip"]}[command]
    return [command, *operands, *[str(a) for a in case.get("args", [])]]


def run_isolated(case: dict, extras: dict, cwd: Path) -> tuple[int, str, str]:
    """(exit code, stdout, stderr) of the CLI in a subprocess (a setup may give its own launcher)."""
    argv = [*extras.get("launcher", CONSOLE), *arguments(case)]
    proc = subprocess.run(argv, cwd=cwd, capture_output=True, env=_env(), timeout=case.get("timeout", TIMEOUT))
    return proc.returncode, proc.stdout.decode("utf-8", "replace"), proc.stderr.decode("utf-8", "replace")


def run_in_process(case: dict, cwd: Path, monkeypatch) -> tuple[int, str, str]:
    """(exit code, stdout, stderr) of the CLI through CliRunner; an escaped exception shows as a traceback."""
    from click.testing import CliRunner

    from ilmpack.cli import main

    monkeypatch.chdir(cwd)
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    monkeypatch.setenv("ILMPACK_TEST_CANARY", SECRET)  # what /proc/self/environ would give away
    result = CliRunner().invoke(main, arguments(case), prog_name="ilmpack")
    stderr = result.stderr
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        stderr += "".join(traceback.format_exception(*result.exc_info))
    return result.exit_code, result.stdout, stderr


def snapshot(root: Path) -> dict[str, str]:
    """Every path under `root` with a digest of its bytes (or its link target): what a failure must not change."""
    out = {}
    for dirpath, dirs, files in os.walk(root):  # links are not followed
        for name in dirs + files:
            path = Path(dirpath) / name
            rel = path.relative_to(root).as_posix()
            if path.is_symlink():
                out[rel] = "-> " + os.readlink(path)
            elif path.is_file():
                out[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
            else:
                out[rel] = "dir"
    return out


def _steady(doc: dict) -> dict:
    """The JSON with the build's time and the zips' sizes as placeholders: the time differs on
    every run, and a size changes with any change to the runtime or the templates."""
    if isinstance(doc.get("seconds"), (int, float)):
        doc["seconds"] = "<seconds>"
    for pkg in doc.get("packages", []):
        if isinstance(pkg.get("bytes"), int) and pkg["bytes"] > 0:
            pkg["bytes"] = "<bytes>"
    return doc


def _params():
    for name, case in ALL_CASES:
        marks = [pytest.mark.xfail(strict=True, reason=case["pending"])] if case.get("pending") else []
        yield pytest.param(name, case, id=name, marks=marks)


@pytest.mark.parametrize(("name", "case"), list(_params()))
def test_bad_input(name, case, tmp_path, base_build, monkeypatch):
    folder = case_folder(name)
    extras = prepare(name, case, tmp_path, base_build)
    before = snapshot(tmp_path)
    if case.get("isolate") or extras.get("launcher") or os.environ.get("ISOLATE"):
        code, stdout, stderr = run_isolated(case, extras, tmp_path)
    else:
        code, stdout, stderr = run_in_process(case, tmp_path, monkeypatch)
    stdout, stderr = stdout.replace(str(tmp_path), "<tmp>"), stderr.replace(str(tmp_path), "<tmp>")
    expected_json = folder / "expected.json"
    if os.environ.get("UPDATE") and not case.get("pending"):
        (folder / "expected.txt").write_text(stderr, encoding="utf-8")
        if expected_json.exists():
            expected_json.write_text(json.dumps(_steady(json.loads(stdout)), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    after = snapshot(tmp_path)

    assert "Traceback" not in stdout + stderr, stderr
    assert code == case["exit"], stderr
    assert stderr == (folder / "expected.txt").read_text(encoding="utf-8")
    if expected_json.exists():
        assert _steady(json.loads(stdout)) == json.loads(expected_json.read_text(encoding="utf-8"))
    leftovers = [p for p in after if p.endswith(".part") or "/.tmp" in p or p.startswith(".tmp")]
    assert leftovers == [], "temporary files left behind"
    if code != 0:
        assert after == before, "a failed run changed files (the build folder must hold what it held before)"
    if folder.parent == HOSTILE:
        assert SECRET not in stdout + stderr, "a file outside the course shows in the output"
        assert leaked(tmp_path) == [], "a file outside the course reached the output"
        assert not (tmp_path / PWNED).exists() and not (tmp_path / "course" / PWNED).exists(), "the course ran code"


def leaked(tmp: Path) -> list[str]:
    """The files under `tmp` (and members of the zips there) that hold the canary, but the canary itself."""
    import zipfile

    out = []
    for path in tmp.rglob("*"):
        if not path.is_file() or path.is_symlink() or (path.parent == tmp and path.name.startswith("CANARY")):
            continue
        data = path.read_bytes()
        if SECRET.encode() in data:
            out.append(path.relative_to(tmp).as_posix())
        if data[:4] == b"PK\x03\x04":
            try:
                with zipfile.ZipFile(path) as zf:
                    for info in zf.infolist()[:1000]:
                        with zf.open(info) as member:
                            if SECRET.encode() in member.read(64 * 1024 * 1024):
                                out.append(f"{path.relative_to(tmp).as_posix()}!{info.filename}")
            except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, RuntimeError, EOFError):
                pass  # a malformed zip of a `check` case: its raw bytes were searched above
    return out


def count_by_kind() -> collections.Counter:
    """How many cases each kind has."""
    return collections.Counter(case["kind"] for _, case in ALL_CASES)


def test_corpus_is_complete_and_well_formed():
    for name, case in ALL_CASES:
        kinds = HOSTILE_KINDS if case_folder(name).parent == HOSTILE else KINDS
        assert set(case) <= CASE_KEYS, f"{name}: unknown keys {set(case) - CASE_KEYS}"
        assert case.get("about") and case.get("kind") in kinds and isinstance(case.get("exit"), int), name
        assert case.get("command", "build") in ("build", "validate", "check"), name
        assert (case_folder(name) / "expected.txt").exists(), f"{name}: no expected.txt"
        if case.get("setup"):
            assert callable(getattr(generators, case["setup"], None)), f"{name}: no generator {case['setup']}"
    counts = count_by_kind()
    assert sum(counts.values()) >= MIN_CASES, counts
    assert sum(case_folder(name).parent == HOSTILE for name, _ in ALL_CASES) >= MIN_HOSTILE
    assert KINDS <= set(counts), f"kinds without a case: {KINDS - set(counts)}"


if __name__ == "__main__":  # `python tests/test_bad_inputs.py`: the count of cases by kind
    for kind, n in sorted(count_by_kind().items()):
        print(f"{kind:10} {n}")
    print(f"{'total':10} {len(ALL_CASES)}")
