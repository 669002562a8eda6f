"""cmi5 and TinCan packages: descriptors valid against their XSDs, stable absolute ids, definitions."""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from ilmpack.build import build_course, check_course
from ilmpack.errors import UsageProblem
from ilmpack.xsd import xapi_schema_errors

from coursekit import PAGE_NB, SAMPLE, course_data

C5 = {"c": "https://w3id.org/xapi/profiles/cmi5/v1/CourseStructure.xsd"}
TC = {"t": "http://projecttincan.com/tincan.xsd"}


@pytest.fixture(scope="module")
def all_zips(tmp_path_factory) -> dict[tuple[str, str], Path]:
    out = tmp_path_factory.mktemp("all")
    return {(p.format, p.lang): p.path for p in build_course(SAMPLE, out, fmt="all").packages}


def read(zip_path: Path, name: str) -> bytes:
    with zipfile.ZipFile(zip_path) as zf:
        return zf.read(name)


def config_of(zip_path: Path) -> dict:
    html = read(zip_path, "index.html").decode()
    return json.loads(re.search(r'id="ilmpack-config">(.*?)</script>', html, re.S).group(1))


def test_format_all_writes_every_format_for_every_language_named_by_format(all_zips):
    assert sorted(p.name for p in all_zips.values()) == [
        f"likestilling-{lang}-{fmt}.zip" for lang in ("en", "nb", "nn") for fmt in ("cmi5", "scorm12", "tincan")]


def test_unknown_format_names_the_choices(tmp_path):
    with pytest.raises(UsageProblem) as e:
        build_course(SAMPLE, tmp_path, fmt="aicc")
    assert str(e.value.format_message()) == "unknown format 'aicc'; choose one of scorm12, cmi5, tincan or all"


@pytest.mark.parametrize("lang", ["nb", "nn", "en"])
def test_cmi5_xml_at_the_root_valid_against_course_structure_xsd(all_zips, lang):
    with zipfile.ZipFile(all_zips[("cmi5", lang)]) as zf:
        assert zf.namelist()[0] == "cmi5.xml"
        assert "imsmanifest.xml" not in zf.namelist()
        assert {"index.html", "assets/ilmpack.js"} <= set(zf.namelist())
    tree = etree.fromstring(read(all_zips[("cmi5", lang)], "cmi5.xml"))
    assert xapi_schema_errors("cmi5", tree) == []


def test_cmi5_ids_moveon_mastery_and_every_language(all_zips):
    tree = etree.fromstring(read(all_zips[("cmi5", "nn")], "cmi5.xml"))
    course = tree.find("c:course", C5)
    au = tree.find("c:au", C5)
    assert course.get("id") == "https://ilmpack.invalid/courses/likestilling/nn"
    assert au.get("id") == "https://ilmpack.invalid/courses/likestilling/nn/au"
    assert (au.get("moveOn"), au.get("masteryScore"), au.get("launchMethod")) == ("Passed", "0.8", "AnyWindow")
    assert au.findtext("c:url", namespaces=C5) == "index.html"
    # the package's own language first, then the others
    assert [ls.get("lang") for ls in au.findall("c:title/c:langstring", C5)] == ["nn", "nb", "en"]
    assert au.findtext("c:title/c:langstring[@lang='nb']", namespaces=C5) == "Likestilling, inkludering og mangfold"
    assert len(course.findall("c:description/c:langstring", C5)) == 3


def test_cmi5_without_a_test_moves_on_completed_without_mastery(make_course, tmp_path):
    data = course_data(completion={"pages": 100, "test": "none"}, xapi={"iri_base": "https://kurs.example.no/e-laering"})
    data.pop("mastery_score")
    data["modules"][0]["pages"] = ["01-start.md"]
    root = make_course(data, files={"nb/01-start.md": PAGE_NB})
    result = build_course(root, tmp_path / "out", fmt="cmi5")
    assert result.warnings == ()
    au = etree.fromstring(read(result.packages[0].path, "cmi5.xml")).find("c:au", C5)
    assert (au.get("id"), au.get("moveOn"), au.get("masteryScore")) == (
        "https://kurs.example.no/e-laering/demo/nb/au", "Completed", None)


def test_iri_base_missing_is_one_warning_that_says_what_to_do(tmp_path):
    warnings = check_course(SAMPLE, "all").warnings
    assert [str(w) for w in warnings if "iri_base" in w.message] == [
        "courses/likestilling/course.yaml:1:5: warning: id: xapi.iri_base is not set, so the cmi5 and TinCan ids are "
        "made under https://ilmpack.invalid/courses/, which any publisher could use: add 'xapi: {iri_base: "
        "https://<a web address your organisation controls>/}' to course.yaml before the first upload (the ids "
        "must never change once learners have results)"]
    assert not [w for w in check_course(SAMPLE, "scorm12").warnings if "iri_base" in w.message]


def test_iri_base_must_be_a_web_address(make_course):
    from ilmpack.errors import CourseError

    make_course(course_data(xapi={"iri_base": "kurs.example.no"}))
    with pytest.raises(CourseError) as e:
        check_course("demo", "cmi5")
    assert str(e.value.problems[0]).startswith(
        "demo/course.yaml:21:13: xapi.iri_base: 'kurs.example.no' must be a web address your organisation controls")


@pytest.mark.parametrize("lang", ["nb", "nn", "en"])
def test_tincan_xml_valid_with_one_launchable_activity(all_zips, lang):
    tree = etree.fromstring(read(all_zips[("tincan", lang)], "tincan.xml"))
    assert xapi_schema_errors("tincan", tree) == []
    launchable = tree.xpath("//t:activity[t:launch or t:resource]", namespaces=TC)
    assert len(launchable) == 1
    assert launchable[0].get("id") == f"https://ilmpack.invalid/courses/likestilling/{lang}"
    assert launchable[0].get("type") == "http://adlnet.gov/expapi/activities/course"
    assert launchable[0].findtext("t:launch", namespaces=TC) == "index.html"


def test_tincan_lists_each_question_with_the_id_the_runtime_uses(all_zips):
    tree = etree.fromstring(read(all_zips[("tincan", "nb")], "tincan.xml"))
    ids = tree.xpath("//t:activity[t:interactionType]/@id", namespaces=TC)
    config = config_of(all_zips[("tincan", "nb")])
    base = "https://ilmpack.invalid/courses/likestilling/nb"
    expected = [f"{base}/test/{q['page']}/question/{qid}" if q["scored"] else f"{base}/question/{qid}"
                for qid, q in config["questions"].items()]
    assert sorted(ids) == sorted(expected)
    multiple = tree.xpath("//t:activity[contains(@id, '/t-grunnlag')]", namespaces=TC)[0]
    assert multiple.findtext("t:correctResponsePatterns/t:correctResponsePattern", namespaces=TC) == "a[,]c[,]e"
    assert multiple.xpath("count(t:choices/t:component)", namespaces=TC) >= 5


def test_runtime_config_carries_interaction_definitions_in_every_language(all_zips):
    config = config_of(all_zips[("cmi5", "nb")])
    d = config["xapi"]["interactions"]["t-grunnlag"]
    assert d["interactionType"] == "choice"
    assert d["type"] == "http://adlnet.gov/expapi/activities/cmi.interaction"
    assert set(d["name"]) == {"nb", "nn", "en"}
    assert d["correctResponsesPattern"] == ["a[,]c[,]e"]
    assert all(set(c["description"]) == {"nb", "nn", "en"} for c in d["choices"])
    tf = config["xapi"]["interactions"]["q-uten-funn"]
    assert (tf["interactionType"], tf["correctResponsesPattern"]) == ("true-false", ["false"])
    assert config["xapi"]["course"] == "https://ilmpack.invalid/courses/likestilling/nb"


def test_state_saved_by_one_format_restores_in_another(all_zips):
    """The xapi entry is not structure: the fingerprint is the same in every format and language."""
    prints = {config_of(path)["fingerprint"] for path in all_zips.values()}
    assert len(prints) == 1


def test_runtime_assembles_the_xapi_helper_before_the_adapter(all_zips):
    js = read(all_zips[("tincan", "nb")], "assets/ilmpack.js").decode()
    order = [js.index(f"==== runtime/{p} ====") for p in ("core.js", "lms/xapi.js", "lms/tincan.js", "lms/none.js")]
    assert order == sorted(order)
    assert js.rstrip().endswith('ILM.boot("tincan");\n})();'.rstrip())
    assert "lms/xapi.js" not in read(all_zips[("scorm12", "nb")], "assets/ilmpack.js").decode()


EVERY_KIND = Path(__file__).resolve().parent / "fixtures" / "every-kind"


def test_every_question_kind_has_a_full_definition_that_xapi_validation_accepts(tmp_path):
    """Choices, source/target, steps as choices, scale, patterns in xAPI syntax; checked by npm's validator."""
    import os
    import shutil
    import subprocess

    pkg = build_course(EVERY_KIND, tmp_path, fmt="tincan").packages[0].path
    tree = etree.fromstring(read(pkg, "tincan.xml"))
    assert xapi_schema_errors("tincan", tree) == []
    config = config_of(pkg)
    definitions = config["xapi"]["interactions"]
    assert set(definitions) == set(config["questions"])
    types = {config["questions"][qid]["kind"]: d for qid, d in definitions.items()}
    assert types["matching"]["interactionType"] == "matching" and types["matching"]["source"] and types["matching"]["target"]
    assert types["ordering"]["interactionType"] == "sequencing"
    assert types["likert"]["scale"] and "correctResponsesPattern" not in types["likert"]
    assert types["fill-in"]["correctResponsesPattern"][0].startswith(("{case_matters=false}", ""))
    node = shutil.which("node")
    if not node:
        if os.environ.get("CI"):
            pytest.fail("Node.js is not installed (CI is set, so the validator must run)", pytrace=False)
        pytest.skip("Node.js is not installed")
    statements = [{"actor": {"mbox": "mailto:kari@example.org"}, "verb": {"id": "http://adlnet.gov/expapi/verbs/answered"},
                   "object": {"objectType": "Activity", "id": f"https://kurs.example.no/q/{qid}", "definition": d}}
                  for qid, d in definitions.items()]
    validator = Path(__file__).resolve().parent / "browser" / "xapi_validate.js"
    out = subprocess.run([node, str(validator)], input=json.dumps(statements), capture_output=True, text=True,
                         check=True, timeout=60).stdout
    assert json.loads(out) == []
