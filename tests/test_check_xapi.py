"""`ilmpack check` on cmi5 and TinCan packages: their XSD and the rules it cannot state."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from ilmpack.build import build_course
from ilmpack.check import inspect_package
from ilmpack.cli import main

from coursekit import SAMPLE


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("xapi-check")
    return {p.format: p.path for p in build_course(SAMPLE, out, fmt="all", langs=["nb"]).packages}


def rewrite(src: Path, dest: Path, name: str, edit) -> Path:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            zout.writestr(info, edit(data.decode()).encode() if info.filename == name else data)
    return dest


@pytest.mark.parametrize("fmt, standard", [("scorm12", "SCORM 1.2"), ("cmi5", "cmi5"), ("tincan", "TinCan")])
def test_ilmpacks_own_packages_pass_and_are_named(built, fmt, standard):
    assert inspect_package(built[fmt]) == (standard, [])
    result = CliRunner().invoke(main, ["check", str(built[fmt])])
    assert result.exit_code == 0
    assert f"\n  standard:      {standard}\n" in result.output


def test_summary_of_a_cmi5_package(built):
    from ilmpack.check import package_summary

    summary = package_summary(built["cmi5"])
    assert (summary["title"], summary["standard"], summary["languages"], summary["mastery_score"]) == (
        "Likestilling, inkludering og mangfold", "cmi5", ["en", "nb", "nn"], 80)


def test_unzipped_folder_is_checked_too(built, tmp_path):
    with zipfile.ZipFile(built["cmi5"]) as zf:
        zf.extractall(tmp_path / "pakke")
    (tmp_path / "pakke" / "index.html").unlink()
    standard, problems = inspect_package(tmp_path / "pakke")
    assert standard == "cmi5"
    assert [p.message for p in problems] == ["'index.html': no such file in the package"]


def test_cmi5_root_in_another_namespace_stops_early(built, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    rewrite(built["cmi5"], tmp_path / "p.zip", "cmi5.xml",
            lambda t: t.replace("https://w3id.org/xapi/profiles/cmi5/v1/CourseStructure.xsd", "urn:cmi5"))
    _, problems = inspect_package("p.zip")
    assert [str(p) for p in problems] == [
        "p.zip:cmi5.xml:2: the root element is 'courseStructure' in namespace 'urn:cmi5'; a cmi5.xml has "
        "'courseStructure' in https://w3id.org/xapi/profiles/cmi5/v1/CourseStructure.xsd"]


def test_tincan_without_a_launchable_activity(built, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    rewrite(built["tincan"], tmp_path / "p.zip", "tincan.xml",
                  lambda t: t.replace('<launch lang="nb">index.html</launch>', ""))
    _, problems = inspect_package("p.zip")
    assert [str(p) for p in problems] == [
        "p.zip:tincan.xml:2: activity/launch: no activity has a <launch>; an LMS has nothing to start: give the "
        "course activity <launch>index.html</launch>"]


def test_tincan_absolute_launch_must_be_a_web_address(built, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    rewrite(built["tincan"], tmp_path / "p.zip", "tincan.xml",
                  lambda t: t.replace('<launch lang="nb">index.html</launch>', '<launch lang="nb">file:index.html</launch>'))
    _, problems = inspect_package("p.zip")
    assert [p.message for p in problems] == ["'file:index.html' is not a web address (http or https); a browser cannot launch it"]
