"""Building SCORM 1.2 packages: valid manifest, complete file list, reproducible and atomic zips."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import pytest
import yaml
from lxml import etree

from ilmpack.build import build_course
from ilmpack.errors import BuildError, CourseError
from ilmpack.xsd import CONTROL_FILES, schema_errors

from coursekit import ROOT, SAMPLE

NS = {"cp": "http://www.imsproject.org/xsd/imscp_rootv1p1p2", "adlcp": "http://www.adlnet.org/xsd/adlcp_rootv1p2",
      "md": "http://www.imsglobal.org/xsd/imsmd_rootv1p2p1"}
GOLDEN = Path(__file__).parent / "golden" / "likestilling-nb-imsmanifest.xml"


@pytest.fixture(scope="module")
def sample_zips(tmp_path_factory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("build")
    return {pkg.lang: pkg.path for pkg in build_course(SAMPLE, out).packages}


def manifest_of(zip_path: Path) -> etree._Element:
    with zipfile.ZipFile(zip_path) as zf:
        return etree.fromstring(zf.read("imsmanifest.xml"))


def test_one_package_per_language_named_by_id_and_lang(sample_zips):
    assert sorted(p.name for p in sample_zips.values()) == [
        "likestilling-en-scorm12.zip", "likestilling-nb-scorm12.zip", "likestilling-nn-scorm12.zip"]


@pytest.mark.parametrize("lang", ["nb", "nn", "en"])
def test_manifest_is_first_and_valid_against_the_xsds(sample_zips, lang):
    with zipfile.ZipFile(sample_zips[lang]) as zf:
        assert zf.namelist()[0] == "imsmanifest.xml"
        assert zf.testzip() is None
    assert schema_errors(manifest_of(sample_zips[lang])) == []


def test_manifest_structure(sample_zips):
    m = manifest_of(sample_zips["nb"])
    assert m.xpath("string(cp:metadata/cp:schema)", namespaces=NS) == "ADL SCORM"
    assert m.xpath("string(cp:metadata/cp:schemaversion)", namespaces=NS) == "1.2"
    default = m.xpath("string(cp:organizations/@default)", namespaces=NS)
    org = m.xpath("cp:organizations/cp:organization[@identifier=$d]", d=default, namespaces=NS)
    assert len(org) == 1, "the default organization must resolve"
    items = org[0].xpath(".//cp:item", namespaces=NS)
    assert len(items) == 1
    ref = items[0].get("identifierref")
    res = m.xpath("cp:resources/cp:resource[@identifier=$r]", r=ref, namespaces=NS)
    assert len(res) == 1
    assert res[0].get("{%s}scormtype" % NS["adlcp"]) == "sco"
    assert res[0].get("type") == "webcontent" and res[0].get("href") == "index.html"
    assert items[0].xpath("string(adlcp:masteryscore)", namespaces=NS) == "80"
    assert items[0].xpath("string(cp:title)", namespaces=NS) == "Likestilling, inkludering og mangfold"
    ids = m.xpath("//@identifier")
    assert len(ids) == len(set(ids))
    # Stable ids from course id + language: a re-upload updates the same course in the LMS.
    assert [m.get("identifier"), default, items[0].get("identifier"), ref] == [
        "MANIFEST-likestilling-nb", "ORG-likestilling-nb", "ITEM-likestilling-nb", "RES-likestilling-nb"]


@pytest.mark.parametrize("lang", ["nb", "nn"])
def test_manifest_states_title_language_and_description_as_lom(sample_zips, lang):
    """LMS catalogues (and `ilmpack check`) read what the package is about from the LOM record."""
    general = manifest_of(sample_zips[lang]).xpath("cp:metadata/md:lom/md:general", namespaces=NS)[0]
    course = yaml.safe_load((SAMPLE / "course.yaml").read_text(encoding="utf-8"))
    assert general.xpath("string(md:language)", namespaces=NS) == lang
    for tag in ("title", "description"):
        langstring = general.xpath(f"md:{tag}/md:langstring", namespaces=NS)[0]
        assert langstring.get("{http://www.w3.org/XML/1998/namespace}lang") == lang
        assert langstring.text == course[tag][lang]


def element_facts(tree: etree._Element) -> list[tuple]:
    """Every element as (path, sorted attributes, stripped text): an order-aware, byte-blind view."""
    out = []
    for el in tree.iter():
        path = etree.ElementTree(tree).getpath(el)
        out.append((path, el.tag, sorted(el.attrib.items()), (el.text or "").strip()))
    return out


def test_manifest_matches_golden_file(sample_zips, request):
    built = manifest_of(sample_zips["nb"])
    if request.config.getoption("--update-golden"):
        GOLDEN.write_bytes(etree.tostring(built, xml_declaration=True, encoding="UTF-8", pretty_print=True))
    assert element_facts(built) == element_facts(etree.parse(str(GOLDEN)).getroot())


@pytest.mark.parametrize("lang", ["nb", "nn", "en"])
def test_every_file_listed_once_and_none_missing(sample_zips, lang):
    m = manifest_of(sample_zips[lang])
    listed = m.xpath("//cp:file/@href", namespaces=NS)
    assert len(listed) == len(set(listed))
    with zipfile.ZipFile(sample_zips[lang]) as zf:
        names = set(zf.namelist())
    package_level = {"imsmanifest.xml", *CONTROL_FILES}
    assert set(listed) == names - package_level
    assert {"index.html", "assets/ilmpack.js", "assets/ilmpack.css", "media/arbeidsmate.svg"} <= set(listed)


def test_control_schemas_shipped_verbatim_at_root(sample_zips):
    with zipfile.ZipFile(sample_zips["nb"]) as zf:
        for name in CONTROL_FILES:
            assert zf.read(name) == (ROOT / "schemas" / "scorm12" / name).read_bytes()


def test_rebuild_is_byte_identical(sample_zips, tmp_path):
    again = build_course(SAMPLE, tmp_path, langs=["nb"]).packages[0].path
    assert again.read_bytes() == sample_zips["nb"].read_bytes()


def test_source_date_epoch_sets_entry_times(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")  # 2026-01-01 00:00:00 UTC
    path = build_course(SAMPLE, tmp_path, langs=["nb"]).packages[0].path
    with zipfile.ZipFile(path) as zf:
        assert {i.date_time for i in zf.infolist()} == {(2026, 1, 1, 0, 0, 0)}
        assert {i.external_attr >> 16 for i in zf.infolist()} == {0o100644}


def test_compressed_media_stored_text_deflated(make_course, tmp_path):
    from coursekit import PAGE_NB, TEST_NB

    page = PAGE_NB + "\n![Et bilde](../media/foto.png)\n"
    root = make_course(files={"nb/01-start.md": page, "nb/02-test.md": TEST_NB, "media/foto.png": b"\x89PNG" + b"0" * 5000})
    path = build_course(root, tmp_path / "out").packages[0].path
    with zipfile.ZipFile(path) as zf:
        kinds = {i.filename: i.compress_type for i in zf.infolist()}
    assert kinds["media/foto.png"] == zipfile.ZIP_STORED
    assert kinds["index.html"] == zipfile.ZIP_DEFLATED


def test_launch_page_rewrites_media_and_embeds_config(sample_zips):
    with zipfile.ZipFile(sample_zips["nn"]) as zf:
        html = zf.read("index.html").decode("utf-8")
    assert 'src="media/arbeidsmate.svg"' in html
    assert "../media/" not in html
    assert 'id="ilmpack-config"' in html and '<html lang="nn"' in html
    assert "Kvifor dette gjeld deg" in html  # the nynorsk module title



def test_english_package_is_in_english_with_english_media_only(sample_zips):
    with zipfile.ZipFile(sample_zips["en"]) as zf:
        names = set(zf.namelist())
        html = zf.read("index.html").decode("utf-8")
        handout = zf.read("handouts/samtale-tjenesten-var.html").decode("utf-8")
    assert {n for n in names if n.startswith("media/")} == {
        "media/arbeidsmate.svg", "media/likeverdige-plakat-en.png", "media/likeverdige-en.mp4", "media/likeverdige-en.vtt",
        "media/likeverdige-synstolket-en.mp4", "media/likeverdige-synstolket-en.vtt", "media/intervju-en.m4a"}
    assert '<html lang="en"' in html and '<html lang="en"' in handout
    assert '<track kind="captions" src="media/likeverdige-en.vtt" srclang="en" label="English" default>' in html
    assert "Why this concerns you" in html and "Who is our service made for?" in handout
    m = manifest_of(sample_zips["en"])
    assert m.xpath("string(//cp:item/cp:title)", namespaces=NS) == "Equality, inclusion and diversity"


@pytest.mark.parametrize("lang", ["nb", "nn", "en"])
def test_sample_film_captions_are_the_words_of_its_transcript(lang):
    """Each caption cue, of the film and of its described version, is said or shown in the page's transcript."""
    page = (SAMPLE / lang / "07-film.md").read_text(encoding="utf-8")
    transcript = " ".join(yaml.safe_load(page.split("```film\n")[1].split("```")[0])["transcript"].split())
    for name in (f"likeverdige-{lang}.vtt", f"likeverdige-synstolket-{lang}.vtt"):
        cues = (SAMPLE / "media" / name).read_text(encoding="utf-8").split("\n\n")[1:]
        texts = [" ".join(c.strip().splitlines()[2:]) for c in cues if c.strip()]
        assert len(texts) >= 12
        assert [t for t in texts if t not in transcript] == [], name


def test_sample_media_stay_small():
    """The brief: media small enough that the repository stays under 5 MB with three languages."""
    sizes = {p.name: p.stat().st_size for p in (SAMPLE / "media").iterdir() if p.suffix != ".py"}
    assert sum(sizes.values()) < 3_000_000, sizes
    assert {name: size for name, size in sizes.items() if size > 400_000} == {}

def test_failed_build_keeps_the_previous_package(make_course, tmp_path):
    root = make_course()
    out = tmp_path / "out"
    good = build_course(root, out).packages[0].path
    before = good.read_bytes()
    (root / "course.yaml").write_text("id: demo\ntitle: [\n", encoding="utf-8")
    with pytest.raises(CourseError):
        build_course(root, out)
    assert good.read_bytes() == before
    assert sorted(p.name for p in out.iterdir()) == [".cache", "demo-nb-scorm12.a11y.md", good.name]


def test_disk_full_while_zipping_keeps_the_previous_package(make_course, tmp_path, monkeypatch):
    import errno

    from coursekit import PAGE_NB, TEST_NB

    page = PAGE_NB + "\n![Et bilde](../media/foto.png)\n"
    root = make_course(files={"nb/01-start.md": page, "nb/02-test.md": TEST_NB, "media/foto.png": b"\x89PNG" * 100})
    out = tmp_path / "out"
    good = build_course(root, out).packages[0].path
    before = good.read_bytes()

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(shutil, "copyfileobj", full)
    with pytest.raises(BuildError) as info:
        build_course(root, out, cache=False)  # nothing changed: only an uncached build writes again
    assert str(info.value.message).endswith("No space left on device; the previous package, if any, is unchanged")
    assert good.read_bytes() == before
    assert sorted(p.name for p in out.iterdir()) == [".cache", "demo-nb-scorm12.a11y.md", good.name]


def test_a_folder_build_holds_what_the_zip_holds_and_replaces_the_last_one(make_course, tmp_path):
    root = make_course()
    zipped = build_course(root, tmp_path / "zip", cache=False).packages[0]
    first = build_course(root, tmp_path / "dir", folder=True).packages[0]
    assert first.path == tmp_path / "dir" / "demo-nb-scorm12" and first.path.is_dir()
    with zipfile.ZipFile(zipped.path) as zf:
        expected = {name: zf.read(name) for name in zf.namelist()}
    files = {p.relative_to(first.path).as_posix(): p.read_bytes() for p in first.path.rglob("*") if p.is_file()}
    assert files == expected
    assert first.report.read_text(encoding="utf-8").replace("demo-nb-scorm12.zip", "demo-nb-scorm12") == \
        zipped.report.read_text(encoding="utf-8").replace("demo-nb-scorm12.zip", "demo-nb-scorm12")
    page = root / "nb" / "01-start.md"
    page.write_text(page.read_text(encoding="utf-8") + "\nNy setning.\n", encoding="utf-8")
    (first.path / "stale.txt").write_text("from the last build", encoding="utf-8")
    second = build_course(root, tmp_path / "dir", folder=True).packages[0]
    assert not (second.path / "stale.txt").exists()
    assert b"Ny setning." in (second.path / "index.html").read_bytes()
    assert sorted(p.name for p in (tmp_path / "dir").iterdir()) == [".cache", "demo-nb-scorm12", "demo-nb-scorm12.a11y.md"]
