"""The built wheel carries schemas, templates and runtime, and builds a course from anywhere."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import venv
import zipfile
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from coursekit import ROOT, SAMPLE


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> os.PathLike:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(ROOT)],
                   check=True, capture_output=True)
    return next(out.glob("ilmpack-*.whl"))


def test_wheel_contains_package_data(wheel):
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
    for name in ("ilmpack/schemas/course.schema.json", "ilmpack/schemas/blocks/question.schema.json",
                 "ilmpack/schemas/scorm12/imscp_rootv1p1p2.xsd", "ilmpack/templates/index.html",
                 "ilmpack/templates/assets/runtime/core.js", "ilmpack/templates/strings.yaml",
                 "ilmpack/templates/new-course/course.yaml"):
        assert name in names


def dependency_folders(wheel) -> list[str]:
    """The folders where the running interpreter has the wheel's dependencies (and theirs).

    Found from the installed distributions' own records, so it works however the suite runs:
    from a venv, from a system or pyenv Python, from a user site.
    """
    with zipfile.ZipFile(wheel) as zf:
        meta = next(n for n in zf.namelist() if n.endswith(".dist-info/METADATA"))
        wanted = [line.split(":", 1)[1].strip() for line in zf.read(meta).decode().splitlines()
                  if line.startswith("Requires-Dist:")]
    folders, seen = [], set()
    while wanted:
        req = Requirement(wanted.pop())
        if req.marker and not req.marker.evaluate({"extra": ""}):
            continue  # an optional extra (the test tools), or not for this platform
        name = canonicalize_name(req.name)
        if name in seen:
            continue
        seen.add(name)
        dist = metadata.distribution(req.name)  # PackageNotFoundError: a dependency the suite lacks
        folder = str(dist.locate_file(""))
        if folder not in folders:
            folders.append(folder)
        wanted += dist.requires or []
    return folders


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory) -> Path:
    """A clean venv with the wheel installed; its python is `installed / "bin" / "python"`."""
    env_dir = tmp_path_factory.mktemp("installed") / "venv"
    # A clean venv gets the wheel; its dependencies come from the folders where the running
    # interpreter has them, named in a .pth file: no download, and no copy of ilmpack's source
    # tree (a .pth line adds only its folder; the editable install's own .pth there is not read).
    venv.EnvBuilder(with_pip=True).create(env_dir)
    py = env_dir / "bin" / "python"
    site_packages = subprocess.run([str(py), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                                   check=True, capture_output=True, text=True).stdout.strip()
    (Path(site_packages) / "ilmpack-test-dependencies.pth").write_text("\n".join(dependency_folders(wheel)) + "\n")
    subprocess.run([str(py), "-m", "pip", "install", "-q", "--no-deps", str(wheel)], check=True, capture_output=True)
    return env_dir


def test_installed_wheel_builds_a_course_from_another_folder(installed, tmp_path):
    env_dir = installed
    py = env_dir / "bin" / "python"
    work = tmp_path / "elsewhere"
    shutil.copytree(SAMPLE, work / "kurs")
    where = subprocess.run([str(py), "-c", "import ilmpack; print(ilmpack.__file__)"], cwd=work,
                           check=True, capture_output=True, text=True).stdout
    assert where.startswith(str(env_dir))
    result = subprocess.run([str(env_dir / "bin" / "ilmpack"), "build", "kurs", "--lang", "nb"], cwd=work,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    with zipfile.ZipFile(work / "build" / "likestilling-nb-scorm12.zip") as zf:
        assert zf.namelist()[0] == "imsmanifest.xml"
        assert "assets/ilmpack.js" in zf.namelist()


def _build(python: Path | str, course: Path, out: Path, cache: Path) -> None:
    env = {**os.environ, "XDG_CACHE_HOME": str(cache), "SOURCE_DATE_EPOCH": "1700000000"}
    result = subprocess.run([str(python), "-m", "ilmpack", "build", course.name, "--format", "all", "--out", str(out)],
                            cwd=course.parent, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_wheel_ships_its_templates_compiled_and_builds_the_same_bytes(installed, tmp_path):
    """A first build from the wheel compiles none of ilmpack's templates (it carries them compiled),
    and writes byte for byte what a source checkout writes."""
    work = tmp_path / "work"
    shutil.copytree(SAMPLE, work / "kurs")
    _build(installed / "bin" / "python", work / "kurs", tmp_path / "wheel-out", tmp_path / "wheel-cache")
    _build(sys.executable, work / "kurs", tmp_path / "source-out", tmp_path / "source-cache")
    compiled = [p for p in (tmp_path / "wheel-cache").rglob("*") if p.is_file()]
    assert compiled == [], "the wheel's own templates were compiled again"
    assert [p for p in (tmp_path / "source-cache").rglob("*") if p.is_file()], "a source checkout compiles them"
    written = sorted(p.name for p in (tmp_path / "wheel-out").iterdir() if p.is_file())
    assert len(written) == 18  # nb, nn, en x scorm12, cmi5, tincan: a zip and a report each
    assert written == sorted(p.name for p in (tmp_path / "source-out").iterdir() if p.is_file())
    for name in written:
        assert (tmp_path / "wheel-out" / name).read_bytes() == (tmp_path / "source-out" / name).read_bytes(), name


def test_an_edited_installed_template_is_compiled_anew(wheel, tmp_path):
    """The compiled copy is used only for the very source it was made from: an installed template
    edited by hand (or an older compiled copy) is never taken for the shipped one."""
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    py = env_dir / "bin" / "python"
    site_packages = Path(subprocess.run([str(py), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                                        check=True, capture_output=True, text=True).stdout.strip())
    (site_packages / "ilmpack-test-dependencies.pth").write_text("\n".join(dependency_folders(wheel)) + "\n")
    subprocess.run([str(py), "-m", "pip", "install", "-q", "--no-deps", str(wheel)], check=True, capture_output=True)
    index = site_packages / "ilmpack" / "templates" / "index.html"
    index.write_text(index.read_text(encoding="utf-8").replace("</body>", "<!-- edited by hand --></body>"),
                     encoding="utf-8")
    shutil.copytree(SAMPLE, tmp_path / "kurs")
    _build(py, tmp_path / "kurs", tmp_path / "out", tmp_path / "cache")
    with zipfile.ZipFile(tmp_path / "out" / "likestilling-nb-scorm12.zip") as zf:
        assert "<!-- edited by hand -->" in zf.read("index.html").decode("utf-8")
    assert len([p for p in (tmp_path / "cache").rglob("*") if p.is_file()]) == 1  # index.html alone, compiled anew
