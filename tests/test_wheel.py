"""The built wheel carries schemas, templates and runtime, and builds a course from anywhere."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import venv
import zipfile

import pytest

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


def test_installed_wheel_builds_a_course_from_another_folder(wheel, tmp_path):
    env_dir = tmp_path / "venv"
    # System site-packages give the dependencies without a download; the wheel itself is
    # installed into the venv, which comes first on sys.path.
    venv.EnvBuilder(system_site_packages=True, with_pip=True).create(env_dir)
    py = env_dir / "bin" / "python"
    subprocess.run([str(py), "-m", "pip", "install", "-q", "--no-deps", str(wheel)], check=True, capture_output=True)
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
